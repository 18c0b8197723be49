"""``python -m devkit.web``."""

import sys

from devkit.web.server import main

sys.exit(main())
