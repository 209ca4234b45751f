"""How the command line talks: one-line failures, tables, JSON, prompts, a progress bar."""

import getpass
import json
import sys
from collections.abc import Sequence
from typing import TextIO


class CommandError(Exception):
    """A one-line answer for the operator."""


class UsageError(CommandError):
    """The command was given wrongly (a missing or contradictory argument): exit 2."""


def fail(message: str) -> None:
    print(f"birdhouse: {printable(message)}", file=sys.stderr)


def print_json(document: object) -> None:
    print(json.dumps(document, indent=2, default=str))


def printable(text: str) -> str:
    """Text from elsewhere (an invite's note, X's words) with control characters shown as
    escapes: it cannot move the cursor, retitle the terminal or fake a line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    table = [header, *(tuple(printable(cell) for cell in row) for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


class Progress:
    """A one-line progress bar on a terminal; silent elsewhere and for a single account."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.count = total, 0
        self.enabled = total > 1 and self.stream.isatty()

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


def ask(prompt: str, *, secret: bool) -> str:
    """A prompt on a terminal; a plain line from stdin otherwise (never from argv)."""
    if sys.stdin.isatty():
        return (getpass.getpass(prompt) if secret else input(prompt)).strip()
    line = sys.stdin.readline()
    if not line:
        raise CommandError(f"expected a line on stdin for: {prompt.strip()}")
    return line.strip()
