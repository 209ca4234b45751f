"""X's OAuth 1.0a endpoints, signed by requests-oauthlib, behind a small interface."""

import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, urlencode

import requests
from requests_oauthlib import OAuth1

from app.errors import XBadResponse, XRejected, XTimeout, XUnavailable

log = logging.getLogger(__name__)

# Read at most this much of an error body: enough for X's JSON error, not a flood.
_MAX_ERROR_BODY = 2000
# Connecting to X takes milliseconds when it works; don't spend the whole budget on it.
_MAX_CONNECT_SECONDS = 3.05


@dataclass(frozen=True)
class RequestToken:
    oauth_token: str
    oauth_token_secret: str = field(repr=False)


@dataclass(frozen=True)
class AccessToken:
    oauth_token: str = field(repr=False)
    oauth_token_secret: str = field(repr=False)
    user_id: str
    screen_name: str


class XClient(Protocol):
    """What Birdhouse asks of X."""

    def fetch_request_token(self, *, callback_url: str) -> RequestToken: ...

    def authorize_url(self, *, oauth_token: str, screen_name: str | None) -> str: ...

    def fetch_access_token(
        self, *, oauth_token: str, request_token_secret: str, verifier: str
    ) -> AccessToken: ...

    def invalidate_token(self, *, access_token: str, access_token_secret: str) -> None: ...


class OAuth1XClient:
    """X over HTTPS with HMAC-SHA1 signatures; one pooled session per container."""

    def __init__(
        self,
        *,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        timeout_seconds: float,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._timeout = timeout_seconds
        self._session = session or requests.Session()

    def __repr__(self) -> str:
        return f"OAuth1XClient(base_url={self._base_url!r})"

    def fetch_request_token(self, *, callback_url: str) -> RequestToken:
        auth = OAuth1(self._consumer_key, self._consumer_secret, callback_uri=callback_url)
        # x_auth_access_type=write asks for write access even if the app default changes.
        fields = self._post_form(
            "/oauth/request_token", auth, params={"x_auth_access_type": "write"}
        )
        if fields.get("oauth_callback_confirmed") != "true":
            raise XBadResponse("X did not confirm the callback URL for the request token.")
        return RequestToken(
            oauth_token=_required(fields, "oauth_token"),
            oauth_token_secret=_required(fields, "oauth_token_secret"),
        )

    def authorize_url(self, *, oauth_token: str, screen_name: str | None) -> str:
        # force_login makes X ask for the bot's password even in a browser logged in to the
        # owner's own account; screen_name prefills the login box.
        query = {"oauth_token": oauth_token, "force_login": "true"}
        if screen_name:
            query["screen_name"] = screen_name
        return f"{self._base_url}/oauth/authorize?{urlencode(query)}"

    def fetch_access_token(
        self, *, oauth_token: str, request_token_secret: str, verifier: str
    ) -> AccessToken:
        auth = OAuth1(
            self._consumer_key,
            self._consumer_secret,
            resource_owner_key=oauth_token,
            resource_owner_secret=request_token_secret,
            verifier=verifier,
        )
        fields = self._post_form("/oauth/access_token", auth)
        return AccessToken(
            oauth_token=_required(fields, "oauth_token"),
            oauth_token_secret=_required(fields, "oauth_token_secret"),
            user_id=_required(fields, "user_id"),
            screen_name=_required(fields, "screen_name"),
        )

    def invalidate_token(self, *, access_token: str, access_token_secret: str) -> None:
        auth = OAuth1(
            self._consumer_key,
            self._consumer_secret,
            resource_owner_key=access_token,
            resource_owner_secret=access_token_secret,
        )
        self._send("POST", "/1.1/oauth/invalidate_token", auth)

    def _post_form(
        self, path: str, auth: OAuth1, params: dict[str, str] | None = None
    ) -> dict[str, str]:
        response = self._send("POST", path, auth, params=params)
        return dict(parse_qsl(response.text, keep_blank_values=True))

    def _send(
        self, method: str, path: str, auth: OAuth1, params: dict[str, str] | None = None
    ) -> requests.Response:
        url = f"{self._base_url}{path}"
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                auth=auth,
                timeout=(min(_MAX_CONNECT_SECONDS, self._timeout), self._timeout),
            )
        except requests.Timeout as exc:
            log.warning("X %s %s timed out after %ss", method, path, self._timeout)
            raise XTimeout(f"X did not answer {path} within {self._timeout:g} seconds.") from exc
        except requests.RequestException as exc:
            log.warning("X %s %s failed: %s", method, path, type(exc).__name__)
            raise XUnavailable(f"X could not be reached for {path}.") from exc
        log.info("X %s %s answered %s", method, path, response.status_code)
        if response.status_code >= 500:
            raise XUnavailable(f"X answered {path} with {response.status_code}.")
        if response.status_code >= 400:
            raise XRejected(
                f"X refused {path} with {response.status_code}.",
                x_status=response.status_code,
                x_body=response.text[:_MAX_ERROR_BODY],
            )
        return response


def _required(fields: dict[str, str], key: str) -> str:
    value = fields.get(key)
    if not value:
        raise XBadResponse(f"X's answer lacks {key!r}.")
    return value
