"""Onboarded accounts: list, keys for a bot job, verify, test-post, delete, restore, reset,
rename, and the fleet's sweep."""

import argparse
import dataclasses
import json
import shlex

from app.cli.context import Context
from app.cli.output import Progress, fail, print_json, print_table, printable
from app.cli.parser import AddCommand, screen_name_argument
from app.core.errors import BirdhouseError, XTokenRevoked
from app.core.invites import invite_link
from app.core.screen_names import validate_screen_name
from app.flows import account_admin
from birdhouse_client import load_account
from birdhouse_client.layout import (
    CREDENTIAL_KEYS,
    HEALTHY_STATUSES,
    STATUSES,
    OAuth2AccountSecret,
)

# `creds --format env`: the names twitter bot scripts conventionally read.
_ENV_NAMES = {key: f"TWITTER_{key.upper()}" for key in CREDENTIAL_KEYS}
# An OAuth 2.0 account's: the user access token (a Bearer token) and when it expires.
_OAUTH2_ENV_NAMES = {
    "access_token": "TWITTER_BEARER_TOKEN",
    "expires_at": "TWITTER_TOKEN_EXPIRES_AT",
}


def register(add_command: AddCommand) -> None:
    accounts = add_command("accounts", _accounts, "List onboarded accounts (no secrets).")
    accounts.add_argument(
        "--deleted",
        action="store_true",
        help="list the accounts scheduled for deletion instead, with their deletion date",
    )
    accounts.add_argument("--json", action="store_true", help="print JSON, as GET /accounts")
    accounts.add_argument("--status", choices=STATUSES, help="only accounts in this state")
    accounts.add_argument("--prefix", help="only screen names starting with this (any case)")

    creds = add_command(
        "creds", _creds, "Print one account's keys for a bot job.", audit="account.read_keys"
    )
    creds.add_argument("screen_name", type=screen_name_argument)
    creds.add_argument("--format", choices=["json", "env"], default="json")

    verify = add_command(
        "verify",
        _verify,
        "Check accounts' tokens at X (GET /2/users/me); exit 1 if any fails.",
        audit="account.verify",
    )
    target = verify.add_mutually_exclusive_group(required=True)
    target.add_argument("screen_name", nargs="?", type=screen_name_argument)
    target.add_argument("--all", action="store_true", help="every onboarded account")
    verify.add_argument("--json", action="store_true", help="print one JSON document")

    reset = add_command(
        "reset",
        _reset,
        "A leaked account token: revoke it at X, mark the secret (bot jobs get a clear error), "
        "and print a fresh single-use link for the account's owner.",
        audit="account.reset",
    )
    reset.add_argument("screen_name", type=screen_name_argument)
    reset.add_argument(
        "--base-url", help="where browsers reach Birdhouse (default: PUBLIC_BASE_URL)"
    )

    sweep = add_command(
        "sweep",
        _sweep,
        "Check every account at X now (what the scheduled sweep does) and record each status; "
        "one paid X read per account.",
        audit="fleet.sweep",
    )
    sweep.add_argument("--budget", type=float, help="seconds the run may take")
    sweep.add_argument(
        "--plan",
        action="store_true",
        help="enqueue the accounts for the deployed worker instead (what the schedule does)",
    )
    add_command(
        "sweep-status",
        _sweep_status,
        "The deployed sweep's queue: accounts waiting, being checked, delayed, and dead "
        "letters (exit 1 if any).",
    )

    rename = add_command(
        "rename",
        _rename,
        "The account was renamed at X: move its secret to the new name (same X user).",
        audit="account.rename",
    )
    rename.add_argument(
        "screen_name", type=screen_name_argument, help="the name it is stored under"
    )

    tweet = add_command(
        "tweet", _tweet, "Post a test tweet as the account.", audit="account.test_tweet"
    )
    tweet.add_argument("screen_name", type=screen_name_argument)
    tweet.add_argument("--text", help="default: a unique 'Test post from Birdhouse' line")

    delete = add_command(
        "delete",
        _delete,
        "Revoke the account's token at X, then schedule its secret's deletion (like DELETE "
        "/accounts/NAME); exit 1 if X could not revoke it.",
        audit="account.delete",
    )
    delete.add_argument("screen_name", type=screen_name_argument)
    delete.add_argument(
        "--recovery-window-days",
        type=int,
        choices=range(7, 31),
        metavar="{7..30}",
        help="days it can still be restored (default: DELETION_RECOVERY_DAYS, 7)",
    )

    restore = add_command(
        "restore",
        _restore,
        "Undo a deletion within its recovery window, then check the token at X; exit 1 if X "
        "no longer accepts it (onboard the account again) or could not be asked.",
        audit="account.restore",
    )
    restore.add_argument("screen_name", type=screen_name_argument)


