"""Absolute URLs outside Lambda: plain uvicorn, behind a proxy prefix, or configured; and only
for hosts Birdhouse trusts, since a forged Host header would otherwise write the links."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import app
from tests.support.constants import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_local_uvicorn_links_use_the_request_host(app_secret_stored: Any) -> None:
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("http://127.0.0.1:8000/onboard?invite=")


def test_root_path_from_a_proxy_is_kept(
    app_secret_stored: Any, use_settings: Callable[..., Settings]
) -> None:
    use_settings(allowed_hosts=frozenset({"tools.example.com"}))

    with TestClient(app, base_url="https://tools.example.com", root_path="/birdhouse") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("https://tools.example.com/birdhouse/onboard?invite=")


def test_configured_public_base_url_wins_everywhere(
    app_secret_stored: Any, use_settings: Callable[..., Settings]
) -> None:
    use_settings(public_base_url="https://birdhouse.example.com/prod")

    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("https://birdhouse.example.com/prod/onboard?invite=")


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"])
def test_loopback_hosts_are_trusted_by_default(app_secret_stored: Any, host: str) -> None:
    with TestClient(app) as client:
        answer = client.post("/invites", headers={**AUTH, "Host": host})

    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/invites"), ("GET", "/onboard?invite=x"), ("GET", "/accounts"), ("GET", "/")],
)
def test_a_forged_host_gets_400_and_no_link(app_secret_stored: Any, method: str, path: str) -> None:
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.request(method, path, headers={**AUTH, "Host": "evil.example"})

    assert answer.status_code == 400
    assert "evil.example" not in answer.text
    assert "ALLOWED_HOSTS" in answer.text


def test_a_forged_host_on_an_admin_route_is_json(app_secret_stored: Any) -> None:
    with TestClient(app) as client:
        answer = client.post("/invites", headers={**AUTH, "Host": "evil.example"})

    assert answer.json()["code"] == "untrusted_host"


def test_allowed_hosts_extend_the_loopback_list(app_secret_stored: Any) -> None:
    settings = Settings(allowed_hosts="birdhouse.lan, Tools.Example.com")

    assert settings.allowed_hosts == {"birdhouse.lan", "tools.example.com"}


def test_a_configured_public_base_url_makes_the_host_irrelevant(
    app_secret_stored: Any, use_settings: Callable[..., Settings]
) -> None:
    use_settings(public_base_url="https://birdhouse.example.com")

    with TestClient(app) as client:
        answer = client.post("/invites", headers={**AUTH, "Host": "evil.example"})

    assert answer.status_code == 201
    assert answer.json()["url"].startswith("https://birdhouse.example.com/onboard?invite=")


def test_health_answers_any_host() -> None:
    with TestClient(app) as client:
        answer = client.get("/healthz", headers={"Host": "load-balancer.internal"})

    assert answer.status_code == 200


def test_home_page_says_what_birdhouse_is_and_nothing_secret(app_secret_stored: Any) -> None:
    with TestClient(app, base_url="http://localhost:8000") as client:
        answer = client.get("/")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "onboarding link" in answer.text
    assert ADMIN_TOKEN not in answer.text
