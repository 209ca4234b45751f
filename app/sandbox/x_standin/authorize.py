"""The authorize page a person sees at X: log in as an account, then Authorize or Cancel."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape
from starlette.responses import Response

from app.sandbox.x_standin.answers import Route, form_fields
from app.sandbox.x_standin.state import StandinState

_SCREEN_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class AuthorizePage:
    def __init__(self, state: StandinState, *, sandbox_banner: bool) -> None:
        self._state = state
        self._sandbox_banner = sandbox_banner
        self.routes = (
            Route("GET", "/oauth/authorize", "authorize", self.page),
            Route("POST", "/oauth/authorize", "authorize", self.decision),
        )

    async def page(self, request: Request) -> Response:
        oauth_token = request.query_params.get("oauth_token", "")
        if not self._state.is_pending(oauth_token):
            return self._render("This page is no longer valid", status=400)
        return render_authorize_page(
            "Authorize app",
            sandbox=self._sandbox_banner,
            hidden={"oauth_token": oauth_token},
            screen_name=request.query_params.get("screen_name", ""),
            force_login=request.query_params.get("force_login") == "true",
        )

    async def decision(self, request: Request) -> Response:
        form = await form_fields(request)
        oauth_token = str(form.get("oauth_token", ""))
        screen_name = str(form.get("screen_name", "")).strip().removeprefix("@")
        if not self._state.is_pending(oauth_token):
            return self._render("This page is no longer valid", status=400)
        if form.get("action") == "cancel":
            return RedirectResponse(self._state.deny(oauth_token), status_code=302)
        if not valid_username(screen_name):
            return render_authorize_page(
                "Authorize app",
                sandbox=self._sandbox_banner,
                hidden={"oauth_token": oauth_token},
                screen_name=screen_name,
                force_login=True,
                error="Enter the account's username (1-15 letters, digits, _).",
                status=400,
            )
        callback_url = self._state.approve(oauth_token, screen_name=screen_name)
        if callback_url.startswith("oob"):
            pin = callback_url.rsplit("oauth_verifier=", 1)[1]
            return self._render("Enter this PIN in the app", pin=pin)
        return RedirectResponse(callback_url, status_code=302)

    def _render(self, title: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        return render_authorize_page(title, sandbox=self._sandbox_banner, status=status, **context)


def valid_username(screen_name: str) -> bool:
    return 1 <= len(screen_name) <= 15 and set(screen_name) <= _SCREEN_NAME_CHARS


def render_authorize_page(
    title: str, *, sandbox: bool, status: int = 200, **context: Any
) -> HTMLResponse:
    """The page, for either OAuth: `hidden` are the fields the decision posts back."""
    html = _TEMPLATE.render(title=title, sandbox=sandbox, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


_TEMPLATE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · X sandbox</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#0f1419;color:#e7e9ea}
.banner{background:#ffd400;color:#0f1419;font-weight:700;text-align:center;padding:.6rem}
main{max-width:26rem;margin:2rem auto;padding:0 1.25rem}
h1{font-size:1.6rem}label{display:block;margin:1rem 0 .35rem;color:#8b98a5}
input{width:100%;box-sizing:border-box;padding:.7rem;border-radius:6px;border:1px solid #536471;
background:#000;color:#e7e9ea;font-size:1rem}
.buttons{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.75rem;border-radius:999px;border:0;font-weight:700;font-size:1rem;cursor:pointer}
.authorize{background:#1d9bf0;color:#fff}.cancel{background:#eff3f4;color:#0f1419}
.error{color:#f4212e}.note{color:#8b98a5;font-size:.9rem}
</style></head>
<body>
{% if sandbox %}
<div class="banner">X SANDBOX — not the real X. Nothing here reaches X.</div>
{% endif %}
<main>
<h1>{{ title }}</h1>
{% if hidden %}
<p>An app wants to read and post as the account you log in with.</p>
{% if scopes %}<p class="note">It asks for: {{ scopes }}</p>{% endif %}
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="authorize">
{% for name, value in hidden.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<label for="screen_name">Log in as (username)</label>
<input id="screen_name" name="screen_name" value="{{ screen_name }}" autocomplete="off"
 autocapitalize="none" spellcheck="false" placeholder="username">
{% if force_login %}<p class="note">You are asked to log in even if you already are
(force_login).</p>{% endif %}
<div class="buttons">
<button class="authorize" type="submit" name="action" value="authorize">Authorize app</button>
<button class="cancel" type="submit" name="action" value="cancel">Cancel</button>
</div>
</form>
{% elif pin %}
<p class="pin" style="font-size:2.2rem;letter-spacing:.3rem;font-weight:700">{{ pin }}</p>
<p>Type it where the app asks for the PIN.</p>
{% else %}
<p>Start again from the app that sent you here.</p>
{% endif %}
</main></body></html>"""
)
