"""The operator's side of the admin API, through the Lambda handler."""

import json
from dataclasses import dataclass
from typing import Any

from tests.support.constants import ADMIN_TOKEN
from tests.support.lambda_browser import LambdaBrowser


@dataclass
class ApiAnswer:
    status: int
    headers: dict[str, str]
    json: Any


class AdminApi:
    def __init__(self, browser: LambdaBrowser, token: str | None = ADMIN_TOKEN) -> None:
        self.browser = browser
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> ApiAnswer:
        headers = {"Content-Type": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        page = self.browser.open(
            f"{self.browser.front_door.base_url}{path}",
            method=method,
            headers=headers,
            body=None if body is None else json.dumps(body),
        )
        assert page.headers.get("content-type") == "application/json", page.body
        return ApiAnswer(page.status, page.headers, json.loads(page.body))
