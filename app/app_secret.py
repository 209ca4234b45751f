"""The app secret: X consumer keys, the admin token, the signing key and earlier signing keys.

Read with a time-to-live (APP_SECRET_TTL_SECONDS, default 300), so a rotated admin token or
signing key takes effect on every warm container within the TTL. When X refuses the app's
consumer key at the start of an onboarding (the request-token call), the secret is read again
at once, but at most once per REFRESH_INTERVAL: anonymous traffic cannot turn into a stream of
Secrets Manager calls.
"""

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.core.app_secret import (
    APP_SECRET_KEYS,
    MIN_GENERATED_LENGTH,
    OAUTH2_CLIENT_KEYS,
    PREVIOUS_SIGNING_KEYS,
    AppSecret,
    AppSecretSource,
    looks_like_placeholder,
)
from app.core.errors import AppSecretError

if TYPE_CHECKING:
    from app.config import Settings

REFRESH_INTERVAL_SECONDS = 30.0


class AppSecretCache:
    """The app secret per secret id, each with the moment it was read."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._entries: dict[str, tuple[float, AppSecret]] = {}
        self._last_forced: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, settings: "Settings", source: AppSecretSource) -> AppSecret:
        with self._lock:
            entry = self._entries.get(settings.app_secret_id)
            now = self.clock()
            if entry is None or now - entry[0] >= settings.app_secret_ttl_seconds:
                entry = (now, _read_app_secret(settings, source))
                self._entries[settings.app_secret_id] = entry
            return entry[1]

    def refresh(self, settings: "Settings", source: AppSecretSource) -> AppSecret | None:
        """Read again now, unless that was done less than REFRESH_INTERVAL_SECONDS ago."""
        with self._lock:
            now = self.clock()
            last = self._last_forced.get(settings.app_secret_id)
            if last is not None and now - last < REFRESH_INTERVAL_SECONDS:
                return None
            self._last_forced[settings.app_secret_id] = now
            secret = _read_app_secret(settings, source)
            self._entries[settings.app_secret_id] = (now, secret)
            return secret

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._last_forced.clear()


# One per container, like the Secrets Manager client.
CACHE = AppSecretCache()


def load_app_secret(*, settings: "Settings", source: AppSecretSource) -> AppSecret:
    """The cached app secret, read again after its TTL; environment variables override keys."""
    return CACHE.get(settings, source)


def refresh_app_secret(*, settings: "Settings", source: AppSecretSource) -> AppSecret | None:
    """After X refused the consumer key: maybe it was rotated. None if refreshed just now."""
    return CACHE.refresh(settings, source)


def clear_app_secret_cache() -> None:
    CACHE.clear()


def _read_app_secret(settings: "Settings", source: AppSecretSource) -> AppSecret:
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
        if looks_like_placeholder(value, min_length=MIN_GENERATED_LENGTH):
            raise AppSecretError(
                f"The {key!r} in {secret_id!r} looks like a placeholder: "
                f"use at least {MIN_GENERATED_LENGTH} random characters"
            )
    previous = stored.get(PREVIOUS_SIGNING_KEYS) or []
    if not isinstance(previous, list) or not all(isinstance(k, str) and k for k in previous):
        raise AppSecretError(
            f"The {PREVIOUS_SIGNING_KEYS!r} in {secret_id!r} must be a list of keys"
        )
    if any(looks_like_placeholder(key, min_length=MIN_GENERATED_LENGTH) for key in previous):
        raise AppSecretError(
            f"A key in {PREVIOUS_SIGNING_KEYS!r} of {secret_id!r} looks like a placeholder: "
            f"each must be at least {MIN_GENERATED_LENGTH} random characters"
        )
    client = {
        key: value
        for key in OAUTH2_CLIENT_KEYS
        if (value := _override(settings, key) or str(stored.get(key) or ""))
    }
    return AppSecret(**merged, previous_signing_keys=tuple(previous), **client)


def _override(settings: "Settings", key: str) -> str:
    value = getattr(settings, key, None)
    return value.get_secret_value() if value is not None else ""
