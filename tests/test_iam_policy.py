"""The bot-job policies read the current version of an account's secret and nothing older."""

from pathlib import Path

import yaml

from app.iam_policy import CURRENT_VERSION_ONLY, bot_job_policy

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_printed_policy_reads_only_the_current_version() -> None:
    policy = bot_job_policy(["HelloBot"], secrets_prefix="twitter-bots")

    (read,) = [s for s in policy["Statement"] if s["Action"] == ["secretsmanager:GetSecretValue"]]
    assert read["Condition"] == {
        "StringEqualsIfExists": {"secretsmanager:VersionStage": "AWSCURRENT"},
        "Null": {"secretsmanager:VersionId": "true"},
    }


def test_the_managed_bot_jobs_policy_reads_only_the_current_version() -> None:
    class Loader(yaml.SafeLoader):
        """SafeLoader, reading CloudFormation's short forms (!Sub, !Ref) as plain values."""

    Loader.add_multi_constructor("!", lambda loader, _tag, node: loader.construct_scalar(node))
    text = (REPOSITORY / "infra" / "bot-jobs-read-policy.yml").read_text()
    template = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    statements = template["Resources"]["BotJobsReadAccounts"]["Properties"]["PolicyDocument"][
        "Statement"
    ]

    reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert reads
    assert all(s["Condition"] == CURRENT_VERSION_ONLY for s in reads)


def test_the_printed_policy_may_report_to_birdhouses_bus_as_bot_jobs_only() -> None:
    policy = bot_job_policy(
        ["HelloBot"],
        secrets_prefix="twitter-bots",
        region="eu-west-1",
        account_id="123456789012",
        event_bus="birdhouse-prod",
    )

    (report,) = [s for s in policy["Statement"] if "events:PutEvents" in s["Action"]]
    assert report["Action"] == ["events:PutEvents"]
    assert report["Resource"] == "arn:aws:events:eu-west-1:123456789012:event-bus/birdhouse-prod"
    assert report["Condition"] == {"StringEquals": {"events:source": "birdhouse.bot-jobs"}}
    without = bot_job_policy(["HelloBot"], secrets_prefix="twitter-bots")
    assert not [s for s in without["Statement"] if "events:PutEvents" in s["Action"]]
