"""The command line's parser: each command group module adds its own commands."""

import argparse
from collections.abc import Callable
from typing import Protocol

from app import __version__
from app.cli.context import Context

Run = Callable[[argparse.Namespace, Context], int]


class AddCommand(Protocol):
    def __call__(self, name: str, run: Run, text: str) -> argparse.ArgumentParser: ...


def build_parser() -> argparse.ArgumentParser:
    from app.cli import accounts, keys, onboarding, refresh

    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Birdhouse: connect X bot accounts and manage their keys.",
    )
    parser.add_argument("--version", action="version", version=f"birdhouse {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_command(name: str, run: Run, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    for group in (keys, onboarding, accounts, refresh):
        group.register(add_command)
    return parser
