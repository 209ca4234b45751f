"""Check what `osls package` built: least-privilege IAM (each function's role holds exactly the
actions its code calls), Birdhouse's own event bus, Lambda-ready wheels, the runtime's
bytecode, package metadata, nothing extra, size; then run it on the runtime's Python.

    python -m infra.check_package [.serverless]

Prints the figures and exits 1 with every problem listed if any check fails. Standard library
only, so it runs before or without the project's virtualenv; the last check needs the runtime's
Python (infra/find_python.sh) and pip's access to PyPI, and fails rather than skips without them.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from infra.local_lambda import find_python, python_version_of, unpack

# The deploy zip's goal: small enough for a quick upload and code download on a cold start.
# Bytecode for 3.12 (about 3 MB zipped, 8 MB unzipped) buys back far more than the download
# costs: importing from source took 1.8 times the CPU (benchmarks/cold_start.py). Measured:
# 7.97 MB zipped, 22.54 MB unzipped (this script's own `package:` line).
ZIP_SIZE_GOAL_BYTES = 8 * 1024 * 1024
UNZIPPED_SIZE_GOAL_BYTES = 25 * 1024 * 1024
# importlib.util.MAGIC_NUMBER of each runtime's Python (fixed within a minor version).
BYTECODE_MAGIC = {"3.12": 3531, "3.13": 3571}
# PEP 552 flags: hash-based (bit 0), not checked against the source (bit 1 clear). Lambda's zip
# keeps no reliable mtimes and /var/task is read-only, so timestamp pycs would be recompiled.
UNCHECKED_HASH_FLAGS = 0b01
# The only Secrets Manager actions IAM cannot scope to resources.
UNSCOPABLE_ACTIONS = {"secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"}
# What each function's code calls, as the IAM actions its role allows, and the code path that
# needs each: a role that grows an action, or lacks one its code calls, fails the check. Change
# the code and this table together (tests/web/test_fleet_health.py records the AWS calls a
# sweep makes and holds them to the sweep's row).
_LAMBDA_LOGS = {
    "logs:CreateLogGroup": "Lambda: the function's log group, should it be missing",
    "logs:CreateLogStream": "Lambda: one log stream per container",
    "logs:PutLogEvents": "Lambda: the function's output",
}
_THROUGH_SECRETS_MANAGER = "account secrets under kmsKeyArn (kms:ViaService Secrets Manager)"
ROLE_ACTIONS: dict[str, dict[str, str]] = {
    "app.main.handler": {
        **_LAMBDA_LOGS,
        "logs:TagResource": "osls's role for the API: tags on the log groups it creates",
        "secretsmanager:GetSecretValue": "wiring.app_secret; store.get_account",
        "secretsmanager:CreateSecret": "store.save_account (a new account)",
        "secretsmanager:PutSecretValue": "store.save_account, replace_account_value, mark_revoked",
        "secretsmanager:DescribeSecret": "store.describe_account, save_account, restore_account",
        "secretsmanager:TagResource": "store.save_account, record_check, schedule_deletion",
        "secretsmanager:UntagResource": "store.save_account (stale tags after a reconnect)",
        "secretsmanager:RestoreSecret": "store.restore_account; save_account over a deleted one",
        "secretsmanager:DeleteSecret": "store.schedule_deletion (with a recovery window)",
        "secretsmanager:ListSecrets": "store.list_accounts, list_deleted_accounts, find_by_user_id",
        "kms:Encrypt": _THROUGH_SECRETS_MANAGER,
        "kms:Decrypt": _THROUGH_SECRETS_MANAGER,
        "kms:GenerateDataKey": _THROUGH_SECRETS_MANAGER,
        "dynamodb:GetItem": "ledger.get (open, withdraw, claim); operators.get (every sign-in)",
        "dynamodb:PutItem": "ledger.record (create_invite); operators.add; audit.append",
        "dynamodb:UpdateItem": "ledger.claim, release, withdraw, count_attempt; operators.touch; "
        "the refresh lease's acquire, mark_spending, clear_spending, release",
        "dynamodb:DeleteItem": "operators.remove (revoke_operator)",
        "dynamodb:Scan": "ledger.list_invites; operators.list_operators",
        "dynamodb:Query": "audit.page (GET /audit)",
        "events:PutEvents": "EventBridgePublisher.publish (every account event)",
        "sqs:GetQueueAttributes": "GET /sweep: SqsSweepQueue.depth",
        "sqs:GetQueueUrl": "SqsSweepQueue: the queues' URLs from their names",
    },
    # app/refresher.py: refresh_due() over the store, the lease, X, and the Recorder.
    "app.refresher.handler": {
        **_LAMBDA_LOGS,
        "secretsmanager:GetSecretValue": "wiring.app_secret; store.get_account (each due account)",
        "secretsmanager:PutSecretValue": "Refresher: store.replace_account_value (the new pair)",
        "secretsmanager:DescribeSecret": "Refresher._report; Recorder._reinvite",
        "secretsmanager:TagResource": "Recorder.record: store.record_check",
        "secretsmanager:ListSecrets": "refresh_due: store.list_accounts",
        "kms:Decrypt": _THROUGH_SECRETS_MANAGER,
        "kms:GenerateDataKey": _THROUGH_SECRETS_MANAGER,
        "dynamodb:UpdateItem": "the refresh lease: acquire, mark_spending, clear_spending, release",
        "dynamodb:PutItem": "Recorder._reinvite: ledger.record",
        "events:PutEvents": "Recorder.record: EventBridgePublisher.publish",
    },
    # app/sweep.py's planner: plan_sweep lists, enqueues and marks; no secret value, no X.
    "app.sweep.handler": {
        **_LAMBDA_LOGS,
        "secretsmanager:ListSecrets": "plan_sweep: store.list_accounts",
        "sqs:GetQueueAttributes": "plan_sweep: queue.depth (one plan at a time)",
        "sqs:SendMessage": "plan_sweep: SqsSweepQueue.send (SendMessageBatch)",
        "sqs:GetQueueUrl": "SqsSweepQueue: the work queue's URL from its name",
    },
    # app/sweep.py's worker: work_sweep over the store, the Recorder and the re-invite.
    "app.sweep.worker": {
        **_LAMBDA_LOGS,
        "secretsmanager:GetSecretValue": "wiring.app_secret; store.get_account (each account)",
        "secretsmanager:DescribeSecret": "Recorder._reinvite: create_invite's describe_account",
        "secretsmanager:TagResource": "Recorder.record: store.record_check",
        "kms:Decrypt": _THROUGH_SECRETS_MANAGER,
        "dynamodb:PutItem": "Recorder._reinvite: ledger.record",
        "events:PutEvents": "Recorder.record: EventBridgePublisher.publish",
        "sqs:SendMessage": "work_sweep: _put_back (a task delayed until X's reset)",
        "sqs:GetQueueUrl": "SqsSweepQueue: the work queue's URL from its name",
        "sqs:ReceiveMessage": "Lambda's SQS event source mapping, under the function's role",
        "sqs:DeleteMessage": "Lambda's SQS event source mapping: a finished message",
        "sqs:GetQueueAttributes": "Lambda's SQS event source mapping: the queue's settings",
    },
    # app/sweep.py's report: handle_bot_report (a verify like the worker's, or the ok tag).
    "app.sweep.report": {
        **_LAMBDA_LOGS,
        "secretsmanager:GetSecretValue": "wiring.app_secret; store.get_account",
        "secretsmanager:DescribeSecret": "handle_bot_report: describe_account; the re-invite",
        "secretsmanager:TagResource": "Recorder.record; store.note_reported_ok",
        "kms:Decrypt": _THROUGH_SECRETS_MANAGER,
        "dynamodb:PutItem": "Recorder._reinvite: ledger.record",
        "events:PutEvents": "Recorder.record: EventBridgePublisher.publish",
    },
}
# Events are published with this source (app/adapters/events.py); the bus admits it only from
# Birdhouse's roles.
EVENT_SOURCE = "birdhouse"
ELF_MACHINE_AARCH64 = 183
NOT_IN_THE_PACKAGE = (
    "tests/",
    "app/sandbox/",
    "node_modules/",
    ".venv/",
    "benchmarks/",
    "boto3/",
    "botocore/",
    "s3transfer/",
)
MUST_BE_IN_THE_PACKAGE = (
    "app/main.py",
    "app/web/templates/page.html",
    "app/web/templates/style.css",
    "mangum/__init__.py",
    "birdhouse_client/layout.py",
    "pydantic_core/__init__.py",
    # /docs serves these itself: no CDN.
    "app/web/templates/docs.html",
    "app/web/static/docs.js",
    "app/web/static/swagger-ui/swagger-ui-bundle.js",
    "app/web/static/swagger-ui/swagger-ui.css",
    "app/web/static/swagger-ui/LICENSE",
    # So does /console.
    "app/web/templates/console.html",
    "app/web/static/console/console.js",
    "app/web/static/console/console.css",
    "app/web/static/console/qrcode.js",
    "app/web/static/console/QRCODE-LICENSE.txt",
)
# Our own code, which no *.dist-info describes.
# Our own code: app, and the bot-job client vendored from client/src (no wheel, no metadata).
OWN_PACKAGES = {"app", "birdhouse_client"}


def iam_problems(template: dict[str, Any]) -> list[str]:
    """Every IAM statement either names its resources or is one of the unscopable actions."""
    problems = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        for policy in resource.get("Properties", {}).get("Policies", []):
            statements = policy.get("PolicyDocument", {}).get("Statement", [])
            for statement in statements:
                problems += _statement_problems(name, statement)
            problems += _deletion_problems(name, statements)
    return problems


def _deletion_problems(role: str, statements: list[dict[str, Any]]) -> list[str]:
    """A role that may delete secrets is explicitly denied deleting without a recovery window."""
    allowed = [
        s
        for s in statements
        if s.get("Effect") == "Allow" and "secretsmanager:DeleteSecret" in _as_list(s.get("Action"))
    ]
    denied = [
        s
        for s in statements
        if s.get("Effect") == "Deny"
        and "secretsmanager:DeleteSecret" in _as_list(s.get("Action"))
        and json.dumps(s.get("Condition", {})).count("ForceDeleteWithoutRecovery")
    ]
    if allowed and not denied:
        return [f"{role}: may DeleteSecret but is not denied ForceDeleteWithoutRecovery"]
    return []


def _statement_problems(role: str, statement: dict[str, Any]) -> list[str]:
    if statement.get("Effect") == "Deny":
        return []  # a Deny only takes permissions away, however broad
    actions = _as_list(statement.get("Action"))
    resources = _as_list(statement.get("Resource"))
    where = f"{role}: {statement.get('Sid') or actions}"
    problems = [f"{where}: wildcard action {a!r}" for a in actions if a == "*" or a.endswith(":*")]
    if "*" in resources:
        problems += [
            f"{where}: {a} on Resource '*'" for a in actions if a not in UNSCOPABLE_ACTIONS
        ]
    for resource in resources:
        text = json.dumps(resource)
        if "secretsmanager" in text and (
            "${AWS::Region}" not in text or "${AWS::AccountId}" not in text
        ):
            problems.append(f"{where}: secret ARN not scoped to this account and region: {text}")
        if "secret:" in text and not any(part in text for part in ("/app-??????", "/accounts/*")):
            problems.append(f"{where}: secret ARN is not the app secret or the accounts: {text}")
    return problems


def role_problems(template: dict[str, Any]) -> list[str]:
    """Each function has a role of its own allowing exactly the actions its code calls."""
    resources = template.get("Resources", {})
    problems = []
    roles: dict[str, str] = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties", {})
        handler = properties.get("Handler")
        expected = ROLE_ACTIONS.get(handler)
        if expected is None:
            problems.append(f"{name}: no expected actions for handler {handler!r} in ROLE_ACTIONS")
            continue
        role = _role_name(properties.get("Role"))
        if role is None or resources.get(role, {}).get("Type") != "AWS::IAM::Role":
            problems.append(f"{name}: its role is not an AWS::IAM::Role in this template")
            continue
        if role in roles:
            problems.append(f"{name}: shares the role {role} with {roles[role]}")
        roles[role] = name
        allowed, role_problems_found = _allowed_actions(role, resources[role])
        problems += role_problems_found
        problems += [
            f"{role} ({handler}): grants {action}, which its code never calls"
            for action in sorted(allowed - set(expected))
        ]
        problems += [
            f"{role} ({handler}): lacks {action}, needed by {expected[action]}"
            for action in sorted(set(expected) - allowed)
        ]
    return problems


def _role_name(reference: Any) -> str | None:
    """The logical id in `{"Fn::GetAtt": [id, "Arn"]}`; None for an ARN from elsewhere."""
    if isinstance(reference, dict) and isinstance(reference.get("Fn::GetAtt"), list):
        logical_id, attribute = reference["Fn::GetAtt"]
        return str(logical_id) if attribute == "Arn" else None
    return None


def _allowed_actions(role: str, resource: dict[str, Any]) -> tuple[set[str], list[str]]:
    """The actions a role's inline policies allow; a managed policy or NotAction is a problem."""
    properties = resource.get("Properties", {})
    problems = [
        f"{role}: managed policy {arn} (its actions are not in this template)"
        for arn in properties.get("ManagedPolicyArns", [])
    ]
    allowed: set[str] = set()
    for statement in _allowed_statements(resource):
        if "NotAction" in statement:
            problems.append(f"{role}: {statement.get('Sid')}: NotAction allows everything else")
        allowed |= set(_as_list(statement.get("Action", [])))
    return allowed, problems


