"""``python -m devkit.emulator``."""

from __future__ import annotations

import sys

from devkit.emulator.server import main

sys.exit(main())
