"""`python -m app` for the operator's day-to-day: PINs of any shape, deleting and restoring,
JSON output, the version and the exit codes. Same subprocess set-up as tests/test_cli.py."""

from typing import Any

from app.sandbox.x_standin import XStandin
from tests.test_cli import (
    app_secret,
    cli_env,
    pin_shown_by_x,
    secrets_client,
    start_pin,
)

# The first command-line tests' fixtures, used here by name.
SHARED_FIXTURES = (app_secret, cli_env, secrets_client)


def test_pin_with_letters_is_accepted(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, secrets_client: Any
) -> None:
    x_standin.quirks.alphanumeric_pins = True
    process, query = start_pin(cli_env, "PinBot")
    pin = pin_shown_by_x(x_standin, query["oauth_token"][0], log_in_as="PinBot")
    assert not pin.isdigit()

    out, err = process.communicate(f"  {pin} \n", timeout=30)

    assert process.returncode == 0, err
    assert "@PinBot is connected" in out
