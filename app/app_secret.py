"""The app secret: X consumer keys, the admin token and the signing key."""

import threading
from dataclasses import dataclass, field

from app.adapters.secrets_manager import AppSecretSource
from app.config import Settings
from app.errors import AppSecretError

APP_SECRET_KEYS = ("consumer_key", "consumer_secret", "admin_token", "signing_key")
# Values copied from docs or templates rather than generated.
_PLACEHOLDERS = {"changethis", "change-me", "changeme", "secret", "xxx", "todo", "placeholder"}
_MIN_GENERATED_LENGTH = 16
# X's consumer keys are 25 characters and their secrets 50: anything much shorter was cut off.
MIN_CONSUMER_KEY_LENGTH = 16


@dataclass(frozen=True)
class AppSecret:
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    admin_token: str = field(repr=False)
    signing_key: str = field(repr=False)


_cache: dict[str, AppSecret] = {}
_cache_lock = threading.Lock()


def looks_like_placeholder(value: str, *, min_length: int) -> bool:
    """Copied from a template or cut short, rather than the real thing."""
    return value.lower() in _PLACEHOLDERS or len(value) < min_length


def load_app_secret(*, settings: Settings, source: AppSecretSource) -> AppSecret:
    """Read once per container; environment variables override single keys."""
    with _cache_lock:
        cached = _cache.get(settings.app_secret_id)
        if cached is None:
            cached = _cache[settings.app_secret_id] = _read_app_secret(settings, source)
        return cached


def clear_app_secret_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _read_app_secret(settings: Settings, source: AppSecretSource) -> AppSecret:
    secret_id = settings.app_secret_id
    overrides = {
        key: value.get_secret_value()
        for key in APP_SECRET_KEYS
        if (value := getattr(settings, key)) is not None and value.get_secret_value()
    }
    stored: dict[str, object] = {}
    if len(overrides) < len(APP_SECRET_KEYS):
        found = source.read_app_secret(secret_id)
        if found is None:
            missing = [key.upper() for key in APP_SECRET_KEYS if key not in overrides]
            raise AppSecretError(
                f"The app secret {secret_id!r} does not exist: create it with "
                f"'python -m app bootstrap', or set {', '.join(missing)}"
            )
        stored = found
    merged = {key: str(stored[key]) for key in APP_SECRET_KEYS if stored.get(key)}
    merged.update(overrides)
    for key in APP_SECRET_KEYS:
        if not merged.get(key):
            raise AppSecretError(
                f"The app secret {secret_id!r} has no {key!r}: "
                f"add it to that secret or set {key.upper()}"
            )
    for key in ("admin_token", "signing_key"):
        value = merged[key]
        if looks_like_placeholder(value, min_length=_MIN_GENERATED_LENGTH):
            raise AppSecretError(
                f"The {key!r} in {secret_id!r} looks like a placeholder: "
                f"use at least {_MIN_GENERATED_LENGTH} random characters"
            )
    return AppSecret(**merged)