def event_bus_problems(template: dict[str, Any]) -> list[str]:
    """Events go to a bus of this stack, which denies `source: birdhouse` to other principals."""
    resources = template.get("Resources", {})
    buses = {n for n, r in resources.items() if r.get("Type") == "AWS::Events::EventBus"}
    if len(buses) != 1:
        return [f"expected one AWS::Events::EventBus of Birdhouse's, found {sorted(buses)}"]
    (bus,) = buses
    problems = []
    roles = set()
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties", {})
        told = properties.get("Environment", {}).get("Variables", {}).get("EVENT_BUS_NAME")
        bus_name = resources[bus].get("Properties", {}).get("Name")
        if told is None or told != bus_name:
            problems.append(f"{name}: EVENT_BUS_NAME is {told!r}, not the stack's bus {bus}")
        role = _role_name(properties.get("Role"))
        for statement in _allowed_statements(resources.get(role or "", {})):
            if "events:PutEvents" in _as_list(statement.get("Action")):
                # Only the roles that publish may speak as Birdhouse (the planner does not).
                roles.add(str(role))
                where = json.dumps(statement.get("Resource"))
                if "event-bus/default" in where or "event-bus/" not in where:
                    problems.append(f"{name}: may PutEvents to {where}, not only the stack's bus")
    statements = resources[bus].get("Properties", {}).get("Policy", {}).get("Statement", [])
    deny = [
        s
        for s in _as_list(statements)
        if s.get("Effect") == "Deny"
        and "events:PutEvents" in _as_list(s.get("Action"))
        and s.get("Principal") in ("*", {"AWS": "*"})
        and s.get("Condition", {}).get("StringEquals", {}).get("events:source") == EVENT_SOURCE
    ]
    excepted = {
        _role_name(arn)
        for s in deny
        for arn in _as_list(s["Condition"].get("ArnNotEquals", {}).get("aws:PrincipalArn", []))
    }
    if not deny:
        problems.append(f"{bus}: its policy does not deny source {EVENT_SOURCE!r} to others")
    elif excepted != roles:
        problems.append(
            f"{bus}: source {EVENT_SOURCE!r} is allowed for {sorted(map(str, excepted))}, "
            f"not exactly the functions' roles {sorted(roles)}"
        )
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        sources = _as_list(properties.get("EventPattern", {}).get("source", []))
        on_bus = properties.get("EventBusName") == {"Ref": bus}
        if resource.get("Type") == "AWS::Events::Rule" and EVENT_SOURCE in sources and not on_bus:
            problems.append(f"{name}: matches {EVENT_SOURCE!r} events off the stack's bus")
    return problems


