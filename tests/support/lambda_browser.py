"""A minimal browser: Birdhouse through the Lambda handler, X over real HTTP, one cookie jar."""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.support.lambda_events import (
    CUSTOM_DOMAIN_HOST,
    FUNCTION_URL_HOST,
    HTTP_API_HOST,
    REST_API_HOST,
    LambdaContext,
    function_url_event,
    http_api_v2_event,
    response_body,
    response_set_cookies,
    rest_v1_event,
)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class FrontDoor:
    """How a browser reaches the Lambda: which host, which path prefix, which event shape."""

    name: str
    host: str
    path_prefix: str

    @property
    def base_url(self) -> str:
        return f"https://{self.host}{self.path_prefix}"

    def event(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self.name == "http_api":
            return http_api_v2_event(method, path, **kwargs)
        if self.name == "function_url":
            return function_url_event(method, path, **kwargs)
        if self.name == "rest_stage":
            return rest_v1_event(method, path, **kwargs)
        if self.name == "rest_custom_domain":
            return rest_v1_event(method, path, host=CUSTOM_DOMAIN_HOST, base_path="", **kwargs)
        raise ValueError(self.name)


FRONT_DOORS = {
    "http_api": FrontDoor("http_api", HTTP_API_HOST, ""),
    "rest_stage": FrontDoor("rest_stage", REST_API_HOST, "/prod"),
    "function_url": FrontDoor("function_url", FUNCTION_URL_HOST, ""),
    "rest_custom_domain": FrontDoor("rest_custom_domain", CUSTOM_DOMAIN_HOST, ""),
}


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body as a person reads it: HTML entities decoded."""
        return html.unescape(self.body)

    @property
    def location(self) -> str:
        return self.headers["location"]


@dataclass
class _Cookie:
    value: str
    path: str


class LambdaBrowser:
    """Follows Birdhouse's answers like a browser would, keeping its cookies."""

    def __init__(self, handler: Handler, front_door: FrontDoor) -> None:
        self.handler = handler
        self.front_door = front_door
        self.cookies: dict[str, _Cookie] = {}
        self.pages: list[Page] = []
        # What each invocation's context says is left of the function timeout.
        self.remaining_ms = 29_000

    def open(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> Page:
        """Open a Birdhouse URL (absolute, as a person would click it)."""
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.netloc == self.front_door.host, url
        assert parts.path.startswith(self.front_door.path_prefix), url
        routed_path = parts.path[len(self.front_door.path_prefix) :] or "/"
        cookies = [
            f"{name}={cookie.value}"
            for name, cookie in self.cookies.items()
            if parts.path.startswith(cookie.path)
        ]
        event = self.front_door.event(
            method,
            routed_path,
            query=parts.query,
            headers=headers,
            cookies=cookies or None,
            body=body,
        )
        answer = self.handler(event, LambdaContext(self.remaining_ms))
        page = Page(
            status=answer["statusCode"],
            headers={k.lower(): v for k, v in (answer.get("headers") or {}).items()},
            body=response_body(answer),
            set_cookies=response_set_cookies(answer),
        )
        self._remember(page.set_cookies)
        self.pages.append(page)
        return page

    def set_cookie(self, name: str, value: str, *, path: str = "/") -> None:
        """A cookie this browser got some other way (a test setting up a state)."""
        self.cookies[name] = _Cookie(value, path)

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] in ("0", 0) or morsel.value in ("", '""'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = _Cookie(morsel.value, morsel["path"] or "/")


def authorize_at_x(authorize_url: str, *, screen_name: str, action: str = "authorize") -> str:
    """Load X's authorize page and press a button, as the owner would; return the redirect."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    assert 'name="oauth_token"' in page.text
    oauth_token = urlsplit(authorize_url).query.split("oauth_token=")[1].split("&")[0]
    decision = requests.post(
        authorize_url.split("?")[0],
        data={"oauth_token": oauth_token, "screen_name": screen_name, "action": action},
        allow_redirects=False,
        timeout=5,
    )
    assert decision.status_code == 302, decision.text
    return decision.headers["location"]


def authorize_at_x_oauth2(
    authorize_url: str, *, screen_name: str, action: str = "authorize"
) -> str:
    """X's OAuth 2.0 authorize page, as the owner uses it: load it, press a button; return
    where X sends the browser (the callback with ?state=&code=, or ?error=access_denied)."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    decision = requests.post(
        authorize_url.split("?")[0],
        data={
            **{k: html.unescape(v) for k, v in hidden.items()},
            "screen_name": screen_name,
            "action": action,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert decision.status_code == 302, decision.text
    return decision.headers["location"]
