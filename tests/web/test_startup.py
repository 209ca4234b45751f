"""Under uvicorn, start-up says in one line what the setup lacks, instead of a 503 later."""

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.adapters.secrets_manager import create_secrets_client
from app.main import app
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET

_STARTUP_LOGGER = "app.web.startup"


def _start_up(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Start the app as uvicorn does (its lifespan), answer /healthz, and return what it said."""
    with caplog.at_level(logging.INFO, logger="app"), TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    return [record.getMessage() for record in caplog.records if record.name == _STARTUP_LOGGER]


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    create_secrets_client.cache_clear()
    yield
    create_secrets_client.cache_clear()


def test_start_up_without_a_region_says_so_in_one_line(
    no_region: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert _start_up(caplog) == [
        "Birdhouse is up, but cannot onboard yet: "
        "No AWS region: set AWS_DEFAULT_REGION or AWS_REGION"
    ]


def test_start_up_without_the_app_secret_names_bootstrap_and_the_variables(
    aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert _start_up(caplog) == [
        "Birdhouse is up, but cannot onboard yet: The app secret 'twitter-bots/app' does not "
        "exist: create it with 'python -m app bootstrap', or set CONSUMER_KEY, "
        "CONSUMER_SECRET, ADMIN_TOKEN, SIGNING_KEY"
    ]


def test_start_up_names_what_is_missing_and_prints_no_secret(
    aws: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CONSUMER_KEY", CONSUMER_KEY)
    monkeypatch.setenv("CONSUMER_SECRET", CONSUMER_SECRET)

    (said,) = _start_up(caplog)

    assert said.endswith("or set ADMIN_TOKEN, SIGNING_KEY")
    assert CONSUMER_KEY not in caplog.text
    assert CONSUMER_SECRET not in caplog.text


def test_start_up_with_everything_in_place_says_nothing(
    app_secret_stored: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert _start_up(caplog) == []


def test_start_up_with_an_invalid_setting_says_which(
    aws: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SECRETS_PREFIX", "no spaces allowed")

    (said,) = _start_up(caplog)

    assert said.startswith(
        "Birdhouse is up, but cannot onboard yet: 1 setting(s) not valid, first SECRETS_PREFIX:"
    )
