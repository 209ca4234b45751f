"""Connecting accounts: invite, invites (list, revoke), and the PIN flow."""

import argparse
import re
import sys
from datetime import timedelta

from app.cli.context import Context
from app.cli.output import CommandError, UsageError, ask, print_table
from app.cli.parser import AddCommand, screen_name_argument
from app.core.invites import (
    MAX_INVITE_LIFETIME,
    MAX_NOTE_LENGTH,
    MIN_INVITE_LIFETIME,
    InviteStatus,
    invite_link,
)
from app.flows.invites import create_invite, list_invites, withdraw_invite
from app.flows.onboarding import complete_pin_onboarding, start_pin_onboarding

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def register(add_command: AddCommand) -> None:
    invite = add_command(
        "invite",
        _invite,
        "Mint a single-use onboarding link and record it, like POST /invites.",
        audit="invite.create",
    )
    invite.add_argument("--note", help="free text for the operator, at most 200 characters")
    invite.add_argument(
        "--screen-name", type=screen_name_argument, help="the bot account the owner must authorize"
    )
    invite.add_argument(
        "--auth",
        choices=("oauth1", "oauth2"),
        default="oauth1",
        help="how the owner authorizes at X: OAuth 1.0a (default) or OAuth 2.0 with PKCE",
    )
    invite.add_argument(
        "--expires",
        type=duration,
        default="7d",
        help="lifetime: 30m, 24h, 7d (default) or seconds; 5m to 30d",
    )
    invite.add_argument(
        "--base-url", help="where browsers reach Birdhouse (default: PUBLIC_BASE_URL)"
    )

    invites = add_command(
        "invites",
        _invites,
        "List invites (newest first, no links), or withdraw one: invites revoke INVITE_ID.",
        audit=lambda args: "invite.withdraw" if args.action == "revoke" else None,
    )
    invites.add_argument("action", nargs="?", choices=["list", "revoke"], default="list")
    invites.add_argument("invite_id", nargs="?", help="with revoke: the invite to withdraw")
    invites.add_argument("--status", choices=[status.value for status in InviteStatus])

    pin = add_command(
        "pin",
        _pin,
        "Onboard with a PIN instead of a browser callback: open the printed link, log in as "
        "the bot, authorize, and type the PIN X shows.",
        audit="account.connect",
    )
    pin.add_argument(
        "--screen-name", type=screen_name_argument, help="the bot account the owner must authorize"
    )


def _invite(args: argparse.Namespace, ctx: Context) -> int:
    base_url = ctx.base_url(args.base_url)
    lifetime = args.expires
    if args.note and len(args.note) > MAX_NOTE_LENGTH:
        raise UsageError(f"--note is at most {MAX_NOTE_LENGTH} characters")
    screen_name = args.screen_name
    if args.auth == "oauth2" and not ctx.app_secret.has_oauth2_client:
        raise CommandError(
            "an OAuth 2.0 invite needs the X app's OAuth 2.0 client_id and client_secret in the "
            "app secret (rotate-client-secret writes them)"
        )
    invite = create_invite(
        ledger=ctx.ledger,
        store=ctx.store,
        signing_key=ctx.app_secret.signing_keys,
        screen_name=screen_name,
        lifetime=lifetime,
        note=args.note,
        auth=args.auth,
    )
    ctx.audit_entry.invite = invite.record.id
    print(invite_link(base_url, invite.token))
    who = f"@{screen_name}" if screen_name else "any account"
    print(
        f"Invite {invite.record.id} for {who} ({invite.record.auth}); single use; expires "
        f"{invite.record.expires_at:%Y-%m-%d %H:%M} UTC.",
        file=sys.stderr,
    )
    return 0


def _invites(args: argparse.Namespace, ctx: Context) -> int:
    if args.action == "revoke":
        if not args.invite_id:
            raise UsageError("invites revoke needs the INVITE_ID to withdraw")
        record = withdraw_invite(args.invite_id, ledger=ctx.ledger)
        print(f"Withdrew invite {record.id}: its link now says it was withdrawn.")
        return 0
    status = InviteStatus(args.status) if args.status else None
    records = list_invites(ledger=ctx.ledger, status=status)
    if not records:
        print("No invites." if status is None else f"No {status.value} invites.")
        return 0
    print_table(
        ("ID", "STATUS", "FOR", "CREATED", "EXPIRES", "CONNECTED", "NOTE"),
        [
            (
                record.id,
                record.status.value,
                f"@{record.screen_name}" if record.screen_name else "any",
                f"{record.created_at:%Y-%m-%d %H:%M}",
                f"{record.expires_at:%Y-%m-%d %H:%M}",
                f"@{record.connected_screen_name}" if record.connected_screen_name else "",
                record.note or "",
            )
            for record in records
        ],
    )
    return 0


def _pin(args: argparse.Namespace, ctx: Context) -> int:
    expected = args.screen_name
    start = start_pin_onboarding(x_client=ctx.x_client, screen_name=expected)
    print("Open this link in a browser, log in to X as the bot, and authorize the app:")
    print(start.authorize_url, flush=True)
    # X shows 7 digits; other OAuth 1.0a servers show letters too, so take it as typed.
    pin = ask("PIN shown by X: ", secret=False)
    connected = complete_pin_onboarding(
        state=start.state,
        pin=pin,
        app_secret=ctx.app_secret,
        x_client=ctx.x_client,
        store=ctx.store,
        events=ctx.events,
        recovery_window_days=ctx.settings.deletion_recovery_days,
    )
    ctx.audit_entry.account = connected.screen_name
    print(f"@{connected.screen_name} is connected ({connected.outcome.value}).")
    return 0


def duration(text: str) -> timedelta:
    """--expires (an argparse type): 30m, 24h, 7d or seconds, within the invite lifetime bounds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"--expires takes 30m, 24h, 7d or seconds, not {text!r}")
    lifetime = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if not MIN_INVITE_LIFETIME <= lifetime <= MAX_INVITE_LIFETIME:
        raise argparse.ArgumentTypeError("--expires must be between 5m and 30d")
    return lifetime
