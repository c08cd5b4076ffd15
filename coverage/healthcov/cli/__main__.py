"""``python -m healthcov.cli``."""

import sys

from . import main

sys.exit(main())
