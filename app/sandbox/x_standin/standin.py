"""The pretend X as one FastAPI app, and the controls tests drive it with."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.sandbox import refuse_to_run_in_lambda
from app.sandbox.x_standin.answers import Handler, Refused, Route
from app.sandbox.x_standin.authorize import AuthorizePage
from app.sandbox.x_standin.faults import Fault, Faults, fault_response
from app.sandbox.x_standin.oauth import OAuthEndpoints
from app.sandbox.x_standin.oauth2 import OAuth2Standin
from app.sandbox.x_standin.signatures import SignatureCheck
from app.sandbox.x_standin.state import StandinAccount, StandinState
from app.sandbox.x_standin.v1 import V1Endpoints
from app.sandbox.x_standin.v2 import V2Endpoints


class XStandin:
    """A pretend X: apps, accounts, tokens and posts, served at `app`."""

    def __init__(
        self,
        *,
        consumers: dict[str, str],
        sandbox_banner: bool = False,
        oauth2_clients: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """`oauth2_clients`: OAuth 2.0 client id → secret; `clock` dates OAuth 2.0 tokens."""
        refuse_to_run_in_lambda()
        self._state = StandinState(consumers)
        # Called after every request that may have changed the state (all but GETs).
        self._on_change = on_change
        # OAuth 2.0 (authorize page, token and revoke endpoints, Bearer on v2), for tests too.
        self.oauth2 = OAuth2Standin(
            self._state, clients=oauth2_clients or {}, clock=clock, sandbox_banner=sandbox_banner
        )
        self._faults = Faults()
        self.sandbox_banner = sandbox_banner
        # The state's own objects, for tests to read.
        self.consumers = self._state.consumers
        self.quirks = self._state.quirks
        self.accounts = self._state.accounts
        self.tweets = self._state.tweets
        # Every token secret ever handed out, so tests can look for them where they must not be.
        self.issued_secrets = self._state.issued_secrets
        self.calls: list[tuple[str, int]] = []
        # Added to every answer, as a real X's round trip would (benchmarks.fleet sets it).
        self.latency_seconds = 0.0
        signatures = SignatureCheck(self._state)
        self.app = self._build_app(
            [
                *OAuthEndpoints(self._state, signatures).routes,
                *AuthorizePage(self._state, sandbox_banner=sandbox_banner).routes,
                *self.oauth2.routes,
                *V2Endpoints(self._state, signatures, self._faults, self.oauth2).routes,
                *V1Endpoints(self._state, signatures).routes,
            ]
        )

    # --- test controls -----------------------------------------------------------------

    def fail_next(self, endpoint: str, fault: Fault | None = None, *, times: int = 1) -> None:
        self._faults.fail_next(endpoint, fault, times=times)

    def fail_for(self, screen_name: str, fault: Fault | None) -> None:
        """Every /2/users/me signed by this account answers `fault` (None: back to normal)."""
        self._faults.fail_for(screen_name, fault)

    def account(self, screen_name: str) -> StandinAccount:
        """The account with this name (any case), made on first mention like a sign-up."""
        return self._state.account(screen_name)

    def rename(self, screen_name: str, new_screen_name: str) -> None:
        self._state.rename(screen_name, new_screen_name)

    def approve(self, oauth_token: str, *, screen_name: str) -> str:
        """What pressing "Authorize app" as `screen_name` does; returns the callback URL."""
        return self._state.approve(oauth_token, screen_name=screen_name)

    def deny(self, oauth_token: str) -> str:
        """What pressing "Cancel" does; returns the callback URL."""
        return self._state.deny(oauth_token)

    def regenerate_consumer_key(self, consumer_key: str) -> tuple[str, str]:
        """What "Regenerate" on the X app's keys does: the old key is refused from now on, and
        the users' tokens keep working with the new key (X leaves this undocumented; this is
        the kinder of the two outcomes, and the one rotation is built to use)."""
        return self._state.regenerate_consumer_key(consumer_key)

    def revoke_all(self, screen_name: str) -> None:
        """What the account owner does in X's "Connected apps" settings."""
        self._state.revoke_all(screen_name)

    def access_token_for(self, screen_name: str) -> tuple[str, str] | None:
        return self._state.access_token_for(screen_name)

    def snapshot(self) -> dict[str, Any]:
        """Apps, accounts, access tokens and posts, as JSON-ready data (make dev keeps it)."""
        return self._state.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        self._state.restore(snapshot)

    def seed_account(self, screen_name: str, *, consumer_key: str) -> tuple[str, str, str]:
        """An account that authorized the app already: (user id, access token, its secret)."""
        return self._state.seed_account(screen_name, consumer_key=consumer_key)

    def calls_to(self, endpoint: str) -> list[int]:
        return [status for name, status in self.calls if name == endpoint]

    # --- the app -----------------------------------------------------------------------

    def _build_app(self, routes: list[Route]) -> FastAPI:
        app = FastAPI(title="X stand-in", openapi_url=None, docs_url=None, redoc_url=None)
        for route in routes:
            app.add_api_route(
                route.path, self._served(route.endpoint, route.handler), methods=[route.method]
            )
        return app

    def _served(self, name: str, work: Handler) -> Handler:
        """The endpoint's queued fault if there is one, else its work; the answer recorded."""

        async def endpoint(request: Request) -> Response:
            if self.latency_seconds:
                await asyncio.sleep(self.latency_seconds)
            fault = self._faults.next_for(name)
            if fault is not None and fault.after_work:
                with contextlib.suppress(Refused):  # X refused; that answer is lost all the same
                    await work(request)
            if fault is not None:
                if fault.delay_seconds:
                    await asyncio.sleep(fault.delay_seconds)
                response = fault_response(fault)
            else:
                try:
                    response = await work(request)
                except Refused as refused:
                    response = JSONResponse(refused.body, status_code=refused.status)
            self.calls.append((name, response.status_code))
            if self._on_change is not None and request.method != "GET":
                self._on_change()
            return response

        return endpoint
