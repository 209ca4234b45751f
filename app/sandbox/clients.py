"""Point a Twitter library's requests session at the X sandbox, for trying a bot locally.

tweepy builds every URL as `https://api.twitter.com/...` (tweepy.Client) or `https://{host}/...`
(tweepy.API); the sandbox speaks plain HTTP on loopback. This mounts a transport adapter that
sends those requests to the sandbox unchanged: still signed for the URL the library built, with
that URL's host in `Host` and `X-Forwarded-Proto: https`, which the sandbox's server (uvicorn,
trusting proxy headers from loopback) turns back into the very URL that was signed.

    client = tweepy.Client(**creds)
    route_x_to_sandbox(client.session, "http://127.0.0.1:8001")
"""

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from app.sandbox import refuse_to_run_in_lambda

X_HOSTS = ("api.twitter.com", "api.x.com", "upload.twitter.com")


class _ToSandbox(HTTPAdapter):
    def __init__(self, sandbox_url: str) -> None:
        super().__init__()
        parts = urlsplit(sandbox_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the X sandbox runs on loopback over http, not {sandbox_url!r}")
        self._sandbox = f"{parts.scheme}://{parts.netloc}"

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        signed_for = urlsplit(request.url or "")
        request.headers["Host"] = signed_for.netloc
        request.headers["X-Forwarded-Proto"] = signed_for.scheme
        request.url = self._sandbox + (request.url or "")[len(f"https://{signed_for.netloc}") :]
        return super().send(request, *args, **kwargs)


def route_x_to_sandbox(
    session: requests.Session, sandbox_url: str, *, hosts: tuple[str, ...] = X_HOSTS
) -> requests.Session:
    """Send the session's requests for X's hosts to the sandbox; returns the session."""
    refuse_to_run_in_lambda()
    adapter = _ToSandbox(sandbox_url)
    for host in hosts:
        session.mount(f"https://{host}/", adapter)
    return session