def _allowed_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in role.get("Properties", {}).get("Policies", [])
        for statement in _as_list(policy.get("PolicyDocument", {}).get("Statement", []))
        if statement.get("Effect") == "Allow"
    ]


# Variables that name a resource of the stack: (its type, the property holding its name).
NAMED_RESOURCES = {
    "INVITES_TABLE": ("AWS::DynamoDB::Table", "TableName"),
    "EVENT_BUS_NAME": ("AWS::Events::EventBus", "Name"),
    "SWEEP_QUEUE_URL": ("AWS::SQS::Queue", "QueueName"),
    "SWEEP_DEAD_LETTER_QUEUE_URL": ("AWS::SQS::Queue", "QueueName"),
}


def environment_problems(template: dict[str, Any]) -> list[str]:
    """Every function's variables are plain strings, and those naming a resource of the stack
    name it as the stack does. A Ref or Sub there works in CloudFormation but not under
    serverless-offline, which hands the function "[object Object]"."""
    resources = template.get("Resources", {})
    problems = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        for variable, value in variables.items():
            if not isinstance(value, str):
                problems.append(
                    f"{name}: {variable} is {json.dumps(value)}, not a plain string: build it "
                    "from the service and stage (serverless-offline cannot resolve it)"
                )
        for variable, (kind, name_property) in NAMED_RESOURCES.items():
            names = [
                r.get("Properties", {}).get(name_property)
                for r in resources.values()
                if r.get("Type") == kind
            ]
            if variable in variables and variables[variable] not in names:
                problems.append(f"{name}: {variable}={variables[variable]!r} names no {kind}")
    return problems


