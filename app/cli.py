"""The operator's command line: bootstrap, invite(s), pin, accounts, creds, verify, tweet,
delete, restore, reset, rotate-consumer-keys, sweep, rename, policy.

Settings come from the environment (and .env), as for the service. Exit status: 0 when it
worked, 1 when it failed or needs attention (one line on stderr says why; BIRDHOUSE_DEBUG=1
shows a traceback of an unexpected one), 2 for a usage error (argparse's own).
"""

import argparse
import dataclasses
import getpass
import json
import logging
import os
import re
import secrets
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, TextIO
from urllib.parse import urlencode

from pydantic import ValidationError

from app import __version__, wiring
from app.adapters.secrets_manager import SaveOutcome, create_secrets_client
from app.adapters.x_client import XClient
from app.app_secret import (
    MAX_PREVIOUS_SIGNING_KEYS,
    MIN_CONSUMER_KEY_LENGTH,
    PREVIOUS_SIGNING_KEYS,
    AppSecret,
    clear_app_secret_cache,
    looks_like_placeholder,
)
from app.config import Settings
from app.errors import BirdhouseError, OnboardingSessionError, RotationRefused, XTokenRevoked
from app.flows import account_admin
from app.flows.invites import (
    MAX_INVITE_LIFETIME,
    MAX_NOTE_LENGTH,
    MIN_INVITE_LIFETIME,
    InviteStatus,
    create_invite,
    list_invites,
    withdraw_invite,
)
from app.flows.onboarding import OnboardingState, complete_onboarding
from app.flows.rotation import (
    AccountOutcome,
    Verdict,
    prove_consumer_keys,
    rotate_consumer_keys,
)
from app.iam_policy import bot_job_policy
from app.screen_names import validate_screen_name
from birdhouse_client import CredentialsError, load_account
from birdhouse_client.layout import CREDENTIAL_KEYS, HEALTHY_STATUSES

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# `creds --format env`: the names twitter bot scripts conventionally read.
_ENV_NAMES = {key: f"TWITTER_{key.upper()}" for key in CREDENTIAL_KEYS}


