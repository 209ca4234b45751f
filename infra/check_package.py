"""Check what `osls package` built: least-privilege IAM, Lambda-ready wheels, nothing extra, size.

    python infra/check_package.py [.serverless]

Prints the figures and exits 1 with every problem listed if any check fails. Standard library
only, so it runs before or without the project's virtualenv.
"""

import json
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

# The deploy zip's goal: small enough for a quick cold start and upload. Measured 4.0 MB.
ZIP_SIZE_GOAL_BYTES = 6 * 1024 * 1024
UNZIPPED_SIZE_GOAL_BYTES = 20 * 1024 * 1024
# The only Secrets Manager actions IAM cannot scope to resources.
UNSCOPABLE_ACTIONS = {"secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"}
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
)


def iam_problems(template: dict[str, Any]) -> list[str]:
    """Every IAM statement either names its resources or is one of the unscopable actions."""
    problems = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        for policy in resource.get("Properties", {}).get("Policies", []):
            for statement in policy.get("PolicyDocument", {}).get("Statement", []):
                problems += _statement_problems(name, statement)
    return problems


def _statement_problems(role: str, statement: dict[str, Any]) -> list[str]:
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


def package_problems(zip_path: Path) -> tuple[list[str], dict[str, Any]]:
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else ".serverless")
    template = json.loads((build / "cloudformation-template-update-stack.json").read_text())
    zips = sorted(build.glob("*.zip"))
    if len(zips) != 1:
        print(f"expected one zip in {build}, found {[z.name for z in zips]}")
        return 1
    problems = iam_problems(template) + throttling_problems(template)
    package, figures = package_problems(zips[0])
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
    resources = Counter(r["Type"] for r in template["Resources"].values())
    print("creates: " + ", ".join(f"{count} {kind}" for kind, count in sorted(resources.items())))
    for problem in problems:
        print(f"PROBLEM {problem}")
    print("package check: " + ("failed" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
