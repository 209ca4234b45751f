"""infra/check_package.py: the rules CI applies to the generated template and zip catch what
they are for (CI runs them on the real build; here, on small built-for-purpose inputs)."""

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
import yaml

import infra.check_package

UNSCOPED_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:twitter-bots/accounts/*"
BUILD = Path(__file__).resolve().parents[1] / ".serverless"
RUNTIME = "python3.12"
PY312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"
PY311_MAGIC = (3495).to_bytes(2, "little") + b"\r\n"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    return infra.check_package


def template(*statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyDocument": {"Statement": list(statements)}}]},
            }
        }
    }


def scoped(path: str) -> dict[str, str]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
        f":secret:twitter-bots/{path}"
    }


def test_the_intended_statements_pass(checker: ModuleType) -> None:
    assert (
        checker.iam_problems(
            template(
                {"Action": ["secretsmanager:GetSecretValue"], "Resource": scoped("app-??????")},
                {"Action": ["secretsmanager:PutSecretValue"], "Resource": scoped("accounts/*")},
                {"Action": ["secretsmanager:ListSecrets"], "Resource": "*"},
            )
        )
        == []
    )


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Action": "*", "Resource": scoped("accounts/*")}, "wildcard action"),
        ({"Action": "secretsmanager:*", "Resource": scoped("accounts/*")}, "wildcard action"),
        ({"Action": ["secretsmanager:GetSecretValue"], "Resource": "*"}, "on Resource '*'"),
        (
            {
                "Action": "secretsmanager:GetSecretValue",
                "Resource": (
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:twitter-bots/accounts/*"
                ),
            },
            "not scoped to this account and region",
        ),
        (
            {"Action": "secretsmanager:GetSecretValue", "Resource": scoped("*")},
            "not the app secret or the accounts",
        ),
    ],
)
def test_loose_statements_are_caught(
    checker: ModuleType, statement: dict[str, Any], problem: str
) -> None:
    (found,) = checker.iam_problems(template(statement))

    assert problem in found


def _zip(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "birdhouse.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def _elf(machine: int) -> bytes:
    return b"\x7fELF" + bytes(14) + machine.to_bytes(2, "little") + bytes(40)


def _pyc(magic: bytes = PY312_MAGIC, flags: int = 0b01) -> bytes:
    """A PEP 552 header (magic, flags, source hash or mtime and size), then a code object."""
    return magic + flags.to_bytes(4, "little") + bytes(8) + b"\xe3"


def _bytecode_name(source: str, tag: str = "cpython-312") -> str:
    path = PurePosixPath(source)
    return str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")


def _complete(files: dict[str, bytes]) -> dict[str, bytes]:
    """What a good build has besides: 3.12 bytecode for each module, metadata for each package."""
    complete = dict(files)
    for name in files:
        if name.endswith(".py"):
            complete[_bytecode_name(name)] = _pyc()
    tops = {name.split("/", 1)[0] for name in files if not name.startswith("app/")}
    for top in tops:
        listed = "\n".join(f"{name},," for name in files if name.split("/", 1)[0] == top)
        complete[f"{top}-1.0.dist-info/METADATA"] = f"Name: {top}\nVersion: 1.0\n".encode()
        complete[f"{top}-1.0.dist-info/RECORD"] = listed.encode()
    return complete


def _lean_package(checker: ModuleType) -> dict[str, bytes]:
    files = dict.fromkeys(checker.MUST_BE_IN_THE_PACKAGE, b"x")
    files["pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so"] = _elf(183)
    return _complete(files)


def test_x86_wheels_test_files_and_missing_app_are_caught(
    checker: ModuleType, tmp_path: Path
) -> None:
    path = _zip(
        tmp_path,
        {
            "pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so": _elf(62),
            "markupsafe/_speedups.cpython-311-aarch64-linux-gnu.so": _elf(183),
            "tests/test_something.py": b"",
            "app/sandbox/x_standin.py": b"",
        },
    )

    problems, _figures = checker.package_problems(path, runtime=RUNTIME)

    text = "\n".join(problems)
    assert "x86_64-linux-gnu.so: not an aarch64 ELF binary" in text
    assert "cpython-311-aarch64-linux-gnu.so: not built for CPython 3.12" in text
    assert "tests/test_something.py: should not be packaged" in text
    assert "app/sandbox/x_standin.py: should not be packaged" in text
    assert "app/main.py: missing from the package" in text


def test_a_lean_arm64_package_passes(checker: ModuleType, tmp_path: Path) -> None:
    problems, figures = checker.package_problems(
        _zip(tmp_path, _lean_package(checker)), runtime=RUNTIME
    )

    assert problems == []
    assert figures["native_extensions"] == 1


def test_oversized_package_is_caught(checker: ModuleType, tmp_path: Path) -> None:
    files = _lean_package(checker)
    files["app/templates/blob.bin"] = io.BytesIO(bytes(range(256)) * (35 * 4096)).getvalue()

    problems, _figures = checker.package_problems(_zip(tmp_path, files), runtime=RUNTIME)

    assert any("over the" in problem for problem in problems)


def test_a_broad_deny_only_takes_away(checker: ModuleType) -> None:
    deny = {
        "Effect": "Deny",
        "Action": ["secretsmanager:DeleteSecret"],
        "Resource": "*",
        "Condition": {"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}},
    }

    assert checker.iam_problems(template(deny)) == []


def test_a_function_allowed_to_delete_must_be_denied_deleting_without_recovery(
    checker: ModuleType,
) -> None:
    delete = {
        "Effect": "Allow",
        "Action": ["secretsmanager:DeleteSecret"],
        "Resource": scoped("/accounts/*"),
    }
    deny = {
        "Effect": "Deny",
        "Action": ["secretsmanager:DeleteSecret"],
        "Resource": "*",
        "Condition": {"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}},
    }

    assert any("ForceDeleteWithoutRecovery" in p for p in checker.iam_problems(template(delete)))
    assert checker.iam_problems(template(delete, deny)) == []


def test_a_module_without_its_runtime_bytecode_is_caught(
    checker: ModuleType, tmp_path: Path
) -> None:
    files = _lean_package(checker)
    del files[_bytecode_name("mangum/__init__.py")]

    problems, _figures = checker.package_problems(_zip(tmp_path, files), runtime=RUNTIME)

    assert problems == ["mangum/__init__.py: no cpython-312 bytecode"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            _bytecode_name("mangum/__init__.py", "cpython-311"),
            _pyc(PY311_MAGIC),
            "bytecode not for python3.12",
        ),
        ("mangum/__init__.pyc", _pyc(), "bytecode not for python3.12"),
        (
            _bytecode_name("mangum/__init__.py", "cpython-312.opt-1"),
            _pyc(),
            "bytecode not for python3.12",
        ),
        (_bytecode_name("mangum/__init__.py"), _pyc(PY311_MAGIC), "not python3.12 bytecode"),
        (_bytecode_name("mangum/__init__.py"), _pyc(flags=0), "unchecked-hash"),
        (_bytecode_name("mangum/__init__.py"), _pyc(flags=0b11), "unchecked-hash"),
    ],
)
def test_bytecode_of_another_python_or_mode_is_caught(
    checker: ModuleType, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    files = _lean_package(checker)
    files[name] = content

    problems, _figures = checker.package_problems(_zip(tmp_path, files), runtime=RUNTIME)

    assert len(problems) == 1
    assert name in problems[0]
    assert problem in problems[0]


def test_packages_without_metadata_are_caught(checker: ModuleType, tmp_path: Path) -> None:
    files = {
        name: content
        for name, content in _lean_package(checker).items()
        if not name.startswith("mangum-1.0.dist-info/")
    }
    files["typing_extensions.py"] = b"x"
    files[_bytecode_name("typing_extensions.py")] = _pyc()

    problems, _figures = checker.package_problems(_zip(tmp_path, files), runtime=RUNTIME)

    assert sorted(problems) == [
        "mangum: no *.dist-info describes it (package metadata stripped?)",
        "typing_extensions.py: no *.dist-info describes it (package metadata stripped?)",
    ]


def test_a_zip_changed_after_osls_hashed_it_is_caught(checker: ModuleType, tmp_path: Path) -> None:
    path = _zip(tmp_path, _lean_package(checker))
    digest = base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    version = {"Type": "AWS::Lambda::Version", "Properties": {"CodeSha256": digest}}

    assert checker.code_hash_problems({"Resources": {"Version": version}}, path) == []

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("app/extra.txt", b"added later")
    (problem,) = checker.code_hash_problems({"Resources": {"Version": version}}, path)
    assert "is not the zip's" in problem


@pytest.mark.slow
def test_the_built_zip_runs_on_the_runtime_python_with_otel_propagators(
    checker: ModuleType,
) -> None:
    """make package-check runs this check on every build; here, on the last one if any."""
    zips = sorted(BUILD.glob("*.zip"))
    template = BUILD / "cloudformation-template-update-stack.json"
    if len(zips) != 1 or not template.is_file():
        pytest.skip("no built package: `make package-check` builds and checks it")
    runtime = checker._runtime(json.loads(template.read_text()))

    assert checker.runtime_problems(zips[0], runtime=runtime) == []


def stage_and_function(route_settings: dict[str, Any], environment: dict[str, str]) -> Any:
    return {
        "Resources": {
            "HttpApiStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"DefaultRouteSettings": route_settings},
            },
            "ApiLambdaFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "app.main.handler",
                    "Timeout": 26,
                    "Environment": {"Variables": environment},
                },
            },
            # Another function (a scheduled job) with its own timeout and no such variable.
            "OtherLambdaFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "app.other.handler", "Timeout": 300},
            },
        }
    }


def test_a_throttled_stage_and_a_told_timeout_pass(checker: ModuleType) -> None:
    template = stage_and_function(
        {"ThrottlingRateLimit": 10, "ThrottlingBurstLimit": 20},
        {"FUNCTION_TIMEOUT_SECONDS": "26"},
    )

    assert checker.throttling_problems(template) == []


def test_an_unthrottled_stage_or_a_wrong_timeout_is_caught(checker: ModuleType) -> None:
    template = stage_and_function({}, {"FUNCTION_TIMEOUT_SECONDS": "30"})

    text = "\n".join(checker.throttling_problems(template))

    assert "no ThrottlingRateLimit" in text
    assert "no ThrottlingBurstLimit" in text
    assert "ApiLambdaFunction: FUNCTION_TIMEOUT_SECONDS='30' is not its Timeout (26)" in text
    assert "OtherLambdaFunction" not in text


def test_the_api_function_must_know_its_timeout(checker: ModuleType) -> None:
    template = stage_and_function({"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}, {})

    (problem,) = checker.throttling_problems(template)

    assert problem.startswith("ApiLambdaFunction: FUNCTION_TIMEOUT_SECONDS=''")


# --- each function's role: exactly what its code calls ------------------------------------------

ROLE_OF = {
    "app.main.handler": "ApiRole",
    "app.sweep.handler": "SweepRole",
    "app.refresher.handler": "RefresherRole",
    "app.sweep.worker": "SweepWorkerRole",
    "app.sweep.report": "BotReportRole",
}
FUNCTION_OF = {
    "app.main.handler": "MainLambdaFunction",
    "app.sweep.handler": "SweepLambdaFunction",
    "app.refresher.handler": "RefresherLambdaFunction",
    "app.sweep.worker": "SweepWorkerLambdaFunction",
    "app.sweep.report": "BotReportLambdaFunction",
}
# The roles that publish account events (the planner publishes none).
PUBLISHERS = ["ApiRole", "BotReportRole", "RefresherRole", "SweepWorkerRole"]
BUS_ARN = "arn:aws:events:eu-west-1:123456789012:event-bus/birdhouse-test"


def roles_and_functions(
    actions: dict[str, set[str]], *, role_of: dict[str, str] | None = None
) -> dict[str, Any]:
    """One function per handler, each under its role (role_of), allowing these actions."""
    role_of = role_of or ROLE_OF
    resources: dict[str, Any] = {}
    for handler, role in role_of.items():
        others = sorted(actions[handler] - {"events:PutEvents"})
        statements = [{"Effect": "Allow", "Action": others, "Resource": "arn:aws:x"}]
        if "events:PutEvents" in actions[handler]:
            statements.append(
                {"Effect": "Allow", "Action": ["events:PutEvents"], "Resource": BUS_ARN}
            )
        resources.setdefault(
            role,
            {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyDocument": {"Statement": statements}}]},
            },
        )
        resources[FUNCTION_OF[handler]] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Handler": handler,
                "Role": {"Fn::GetAtt": [role, "Arn"]},
                "Environment": {"Variables": {"EVENT_BUS_NAME": BUS_NAME}},
            },
        }
    return {"Resources": resources}


def expected_actions(checker: ModuleType) -> dict[str, set[str]]:
    return {handler: set(actions) for handler, actions in checker.ROLE_ACTIONS.items()}


def test_roles_holding_exactly_their_functions_actions_pass(checker: ModuleType) -> None:
    assert checker.role_problems(roles_and_functions(expected_actions(checker))) == []


@pytest.mark.parametrize(
    ("handler", "added", "removed", "problem"),
    [
        (
            "app.sweep.handler",
            "secretsmanager:PutSecretValue",
            None,
            "SweepRole (app.sweep.handler): grants secretsmanager:PutSecretValue, "
            "which its code never calls",
        ),
        (
            "app.sweep.handler",
            "kms:GenerateDataKey",
            None,
            "SweepRole (app.sweep.handler): grants kms:GenerateDataKey",
        ),
        (
            "app.sweep.worker",
            None,
            "dynamodb:PutItem",
            "SweepWorkerRole (app.sweep.worker): lacks dynamodb:PutItem, needed by "
            "Recorder._reinvite",
        ),
        (
            "app.sweep.handler",
            "secretsmanager:GetSecretValue",
            None,
            "SweepRole (app.sweep.handler): grants secretsmanager:GetSecretValue",
        ),
        (
            "app.main.handler",
            "secretsmanager:BatchGetSecretValue",
            None,
            "ApiRole (app.main.handler): grants secretsmanager:BatchGetSecretValue",
        ),
        (
            "app.main.handler",
            None,
            "events:PutEvents",
            "ApiRole (app.main.handler): lacks events:PutEvents",
        ),
    ],
)
def test_a_role_that_grows_or_loses_an_action_is_caught(
    checker: ModuleType, handler: str, added: str | None, removed: str | None, problem: str
) -> None:
    actions = expected_actions(checker)
    if added:
        actions[handler].add(added)
    if removed:
        actions[handler].discard(removed)

    (found,) = checker.role_problems(roles_and_functions(actions))

    assert found.startswith(problem)


def test_a_sweep_under_the_api_role_is_caught(checker: ModuleType) -> None:
    """As it was: one role for both, so the sweep held the API's writes and deletes."""
    shared = {"app.main.handler": "ApiRole", "app.sweep.handler": "ApiRole"}

    problems = checker.role_problems(roles_and_functions(expected_actions(checker), role_of=shared))

    text = "\n".join(problems)
    assert "SweepLambdaFunction: shares the role ApiRole with MainLambdaFunction" in text
    assert "grants secretsmanager:DeleteSecret, which its code never calls" in text


def test_a_handler_without_a_row_or_a_role_from_elsewhere_is_caught(
    checker: ModuleType,
) -> None:
    template = roles_and_functions(expected_actions(checker))
    template["Resources"]["SweepLambdaFunction"]["Properties"]["Role"] = "arn:aws:iam::1:role/x"
    template["Resources"]["OtherLambdaFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Handler": "app.other.handler"},
    }

    assert sorted(checker.role_problems(template)) == [
        "OtherLambdaFunction: no expected actions for handler 'app.other.handler' in ROLE_ACTIONS",
        "SweepLambdaFunction: its role is not an AWS::IAM::Role in this template",
    ]


def test_a_managed_policy_on_a_role_is_caught(checker: ModuleType) -> None:
    template = roles_and_functions(expected_actions(checker))
    template["Resources"]["SweepRole"]["Properties"]["ManagedPolicyArns"] = [
        "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
    ]

    (problem,) = checker.role_problems(template)

    assert "SweepRole: managed policy" in problem


# --- Birdhouse's own event bus ------------------------------------------------------------------


BUS_NAME = "birdhouse-dev"


def with_bus(template: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The stack's bus, its policy denying `source: birdhouse` to all but the functions' roles."""
    roles = [{"Fn::GetAtt": [role, "Arn"]} for role in PUBLISHERS]
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "events:PutEvents",
        "Condition": {
            "StringEquals": {"events:source": "birdhouse"},
            "ArnNotEquals": {"aws:PrincipalArn": changes.get("excepted", roles)},
        },
    }
    bus = {
        "Type": "AWS::Events::EventBus",
        "Properties": {"Name": BUS_NAME, "Policy": {"Statement": [deny]}},
    }
    rule = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventPattern": {"source": ["birdhouse"]},
            **({} if changes.get("rule_on_default") else {"EventBusName": {"Ref": "EventBus"}}),
        },
    }
    template["Resources"].update(EventBus=bus, AlertRule=rule)
    return template


def test_events_on_the_stacks_own_guarded_bus_pass(checker: ModuleType) -> None:
    template = with_bus(roles_and_functions(expected_actions(checker)))

    assert checker.event_bus_problems(template) == []


def test_environment_variables_that_are_plain_names_of_the_stacks_resources_pass(
    checker: ModuleType,
) -> None:
    template = with_bus(roles_and_functions(expected_actions(checker)))
    template["Resources"]["InvitesTable"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {"TableName": "birdhouse-invites-dev"},
    }
    api = template["Resources"]["MainLambdaFunction"]["Properties"]
    api["Environment"]["Variables"].update(INVITES_TABLE="birdhouse-invites-dev")

    assert checker.environment_problems(template) == []


def test_a_ref_in_the_environment_or_a_name_of_nothing_is_caught(checker: ModuleType) -> None:
    """serverless-offline hands a function "[object Object]" for a Ref in its environment."""
    template = with_bus(roles_and_functions(expected_actions(checker)))
    api = template["Resources"]["MainLambdaFunction"]["Properties"]
    api["Environment"]["Variables"].update(
        INVITES_TABLE="birdhouse-invites-prod", SECRETS_KMS_KEY_ID={"Ref": "KmsKeyArn"}
    )

    problems = checker.environment_problems(template)

    assert problems == [
        'MainLambdaFunction: SECRETS_KMS_KEY_ID is {"Ref": "KmsKeyArn"}, not a plain string: '
        "build it from the service and stage (serverless-offline cannot resolve it)",
        "MainLambdaFunction: INVITES_TABLE='birdhouse-invites-prod' names no AWS::DynamoDB::Table",
    ]


def test_the_repositorys_serverless_yml_gives_functions_plain_strings() -> None:
    """What serverless-offline reads: provider.environment, with no CloudFormation function."""

    class TaggedLoader(yaml.SafeLoader):
        """Reads !Ref, !Sub, !GetAtt… as {"tag": …}, so that they stand out."""

    TaggedLoader.add_multi_constructor("!", lambda _loader, tag, _node: {"tag": tag})
    config = yaml.load((BUILD.parent / "serverless.yml").read_text(), Loader=TaggedLoader)  # noqa: S506 - a SafeLoader

    environment = config["provider"]["environment"]
    assert {"INVITES_TABLE", "EVENT_BUS_NAME", "SECRETS_KMS_KEY_ID"} <= set(environment)
    assert all(isinstance(value, str) for value in environment.values()), environment
    assert environment["INVITES_TABLE"] == "${self:custom.invitesTable}"
    resources = config["resources"]["Resources"]
    assert resources["InvitesTable"]["Properties"]["TableName"] == "${self:custom.invitesTable}"
    assert resources["EventBus"]["Properties"]["Name"] == "${self:custom.eventBusName}"


def test_the_default_bus_or_an_open_bus_is_caught(checker: ModuleType) -> None:
    template = with_bus(
        roles_and_functions(expected_actions(checker)),
        excepted=[{"Fn::GetAtt": ["ApiRole", "Arn"]}],
        rule_on_default=True,
    )
    api = template["Resources"]["MainLambdaFunction"]["Properties"]
    api["Environment"]["Variables"]["EVENT_BUS_NAME"] = "default"
    publish = {
        "Effect": "Allow",
        "Action": "events:PutEvents",
        "Resource": "arn:aws:events:eu-west-1:1:event-bus/default",
    }
    template["Resources"]["ApiRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ].append(publish)

    text = "\n".join(checker.event_bus_problems(template))

    assert "MainLambdaFunction: EVENT_BUS_NAME is 'default'" in text
    assert "MainLambdaFunction: may PutEvents to" in text
    assert (
        "not exactly the functions' roles "
        "['ApiRole', 'BotReportRole', 'RefresherRole', 'SweepWorkerRole']" in text
    )
    assert "AlertRule: matches 'birdhouse' events off the stack's bus" in text

    del template["Resources"]["EventBus"]["Properties"]["Policy"]
    assert any("does not deny" in p for p in checker.event_bus_problems(template))


def test_the_built_template_holds_each_role_to_its_code_and_events_to_its_bus(
    checker: ModuleType,
) -> None:
    """make package-check builds the template; here the last build is checked too, if any."""
    built = BUILD / "cloudformation-template-update-stack.json"
    if not built.is_file():
        pytest.skip("no built package: `make package-check` builds and checks it")
    template = json.loads(built.read_text())

    assert checker.iam_problems(template) == []
    assert checker.role_problems(template) == []
    assert checker.event_bus_problems(template) == []
    assert checker.environment_problems(template) == []
