"""The operator console in headless Chromium against the stack `make dev` starts.

One operator's afternoon, at 1280 px and again at 390 px, in a fleet long enough that the
account acted on sits below the first screen: sign-in (a wrong token first), an invite (a
refused one first), the owner connecting, verify, two test tweets, the bot snippet, reset,
withdrawing invites, delete, restore, sign out. After each action the test asserts what the
operator sees: the answer in the viewport, right under the row or form the action came from
(or where the row was, when it left the list), and the keyboard focus on the control used.

Screenshots of the viewport after each step go to test-artifacts/console-{width}-*.jpg. Any
console error or CSP report fails the test: the page must run with no inline script.

Then each role in turn (a viewer, an inviter, the owner as admin): each sees only the controls
its role may use, an admin adds an operator (the key shown once) and revokes it, and the Audit
tab lists those actions, filtered and a page at a time (screenshots: console-roles-*.jpg).
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.support.local_stack import (
    PHONE,
    LocalStack,
    connect_over_http,
    fresh_link,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
# Listed before the walk's own bots, so those start below the first screen.
FLEET = [f"AaFiller{n}" for n in range(1, 9)]
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def fleet(local_stack: LocalStack) -> LocalStack:
    for name in FLEET:
        connect_over_http(local_stack, name, fresh_link(local_stack))
    return local_stack


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1280", "390"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return dict(request.param)


@pytest.fixture
def console(chromium: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """A fresh profile at this width whose console errors and page errors are collected."""
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
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


class Walk:
    """The page, and what the test says about it after each step."""

    def __init__(self, page: Any, width: int) -> None:
        self.page = page
        self.width = width
        self.step = 0

    def shoot(self, what: str) -> None:
        """What the operator sees now (the viewport, not the whole page)."""
        self.step += 1
        screenshot(self.page, f"console-{self.width}-{self.step:02d}-{what}", full_page=False)

    def listing(self) -> Any:
        """Around a step that lists the accounts again: waits for that list to arrive."""
        return self.page.expect_response(
            lambda response: (
                response.request.method == "GET"
                and "/accounts" in response.url
                and "deleted" not in response.url
            )
        )

    def accounts_tab(self) -> None:
        """Open the accounts, and wait until their list has arrived and been drawn: the rows
        of an earlier visit stay until the new list replaces them, and a row found among
        those is gone a moment later."""
        drawn_before = self.page.query_selector("#accounts tbody tr")
        with self.listing():
            self.page.click('.tab[data-view="accounts"]')
        if drawn_before is not None:
            self.page.wait_for_function("row => !row.isConnected", arg=drawn_before)
        self.page.locator("#accounts tbody tr[data-screen-name]").first.wait_for()

    def account(self, screen_name: str) -> Any:
        return self.page.locator(f'#accounts tr[data-screen-name="{screen_name}"]')

    def answered_under(self, row: Any, panel: Any, text: str) -> Any:
        """The answer is in the viewport, in the panel right under `row`."""
        result = panel.locator(".result")
        expect(result).to_contain_text(text)
        expect(result).to_be_in_viewport()
        row_box, panel_box = row.bounding_box(), panel.bounding_box()
        assert abs(panel_box["y"] - (row_box["y"] + row_box["height"])) < 3, (row_box, panel_box)
        return result


def test_an_operator_runs_the_fleet_from_the_console(
    fleet: LocalStack, console: Any, viewport: dict[str, int]
) -> None:
    page = console
    walk = Walk(page, viewport["width"])
    bot = f"ConsoleBot{viewport['width']}"
    other = f"OtherBot{viewport['width']}"

    # Sign-in: a wrong token is refused in the form; the right one opens the accounts.
    page.goto(f"{fleet.app_url}/console")
    expect(page.locator("#token")).to_be_focused()  # ready for a paste
    page.fill("#token", "not-the-admin-token")
    page.keyboard.press("Enter")
    expect(page.locator("#signin-error")).to_have_text(
        "Sign-in failed: The admin token is not valid."
    )
    assert page.evaluate("sessionStorage.length") == 0
    walk.shoot("wrong-token")
    page.fill("#token", fleet.admin_token)
    page.click("#signin-form button")
    expect(page.locator("#view-accounts")).to_be_visible()
    expect(page.locator("#signin")).to_be_hidden()

    # An invite (OAuth 2.0: the sandbox has a client), created; then a refused one, which takes
    # the old link away.
    page.click('.tab[data-view="invites"]')
    page.fill("#invite-screen-name", bot)
    page.select_option("#invite-lifetime", "86400")
    page.select_option("#invite-auth", "oauth2")
    page.fill("#invite-note", "sent to Ada by mail")
    page.click("#create-invite")
    result = page.locator("#invite-result")
    link = result.locator("input.link")
    expect(link).to_be_in_viewport()
    url = link.input_value()
    assert url.startswith(f"{fleet.app_url}/onboard?invite=")
    expect(result.locator(".copy")).to_be_focused()
    qr = result.locator("img.qr")
    assert qr.get_attribute("src").startswith("data:image/gif;base64,")
    assert qr.evaluate("image => image.naturalWidth") > 0
    page.locator("#invites tr", has_text="sent to Ada by mail").first.wait_for()
    walk.shoot("invite-created")

    page.fill("#invite-screen-name", "not a name!")
    page.click("#create-invite")
    error = page.locator("#invite-error")
    # The form's own words, not pydantic's ("screen_name: Value error, …").
    expect(error).to_have_text(
        "Screen name: 1 to 15 letters, digits or underscores, like HelloBot "
        "(an @ in front is fine)."
    )
    expect(error).to_be_in_viewport()
    expect(result).to_be_hidden()  # the previous link is not left under the error
    assert page.locator("input.link").count() == 0
    expect(page.locator("#invite-screen-name")).to_be_focused()
    expect(page.locator("#invite-screen-name")).to_have_attribute("aria-invalid", "true")
    walk.shoot("invite-refused")

    # The owner opens the link in a browser of their own and connects the bot at X's OAuth 2.0
    # page (with PKCE).
    owner = page.context.browser.new_context(viewport=PHONE).new_page()
    owner.goto(url)
    assert "/i/oauth2/authorize?" in owner.url
    owner.fill("#screen_name", bot)
    owner.click("button.authorize")
    owner.wait_for_url(f"{fleet.app_url}/callback?*")
    assert owner.inner_text("h1") == f"@{bot} is connected"
    owner.context.close()

    # Verify: the answer under the row, the focus back on Verify.
    page.click('.tab[data-view="accounts"]')
    expect(error).to_be_hidden()  # the next action started: the old error is gone
    row = walk.account(bot)
    row.wait_for()
    assert page.locator("#accounts tbody tr[data-screen-name]").count() > len(FLEET)
    row.locator(".verify").click()
    panel = page.locator("#accounts tr.beside")
    walk.answered_under(row, panel, f"@{bot}: ")
    expect(panel.locator(".result")).to_have_class(re.compile(r"\bok\b"))
    expect(row.locator(".verify")).to_be_focused()
    expect(row.locator(".status")).to_have_text("healthy")
    assert row.locator("td[data-label='Last checked']").inner_text() != "—"
    walk.shoot("verified")

    # The status filter: the bot is not among the revoked; back to all.
    with walk.listing():
        page.select_option("#status-filter", "revoked")
    expect(row).to_have_count(0)
    shown = page.locator("#accounts .status").all_inner_texts()
    assert set(shown) <= {"revoked: needs a new link"}, shown
    with walk.listing():
        page.select_option("#status-filter", "")
    row.wait_for()

    # Two test tweets, each with a new default text: X refuses the same text twice.
    row.locator(".tweet").click()
    text = page.locator("#tweet-text")
    expect(text).to_be_focused()
    first_text = text.input_value()
    assert first_text.startswith("Test post from Birdhouse, ")
    page.click("#send-tweet")
    answer = walk.answered_under(row, panel, f"Posted as @{bot} (tweet ")
    expect(page.locator("#send-tweet")).to_be_focused()
    first_answer = answer.inner_text()
    second_text = text.input_value()
    assert second_text != first_text
    page.keyboard.press("Enter")  # "Post it" has the focus: again
    expect(answer).not_to_have_text(first_answer)
    walk.answered_under(row, panel, f"Posted as @{bot} (tweet ")
    expect(answer).to_have_class(re.compile(r"\bok\b"))
    walk.shoot("second-tweet")

    # The bot-job snippet; Close gives the focus back to its button.
    row.locator(".snippet").click()
    snippet = page.inner_text("#snippet-code")
    assert f'SecretId="twitter-bots/accounts/{bot.lower()}"' in snippet
    assert 'pip install "./client"' in snippet
    assert fleet.admin_token not in snippet
    expect(panel).to_be_in_viewport()
    panel.locator(".close").click()
    expect(panel).to_have_count(0)
    expect(row.locator(".snippet")).to_be_focused()

    # Reset asks first; confirmed, the new link shows under the row.
    row.locator(".reset").click()
    expect(page.locator("#confirm-reset")).to_be_focused()
    expect(page.locator("#confirm-reset")).to_be_in_viewport()
    expect(row.locator(".status")).to_have_text("healthy")  # nothing happened yet
    walk.shoot("reset-asks")
    page.keyboard.press("Enter")
    walk.answered_under(row, panel, f"@{bot} was reset")
    new_link = panel.locator("input.link")
    assert new_link.input_value().startswith(f"{fleet.app_url}/onboard?invite=")
    expect(panel.locator("img.qr")).to_be_visible()
    expect(panel.locator(".copy")).to_be_focused()
    expect(row.locator(".status-revoked")).to_be_visible()
    walk.shoot("reset")

    # Withdraw asks first, answers under the row; a withdrawn invite's link leaves the page.
    page.click('.tab[data-view="invites"]')
    page.fill("#invite-screen-name", other)
    page.click("#create-invite")
    expect(result.locator("input.link")).to_be_visible()
    other_row = page.locator("#invites tr[data-invite-id]", has_text=f"@{other}")
    other_row.locator(".withdraw").click()
    expect(page.locator("#confirm-withdraw")).to_be_focused()
    expect(other_row.locator(".status")).to_have_text("pending")  # asked, not done
    page.click("#confirm-withdraw")
    invites_panel = page.locator("#invites tr.beside")
    answer = walk.answered_under(other_row, invites_panel, "Invite withdrawn")
    expect(answer).to_be_focused()
    expect(other_row.locator(".status")).to_have_text("withdrawn")
    assert other_row.locator(".withdraw").count() == 0
    expect(result).to_be_hidden()  # its link, Copy button and QR code are gone
    assert page.locator("input.link, #invite-result .copy, #invite-result img.qr").count() == 0
    walk.shoot("withdrawn")
    reset_invite = page.locator(
        "#invites tr[data-invite-id]", has_text=f"@{bot}", has=page.locator(".withdraw")
    )
    reset_id = reset_invite.get_attribute("data-invite-id")
    reset_invite = page.locator(f'#invites tr[data-invite-id="{reset_id}"]')
    reset_invite.locator(".withdraw").click()
    page.click("#confirm-withdraw")
    walk.answered_under(reset_invite, invites_panel, "Invite withdrawn")

    # Delete asks first; done, the answer stays where the row was, with the focus.
    walk.accounts_tab()
    place = row.evaluate("r => [...r.parentNode.children].indexOf(r)")
    row.locator(".delete").click()
    expect(page.locator("#confirm-delete")).to_be_focused()
    page.keyboard.press("Enter")
    answer = panel.locator(".result")
    expect(answer).to_contain_text(f"@{bot} is scheduled for deletion on ")
    expect(row).to_have_count(0)
    expect(answer).to_be_in_viewport()
    expect(answer).to_be_focused()
    assert panel.evaluate("p => [...p.parentNode.children].indexOf(p)") == place
    walk.shoot("deleted")

    # Restore: the answer where the row was, with the focus.
    page.click('.tab[data-view="deleted"]')
    deleted = page.locator(f'#deleted tr[data-screen-name="{bot}"]')
    deleted.locator(".restore").click()
    answer = page.locator("#deleted tr.beside .result")
    expect(answer).to_contain_text(f"@{bot} is restored")
    expect(deleted).to_have_count(0)
    expect(answer).to_be_in_viewport()
    expect(answer).to_be_focused()
    walk.shoot("restored")
    page.click('.tab[data-view="accounts"]')
    row.wait_for()

    if viewport == DESKTOP:
        page.emulate_media(color_scheme="dark")
        page.click("#refresh-accounts")
        row.wait_for()
        walk.shoot("accounts-dark")

    page.click("#sign-out")
    page.locator("#signin").wait_for(state="visible")
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator("#nav").is_hidden()
    page.reload()
    assert page.locator("#signin").is_visible()  # the token is gone, not just hidden

    # The wrong token's 401 and the refused invite's 422 are the failed requests; nothing was
    # refused by the CSP.
    expected = re.compile(
        r"Failed to load resource: the server responded with a status of 4(01|22)"
    )
    assert [p for p in page.problems if not expected.match(p)] == []
    assert len(page.problems) == 2

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


def add_operator(stack: LocalStack, name: str, role: str) -> str:
    """A teammate's key, from the admin API (as the owner would with curl)."""
    answer = requests.post(
        f"{stack.app_url}/operators",
        headers={"Authorization": f"Bearer {stack.admin_token}"},
        json={"name": name, "role": role},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def who_is(stack: LocalStack, key: str) -> requests.Response:
    return requests.get(
        f"{stack.app_url}/operators/me", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def sign_in(page: Any, stack: LocalStack, key: str, shown_as: str) -> None:
    """Paste the key; wait until the console says who this is and the accounts are drawn."""
    page.goto(f"{stack.app_url}/console")
    page.fill("#token", key)
    page.click("#signin-form button")
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {shown_as}")
    page.locator("#accounts tbody tr[data-screen-name]").first.wait_for()


ADMIN_ONLY = "#accounts .verify, #accounts .tweet, #accounts .reset, #accounts .delete"


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["1280"], indirect=True)
def test_each_role_sees_only_what_it_may_and_the_audit_tab_lists_who_did_what(
    fleet: LocalStack, console: Any
) -> None:
    page = console
    viewer_key = add_operator(fleet, "vera", "viewer")
    inviter_key = add_operator(fleet, "ivan", "inviter")
    # A pending invite and an account pending deletion, for the controls a viewer must not get.
    pending = "RolePending"
    fresh_link(fleet, pending)
    gone = "RoleGone"
    connect_over_http(fleet, gone, fresh_link(fleet))
    deleted = requests.delete(
        f"{fleet.app_url}/accounts/{gone}",
        headers={"Authorization": f"Bearer {fleet.admin_token}"},
        timeout=10,
    )
    assert deleted.status_code == 200, deleted.text
    for _ in range(12):  # enough records for more than one page of the Audit tab
        fresh_link(fleet)

    # A viewer reads everything and changes nothing.
    sign_in(page, fleet, viewer_key, "vera · viewer")
    expect(page.locator("#accounts .snippet").first).to_be_visible()
    expect(page.locator(ADMIN_ONLY)).to_have_count(0)
    expect(page.locator('.tab[data-view="operators"]')).to_be_hidden()
    screenshot(page, "console-roles-1-viewer", full_page=False)
    page.click('.tab[data-view="deleted"]')
    expect(page.locator(f'#deleted tr[data-screen-name="{gone}"]')).to_be_visible()
    expect(page.locator("#deleted .restore")).to_have_count(0)
    page.click('.tab[data-view="invites"]')
    pending_row = page.locator("#invites tr[data-invite-id]", has_text=f"@{pending}")
    expect(pending_row.first).to_be_visible()
    expect(page.locator("#invite-form")).to_be_hidden()
    expect(page.locator("#invites .withdraw")).to_have_count(0)
    page.click('.tab[data-view="audit"]')
    expect(page.locator("#audit tbody tr").first).to_be_visible()
    page.click("#sign-out")

    # An inviter also mints and withdraws invites, and still changes no account.
    sign_in(page, fleet, inviter_key, "ivan · inviter")
    expect(page.locator(ADMIN_ONLY)).to_have_count(0)
    expect(page.locator('.tab[data-view="operators"]')).to_be_hidden()
    page.click('.tab[data-view="invites"]')
    page.fill("#invite-screen-name", "InvitedByIvan")
    page.click("#create-invite")
    new_link = page.locator("#invite-result input.link")
    expect(new_link).to_be_visible()
    assert new_link.input_value().startswith(f"{fleet.app_url}/onboard?invite=")
    expect(
        page.locator("#invites tr[data-invite-id]", has_text="@InvitedByIvan").locator(".withdraw")
    ).to_be_visible()
    page.click("#sign-out")

    # The owner, as admin: every control, and the operators.
    sign_in(page, fleet, fleet.admin_token, "owner · admin")
    expect(page.locator("#accounts .verify").first).to_be_visible()
    page.click('.tab[data-view="operators"]')
    expect(page.locator('#operators tr[data-operator="ivan"]')).to_contain_text("inviter")
    expect(page.locator('#operators tr[data-operator="vera"]')).to_contain_text("viewer")
    page.fill("#operator-name", "olga")
    page.select_option("#operator-role", "viewer")
    page.click("#add-operator")
    key_box = page.locator("#operator-key")
    expect(key_box).to_be_in_viewport()
    key = key_box.input_value()
    assert key.startswith("bho_olga_")
    expect(page.locator("#operator-result .copy")).to_be_focused()
    screenshot(page, "console-roles-2-operator-key", full_page=False)
    assert who_is(fleet, key).json()["name"] == "olga"  # the key shown works
    olga = page.locator('#operators tr[data-operator="olga"]')
    expect(olga).to_contain_text("viewer")

    # Revoke asks first; the next action has taken the key off the page for good.
    olga.locator(".revoke").click()
    expect(page.locator("#confirm-revoke")).to_be_focused()
    expect(page.locator("#operator-result")).to_be_hidden()
    assert page.locator("#operator-key").count() == 0
    assert key not in page.content()
    assert who_is(fleet, key).status_code == 200  # asked, not done
    page.click("#confirm-revoke")
    answer = page.locator("#operators tr.beside .result")
    expect(answer).to_contain_text("olga's key is revoked")
    expect(answer).to_be_focused()
    expect(olga).to_have_count(0)
    assert who_is(fleet, key).status_code == 401

    # The Audit tab: newest first, who did what through the console.
    page.click('.tab[data-view="audit"]')
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_contain_text("operator.revoke")
    expect(rows.first).to_contain_text("operator olga")
    expect(rows.first.locator("td[data-label='Operator']")).to_have_text("owner")
    expect(rows.first.locator("td[data-label='Via']")).to_have_text("console")
    added = rows.filter(has_text="operator.add").filter(has_text="operator olga")
    expect(added.locator("td[data-label='Via']")).to_have_text("console")
    expect(rows).to_have_count(20)  # a page; the rest behind More
    page.click("#audit-more")
    expect(rows.nth(20)).to_be_visible()
    expect(rows.nth(20)).to_be_focused()  # the keyboard reads on from the first new record

    # Filtered by operator, then by account: the inviter's invite, made in the console.
    page.fill("#audit-operator", "ivan")
    page.click("#apply-audit")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("invite.create")
    expect(rows.first).to_contain_text("@invitedbyivan")
    expect(rows.first.locator("td[data-label='Via']")).to_have_text("console")
    expect(page.locator("#audit-more")).to_be_hidden()
    screenshot(page, "console-roles-3-audit", full_page=False)
    page.fill("#audit-operator", "")
    page.fill("#audit-account", "@InvitedByIvan")
    page.click("#apply-audit")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td[data-label='Operator']")).to_have_text("ivan")
    page.fill("#audit-account", "not a name!")
    page.click("#apply-audit")
    expect(page.locator("#audit-error")).to_contain_text("Account: a screen name")

    assert [p for p in page.problems if "status of 422" not in p] == []
