"""The command line's parser: each command group module adds its own commands."""

import argparse
from collections.abc import Callable
from typing import Protocol

from app import __version__
from app.cli.context import Context

Run = Callable[[argparse.Namespace, Context], int]
# What a command's audit record calls it: a name, or one worked out from its arguments
# (None: this run changes nothing, so no record).
AuditAction = str | Callable[[argparse.Namespace], str | None]

EXIT_STATUS = """exit status:
  0  it worked
  1  it failed, or worked but needs the operator (one line on stderr says what to do)
  2  a usage error: unknown command or option, a missing or invalid argument"""


class AddCommand(Protocol):
    def __call__(
        self, name: str, run: Run, text: str, *, audit: AuditAction | None = None
    ) -> argparse.ArgumentParser: ...


def build_parser() -> argparse.ArgumentParser:
    from app.cli import accounts, keys, onboarding, operators, refresh

    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Birdhouse: connect X bot accounts and manage their keys.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"birdhouse {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_command(
        name: str, run: Run, text: str, *, audit: AuditAction | None = None
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=text,
            description=text,
            epilog=EXIT_STATUS,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # A UsageError the command raises is reported with this command's usage, as argparse
        # reports its own.
        sub.set_defaults(run=run, command_parser=sub, audit=audit)
        return sub

    for group in (keys, onboarding, accounts, operators, refresh):
        group.register(add_command)
    return parser


def screen_name_argument(text: str) -> str:
    """An argparse type: a screen name, or a usage error naming the rule."""
    from app.core.errors import InvalidScreenName
    from app.core.screen_names import validate_screen_name

    try:
        return validate_screen_name(text)
    except InvalidScreenName as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
