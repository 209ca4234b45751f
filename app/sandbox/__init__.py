"""A stand-in for X's OAuth 1.0a and v2 endpoints, for tests and local development only."""

import os


def refuse_to_run_in_lambda() -> None:
    # The stand-in approves any account without a password: it must never face the internet.
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise RuntimeError("The X sandbox is for tests and local development, never Lambda.")
