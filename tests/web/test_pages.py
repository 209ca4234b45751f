"""The owner's pages: styles that the page's own CSP allows, escaped content, the headers."""

import base64
import hashlib
import re

from app.core.errors import AccountMismatch
from app.web.pages import error_page, render_page


def test_inline_stylesheet_matches_the_csp_hash() -> None:
    # A mismatch makes browsers drop every style: the page still works but looks broken.
    page = render_page(title="t", message="m")
    html = bytes(page.body).decode()

    (inline_css,) = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(inline_css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page.headers["content-security-policy"]
    assert "&#34;" not in inline_css


def test_page_content_is_escaped() -> None:
    page = error_page(AccountMismatch("@<script>alert(1)</script> is not @Bot"))

    assert "<script>" not in bytes(page.body).decode()
    assert "&lt;script&gt;" in bytes(page.body).decode()


def test_pages_forbid_framing_caching_and_referrers() -> None:
    headers = render_page(title="t", message="m").headers

    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
