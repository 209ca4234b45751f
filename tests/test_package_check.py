"""infra/check_package.py: the rules CI applies to the generated template and zip catch what
they are for (CI runs them on the real build; here, on small built-for-purpose inputs)."""

import importlib.util
import io
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

UNSCOPED_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:twitter-bots/accounts/*"
CHECKER = Path(__file__).resolve().parents[1] / "infra" / "check_package.py"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_package", CHECKER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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

    problems, _figures = checker.package_problems(path)

    text = "\n".join(problems)
    assert "x86_64-linux-gnu.so: not an aarch64 ELF binary" in text
    assert "cpython-311-aarch64-linux-gnu.so: not built for CPython 3.12" in text
    assert "tests/test_something.py: should not be packaged" in text
    assert "app/sandbox/x_standin.py: should not be packaged" in text
    assert "app/main.py: missing from the package" in text


def test_a_lean_arm64_package_passes(checker: ModuleType, tmp_path: Path) -> None:
    files = dict.fromkeys(checker.MUST_BE_IN_THE_PACKAGE, b"x")
    files["pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so"] = _elf(183)

    problems, figures = checker.package_problems(_zip(tmp_path, files))

    assert problems == []
    assert figures["native_extensions"] == 1


def test_oversized_package_is_caught(checker: ModuleType, tmp_path: Path) -> None:
    files = dict.fromkeys(checker.MUST_BE_IN_THE_PACKAGE, b"x")
    files["big/blob.bin"] = io.BytesIO(bytes(range(256)) * (25 * 4096)).getvalue()

    problems, _figures = checker.package_problems(_zip(tmp_path, files))

    assert any("over the" in problem for problem in problems)


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
