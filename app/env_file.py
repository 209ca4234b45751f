"""The repository's `.env`, loaded into the process environment by the local entry points.

`make dev`, `make run` and `python -m app` call `load_env_file()` first, so pydantic settings,
boto3 (AWS_PROFILE, AWS_DEFAULT_REGION) and the dev launcher all read one and the same
environment. Variables already set win over the file. Lambda never loads one.
"""

import os
from pathlib import Path

from dotenv import dotenv_values

# BIRDHOUSE_ENV_FILE points elsewhere (the tests point it at an empty temporary path).
ENV_FILE_VARIABLE = "BIRDHOUSE_ENV_FILE"
_REPOSITORY_ENV_FILE = Path(__file__).resolve().parents[1] / ".env"


def env_file_path() -> Path:
    configured = os.environ.get(ENV_FILE_VARIABLE)
    return Path(configured) if configured else _REPOSITORY_ENV_FILE


def load_env_file(path: Path | None = None) -> list[str]:
    """Set every variable the file names and the environment lacks; return their names."""
    path = path or env_file_path()
    if not path.is_file():
        return []
    loaded = []
    for name, value in dotenv_values(path).items():
        # `NAME=` in the file sets an empty value; a bare `NAME` line sets nothing.
        if value is not None and name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded
