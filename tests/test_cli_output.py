"""The command line's output helpers: what it prints cannot drive the operator's terminal."""

import pytest

from app.cli.output import print_table


def test_a_table_cell_cannot_smuggle_terminal_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(("ID", "NOTE"), [("inv-1", "hello\x1b]0;pwned\x07\x1b[2J\rbye\n")])

    printed = capsys.readouterr().out
    assert "\x1b" not in printed
    assert "\x07" not in printed
    assert "\r" not in printed
    assert printed.count("\n") == 2  # the header and one row
    assert "hello" in printed
    assert "bye" in printed
