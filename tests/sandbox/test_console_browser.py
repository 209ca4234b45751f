"""The operator console in headless Chromium against the stack `make dev` starts.

One operator's afternoon, in order: a wrong token, sign-in, an invite that the owner completes in
a second tab, verify, test tweet, reset, delete, restore, withdraw, sign out. Every view is
photographed at desktop and phone width into test-artifacts/console-*.png. Any console error
or CSP report fails the test: the page must run with no inline script.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.local_stack import PHONE, LocalStack, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
BOT = "ConsoleBot"


@pytest.fixture
def desk(chromium: Any) -> Iterator[Any]:
    """A desktop-sized profile whose console errors and page errors are collected."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []
    page.on(
        "console",
        lambda message: (
            page.problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def shoot(page: Any, view: str) -> None:
    """The view at desktop width, then at 390 px, then back."""
    screenshot(page, f"console-{view}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"console-{view}-390")
    page.set_viewport_size(DESKTOP)


def row(page: Any, screen_name: str) -> Any:
    return page.locator(f'#accounts tr[data-screen-name="{screen_name}"]')


def listing(page: Any, status: str = "") -> Any:
    """Around an action that lists the accounts again (under this status filter): waits for
    that listing to arrive, so that the table drawn from it is the one the next step sees, and
    no earlier listing lands after a later one."""

    def is_listing(response: Any) -> bool:
        url = urlsplit(response.url)
        return bool(
            response.request.method == "GET"
            and url.path.endswith("/accounts")
            and parse_qs(url.query).get("status", [""])[0] == status
        )

    return page.expect_response(is_listing)


def test_an_operator_runs_the_fleet_from_the_console(
    local_stack: LocalStack, desk: Any, chromium: Any
) -> None:
    page = desk
    page.goto(f"{local_stack.app_url}/console")
    assert page.evaluate("document.activeElement.id") == "token"  # ready for a paste

    page.fill("#token", "not-the-admin-token")
    page.keyboard.press("Enter")
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Sign-in failed: The admin token is not valid."
    assert page.evaluate("sessionStorage.length") == 0
    shoot(page, "1-wrong-token")

    page.fill("#token", local_stack.admin_token)
    page.click("#signin-form button")
    page.locator("#view-accounts").wait_for(state="visible")
    assert page.locator("#signin").is_hidden()

    # An invite (OAuth 2.0: the sandbox has a client), completed by the owner in a second tab.
    page.click('.tab[data-view="invites"]')
    page.fill("#invite-screen-name", BOT)
    page.select_option("#invite-lifetime", "86400")
    page.select_option("#invite-auth", "oauth2")
    page.fill("#invite-note", "sent to Ada by mail")
    page.click("#invite-form button")
    link = page.locator("#invite-result input.link")
    link.wait_for(state="visible")
    url = link.input_value()
    assert url.startswith(f"{local_stack.app_url}/onboard?invite=")
    qr = page.locator("#invite-result img.qr")
    assert qr.get_attribute("src").startswith("data:image/gif;base64,")
    assert qr.evaluate("image => image.naturalWidth") > 0
    page.locator("#invites tr", has_text="sent to Ada by mail").wait_for()
    shoot(page, "2-invite-created")

    owner = page.context.browser.new_context(viewport=PHONE).new_page()
    owner.goto(url)
    assert "/i/oauth2/authorize?" in owner.url  # X's OAuth 2.0 page, with PKCE
    owner.fill("#screen_name", BOT)
    owner.click("button.authorize")
    owner.wait_for_url(f"{local_stack.app_url}/callback?*")
    assert owner.inner_text("h1") == f"@{BOT} is connected"
    owner.context.close()

    # The account appears; verify finds it healthy.
    page.click('.tab[data-view="accounts"]')
    row(page, BOT).wait_for()
    page.fill("#search", "consoleb")
    with listing(page):  # verify lists the accounts again once X has answered
        row(page, BOT).locator(".verify").click()
    page.locator("#notice.ok", has_text=f"@{BOT}: ").wait_for()
    row(page, BOT).locator(".status-ok").wait_for()
    assert row(page, BOT).locator(".status").inner_text() == "healthy"
    assert row(page, BOT).locator("td[data-label='Last checked']").inner_text() != "—"
    shoot(page, "3-accounts")

    with listing(page, "revoked"):
        page.select_option("#status-filter", "revoked")
    row(page, BOT).wait_for(state="detached")
    page.locator("#accounts-empty").wait_for(state="visible")  # the filter's answer: none
    assert page.locator("#accounts-empty").is_visible()
    with listing(page, "ok"):
        page.select_option("#status-filter", "ok")
    row(page, BOT).wait_for()

    row(page, BOT).locator(".snippet").click()
    snippet = page.inner_text("#snippet-code")
    assert 'SecretId="twitter-bots/accounts/consolebot"' in snippet
    assert 'pip install "./client"' in snippet
    assert local_stack.admin_token not in snippet
    shoot(page, "4-snippet")

    row(page, BOT).locator(".tweet").click()
    page.fill("#tweet-text", "Hello from the console")
    page.click("#send-tweet")
    page.locator("#notice", has_text=f"Posted as @{BOT}").wait_for()

    row(page, BOT).locator(".reset").click()
    with listing(page, "ok"):  # the reset lists the accounts again, still filtered
        page.click("#confirm-reset")
    new_link = page.locator("#account-panel input.link")
    new_link.wait_for()
    assert new_link.input_value().startswith(f"{local_stack.app_url}/onboard?invite=")
    assert page.locator("#account-panel img.qr").is_visible()
    row(page, BOT).wait_for(state="detached")  # revoked now, so no longer among the healthy
    with listing(page):
        page.select_option("#status-filter", "")
    row(page, BOT).locator(".status-revoked").wait_for()  # back, as the reset left it
    shoot(page, "5-reset")

    row(page, BOT).locator(".delete").click()
    page.keyboard.press("Enter")  # the confirmation button has the focus
    page.locator("#notice", has_text="scheduled for deletion").wait_for()
    row(page, BOT).wait_for(state="detached")

    page.click('.tab[data-view="deleted"]')
    deleted = page.locator(f'#deleted tr[data-screen-name="{BOT}"]')
    deleted.wait_for()
    shoot(page, "6-pending-deletion")
    deleted.locator(".restore").click()
    page.locator("#notice", has_text=f"@{BOT} is restored").wait_for()
    deleted.wait_for(state="detached")
    page.click('.tab[data-view="accounts"]')
    row(page, BOT).wait_for()

    # Another invite, withdrawn before anyone uses it.
    page.click('.tab[data-view="invites"]')
    page.fill("#invite-screen-name", "OtherBot")
    page.click("#invite-form button")
    other = page.locator("#invites tr", has_text="@OtherBot")
    other.locator(".withdraw").click()
    other.locator(".invite-revoked").wait_for()
    assert other.locator(".status").inner_text() == "withdrawn"
    assert other.locator(".withdraw").count() == 0
    shoot(page, "7-invites")
    page.emulate_media(color_scheme="dark")
    page.click('.tab[data-view="accounts"]')
    row(page, BOT).wait_for()
    shoot(page, "8-accounts-dark")

    page.click("#sign-out")
    page.locator("#signin").wait_for(state="visible")
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator("#nav").is_hidden()
    page.reload()
    assert page.locator("#signin").is_visible()  # the token is gone, not just hidden

    # The wrong token's 401 is the one failed request; nothing was refused by the CSP.
    expected = "Failed to load resource: the server responded with a status of 401"
    assert [p for p in page.problems if not p.startswith(expected)] == []
    assert len(page.problems) == 1

    # The CSP at work: a script element injected into the page (as an XSS would) does not run.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in p for p in page.problems)
