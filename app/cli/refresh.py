"""OAuth 2.0 from the command line: refresh a token now, run the schedule's pass, rotate the
app's OAuth 2.0 client secret."""

import argparse

from app import wiring
from app.cli.context import Context
from app.cli.output import CommandError, ask
from app.cli.parser import AddCommand, screen_name_argument
from app.core.screen_names import validate_screen_name
from app.flows.client_rotation import rotate_client_secret
from app.flows.refresh import refresh_now


def register(add_command: AddCommand) -> None:
    refresh = add_command(
        "refresh",
        _refresh,
        "Refresh an OAuth 2.0 account's token through the lease (like POST "
        "/accounts/NAME/refresh); with --due, every token the schedule would refresh now.",
        audit=lambda args: "fleet.refresh" if args.due else "account.refresh",
    )
    refresh.add_argument(
        "screen_name",
        nargs="?",
        type=screen_name_argument,
        help="the account (any case, @ optional)",
    )
    refresh.add_argument(
        "--force", action="store_true", help="refresh even a token that has time left"
    )
    refresh.add_argument(
        "--due", action="store_true", help="run the scheduled refresher's pass instead"
    )
    add_command(
        "rotate-client-secret",
        _rotate_client_secret,
        "After regenerating the X app's OAuth 2.0 client secret: prove the client id and "
        "secret at X (prompt or two stdin lines, never argv), write the app secret, rewrite "
        "every OAuth 2.0 account (each under its refresh lease).",
        audit="app_secret.rotate_client_secret",
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


def _rotate_client_secret(_args: argparse.Namespace, ctx: Context) -> int:
    client_id = ask("X OAuth 2.0 client ID: ", secret=False)
    client_secret = ask("X OAuth 2.0 client secret: ", secret=True)
    rotation = rotate_client_secret(
        client_id=client_id,
        client_secret=client_secret,
        app_secret_id=ctx.settings.app_secret_id,
        source=ctx.app_secret_source,
        store=ctx.store,
        client=wiring.oauth2_client_for(
            ctx.settings, client_id=client_id, client_secret=client_secret
        ),
        lease=wiring.refresh_lease(ctx.settings),
    )
    print(
        "Wrote the new client to the app secret."
        if rotation.app_secret_written
        else "The app secret already held this client."
    )
    print(
        f"{len(rotation.rewritten)} OAuth 2.0 account(s) rewritten, "
        f"{len(rotation.already)} already on it. Running containers pick it up within "
        f"{ctx.settings.app_secret_ttl_seconds:g} seconds; users' tokens keep working."
    )
    return 0
