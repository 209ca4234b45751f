"""The operator's command line: bootstrap, invite(s), pin, accounts, creds, verify, tweet,
delete, restore, reset, rotate-consumer-keys, sweep, rename, policy, operators, audit.

Settings come from the environment (and .env), as for the service. Exit status: 0 when it
worked, 1 when it failed or needs attention (one line on stderr says why; BIRDHOUSE_DEBUG=1
shows a traceback of an unexpected one), 2 for a usage error. Each run of a command that
changes something (or reads an account's keys) writes one audit record, naming the caller's
AWS identity.

`main(argv)` runs one command in this process: the tests call it so, `python -m app` too.
"""

import argparse
import logging
import os
from collections.abc import Sequence

from pydantic import ValidationError

from app.cli.context import Context
from app.cli.output import CommandError, UsageError, fail
from app.cli.parser import build_parser
from app.core.audit import Outcome
from app.core.errors import BirdhouseError
from birdhouse_client import CredentialsError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # The command's own output says what happened; log lines would only repeat it on stderr.
    debug = bool(os.environ.get("BIRDHOUSE_DEBUG"))
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("app").setLevel(logging.DEBUG if debug else logging.ERROR)
    try:
        return _run(args, Context())
    except UsageError as exc:
        args.command_parser.error(str(exc))  # usage and the message on stderr, exit 2
    except (BirdhouseError, CredentialsError, CommandError) as exc:
        fail(str(getattr(exc, "message", exc)))
    except ValidationError as exc:
        fail(f"bad setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    except KeyboardInterrupt:
        fail("interrupted")
    except Exception as exc:
        if debug:
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (BIRDHOUSE_DEBUG=1 shows more)")
    return 1


def _run(args: argparse.Namespace, ctx: Context) -> int:
    action = args.audit(args) if callable(args.audit) else args.audit
    if action is None:
        result: int = args.run(args, ctx)
        return result
    with ctx.audit.action(
        action,
        account=getattr(args, "screen_name", None),
        invite=getattr(args, "invite_id", None),
        target_operator=getattr(args, "operator_name", None),
    ) as entry:
        ctx.audit_entry = entry
        result = args.run(args, ctx)
        if result != 0:
            entry.outcome = Outcome.ATTENTION
    return result