def _accounts(args: argparse.Namespace, ctx: Context) -> int:
    if args.deleted:
        deleted = account_admin.list_deleted_accounts(store=ctx.store)
        if args.json:
            print_json({"accounts": [dataclasses.asdict(a) for a in deleted]})
        elif not deleted:
            print("No accounts are scheduled for deletion.")
        else:
            print_table(
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
    # A page at a time, printed as it comes: the first rows appear after one ListSecrets call.
    header = ("SCREEN NAME", "USER ID", "STATUS", "AUTHORIZED AT")
    widths = (16, 20, 18, 25)
    collected: list[dict[str, object]] = []
    cursor: str | None = None
    shown = 0
    while True:
        page = ctx.store.list_accounts_page(
            limit=100, cursor=cursor, status=args.status, name_prefix=args.prefix
        )
        if args.json:
            collected += [dataclasses.asdict(a) for a in page.accounts]
        else:
            for account in page.accounts:
                if not shown:
                    print(_row(header, widths))
                print(
                    _row(
                        (
                            f"@{account.screen_name}",
                            account.user_id,
                            account.status,
                            account.authorized_at,
                        ),
                        widths,
                    ),
                    flush=True,
                )
                shown += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    if args.json:
        print_json({"accounts": collected, "next": None})
    elif not shown:
        print("No accounts onboarded yet." if not (args.status or args.prefix) else "None match.")
    return 0


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    return "  ".join(printable(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _sweep_status(_args: argparse.Namespace, ctx: Context) -> int:
    from app import wiring

    depth = wiring.sweep_queue(ctx.settings).depth()
    print(
        f"Sweep queue: {depth.waiting} waiting, {depth.in_flight} being checked, "
        f"{depth.delayed} delayed (until X's reset). Dead letters: {depth.dead_letters}."
    )
    if depth.dead_letters:
        print(
            "Dead letters are accounts the worker failed on three times: see the worker's log; "
            "they are planned again after SWEEP_QUEUED_MARKER_HOURS."
        )
    return 1 if depth.dead_letters else 0


def _creds(args: argparse.Namespace, ctx: Context) -> int:
    # Through the bot jobs' own loader: what it prints is what a bot job would read.
    account = load_account(
        validate_screen_name(args.screen_name),
        client=ctx.secrets_client,
        secrets_prefix=ctx.settings.secrets_prefix,
    )
    if args.format == "env":
        names = _OAUTH2_ENV_NAMES if isinstance(account, OAuth2AccountSecret) else _ENV_NAMES
        for key, name in names.items():
            print(f"export {name}={shlex.quote(getattr(account, key))}")
    else:
        print(json.dumps(account.as_dict(), indent=2))
    return 0


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    if args.all:
        names = sorted((a.screen_name for a in ctx.store.list_accounts()), key=str.lower)
    else:
        names = [validate_screen_name(args.screen_name)]
    outcomes: dict[str, list[str]] = {"ok": [], "renamed": [], "revoked": [], "failed": []}
    results: list[dict[str, str]] = []
    progress = Progress(len(names))
    for name in names:
        try:
            # The same check as POST /accounts/{name}/verify.
            result = account_admin.verify_account(
                screen_name=name,
                store=ctx.store,
                x_client=ctx.x_client,
                recorder=ctx.recorder,
                oauth2=ctx.oauth2,
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
        print_json({"checked": len(names), "counts": counts_by_kind, "accounts": results})
    else:
        for kind, lines in outcomes.items():
            for line in lines:
                print(f"{kind.upper():8} {line}")
        counts = ", ".join(f"{len(lines)} {kind}" for kind, lines in outcomes.items())
        print(f"{len(names)} checked: {counts}")
    return 1 if outcomes["revoked"] or outcomes["failed"] else 0


def _tweet(args: argparse.Namespace, ctx: Context) -> int:
    posted = account_admin.post_test_tweet(
        screen_name=validate_screen_name(args.screen_name),
        text=args.text,
        store=ctx.store,
        x_client=ctx.x_client,
        oauth2=ctx.oauth2,
    )
    print(f"Posted: {posted.url}")
    print(posted.text)
    return 0


def _reset(args: argparse.Namespace, ctx: Context) -> int:
    base_url = ctx.base_url(args.base_url)
    reset = account_admin.reset_account(
        screen_name=validate_screen_name(args.screen_name),
        store=ctx.store,
        x_client=ctx.x_client,
        oauth2=ctx.oauth2,
        ledger=ctx.ledger,
        signing_keys=ctx.app_secret.signing_keys,
    )
    revoked = "revoked at X" if reset.revoked_at_x else "NOT revoked at X"
    print(f"@{reset.screen_name}: token {revoked}; its secret is marked revoked.")
    if reset.x_detail:
        print(reset.x_detail)
    ctx.audit_entry.invite = reset.invite.record.id
    print(f"Send this single-use link to its owner (invite {reset.invite.record.id}):")
    print(invite_link(base_url, reset.invite.token))
    return 0


def _sweep(args: argparse.Namespace, ctx: Context) -> int:
    from app.sweep import run_plan, run_sweep

    if args.plan:
        plan = run_plan(ctx.settings)
        print(
            f"Queued {plan.enqueued} of {plan.accounts} accounts; {plan.already_queued} already "
            f"queued, {plan.reported_healthy} reported healthy by their bot jobs lately."
        )
        return 0

    report = run_sweep(ctx.settings, budget_seconds=args.budget)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(report.statuses.items()))
    print(f"Checked {report.checked} of {report.accounts} accounts: {counts or 'none'}.")
    print(f"{report.changes} status change(s) recorded and announced.")
    if report.out_of_time:
        print("Out of time: the next run starts with the accounts not checked now.")
    unhealthy = sum(n for s, n in report.statuses.items() if s not in HEALTHY_STATUSES)
    return 1 if unhealthy else 0


def _rename(args: argparse.Namespace, ctx: Context) -> int:
    rename = account_admin.rename_account(
        screen_name=validate_screen_name(args.screen_name),
        store=ctx.store,
        x_client=ctx.x_client,
        oauth2=ctx.oauth2,
        recovery_window_days=ctx.settings.deletion_recovery_days,
    )
    print(rename.detail)
    return 0


def _delete(args: argparse.Namespace, ctx: Context) -> int:
    removal = account_admin.remove_account(
        screen_name=validate_screen_name(args.screen_name),
        store=ctx.store,
        x_client=ctx.x_client,
        oauth2=ctx.oauth2,
        ledger=ctx.ledger,
        events=ctx.events,
        recovery_window_days=args.recovery_window_days or ctx.settings.deletion_recovery_days,
    )
    print(
        f"Deleted @{removal.screen_name}: its secret goes for good on "
        f"{removal.deletion_date:%Y-%m-%d %H:%M} UTC; until then, "
        f"python -m app restore {removal.screen_name} brings it back."
    )
    if removal.x_detail and removal.revoked_at_x:
        print(removal.x_detail)
    if not removal.revoked_at_x:
        fail(f"not revoked at X: {removal.x_detail}")
        return 1
    return 0


def _restore(args: argparse.Namespace, ctx: Context) -> int:
    restored = account_admin.restore_account(
        screen_name=validate_screen_name(args.screen_name),
        store=ctx.store,
        x_client=ctx.x_client,
        oauth2=ctx.oauth2,
        events=ctx.events,
        app_secret=ctx.app_secret,
    )
    if restored.token_works:
        print(f"@{restored.screen_name}: {restored.detail}")
        return 0
    # Restored, but the account cannot post, or may not: that needs the operator.
    name = restored.screen_name
    print(f"@{name} is restored.")
    if restored.token_works is False:
        fail(
            "X no longer accepts its token (revoked at X when it was deleted, or in its X "
            f"settings): onboard it again, python -m app invite --screen-name {name}"
        )
    else:
        fail(f"X could not be asked whether its token works: python -m app verify {name}")
    return 1
