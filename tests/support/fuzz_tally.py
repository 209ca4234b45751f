"""How many requests the fuzz tests sent, summed over every pytest-xdist worker.

Each worker adds its count to a file in a directory the controlling process made; the
controller reads them all once every worker is done, and fails the session if the fuzzing
sent fewer than it should (a schema that lost its operations, a generator that stopped).
"""

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

_DIRECTORY = "BIRDHOUSE_FUZZ_TALLY_DIR"
MIN_REQUESTS = 1000


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def open_tally(config: pytest.Config) -> None:
    """In the controlling process, before any worker starts (workers inherit the variable)."""
    if not is_worker(config):
        os.environ[_DIRECTORY] = tempfile.mkdtemp(prefix="birdhouse-fuzz-")


def add(count: int) -> None:
    directory = os.environ.get(_DIRECTORY)
    if directory and count:
        (Path(directory) / f"{uuid.uuid4().hex}.count").write_text(str(count))


def total() -> int | None:
    """The requests sent in this session, or None if no fuzz test ran."""
    directory = os.environ.get(_DIRECTORY)
    counts = [int(p.read_text()) for p in Path(directory).glob("*.count")] if directory else []
    return sum(counts) if counts else None


def _partial(config: pytest.Config) -> bool:
    """A run of some fuzz cases only (-k, --lf, a node id): the floor is for the whole set."""
    option = config.option
    return bool(
        getattr(option, "keyword", "")
        or getattr(option, "lf", False)
        or getattr(option, "deselect", None)
        or any("::" in str(arg) for arg in config.args)
    )


def _remove_tally() -> None:
    directory = os.environ.get(_DIRECTORY)
    if directory:
        shutil.rmtree(directory, ignore_errors=True)


def check(session: pytest.Session) -> None:
    if is_worker(session.config) or _partial(session.config):
        return
    sent = total()
    _remove_tally()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if sent is None:
        return  # the fuzz tests were not selected
    if reporter is not None:
        reporter.write_line(f"fuzzing sent {sent} requests (at least {MIN_REQUESTS} expected)")
    if sent < MIN_REQUESTS:
        if reporter is not None:
            reporter.write_line(f"FAILED: the fuzz tests sent only {sent} requests", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
