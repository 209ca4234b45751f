"""The app's own keys: bootstrap, rotate-consumer-keys, and the IAM policy for a bot job."""

import argparse
import json

from app.cli.context import Context
from app.cli.output import CommandError, Progress, UsageError, ask
from app.cli.parser import AddCommand, screen_name_argument
from app.core.accounts import SaveOutcome
from app.core.errors import KeysNotProven
from app.core.invites import invite_link
from app.flows.bootstrap import bootstrap_app_secret
from app.flows.rotation import AccountOutcome, Verdict, rotate_consumer_keys
from app.iam_policy import bot_job_policy


def register(add_command: AddCommand) -> None:
    bootstrap = add_command(
        "bootstrap",
        _bootstrap,
        "Create or update the app secret: asks for the X consumer key and secret (or reads "
        "them from stdin), generates the admin token and signing key, prints the token once.",
        audit=lambda args: "app_secret.rotate" if args.rotate else "app_secret.bootstrap",
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

    rotate = add_command(
        "rotate-consumer-keys",
        _rotate_consumer_keys,
        "After regenerating the X app's consumer key and secret: asks for the new pair (or "
        "reads two lines from stdin), proves it at X, writes the app secret, rewrites every "
        "account secret (the old pair stays as AWSPREVIOUS), then verifies each account. Safe "
        "to run again: it finishes an interrupted run and skips what is done.",
        audit="app_secret.rotate_consumer_keys",
    )
    rotate.add_argument(
        "--base-url", help="where browsers reach Birdhouse, to print re-onboarding links"
    )

    policy = add_command(
        "policy",
        _policy,
        "Print an IAM policy that reads exactly these accounts' secrets (makes no AWS call).",
    )
    policy.add_argument("screen_names", nargs="+", metavar="NAME", type=screen_name_argument)
    policy.add_argument("--region", default="*", help="default * (the names still pin it down)")
    policy.add_argument("--account-id", default="*", help="the AWS account id; default *")
    policy.add_argument("--partition", default="aws")
    policy.add_argument("--kms-key-arn", help="the customer-managed key, if the secrets use one")
    policy.add_argument(
        "--oauth2",
        action="store_true",
        help="the accounts are OAuth 2.0: also let the job refresh a token about to expire "
        "(their lease items in REFRESH_LEASES_TABLE, and writing their secrets)",
    )
    policy.add_argument(
        "--event-bus",
        help="Birdhouse's bus for the job's health reports, e.g. birdhouse-prod "
        "(default: EVENT_BUS_NAME)",
    )
    policy.add_argument(
        "--no-reports", action="store_true", help="leave out the health reports' PutEvents"
    )


def _bootstrap(args: argparse.Namespace, ctx: Context) -> int:
    settings = ctx.settings
    if args.revoke_links and not args.rotate:
        raise UsageError("--revoke-links goes with --rotate")
    consumer_key = ask("X consumer key (API key): ", secret=False)
    consumer_secret = ask("X consumer secret (API key secret): ", secret=True)
    try:
        done = bootstrap_app_secret(
            app_secret_id=settings.app_secret_id,
            source=ctx.app_secret_source,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            prove_with=None
            if args.offline
            else ctx.x_client_for_keys(consumer_key, consumer_secret),
            rotate=args.rotate,
            revoke_links=args.revoke_links,
        )
    except KeysNotProven as exc:
        raise CommandError(f"{exc.message} --offline stores them unchecked.") from exc
    if not args.offline:
        print(f"X accepted the consumer keys ({settings.x_api_base_url}).")
    created = done.outcome is SaveOutcome.CREATED
    print(f"{'Created' if created else 'Updated'} {settings.app_secret_id}.")
    if done.admin_token is None:
        print("Kept the existing admin token and signing key (--rotate replaces them).")
        return 0
    print(f"Admin token (shown once; keep it in a password manager): {done.admin_token}")
    if done.existed:
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


def _rotate_consumer_keys(args: argparse.Namespace, ctx: Context) -> int:
    settings = ctx.settings
    consumer_key = ask("New X consumer key (API key): ", secret=False)
    consumer_secret = ask("New X consumer secret (API key secret): ", secret=True)
    base_url = ctx.base_url(args.base_url, required=False)
    signing_keys = ctx.app_secret.signing_keys
    progress = Progress(len(list(ctx.store.list_accounts())))

    def on_account(_outcome: AccountOutcome) -> None:
        progress.step()

    summary = rotate_consumer_keys(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        app_secret_id=settings.app_secret_id,
        source=ctx.app_secret_source,
        store=ctx.store,
        x_client_for=ctx.x_client_for_keys,
        ledger=ctx.ledger,
        signing_keys=signing_keys,
        on_account=on_account,
    )
    progress.done()
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
                invite_link(base_url, outcome.invite_token)
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


def _policy(args: argparse.Namespace, ctx: Context) -> int:
    names = args.screen_names
    policy = bot_job_policy(
        names,
        secrets_prefix=ctx.settings.secrets_prefix,
        region=args.region,
        account_id=args.account_id,
        partition=args.partition,
        kms_key_arn=args.kms_key_arn,
        oauth2_lease_table=ctx.settings.refresh_leases_table if args.oauth2 else None,
        event_bus=None if args.no_reports else args.event_bus or ctx.settings.event_bus_name,
    )
    print(json.dumps(policy, indent=2))
    return 0
