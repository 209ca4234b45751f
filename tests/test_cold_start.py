"""What a cold start loads: libraries that only some requests need wait for those requests.

benchmarks/cold_start.py measures the cost from the deploy zip; this keeps the gains."""

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
# Pages (jinja2), settings (pydantic-settings), signed tokens (itsdangerous), the AWS SDK (the
# adapters, and the bot-job client's loaders) and the X client's HTTP stack.
LOADED_ON_FIRST_USE = (
    "jinja2",
    "pydantic_settings",
    "itsdangerous",
    "boto3",
    "botocore",
    "requests",
    "requests_oauthlib",
    "urllib3",
)

_FIRST_HEALTHZ = f"""
import sys
from app.main import handler
from tests.support.lambda_events import LambdaContext, http_api_v2_event
assert handler(http_api_v2_event("GET", "/healthz"), LambdaContext())["statusCode"] == 200
print(" ".join(name for name in {LOADED_ON_FIRST_USE!r} if name in sys.modules))
"""


@pytest.mark.slow
def test_a_cold_start_that_answers_healthz_loads_no_page_settings_signing_or_aws_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_HEALTHZ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY,
    )

    assert result.stdout.strip() == ""
