"""Deployment settings, read once from the environment.

The Settings class is in app.settings and loads on first use: pydantic-settings costs a cold
start about 4 % of its import floor, and /healthz, for one, never reads a setting.
`from app.config import Settings` keeps working (and loads it then).
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

# Outside Lambda, absolute URLs may come from these hosts without ALLOWED_HOSTS.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Set by `make dev` for its child server and echoed by /healthz in INSTANCE_HEADER: the answer
# proves the launcher reached its own Birdhouse, not whatever else listens on the port.
INSTANCE_ID_VARIABLE = "BIRDHOUSE_INSTANCE_ID"
INSTANCE_HEADER = "X-Birdhouse-Instance"

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
