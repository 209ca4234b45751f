"""The test suite's wall time and CPU, this checkout against another commit, run in turn.

    .venv/bin/python -m benchmarks.suite --against 40905ab [--pairs 2] [-- PYTEST_ARGS...]

On a shared machine whose speed drifts by a fifth within an hour, one timing of the suite
says little, and two timings an hour apart say less. So this runs the suite of this checkout
(A, as it is on disk, uncommitted changes included) and of `--against` (B, a temporary git
worktree using this checkout's .venv) in turn, A B B A A B ..., and prints each run and the
ratios A/B pair by pair: the drift moves both halves of a pair alike, and which half goes first
alternates, so a machine that speeds up or slows down steadily favours neither (seen here: four
runs in a row each 4 s faster than the one before, under A B A B every pair favoured B by 4 %).
Use an even number of pairs. Also printed: the share of every core the suite's processes
used (its CPU over wall time times cores), which says whether it was waiting or computing,
and how busy the whole machine was (from /proc/stat; other load counts there). Don't edit the
checkout while it runs.

B runs on this checkout's .venv, with its own client package first on PYTHONPATH; a built zip
in this checkout's .serverless/ is shared with B, so both run the tests that check it.
pytest runs as `make test` runs it (`-n auto --dist worksteal`, bytecode written) plus `-q`;
arguments after `--` replace all of those (give `-n auto` again if you want it).
"""

import argparse
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_PYTEST_ARGS = ["-n", "auto", "--dist", "worksteal", "-q"]


@dataclass(frozen=True)
class Run:
    side: str
    wall: float
    cpu: float
    busy: float | None  # the machine's busy share during the run, 0..1; None off Linux
    passed: bool
    summary: str
    errors: str

    @property
    def share(self) -> float:
        """Of every core, what the suite's own processes used."""
        return self.cpu / (self.wall * (os.cpu_count() or 1))

    @property
    def counts(self) -> str:
        return " ".join(re.findall(r"\d+ (?:passed|skipped|failed|errors?)", self.summary))


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine so far, or None without /proc/stat."""
    try:
        line = Path("/proc/stat").read_text().split("\n", 1)[0]
        fields = [int(x) for x in line.split()[1:9]]  # guest time is inside user already
    except (OSError, ValueError):
        return None
    if len(fields) < 8:
        return None
    not_busy = fields[3] + fields[4] + fields[7]  # idle, iowait, and steal (another guest's)
    return sum(fields) - not_busy, sum(fields)


def run_suite(side: str, tree: Path, python: Path, pytest_args: list[str]) -> Run:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    # The tree's own client package, not the one the shared .venv installed (this checkout's).
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tree / "client" / "src"), env.get("PYTHONPATH")])
    )
    before_ticks = _cpu_ticks()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - this checkout's interpreter
        [str(python), "-m", "pytest", *pytest_args],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate()
    except KeyboardInterrupt:
        # pytest's own Ctrl-C path runs the fixtures' teardown, which stops the make dev
        # stacks in their own process groups; a kill would leave them holding ports.
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        raise
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_ticks = _cpu_ticks()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    busy = None
    if before_ticks and after_ticks and after_ticks[1] > before_ticks[1]:
        busy = (after_ticks[0] - before_ticks[0]) / (after_ticks[1] - before_ticks[1])
    lines = [line for line in stdout.splitlines() if line.strip()]
    return Run(
        side, wall, cpu, busy, process.returncode == 0, lines[-1] if lines else "", stderr[-2000:]
    )


def _git_worktree(*args: str, check: bool = False) -> None:
    subprocess.run(["git", "-C", str(REPOSITORY), "worktree", *args], check=check)  # noqa: S603, S607


def _worktree(ref: str, directory: Path) -> Path:
    tree = directory / "baseline"
    _git_worktree("add", "--detach", "-q", str(tree), ref, check=True)
    (tree / ".venv").symlink_to(REPOSITORY / ".venv")
    if (REPOSITORY / ".serverless").is_dir():  # so both sides run the tests of the built zip
        (tree / ".serverless").symlink_to(REPOSITORY / ".serverless")
    return tree


def _remove_worktree(tree: Path) -> None:
    _git_worktree("remove", "--force", str(tree))
    _git_worktree("prune")  # also when the worktree was only half made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__)
    parser.add_argument("--against", required=True, help="the commit to compare with (B)")
    parser.add_argument("--pairs", type=int, default=2, help="A B pairs to run (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's arguments")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if args.pairs % 2:
        print("note: an odd number of pairs lets A go first once more than B", file=sys.stderr)
    pytest_args = args.pytest_args or DEFAULT_PYTEST_ARGS
    python = REPOSITORY / ".venv" / "bin" / "python"
    if not python.exists():
        print("no .venv here: run make install first", file=sys.stderr)
        return 2

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="birdhouse-suite-") as scratch:
        baseline = Path(scratch) / "baseline"
        try:
            baseline = _worktree(args.against, Path(scratch))
            print(f"A = this checkout, B = {args.against}; pytest {' '.join(pytest_args)}")
            for side, tree in (("A", REPOSITORY), ("B", baseline)):
                # A new worktree has no bytecode yet: collecting writes it (pytest's rewritten
                # test modules, and everything they import), so B's first run isn't charged.
                warm = run_suite(side, tree, python, ["--collect-only", "-q"])
                if not warm.passed:
                    print(
                        f"{side} does not collect: {warm.summary}\n{warm.errors}", file=sys.stderr
                    )
                    return 1
            for pair in range(1, args.pairs + 1):
                order = (("A", REPOSITORY), ("B", baseline))
                for side, tree in order if pair % 2 else order[::-1]:
                    run = run_suite(side, tree, python, pytest_args)
                    runs.append(run)
                    busy = "" if run.busy is None else f", machine {run.busy:.0%} busy"
                    print(
                        f"  pair {pair} {side}: {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU "
                        f"({run.share:.0%} of every core{busy}); {run.summary}",
                        flush=True,
                    )
                    if not run.passed:
                        print(run.errors, file=sys.stderr)
        finally:
            _remove_worktree(baseline)

    a_runs = [run for run in runs if run.side == "A"]
    b_runs = [run for run in runs if run.side == "B"]
    walls = [a.wall / b.wall for a, b in zip(a_runs, b_runs, strict=True)]
    cpus = [a.cpu / b.cpu for a, b in zip(a_runs, b_runs, strict=True)]
    for name, side_runs in (("A", a_runs), ("B", b_runs)):
        print(
            f"{name}: median {statistics.median(r.wall for r in side_runs):.1f} s wall, "
            f"{statistics.median(r.cpu for r in side_runs):.1f} s CPU"
        )
    print(
        f"A/B wall: median {statistics.median(walls):.3f} (pairs: "
        f"{', '.join(f'{w:.3f}' for w in walls)}); "
        f"A/B CPU: median {statistics.median(cpus):.3f} (pairs: "
        f"{', '.join(f'{c:.3f}' for c in cpus)})"
    )
    failed = [run for run in runs if not run.passed]
    for run in failed:
        print(
            f"FAILED run of {run.side}, so the figures above mean little: {run.summary}",
            file=sys.stderr,
        )
    if {run.counts for run in a_runs} != {run.counts for run in b_runs}:
        print("note: A and B ran different tests (compare the counts above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
