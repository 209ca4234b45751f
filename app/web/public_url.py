"""Absolute URLs for links and the OAuth callback, right behind every API Gateway front door.

Mangum leaves root_path empty, so under a REST API stage (`/prod`) Starlette's own URLs drop
the stage. The Lambda event still says where the browser really was.
"""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.requests import Request

from app.config import LOOPBACK_HOSTS
from app.core.errors import UntrustedHost

if TYPE_CHECKING:
    from app.config import Settings


def public_base_url(request: Request, settings: "Settings") -> str:
    """The configured PUBLIC_BASE_URL, else what the browser used to reach us (no trailing /)."""
    if settings.public_base_url:
        return settings.public_base_url
    ensure_trusted_host(request, settings)
    event = request.scope.get("aws.event")
    if not isinstance(event, dict):
        return str(request.base_url).rstrip("/")
    context = event.get("requestContext") or {}
    host = context.get("domainName") or request.url.netloc
    return f"https://{host}{_path_prefix(event, context)}"


def _path_prefix(event: dict[str, Any], context: dict[str, Any]) -> str:
    """The part of the browser's path that API Gateway strips before the app sees it."""
    if "httpMethod" not in event:
        # HTTP API $default stage, Function URL, or a custom domain: the path is as seen.
        return ""
    # REST API: requestContext.path is what the browser asked for, event.path what we route on.
    browser_path, routed_path = context.get("path") or "", event.get("path") or ""
    if browser_path and routed_path and browser_path.endswith(routed_path):
        return browser_path[: len(browser_path) - len(routed_path)].rstrip("/")
    stage = context.get("stage")
    host = context.get("domainName") or ""
    if stage and ".execute-api." in host:
        return f"/{stage}"
    return ""


def ensure_trusted_host(request: Request, settings: "Settings") -> None:
    """Outside Lambda, without PUBLIC_BASE_URL, answer only loopback and ALLOWED_HOSTS.

    There the Host header writes the invite links and the OAuth callback, so a forged one would
    send owners (and their verifiers) elsewhere. In Lambda, API Gateway has chosen the host.
    """
    if settings.public_base_url or "aws.event" in request.scope:
        return
    host_header = request.headers.get("host", "")
    host = urlsplit(f"//{host_header}").hostname or ""
    allowed = settings.allowed_hosts
    if host in LOOPBACK_HOSTS or host in allowed or "*" in allowed:
        return
    raise UntrustedHost(
        "This Birdhouse does not answer to that host name: set PUBLIC_BASE_URL to the address "
        "browsers use, or add the host to ALLOWED_HOSTS."
    )
