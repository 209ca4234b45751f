"""Deployment settings, read once from the environment.

The Settings class is in app.settings and loads on first use: pydantic-settings costs a cold
start about 4 % of its import floor, and /healthz, for one, never reads a setting.
`from app.config import Settings` keeps working (and loads it then).
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.settings import Settings as Settings


@lru_cache
def get_settings() -> "Settings":
    from app.settings import Settings

    return Settings()


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from app.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
