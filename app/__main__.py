"""`python -m app`: the Birdhouse command line."""

import sys

from app.cli import main

sys.exit(main())
