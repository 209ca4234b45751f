"""OAuth 2.0 tokens from the command line: refresh one now, or run the schedule's pass."""

import argparse

from app.cli.context import Context
from app.cli.output import CommandError
from app.cli.parser import AddCommand
from app.core.screen_names import validate_screen_name
from app.flows.refresh import refresh_now


def register(add_command: AddCommand) -> None:
    refresh = add_command(
        "refresh",
        _refresh,
        "Refresh an OAuth 2.0 account's token through the lease (like POST "
        "/accounts/NAME/refresh); with --due, every token the schedule would refresh now.",
    )
    refresh.add_argument("screen_name", nargs="?", help="the account (any case, @ optional)")
    refresh.add_argument(
        "--force", action="store_true", help="refresh even a token that has time left"
    )
    refresh.add_argument(
        "--due", action="store_true", help="run the scheduled refresher's pass instead"
    )


def _refresh(args: argparse.Namespace, ctx: Context) -> int:
    if args.due:
        from app.refresher import run_refresher

        report = run_refresher(ctx.settings)
        print(
            f"{report.oauth2_accounts} OAuth 2.0 account(s): {report.refreshed} refreshed, "
            f"{report.fresh} still fresh, {len(report.failed)} failed."
        )
        for name, code in sorted(report.failed.items()):
            print(f"@{name}: {code}")
        return 1 if report.failed else 0
    if not args.screen_name:
        raise CommandError("refresh: name an account, or pass --due")
    done = refresh_now(
        validate_screen_name(args.screen_name), refresher=ctx.refresher, force=args.force
    )
    print(f"@{done.screen_name}: {done.detail} The token is good until {done.expires_at}.")
    return 0
