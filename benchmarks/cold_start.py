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
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.local_lambda import LocalLambda, find_python, python_version_of, unpack
from tests.lambda_events import http_api_v2_event

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
    args = parser.parse_args()
    zip_path = args.zip or build()
    python = find_python(python_version_of(RUNTIME))
    with tempfile.TemporaryDirectory(prefix="birdhouse-cold-") as workdir:
        local = unpack(zip_path, Path(workdir), python=python)
        report(zip_path, local, args.runs)


def build() -> Path:
    for command in (
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        ["npx", "osls", "package"],
    ):
        subprocess.run(command, cwd=REPOSITORY, check=True, stdout=sys.stderr)  # noqa: S603
    return REPOSITORY / ".serverless" / "birdhouse.zip"


def report(zip_path: Path, local: LocalLambda, runs: int) -> None:
    healthz = json.dumps(http_api_v2_event("GET", "/healthz"))
    onboard = json.dumps(http_api_v2_event("GET", "/onboard", query="invite=not-an-invite"))
    timed = {
        "floor": lambda: _cpu_ms(local, _FLOOR),
        "healthz": lambda: _cpu_ms(local, _FIRST_ANSWER, healthz, "200"),
        "onboard": lambda: _cpu_ms(local, _FIRST_ANSWER, onboard, "400"),
    }
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(runs):  # interleaved, so any drift falls on all three alike
        for name, run in timed.items():
            samples[name].append(run())
    floor, first_healthz, first_onboard = (statistics.median(samples[n]) for n in timed)
    compiled = _output(local, _COMPILED_FROM_SOURCE, healthz)
    version = _output(local, "import sys; print(sys.version.split()[0])")
    print(
        f"Cold start from {zip_path.name} ({zip_path.stat().st_size / 2**20:.2f} MB), "
        f"Python {version} ({RUNTIME}), {platform.machine()}, {os.cpu_count()} cores"
    )
    if local.versions_not_in_zip:
        guessed = ", ".join(local.versions_not_in_zip)
        print(f"  (a zip without metadata: native versions from this environment: {guessed})")
    print(f"  CPU ms, median of {runs} fresh interpreters each, interleaved (spread in brackets)")
    floor_label = f"floor: import {', '.join(FLOOR_PACKAGES)}"
    print(f"  {floor_label:<53} {floor:7.1f}  ({_spread(samples['floor'])})")
    for label, value, name in (
        ("Birdhouse: import + first /healthz", first_healthz, "healthz"),
        ("Birdhouse: import + first /onboard (bad invite, page)", first_onboard, "onboard"),
    ):
        print(
            f"  {label:<53} {value:7.1f}  ({_spread(samples[name])})  "
            f"ratio to the floor {value / floor:.3f}"
        )
    print(f"  modules of the zip compiled from source on a cold start: {compiled}")


def _cpu_ms(local: LocalLambda, code: str, *args: str) -> float:
    return float(_output(local, code, *args))


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
