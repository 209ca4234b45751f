"""Headers every answer carries, whatever produced it: a route, an error handler, a 404."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A year, without includeSubDomains: Birdhouse may be served from an apex domain whose other
# subdomains are not ours to pin to HTTPS.
HSTS = "max-age=31536000"


class SecurityHeaders:
    """nosniff everywhere; no-store unless the answer chose its own caching; HSTS over HTTPS.

    Admin answers hold bearer links (POST /invites) and account details: no cache, shared or
    private, may keep them. A plain ASGI middleware, so it costs a dict update per answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Behind API Gateway, Mangum takes the scheme from X-Forwarded-Proto (always https).
        over_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Cache-Control", "no-store")
                if over_https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
