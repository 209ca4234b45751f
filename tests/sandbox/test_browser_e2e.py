"""The owner's side in a real browser: headless Chromium against the stack `make dev` starts.

Two sites (the app on localhost, the X sandbox on 127.0.0.1), real redirects between them, and
a SameSite=Lax state cookie that must survive the cross-site redirect back. Screenshots of
each final page land in test-artifacts/.
"""

from typing import Any

import pytest

from tests.support.local_stack import LocalStack, fresh_link, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_owner_authorizes_and_the_account_is_connected(local_stack: LocalStack, page: Any) -> None:
    page.goto(local_stack.onboarding_link)
    page.wait_for_url(f"{local_stack.x_url}/oauth/authorize?*")
    assert "X SANDBOX" in page.inner_text(".banner")
    screenshot(page, "1-sandbox-authorize-page")

    page.fill("#screen_name", "BrowserBot")
    page.click("button.authorize")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "@BrowserBot is connected"
    # The stylesheet applied: the page's CSP let it through.
    assert page.eval_on_selector(".card", "e => getComputedStyle(e).borderTopLeftRadius") == "14px"
    screenshot(page, "2-connected")
    assert local_stack.stored("BrowserBot")

    reopened = page.goto(local_stack.onboarding_link)  # single use: the link is spent
    assert reopened is not None
    assert reopened.status == 409
    assert page.inner_text("h1") == "This link was already used"
    assert "@BrowserBot" in page.inner_text("main")
    screenshot(page, "2b-link-already-used")


def test_owner_cancels_and_nothing_is_stored(local_stack: LocalStack, page: Any) -> None:
    page.goto(fresh_link(local_stack))
    page.fill("#screen_name", "CancelledBot")
    page.click("button.cancel")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "Nothing was saved"
    screenshot(page, "3-cancelled")
    assert not local_stack.stored("CancelledBot")


def test_owner_authorizes_the_wrong_account_and_is_refused(
    local_stack: LocalStack, page: Any
) -> None:
    response = page.goto(fresh_link(local_stack, "InvitedBot"))
    assert response is not None
    assert page.input_value("#screen_name") == "InvitedBot"  # prefilled from screen_name
    page.fill("#screen_name", "PersonalAcct")
    page.click("button.authorize")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "Wrong account"
    body = page.inner_text("main")
    assert "@InvitedBot" in body
    assert "@PersonalAcct" in body
    screenshot(page, "4-wrong-account")
    assert not local_stack.stored("PersonalAcct")
    assert not local_stack.stored("InvitedBot")


def test_expired_or_tampered_link_is_a_readable_page(local_stack: LocalStack, page: Any) -> None:
    response = page.goto(fresh_link(local_stack)[:-3])

    assert response is not None
    assert response.status == 400
    assert page.inner_text("h1") == "This link is not valid"
    screenshot(page, "5-invalid-link")


def test_api_docs_render_from_pinned_assets_under_their_csp(
    local_stack: LocalStack, page: Any
) -> None:
    problems: list[str] = []
    origins: set[str] = set()
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))

    page.goto(f"{local_stack.app_url}/docs")
    page.wait_for_selector(".opblock-tag", state="visible")

    assert "Birdhouse" in page.inner_text(".info .title")
    assert page.locator(".opblock").count() >= 7  # every admin and public operation
    assert origins == {local_stack.app_url.split("/")[2]}  # nothing from a CDN
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    screenshot(page, "6-api-docs")
