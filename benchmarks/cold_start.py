"""Cold start of the artifact we ship: the deploy zip, on the Lambda runtime's Python.

    .venv/bin/python -m benchmarks.cold_start [--zip .serverless/birdhouse.zip] [--runs 11]

Without --zip it builds the zip first (`npx osls package`, after `npm ci`). The zip is unpacked
as Lambda would (infra/local_lambda.py: this machine's builds of the same versions of its native
extensions, boto3 beside it as the runtime has it, no bytecode written), then fresh interpreters
of the runtime's Python time, interleaved: the floor (fastapi, mangum, boto3 and
requests_oauthlib imported from the same zip), import plus a first /healthz through the Lambda
handler, and import plus a first /onboard with a bad invite (an HTML page). CPU time, not wall
time: imports are CPU-bound once files are cached, and CPU time does not swing with whatever
else this shared machine is doing.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.local_lambda import LocalLambda, find_python, python_version_of, unpack
from tests.support.lambda_events import http_api_v2_event

REPOSITORY = Path(__file__).resolve().parents[1]
RUNTIME = "python3.12"
# What Birdhouse cannot start without: the web framework, its Lambda adapter, the AWS SDK and
# the OAuth 1.0a signer. Everything above this is Birdhouse's own cost.
FLOOR_PACKAGES = ("fastapi", "mangum", "boto3", "requests_oauthlib")

_CONTEXT = """
class Context:
    function_name = "birdhouse-bench"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
"""
_FLOOR = f"""
import time
started = time.process_time()
import {", ".join(FLOOR_PACKAGES)}
print((time.process_time() - started) * 1000)
"""
# For scale: what any FastAPI app with one route pays above the floor (its first route imports
# pydantic.v1, to refuse v1 models).
_BARE_FASTAPI = (
    """
import json, sys, time
event = json.loads(sys.argv[1])
"""
    + _CONTEXT
    + f"""
started = time.process_time()
import {", ".join(FLOOR_PACKAGES)}
from fastapi import FastAPI
from mangum import Mangum
from pydantic import BaseModel
class Health(BaseModel):
    status: str
bare = FastAPI()
@bare.get("/healthz")
async def healthz() -> Health:
    return Health(status="ok")
answer = Mangum(bare, lifespan="off")(event, Context())
elapsed = time.process_time() - started
assert answer["statusCode"] == 200, answer
print(elapsed * 1000)
"""
)
_FIRST_ANSWER = (
    """
import json, sys, time
event, expected = json.loads(sys.argv[1]), int(sys.argv[2])
"""
    + _CONTEXT
    + """
started = time.process_time()
from app.main import handler
answer = handler(event, Context())
elapsed = time.process_time() - started
assert answer["statusCode"] == expected, answer
print(elapsed * 1000)
"""
)
# One untimed run that counts the modules Python had to compile from source (0 when the zip
# ships bytecode for this Python).
_COMPILED_FROM_SOURCE = (
    """
import importlib.machinery, json, sys
compiled = []
original = importlib.machinery.SourceFileLoader.source_to_code
def recording(self, data, path, *, _optimize=-1):
    compiled.append(path)
    return original(self, data, path, _optimize=_optimize)
importlib.machinery.SourceFileLoader.source_to_code = recording
event = json.loads(sys.argv[1])
"""
    + _CONTEXT
    + """
