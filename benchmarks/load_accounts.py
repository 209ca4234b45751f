"""Secrets Manager calls and wall time to load N accounts: batched (birdhouse_client) vs one by one.

    .venv/bin/python -m benchmarks.load_accounts [--sizes 1,20,200,1000] [--repeat 3]

Runs against a moto server on loopback (started here), so times include real HTTP round trips
on this machine but not AWS's latency; the call counts are what AWS would see and bill.
"""

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3

from birdhouse_client.loaders import load_account, load_accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,20,200,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    from app.sandbox.moto_server import serve_moto

    server = serve_moto()
    client = boto3.client(
        "secretsmanager",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - moto accepts anything
    )
    calls: list[str] = []
    client.meta.events.register(
        "before-call.secretsmanager", lambda model, **_: calls.append(model.name)
    )

    header = ("N", "way", "calls", "bound", "median ms", "ms/account")
    print("{:>5} | {:<10} | {:>5} | {:>5} | {:>9} | {:>10}".format(*header))
    print("-" * 61)
    try:
        for size in sizes:
            prefix = f"bench{size}"
            names = [f"Bot{n:04d}" for n in range(size)]
            for name in names:
                client.create_secret(
                    Name=f"{prefix}/accounts/{name.lower()}", SecretString=json.dumps(_secret(name))
                )

            def batched(prefix: str = prefix) -> Any:
                return load_accounts(client=client, secrets_prefix=prefix)

            def one_by_one(prefix: str = prefix, names: list[str] = names) -> Any:
                return [load_account(name, client=client, secrets_prefix=prefix) for name in names]

            for way, load in (("batched", batched), ("one-by-one", one_by_one)):
                count, median = _measure(load, calls, repeat=args.repeat)
                bound = math.ceil(size / 20) + 1 if way == "batched" else size
                print(
                    f"{size:>5} | {way:<10} | {count:>5} | {bound:>5} | {median:>9.1f} | "
                    f"{median / size:>10.2f}"
                )
    finally:
        server.stop()


def _measure(load: Callable[[], Any], calls: list[str], *, repeat: int) -> tuple[int, float]:
    timings = []
    for _ in range(repeat):
        calls.clear()
        started = time.perf_counter()
        load()
        timings.append((time.perf_counter() - started) * 1000)
    return len(calls), statistics.median(timings)


def _secret(name: str) -> dict[str, str]:
    return {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": f"at-{name}",
        "access_token_secret": f"ats-{name}",
        "screen_name": name,
        "user_id": "1",
        "authorized_at": "2026-11-22T03:00:00+00:00",
    }


if __name__ == "__main__":
    main()
