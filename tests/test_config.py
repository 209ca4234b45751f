"""Settings from the environment, with the defaults the contract names."""

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_defaults_follow_the_contract() -> None:
    settings = Settings()

    assert settings.secrets_prefix == "twitter-bots"
    assert settings.x_api_base_url == "https://api.x.com"
    assert settings.public_base_url is None
    assert settings.app_secret_id == "twitter-bots/app"


def test_urls_lose_their_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_API_BASE_URL", "https://api.x.com/")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://birdhouse.example.com/")

    settings = Settings()

    assert settings.x_api_base_url == "https://api.x.com"
    assert settings.public_base_url == "https://birdhouse.example.com"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRETS_PREFIX", "bots with spaces"),
        ("SECRETS_PREFIX", "trailing/"),
        ("X_API_BASE_URL", "api.twitter.com"),
        ("PUBLIC_BASE_URL", "/relative"),
        ("X_TIMEOUT_SECONDS", "0"),
    ],
)
def test_bad_settings_fail_fast_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError, match=variable.lower()):
        Settings()


def test_settings_repr_hides_secret_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSUMER_SECRET", "cs-should-not-be-printed")

    assert "cs-should-not-be-printed" not in repr(Settings())