def throttling_problems(template: dict[str, Any]) -> list[str]:
    """The HTTP API's stage throttles every route, and the function knows its own timeout."""
    problems = []
    stages = [
        resource
        for resource in template.get("Resources", {}).values()
        if resource.get("Type") == "AWS::ApiGatewayV2::Stage"
    ]
    if not stages:
        problems.append("no HTTP API stage to throttle")
    for stage in stages:
        settings = stage.get("Properties", {}).get("DefaultRouteSettings", {})
        for key in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
            if not isinstance(settings.get(key), (int, float)) or settings[key] <= 0:
                problems.append(f"HTTP API stage: no {key} in DefaultRouteSettings")
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        properties = resource.get("Properties", {})
        variables = properties.get("Environment", {}).get("Variables", {})
        told = str(variables.get("FUNCTION_TIMEOUT_SECONDS", ""))
        # The API function must say; any other that says must say the truth.
        serves_api = properties.get("Handler") == "app.main.handler"
        if (serves_api or told) and told != str(properties.get("Timeout")):
            problems.append(
                f"{name}: FUNCTION_TIMEOUT_SECONDS={told!r} is not its Timeout "
                f"({properties.get('Timeout')})"
            )
    return problems


def package_problems(zip_path: Path, *, runtime: str) -> tuple[list[str], dict[str, Any]]:
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        problems += bytecode_problems(archive, runtime=runtime)
        problems += metadata_problems(archive)
        for info in infos:
            if info.filename.endswith(".so"):
                header = archive.read(info)[:20]
                machine = int.from_bytes(header[18:20], "little")
                if header[:4] != b"\x7fELF" or machine != ELF_MACHINE_AARCH64:
                    problems.append(f"{info.filename}: not an aarch64 ELF binary")
                if "cpython-312" not in info.filename and ".abi3." not in info.filename:
                    problems.append(f"{info.filename}: not built for CPython 3.12")
    problems += [f"{n}: should not be packaged" for n in names if n.startswith(NOT_IN_THE_PACKAGE)]
    problems += [f"{n}: missing from the package" for n in MUST_BE_IN_THE_PACKAGE if n not in names]
    zipped = zip_path.stat().st_size
    unzipped = sum(info.file_size for info in infos)
    if zipped > ZIP_SIZE_GOAL_BYTES:
        problems.append(
            f"zip is {zipped / 2**20:.1f} MB, over the {ZIP_SIZE_GOAL_BYTES / 2**20:.0f} MB goal"
        )
    if unzipped > UNZIPPED_SIZE_GOAL_BYTES:
        goal = UNZIPPED_SIZE_GOAL_BYTES / 2**20
        problems.append(f"unzipped {unzipped / 2**20:.1f} MB, over the {goal:.0f} MB goal")
    by_package: Counter[str] = Counter()
    for info in infos:
        by_package[info.filename.split("/", 1)[0]] += info.file_size
    figures = {
        "zip_bytes": zipped,
        "unzipped_bytes": unzipped,
        "files": len(infos),
        "native_extensions": sum(n.endswith(".so") for n in names),
        "largest": by_package.most_common(5),
    }
    return problems, figures