class CommandError(Exception):
    """A one-line answer for the operator."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # The command's own output says what happened; log lines would only repeat it on stderr.
    debug = bool(os.environ.get("BIRDHOUSE_DEBUG"))
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("app").setLevel(logging.DEBUG if debug else logging.ERROR)
    try:
        result: int = args.run(args)
        return result
    except (BirdhouseError, CredentialsError, CommandError) as exc:
        _fail(str(getattr(exc, "message", exc)))
    except ValidationError as exc:
        _fail(f"bad setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    except KeyboardInterrupt:
        _fail("interrupted")
    except Exception as exc:
        if os.environ.get("BIRDHOUSE_DEBUG"):
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (BIRDHOUSE_DEBUG=1 shows more)")
    return 1


def _fail(message: str) -> None:
    print(f"birdhouse: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Birdhouse: connect X bot accounts and manage their keys.",
    )
    parser.add_argument("--version", action="version", version=f"birdhouse {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, run: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    bootstrap = command(
        "bootstrap",
        _bootstrap,
        "Create or update the app secret: asks for the X consumer key and secret (or reads "
        "them from stdin), generates the admin token and signing key, prints the token once.",
    )
    bootstrap.add_argument(
        "--offline",
        action="store_true",
        help="store the keys without proving them at X first (an 'oob' request token)",
    )
    bootstrap.add_argument(
        "--rotate",
        action="store_true",
        help="replace the admin token and the signing key; links and state cookies already "
        "out keep working (the old key verifies only). Takes effect everywhere within "
        "APP_SECRET_TTL_SECONDS (default 5 minutes)",
    )
    bootstrap.add_argument(
        "--revoke-links",
        action="store_true",
        help="with --rotate: also drop every earlier signing key, so every outstanding link "
        "and half-finished authorization stops working",
    )

    invite = command(
        "invite", _invite, "Mint a single-use onboarding link and record it, like POST /invites."
    )
    invite.add_argument("--note", help="free text for the operator, at most 200 characters")
    invite.add_argument("--screen-name", help="the bot account the owner must authorize")
    invite.add_argument(
        "--expires", default="7d", help="lifetime: 30m, 24h, 7d (default) or seconds; 5m to 30d"
    )
    invite.add_argument(
        "--base-url", help="where browsers reach Birdhouse (default: PUBLIC_BASE_URL)"
    )

    invites = command(
        "invites",
        _invites,
        "List invites (newest first, no links), or withdraw one: invites revoke INVITE_ID.",
    )
    invites.add_argument("action", nargs="?", choices=["list", "revoke"], default="list")
    invites.add_argument("invite_id", nargs="?", help="with revoke: the invite to withdraw")
    invites.add_argument("--status", choices=[status.value for status in InviteStatus])

    pin = command(
        "pin",
        _pin,
        "Onboard with a PIN instead of a browser callback: open the printed link, log in as "
        "the bot, authorize, and type the PIN X shows.",
    )
    pin.add_argument("--screen-name", help="the bot account the owner must authorize")

    accounts = command("accounts", _accounts, "List onboarded accounts (no secrets).")
    accounts.add_argument(
        "--deleted",
        action="store_true",
        help="list the accounts scheduled for deletion instead, with their deletion date",
    )
    accounts.add_argument("--json", action="store_true", help="print JSON, as GET /accounts")

    creds = command("creds", _creds, "Print one account's keys for a bot job.")
    creds.add_argument("screen_name")
    creds.add_argument("--format", choices=["json", "env"], default="json")

    verify = command(
        "verify",
        _verify,
        "Check accounts' tokens at X (GET /2/users/me); exit 1 if any fails.",
    )
    target = verify.add_mutually_exclusive_group(required=True)
    target.add_argument("screen_name", nargs="?")
    target.add_argument("--all", action="store_true", help="every onboarded account")
    verify.add_argument("--json", action="store_true", help="print one JSON document")

    rotate = command(
        "rotate-consumer-keys",
        _rotate_consumer_keys,
        "After regenerating the X app's consumer key and secret: asks for the new pair (or "
        "reads two lines from stdin), proves it at X, writes the app secret, rewrites every "
        "account secret (the old pair stays as AWSPREVIOUS), then verifies each account. Safe "
        "to run again: it finishes an interrupted run and skips what is done.",
    )
    rotate.add_argument(
        "--base-url", help="where browsers reach Birdhouse, to print re-onboarding links"
    )

    reset = command(
        "reset",
        _reset,
        "A leaked account token: revoke it at X, mark the secret (bot jobs get a clear error), "
        "and print a fresh single-use link for the account's owner.",
    )
    reset.add_argument("screen_name")
    reset.add_argument(
        "--base-url", help="where browsers reach Birdhouse (default: PUBLIC_BASE_URL)"
    )

    policy = command(
        "policy",
        _policy,
        "Print an IAM policy that reads exactly these accounts' secrets (makes no AWS call).",
    )
    policy.add_argument("screen_names", nargs="+", metavar="NAME")
    policy.add_argument("--region", default="*", help="default * (the names still pin it down)")
    policy.add_argument("--account-id", default="*", help="the AWS account id; default *")
    policy.add_argument("--partition", default="aws")
    policy.add_argument("--kms-key-arn", help="the customer-managed key, if the secrets use one")

    sweep = command(
        "sweep",
        _sweep,
        "Check every account at X now (what the scheduled sweep does) and record each status; "
        "one paid X read per account.",
    )
    sweep.add_argument("--budget", type=float, help="seconds the run may take")

    rename = command(
        "rename",
        _rename,
        "The account was renamed at X: move its secret to the new name (same X user).",
    )
    rename.add_argument("screen_name", help="the name it is stored under")

    tweet = command("tweet", _tweet, "Post a test tweet as the account.")
    tweet.add_argument("screen_name")
    tweet.add_argument("--text", help="default: a unique 'Test post from Birdhouse' line")

    delete = command(
        "delete",
        _delete,
        "Revoke the account's token at X, then schedule its secret's deletion (like DELETE "
        "/accounts/NAME); exit 1 if X could not revoke it.",
    )
    delete.add_argument("screen_name")
    delete.add_argument(
        "--recovery-window-days",
        type=int,
        choices=range(7, 31),
        metavar="{7..30}",
        help="days it can still be restored (default: DELETION_RECOVERY_DAYS, 7)",
    )

    restore = command(
        "restore",
        _restore,
        "Undo a deletion within its recovery window, then check the token at X; exit 1 if X "
        "no longer accepts it (onboard the account again) or could not be asked.",
    )
    restore.add_argument("screen_name")
    return parser


# --- commands ----------------------------------------------------------------------------


def _bootstrap(args: argparse.Namespace) -> int:
    settings = Settings()
    source = wiring.app_secret_source()
    existing = source.read_app_secret(settings.app_secret_id) or {}
    consumer_key = _ask("X consumer key (API key): ", secret=False)
    consumer_secret = _ask("X consumer secret (API key secret): ", secret=True)
    if not consumer_key or not consumer_secret:
        raise CommandError("the consumer key and secret are both needed")
    if args.revoke_links and not args.rotate:
        raise CommandError("--revoke-links goes with --rotate")
    for what, typed in (("consumer key", consumer_key), ("consumer secret", consumer_secret)):
        if looks_like_placeholder(typed, min_length=MIN_CONSUMER_KEY_LENGTH):
            raise CommandError(
                f"the {what} looks like a placeholder (or is cut short): paste the one X shows "
                "for the app (Keys and tokens). Nothing was written."
            )
    if not args.offline:
        _prove_consumer_keys(settings, consumer_key, consumer_secret)
    keep = not args.rotate and all(existing.get(k) for k in ("admin_token", "signing_key"))
    admin_token = str(existing["admin_token"]) if keep else secrets.token_urlsafe(32)
    value: dict[str, Any] = {
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
        "admin_token": admin_token,
        "signing_key": str(existing["signing_key"]) if keep else secrets.token_urlsafe(48),
        PREVIOUS_SIGNING_KEYS: _previous_signing_keys(
            existing, rotate=args.rotate, revoke=args.revoke_links
        ),
    }
    outcome = source.write_app_secret(settings.app_secret_id, value)
    print(f"{'Created' if outcome is SaveOutcome.CREATED else 'Updated'} {settings.app_secret_id}.")
    if keep:
        print("Kept the existing admin token and signing key (--rotate replaces them).")
        return 0
    print(f"Admin token (shown once; keep it in a password manager): {admin_token}")
    if existing:
        ttl = f"{settings.app_secret_ttl_seconds:g} seconds"
        links = (
            "every outstanding link and half-finished authorization stops working"
            if args.revoke_links
            else "links already sent keep working (the old signing key now only verifies)"
        )
        print(
            f"Running containers switch within {ttl} (APP_SECRET_TTL_SECONDS): the old admin "
            f"token is refused from then on; {links}."
        )
    return 0


def _previous_signing_keys(existing: dict[str, Any], *, rotate: bool, revoke: bool) -> list[str]:
    """Newest first, at most MAX_PREVIOUS_SIGNING_KEYS: each rotation pushes the old key."""
    kept = [str(k) for k in existing.get(PREVIOUS_SIGNING_KEYS) or [] if isinstance(k, str)]
    if revoke:
        return []
    if rotate and existing.get("signing_key"):
        kept = [str(existing["signing_key"]), *kept]
    return kept[:MAX_PREVIOUS_SIGNING_KEYS]


def _prove_consumer_keys(settings: Settings, consumer_key: str, consumer_secret: str) -> None:
    """Ask X for an 'oob' request token with the keys: only the right pair gets one."""
    x_client = wiring.x_client_for_keys(
        settings, consumer_key=consumer_key, consumer_secret=consumer_secret
    )
    try:
        # Refused (wrong keys) or unreachable alike: nothing is written without proof.
        prove_consumer_keys(x_client)
    except RotationRefused as exc:
        raise CommandError(f"{exc.message} --offline stores them unchecked.") from exc
    print(f"X accepted the consumer keys ({settings.x_api_base_url}).")


def _invite(args: argparse.Namespace) -> int:
    settings = Settings()
    base_url = (args.base_url or settings.public_base_url or "").rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise CommandError(
            "no base URL: pass --base-url or set PUBLIC_BASE_URL to where browsers reach Birdhouse"
        )
    lifetime = _duration(args.expires)
    if args.note and len(args.note) > MAX_NOTE_LENGTH:
        raise CommandError(f"--note is at most {MAX_NOTE_LENGTH} characters")
    screen_name = validate_screen_name(args.screen_name) if args.screen_name else None
    invite = create_invite(
        ledger=wiring.invite_ledger(settings),
        store=wiring.account_store(settings),
        signing_key=_app_secret(settings).signing_keys,
        screen_name=screen_name,
        lifetime=lifetime,
        note=args.note,
    )
    print(f"{base_url}/onboard?{urlencode({'invite': invite.token})}")
    who = f"@{screen_name}" if screen_name else "any account"
    print(
        f"Invite {invite.record.id} for {who}; single use; expires "
        f"{invite.record.expires_at:%Y-%m-%d %H:%M} UTC.",
        file=sys.stderr,
    )
    return 0


def _invites(args: argparse.Namespace) -> int:
    settings = Settings()
    ledger = wiring.invite_ledger(settings)
    if args.action == "revoke":
        if not args.invite_id:
            raise CommandError("usage: invites revoke INVITE_ID")
        record = withdraw_invite(args.invite_id, ledger=ledger)
        print(f"Withdrew invite {record.id}: its link now says it was withdrawn.")
        return 0
    status = InviteStatus(args.status) if args.status else None
    records = list_invites(ledger=ledger, status=status)
    if not records:
        print("No invites." if status is None else f"No {status.value} invites.")
        return 0
    table = [("ID", "STATUS", "FOR", "CREATED", "EXPIRES", "CONNECTED", "NOTE")]
    table += [
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
    ]
    _print_table(table[0], table[1:])
    return 0


def _pin(args: argparse.Namespace) -> int:
    settings = Settings()
    store = wiring.account_store(settings)
    app_secret = _app_secret(settings)
    expected = validate_screen_name(args.screen_name) if args.screen_name else None
    x_client = _x_client(settings, app_secret)
    request_token = x_client.fetch_request_token(callback_url="oob")
    print("Open this link in a browser, log in to X as the bot, and authorize the app:")
    print(x_client.authorize_url(oauth_token=request_token.token, screen_name=expected))
    # X shows 7 digits; other OAuth 1.0a servers show letters too, so take it as typed.
    pin = _ask("PIN shown by X: ", secret=False)
    if not pin:
        raise CommandError("the PIN is what X shows after you authorize")
    state = OnboardingState(request_token=request_token, expected_screen_name=expected)
    try:
        connected = complete_onboarding(
            state=state,
            verifier=pin,
            app_secret=app_secret,
            x_client=x_client,
            store=store,
            ledger=None,  # the operator's own run: no invite to claim
            recovery_window_days=settings.deletion_recovery_days,
        )
    except OnboardingSessionError as exc:
        raise CommandError("X did not accept that PIN; run the command again") from exc
    print(f"@{connected.screen_name} is connected ({connected.outcome.value}).")
    return 0


def _accounts(args: argparse.Namespace) -> int:
    settings = Settings()
    store = wiring.account_store(settings)
    if args.deleted:
        deleted = account_admin.list_deleted_accounts(store=store)
        if args.json:
            _print_json({"accounts": [dataclasses.asdict(a) for a in deleted]})
        elif not deleted:
            print("No accounts are scheduled for deletion.")
        else:
            _print_table(
                ("SCREEN NAME", "USER ID", "DELETION DATE"),
                [
                    (
                        f"@{a.screen_name}",
                        a.user_id,
                        f"{a.deletion_date:%Y-%m-%d %H:%M} UTC" if a.deletion_date else "unknown",
                    )
                    for a in deleted
                ],
            )
            print("Restore one with: python -m app restore NAME (before its deletion date)")
        return 0
    rows = sorted(store.list_accounts(), key=lambda a: a.screen_name.lower())
    if args.json:
        _print_json({"accounts": [dataclasses.asdict(a) for a in rows]})
        return 0
    if not rows:
        print("No accounts onboarded yet.")
        return 0
    _print_table(
        ("SCREEN NAME", "USER ID", "AUTHORIZED AT"),
        [(f"@{a.screen_name}", a.user_id, a.authorized_at) for a in rows],
    )
    return 0


def _creds(args: argparse.Namespace) -> int:
    settings = Settings()
    account = load_account(
        validate_screen_name(args.screen_name),
        client=create_secrets_client(),
        secrets_prefix=settings.secrets_prefix,
    )
    if args.format == "env":
        for key, name in _ENV_NAMES.items():
            print(f"export {name}={shlex.quote(getattr(account, key))}")
    else:
        print(json.dumps(account.as_dict(), indent=2))
    return 0


def _verify(args: argparse.Namespace) -> int:
    settings = Settings()
    store = wiring.account_store(settings)
    app_secret = _app_secret(settings)
    x_client = _x_client(settings, app_secret)
    recorder = wiring.recorder(settings, signing_keys=app_secret.signing_keys)
    if args.all:
        names = sorted((a.screen_name for a in store.list_accounts()), key=str.lower)
    else:
        names = [validate_screen_name(args.screen_name)]
    outcomes: dict[str, list[str]] = {"ok": [], "renamed": [], "revoked": [], "failed": []}
    results: list[dict[str, str]] = []
    progress = _Progress(len(names), sys.stderr)
    for name in names:
        try:
            # The same check as POST /accounts/{name}/verify.
            result = account_admin.verify_account(
                screen_name=name, store=store, x_client=x_client, recorder=recorder
            )
        except XTokenRevoked:
            kind, line, detail = "revoked", f"@{name}: token revoked, onboard again", ""
        except BirdhouseError as exc:
            kind, line, detail = "failed", f"@{name}: {exc.message}", exc.message
        else:
            if result.renamed:
                kind = "renamed"
                line = f"@{name} is now @{result.screen_name} at X; onboard it again"
            else:
                kind, line = "ok", f"@{name}"
            detail = result.detail
        outcomes[kind].append(line)
        results.append({"screen_name": name, "outcome": kind, "detail": detail or line})
        progress.step()
    progress.done()
    if args.json:
        counts_by_kind = {kind: len(lines) for kind, lines in outcomes.items()}
        _print_json({"checked": len(names), "counts": counts_by_kind, "accounts": results})
    else:
        for kind, lines in outcomes.items():
            for line in lines:
                print(f"{kind.upper():8} {line}")
        counts = ", ".join(f"{len(lines)} {kind}" for kind, lines in outcomes.items())
        print(f"{len(names)} checked: {counts}")
    return 1 if outcomes["revoked"] or outcomes["failed"] else 0


def _tweet(args: argparse.Namespace) -> int:
    settings = Settings()
    posted = account_admin.post_test_tweet(
        screen_name=validate_screen_name(args.screen_name),
        text=args.text,
        store=wiring.account_store(settings),
        x_client=_x_client(settings, _app_secret(settings)),
    )
    print(f"Posted: {posted.url}")
    print(posted.text)
    return 0


def _rotate_consumer_keys(args: argparse.Namespace) -> int:
    settings = Settings()
    consumer_key = _ask("New X consumer key (API key): ", secret=False)
    consumer_secret = _ask("New X consumer secret (API key secret): ", secret=True)
    base_url = (args.base_url or settings.public_base_url or "").rstrip("/")
    source = wiring.app_secret_source()
    existing = wiring.app_secret(settings)
    accounts = list(wiring.account_store(settings).list_accounts())
    progress = _Progress(len(accounts), sys.stderr)

    def on_account(_outcome: AccountOutcome) -> None:
        progress.step()

    summary = rotate_consumer_keys(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        settings=settings,
        source=source,
        store=wiring.account_store(settings),
        x_client_for=lambda key, secret: wiring.x_client(
            settings, replace(existing, consumer_key=key, consumer_secret=secret)
        ),
        ledger=wiring.invite_ledger(settings),
        signing_keys=existing.signing_keys,
        on_account=on_account,
    )
    progress.done()
    clear_app_secret_cache()
    print(
        "Wrote the new pair to the app secret."
        if summary.app_secret_written
        else "The app secret already held the new pair."
    )
    for outcome in summary.accounts:
        done = "rewritten" if outcome.rewritten else "already on the new pair"
        line = f"{outcome.verdict.value.upper():20} @{outcome.screen_name} ({done})"
        if outcome.detail:
            line += f": {outcome.detail}"
        print(line)
        if outcome.invite_token:
            link = (
                f"{base_url}/onboard?{urlencode({'invite': outcome.invite_token})}"
                if base_url
                else f"invite {outcome.invite_id} (pass --base-url to print its link)"
            )
            print(f"{'':20} new link for its owner: {link}")
    print(
        f"{len(summary.accounts)} accounts: {summary.count(Verdict.OK)} ok, "
        f"{summary.count(Verdict.NEEDS_REONBOARDING)} need re-onboarding, "
        f"{summary.count(Verdict.FAILED)} failed. Running containers pick up the new pair "
        f"within {settings.app_secret_ttl_seconds:g} seconds (onboarding: at once when X "
        "refuses the old one)."
    )
    return 1 if summary.count(Verdict.FAILED) else 0


def _reset(args: argparse.Namespace) -> int:
    settings = Settings()
    base_url = (args.base_url or settings.public_base_url or "").rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise CommandError(
            "no base URL: pass --base-url or set PUBLIC_BASE_URL to where browsers reach Birdhouse"
        )
    app_secret = _app_secret(settings)
    reset = account_admin.reset_account(
        screen_name=validate_screen_name(args.screen_name),
        store=wiring.account_store(settings),
        x_client=_x_client(settings, app_secret),
        ledger=wiring.invite_ledger(settings),
        signing_keys=app_secret.signing_keys,
    )
    revoked = "revoked at X" if reset.revoked_at_x else "NOT revoked at X"
    print(f"@{reset.screen_name}: token {revoked}; its secret is marked revoked.")
    if reset.x_detail:
        print(reset.x_detail)
    print(f"Send this single-use link to its owner (invite {reset.invite.record.id}):")
    print(f"{base_url}/onboard?{urlencode({'invite': reset.invite.token})}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from app.sweep import run_sweep

    report = run_sweep(budget_seconds=args.budget)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(report.statuses.items()))
    print(f"Checked {report.checked} of {report.accounts} accounts: {counts or 'none'}.")
    print(f"{report.changes} status change(s) recorded and announced.")
    if report.out_of_time:
        print("Out of time: the next run starts with the accounts not checked now.")
    unhealthy = sum(n for s, n in report.statuses.items() if s not in HEALTHY_STATUSES)
    return 1 if unhealthy else 0


def _rename(args: argparse.Namespace) -> int:
    settings = Settings()
    rename = account_admin.rename_account(
        screen_name=validate_screen_name(args.screen_name),
        store=wiring.account_store(settings),
        x_client=_x_client(settings, _app_secret(settings)),
        recovery_window_days=settings.deletion_recovery_days,
    )
    print(rename.detail)
    return 0


def _policy(args: argparse.Namespace) -> int:
    settings = Settings()
    names = [validate_screen_name(name) for name in args.screen_names]
    policy = bot_job_policy(
        names,
        secrets_prefix=settings.secrets_prefix,
        region=args.region,
        account_id=args.account_id,
        partition=args.partition,
        kms_key_arn=args.kms_key_arn,
    )
    print(json.dumps(policy, indent=2))
    return 0


def _delete(args: argparse.Namespace) -> int:
    settings = Settings()
    removal = account_admin.remove_account(
        screen_name=validate_screen_name(args.screen_name),
        store=wiring.account_store(settings),
        x_client=_x_client(settings, _app_secret(settings)),
        recovery_window_days=args.recovery_window_days or settings.deletion_recovery_days,
    )
    print(
        f"Deleted @{removal.screen_name}: its secret goes for good on "
        f"{removal.deletion_date:%Y-%m-%d %H:%M} UTC; until then, "
        f"python -m app restore {removal.screen_name} brings it back."
    )
    if removal.x_detail and removal.revoked_at_x:
        print(removal.x_detail)
    if not removal.revoked_at_x:
        _fail(f"not revoked at X: {removal.x_detail}")
        return 1
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = Settings()
    restored = account_admin.restore_account(
        screen_name=validate_screen_name(args.screen_name),
        store=wiring.account_store(settings),
        x_client=_x_client(settings, _app_secret(settings)),
    )
    if restored.token_works:
        print(f"@{restored.screen_name}: {restored.detail}")
        return 0
    # Restored, but the account cannot post, or may not: that needs the operator.
    name = restored.screen_name
    print(f"@{name} is restored.")
    if restored.token_works is False:
        _fail(
            "X no longer accepts its token (revoked at X when it was deleted, or in its X "
            f"settings): onboard it again, python -m app invite --screen-name {name}"
        )
    else:
        _fail(f"X could not be asked whether its token works: python -m app verify {name}")
    return 1


# --- helpers ------------------------------------------------------------------------------


def _print_json(document: object) -> None:
    print(json.dumps(document, indent=2, default=str))


def _print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


class _Progress:
    """A one-line progress bar on a terminal; silent elsewhere and for a single account."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.count, self.stream = total, 0, stream
        self.enabled = total > 1 and stream.isatty()

    def step(self) -> None:
        self.count += 1
        if self.enabled:
            filled = round(30 * self.count / self.total)
            bar = "#" * filled + "." * (30 - filled)
            self.stream.write(f"\r[{bar}] {self.count}/{self.total}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _app_secret(settings: Settings) -> AppSecret:
    clear_app_secret_cache()  # a command is one short run: always read what is there now
    return wiring.app_secret(settings)


def _x_client(settings: Settings, app_secret: AppSecret) -> XClient:
    return wiring.x_client(settings, app_secret)


def _ask(prompt: str, *, secret: bool) -> str:
    """A prompt on a terminal; a plain line from stdin otherwise (never from argv)."""
    if sys.stdin.isatty():
        return (getpass.getpass(prompt) if secret else input(prompt)).strip()
    line = sys.stdin.readline()
    if not line:
        raise CommandError(f"expected a line on stdin for: {prompt.strip()}")
    return line.strip()


def _duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise CommandError(f"--expires takes 30m, 24h, 7d or seconds, not {text!r}")
    lifetime = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if not MIN_INVITE_LIFETIME <= lifetime <= MAX_INVITE_LIFETIME:
        raise CommandError("--expires must be between 5m and 30d")
    return lifetime
