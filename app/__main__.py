"""`python -m app`: the Birdhouse command line."""

import sys

from app.env_file import load_env_file

# Before anything reads settings or creates an AWS client (AWS_PROFILE, AWS_DEFAULT_REGION).
load_env_file()

from app.cli import main  # noqa: E402 - the environment first

sys.exit(main())