from app.main import handler
handler(event, Context())
print(len([path for path in compiled if path.startswith(sys.path[0])]))
"""
)
# The app secret from the environment: the first /onboard needs it, and this measures
# Birdhouse, not a Secrets Manager round trip.
_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "CONSUMER_KEY": "bench-consumer-key",
    "CONSUMER_SECRET": "bench-consumer-secret-0123456789",
    "ADMIN_TOKEN": "bench-admin-token-0123456789",
    "SIGNING_KEY": "bench-signing-key-0123456789",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="an osls-built zip (default: build one now)")
    parser.add_argument("--runs", type=int, default=11, help="fresh interpreters per figure")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions under valgrind (slow; unmoved by other load on the machine)",
    )
    args = parser.parse_args()
    zip_path = args.zip or build()
    python = find_python(python_version_of(RUNTIME))
    with tempfile.TemporaryDirectory(prefix="birdhouse-cold-") as workdir:
        local = unpack(zip_path, Path(workdir), python=python)
        report(zip_path, local, args.runs)
        if args.instructions:
            report_instructions(local)


def build() -> Path:
    for command in (
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        ["npx", "osls", "package"],
    ):
        subprocess.run(command, cwd=REPOSITORY, check=True, stdout=sys.stderr)  # noqa: S603
    return REPOSITORY / ".serverless" / "birdhouse.zip"


_HEALTHZ = json.dumps(http_api_v2_event("GET", "/healthz"))
_ONBOARD = json.dumps(http_api_v2_event("GET", "/onboard", query="invite=not-an-invite"))
# name: (label, code, arguments)
_FIGURES = {
    "floor": (f"floor: import {', '.join(FLOOR_PACKAGES)}", _FLOOR, ()),
    "bare": ("bare FastAPI app, one route: import + first /healthz", _BARE_FASTAPI, (_HEALTHZ,)),
    "healthz": ("Birdhouse: import + first /healthz", _FIRST_ANSWER, (_HEALTHZ, "200")),
    "onboard": (
        "Birdhouse: import + first /onboard (bad invite, page)",
        _FIRST_ANSWER,
        (_ONBOARD, "400"),
    ),
}


def report(zip_path: Path, local: LocalLambda, runs: int) -> None:
    samples: dict[str, list[float]] = {name: [] for name in _FIGURES}
    for _ in range(runs):  # interleaved, so any drift falls on all alike
        for name, (_label, code, arguments) in _FIGURES.items():
            samples[name].append(float(_output(local, code, *arguments)))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    compiled = _output(local, _COMPILED_FROM_SOURCE, _HEALTHZ)
    version = _output(local, "import sys; print(sys.version.split()[0])")
    print(
        f"Cold start from {zip_path.name} ({zip_path.stat().st_size / 2**20:.2f} MB), "
        f"Python {version} ({RUNTIME}), {platform.machine()}, {os.cpu_count()} cores"
    )
    if local.versions_not_in_zip:
        guessed = ", ".join(local.versions_not_in_zip)
        print(f"  (a zip without metadata: native versions from this environment: {guessed})")
    print(f"  CPU ms, median of {runs} fresh interpreters each, interleaved (spread in brackets)")
    for name, (label, _code, _arguments) in _FIGURES.items():
        ratio = (
            ""
            if name == "floor"
            else f"  ratio to the floor {medians[name] / medians['floor']:.3f}"
        )
        print(f"  {label:<53} {medians[name]:7.1f}  ({_spread(samples[name])}){ratio}")
    print(f"  modules of the zip compiled from source on a cold start: {compiled}")


def report_instructions(local: LocalLambda) -> None:
    """The same figures as instructions executed, counted once each by valgrind (callgrind):
    deterministic, so other work on a shared machine cannot move them. The interpreter's own
    start-up, counted alone, is taken off each."""
    startup = _instructions(local, "pass")
    counts = {
        name: _instructions(local, code.replace("time.process_time()", "0"), *arguments) - startup
        for name, (_label, code, arguments) in _FIGURES.items()
    }
    print("  millions of instructions (valgrind), interpreter start-up taken off:")
    for name, (label, _code, _arguments) in _FIGURES.items():
        ratio = (
            "" if name == "floor" else f"  ratio to the floor {counts[name] / counts['floor']:.3f}"
        )
        print(f"  {label:<53} {counts[name] / 1e6:7.0f}{ratio}")


def _instructions(local: LocalLambda, code: str, *args: str) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run(  # noqa: S603 - valgrind, the runtime's Python and our own code
        command + local.command(code, *args),
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **_ENVIRONMENT},
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def _output(local: LocalLambda, code: str, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - the runtime's Python and our own code
        local.command(code, *args),
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **_ENVIRONMENT},
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold-start run failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def _spread(samples: list[float]) -> str:
    return f"{min(samples):.0f}-{max(samples):.0f}"


if __name__ == "__main__":
    main()
