"""Absolute URLs outside Lambda: plain uvicorn, behind a proxy prefix, or configured."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_local_uvicorn_links_use_the_request_host(app_secret_stored: Any) -> None:
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("http://127.0.0.1:8000/onboard?invite=")


def test_root_path_from_a_proxy_is_kept(app_secret_stored: Any) -> None:
    with TestClient(app, base_url="https://tools.example.com", root_path="/birdhouse") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("https://tools.example.com/birdhouse/onboard?invite=")


def test_configured_public_base_url_wins_everywhere(
    app_secret_stored: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://birdhouse.example.com/prod")

    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.post("/invites", headers=AUTH)

    assert answer.json()["url"].startswith("https://birdhouse.example.com/prod/onboard?invite=")