def bytecode_problems(archive: zipfile.ZipFile, *, runtime: str) -> list[str]:
    """Every module has unchecked-hash bytecode of the runtime's Python; no other bytecode."""
    version = python_version_of(runtime)
    tag = f"cpython-{version.replace('.', '')}"
    magic = BYTECODE_MAGIC[version].to_bytes(2, "little") + b"\r\n"
    names = set(archive.namelist())
    problems = []
    for name in sorted(names):
        path = PurePosixPath(name)
        if path.suffix == ".py" and _bytecode_path(path, tag) not in names:
            problems.append(f"{name}: no {tag} bytecode")
        elif path.suffix in (".pyc", ".pyo"):
            if path.parent.name != "__pycache__" or not path.name.endswith(f".{tag}.pyc"):
                problems.append(f"{name}: bytecode not for {runtime}")
                continue
            header = archive.read(name)[:8]
            if header[:4] != magic:
                problems.append(f"{name}: not {runtime} bytecode (magic {header[:4]!r})")
            elif int.from_bytes(header[4:8], "little") != UNCHECKED_HASH_FLAGS:
                problems.append(f"{name}: not compiled with --invalidation-mode unchecked-hash")
    return problems


def _bytecode_path(source: PurePosixPath, tag: str) -> str:
    return str(source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc")


def metadata_problems(archive: zipfile.ZipFile) -> list[str]:
    """Every bundled distribution keeps its *.dist-info, which runtime code may look up."""
    names = archive.namelist()
    described: set[str] = set()
    for name in names:
        if name.endswith(".dist-info/RECORD"):
            record = archive.read(name).decode()
            described |= {line.split("/", 1)[0].split(",", 1)[0] for line in record.splitlines()}
    importable = {
        name.split("/", 1)[0]
        for name in names
        if name.endswith((".py", ".so")) and not name.split("/", 1)[0].endswith(".dist-info")
    }
    return [
        f"{top}: no *.dist-info describes it (package metadata stripped?)"
        for top in sorted(importable - described - OWN_PACKAGES)
    ]


def code_hash_problems(template: dict[str, Any], zip_path: Path) -> list[str]:
    """The Lambda version's CodeSha256 is this zip's: nothing changed it after osls hashed it."""
    digest = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
    return [
        f"{name}: CodeSha256 {resource['Properties']['CodeSha256']} is not the zip's {digest}"
        for name, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Lambda::Version"
        and resource.get("Properties", {}).get("CodeSha256") not in (None, digest)
    ]


# Run in the runtime's Python from the unpacked zip, as Lambda would. OTEL_PROPAGATORS makes
# opentelemetry-api (imported by FastAPI) look its propagators up in package metadata.
_RUNTIME_CHECK = """
import importlib.machinery, importlib.util, json, os, sys
task_root = sys.path[0]
compiled = []
original = importlib.machinery.SourceFileLoader.source_to_code
def recording(self, data, path, *, _optimize=-1):
    compiled.append(path)
    return original(self, data, path, _optimize=_optimize)
importlib.machinery.SourceFileLoader.source_to_code = recording
class Context:
    function_name = "birdhouse-package-check"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
from app.main import handler
answer = handler(json.loads(sys.argv[1]), Context())
stale = []
for directory, _, files in os.walk(task_root):
    for name in files:
        if name.endswith(".py"):
            source = os.path.join(directory, name)
            try:
                with open(importlib.util.cache_from_source(source), "rb") as pyc:
                    header = pyc.read(16)
            except FileNotFoundError:
                continue
            with open(source, "rb") as file:
                if header[8:16] != importlib.util.source_hash(file.read()):
                    stale.append(os.path.relpath(source, task_root))
print(json.dumps({
    "status": answer["statusCode"],
    "compiled_from_source": [os.path.relpath(p, task_root) for p in compiled
                             if p.startswith(task_root)],
    "stale_bytecode": stale,
}))
"""


def runtime_problems(zip_path: Path, *, runtime: str) -> list[str]:
    """Import the app from the unpacked zip on the runtime's Python and answer /healthz."""
    from tests.support.lambda_events import http_api_v2_event  # the event shape API Gateway sends

    try:
        python = find_python(python_version_of(runtime))
    except RuntimeError as exc:
        return [f"cannot run the package: {exc}"]
    with tempfile.TemporaryDirectory(prefix="birdhouse-check-") as workdir:
        local = unpack(zip_path, Path(workdir), python=python)
        result = subprocess.run(  # noqa: S603 - the runtime's Python and our own code
            local.command(_RUNTIME_CHECK, json.dumps(http_api_v2_event("GET", "/healthz"))),
            capture_output=True,
            text=True,
            env={
                "PATH": os.environ.get("PATH", ""),
                "AWS_DEFAULT_REGION": "eu-west-1",
                "OTEL_PROPAGATORS": "tracecontext",
            },
        )
    if result.returncode != 0:
        return [f"import app.main on {runtime} from the zip failed:\n{result.stderr.strip()}"]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    problems = [f"GET /healthz from the zip answered {found['status']}"] * (found["status"] != 200)
    problems += [f"{p}: compiled from source at import" for p in found["compiled_from_source"]]
    problems += [f"{p}: bytecode does not match the source" for p in found["stale_bytecode"]]
    print(
        f"runs on {runtime}: import app.main with OTEL_PROPAGATORS=tracecontext and GET /healthz "
        f"from the unpacked zip; {len(found['compiled_from_source'])} modules compiled from source"
    )
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _runtime(template: dict[str, Any]) -> str:
    (runtime,) = {
        resource["Properties"]["Runtime"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    return str(runtime)


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else ".serverless")
    template = json.loads((build / "cloudformation-template-update-stack.json").read_text())
    zips = sorted(build.glob("*.zip"))
    if len(zips) != 1:
        print(f"expected one zip in {build}, found {[z.name for z in zips]}")
        return 1
    runtime = _runtime(template)
    problems = (
        iam_problems(template)
        + role_problems(template)
        + event_bus_problems(template)
        + environment_problems(template)
        + throttling_problems(template)
        + code_hash_problems(template, zips[0])
    )
    package, figures = package_problems(zips[0], runtime=runtime)
    problems += package
    print(
        f"package: {zips[0].name}: {figures['zip_bytes'] / 2**20:.2f} MB zipped "
        f"(goal {ZIP_SIZE_GOAL_BYTES / 2**20:.0f} MB), {figures['unzipped_bytes'] / 2**20:.2f} MB "
        f"unzipped, {figures['files']} files, {figures['native_extensions']} aarch64 extensions"
    )
    print(
        "largest: "
        + ", ".join(f"{name} {size / 2**20:.1f} MB" for name, size in figures["largest"])
    )
    for stage in template["Resources"].values():
        if stage.get("Type") == "AWS::ApiGatewayV2::Stage":
            route = stage["Properties"].get("DefaultRouteSettings", {})
            print(
                f"throttling: {route.get('ThrottlingRateLimit')} requests/s, "
                f"burst {route.get('ThrottlingBurstLimit')}"
            )
    for name, function in template["Resources"].items():
        if function.get("Type") == "AWS::Lambda::Function":
            properties = function["Properties"]
            print(
                f"role: {name} ({properties.get('Handler')}) under "
                f"{_role_name(properties.get('Role'))}: "
                f"{len(ROLE_ACTIONS.get(properties.get('Handler'), {}))} actions expected"
            )
    resources = Counter(r["Type"] for r in template["Resources"].values())
    print("creates: " + ", ".join(f"{count} {kind}" for kind, count in sorted(resources.items())))
    problems += runtime_problems(zips[0], runtime=runtime)
    for problem in problems:
        print(f"PROBLEM {problem}")
    print("package check: " + ("failed" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
