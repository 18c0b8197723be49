"""``python -m devkit.emulator.calendar``."""

from __future__ import annotations

import sys

from devkit.emulator.calendar.server import main

sys.exit(main())
