"""The bot owner's error pages: plain words instead of status codes, what happened and what to
do on every one, and a "Try again" button where opening the same address again can help."""

import html
import re
from typing import Any
from urllib.parse import urljoin

import pytest

from app.core import errors
from app.sandbox.x_standin import Fault, XStandin
from app.web.pages import error_page
from tests.support.lambda_browser import LambdaBrowser, Page, authorize_at_x
from tests.support.owner_flows import mint_invite, open_invite

_BUTTON = re.compile(r'<a class="button" href="([^"]*)">([^<]*)</a>')


def _every_error_class() -> list[type[errors.BirdhouseError]]:
    found: list[type[errors.BirdhouseError]] = []
    pending = [errors.BirdhouseError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _raw(cls: type[errors.BirdhouseError]) -> errors.BirdhouseError:
    """The error as an adapter raises it: an operator's message, no hint for the owner."""
    message = "Secrets Manager could not read twitter-bots/app (EndpointConnectionError)"
    if issubclass(cls, errors.XRateLimited):
        return cls(message, x_status=429, retry_after_seconds=600)
    if issubclass(cls, errors.XRejected):
        return cls(message, x_status=400)
    return cls(message)


def button(page: Page) -> tuple[str, str] | None:
    found = _BUTTON.search(page.body)
    return (html.unescape(found.group(1)), found.group(2)) if found else None


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda cls: cls.__name__)
def test_no_page_shows_a_status_code_and_every_page_says_what_to_do(
    cls: type[errors.BirdhouseError],
) -> None:
    page = bytes(error_page(_raw(cls)).body).decode()

    assert not re.search(r"(?i)error\s*\d{3}", page)
    assert not re.search(r'class="badge">\s*\d', page)
    assert re.search(r'<p class="hint">\S', page), "every error page says what to do next"


@pytest.mark.parametrize(
    "cls",
    [errors.AppSecretError, errors.StoreUnavailable, errors.XUnavailable, errors.XTimeout],
    ids=lambda cls: cls.__name__,
)
def test_operator_details_stay_off_the_owners_page(cls: type[errors.BirdhouseError]) -> None:
    page = bytes(error_page(_raw(cls)).body).decode()

    assert "twitter-bots/app" not in page
    assert "EndpointConnectionError" not in page
    assert "Nothing was saved" in page or "fully set up" in page


def test_rate_limited_page_says_when_to_try_again() -> None:
    page = html.unescape(bytes(error_page(_raw(errors.XRateLimited)).body).decode())

    assert "Try again in about 10 minutes." in page


def test_x_down_at_onboard_offers_try_again_to_the_same_link(
    birdhouse: XStandin, front_door_browser: LambdaBrowser
) -> None:
    browser = front_door_browser
    invite_url = mint_invite(browser, screen_name="HelloBot")
    birdhouse.fail_next("request_token", Fault(status=503))

    failed = browser.open(invite_url)

    assert failed.status == 502
    assert "Try again shortly" in failed.text
    href, label = button(failed) or ("", "")
    assert label == "Try again"
    # Relative, so it keeps the REST API stage prefix the app never sees.
    assert not href.startswith(("/", "http"))
    assert urljoin(invite_url, href) == invite_url
    assert browser.open(urljoin(invite_url, href)).status == 303  # X is back


def test_x_down_at_the_callback_offers_try_again_which_completes(
    birdhouse: XStandin, front_door_browser: LambdaBrowser, aws: Any
) -> None:
    browser = front_door_browser
    authorize_url = open_invite(browser, mint_invite(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    birdhouse.fail_next("access_token", Fault(status=503))

    failed = browser.open(callback_url)
    href, _label = button(failed) or ("", "")
    retried = browser.open(urljoin(callback_url, href))

    assert failed.status == 502
    assert urljoin(callback_url, href) == callback_url
    assert retried.status == 200
    assert "@HelloBot is connected" in retried.text


@pytest.mark.parametrize(
    "path",
    [
        "/onboard?invite=tampered",  # a link problem: ask for a new link
        "/callback?oauth_token=a&oauth_verifier=b",  # no authorization in this browser
        "/callback?error=server_error",
    ],
)
def test_no_button_where_opening_the_same_address_cannot_help(
    birdhouse: XStandin, browser: LambdaBrowser, path: str
) -> None:
    page = browser.open(f"{browser.front_door.base_url}{path}")

    assert page.status == 400
    assert button(page) is None
    assert '<p class="hint">' in page.body


def test_the_button_is_a_plain_link_under_the_pages_csp(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    birdhouse.fail_next("request_token", Fault(status=503))

    page = browser.open(mint_invite(browser))

    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script" not in page.body.lower()
    assert "<form" not in page.body


@pytest.mark.parametrize(
    "error",
    ["server_error", "<b>Call+us+at+555-0100</b>", "x" * 256, "temporarily_unavailable"],
)
def test_what_x_said_on_its_way_back_is_shown_as_a_fixed_sentence(
    birdhouse: XStandin, browser: LambdaBrowser, error: str
) -> None:
    page = browser.open(f"{browser.front_door.base_url}/callback?error={error}")

    assert page.status == 400
    assert error not in page.text
    assert "Call" not in page.text
    assert "Nothing was saved" in page.text
