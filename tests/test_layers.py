"""The layers hold: dependencies point down to `app.core`, and only the wiring builds adapters.

core      interfaces, value types, errors, signing, screen names: nothing of Birdhouse above it,
          and no boto3, requests or FastAPI
flows     the work: core, other flows and the client's layout, never an adapter, settings or web
adapters  boto3 and requests behind core's interfaces: core and other adapters, never a flow
wiring    the one module outside the adapters that imports them (and builds them)
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# What a core module (and a flow) may import of the client: its standard-library-only modules,
# the account secret's layout and the single writer's refresh rules (one definition each, for
# the service and bot jobs alike).
_CORE_MAY_IMPORT = ("birdhouse_client.layout", "birdhouse_client.single_writer")
CLIENT = APP.parent / "client" / "src" / "birdhouse_client"
_THIRD_PARTY_KEPT_OUT_OF_CORE = (
    "boto3",
    "botocore",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "fastapi",
    "starlette",
    "mangum",
    "pydantic",
    "pydantic_settings",
    "jinja2",
    "itsdangerous",
)


# What only adapters (and the web layer) may talk to: a flow uses core's interfaces instead.
_OUTSIDE_SYSTEMS = ("boto3", "botocore", "requests", "requests_oauthlib", "fastapi", "starlette")


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, at the top, in a function or under TYPE_CHECKING alike."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path, root)
            if module is None:
                continue
            package = root.parent.joinpath(*module.split("."))
            if not package.is_dir():
                yield node.lineno, module
                continue
            # `from app import wiring` (from a package) names the module it imports.
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _absolute(node: ast.ImportFrom, path: Path, root: Path) -> str | None:
    """`from ..adapters import x` as the absolute module it names."""
    if node.level == 0:
        return node.module
    package = path.relative_to(root.parent).parent.parts
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, *([node.module] if node.module else [])])


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def crossings(root: Path = APP) -> list[str]:
    """Each import across a forbidden line, as `file:line: importer -> imported (rule)`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        importer = _module_name(path, root)
        for line, imported in _imports(path, root):
            rule = _broken_rule(importer, imported)
            if rule:
                found.append(f"{path.relative_to(root.parent)}:{line}: {imported} ({rule})")
    return sorted(set(found))


def _broken_rule(importer: str, imported: str) -> str | None:
    birdhouse = _within(imported, "app") and not _within(imported, "app.__version__")
    if _within(importer, "app.core"):
        if birdhouse and not _within(imported, "app.core"):
            return "core imports nothing of Birdhouse above it"
        if imported.split(".")[0] in _THIRD_PARTY_KEPT_OUT_OF_CORE:
            return "core imports no boto3, requests or FastAPI"
        if _within(imported, "birdhouse_client") and not any(
            _within(imported, allowed) for allowed in _CORE_MAY_IMPORT
        ):
            return "core may use the client's layout only"
        return None
    if _within(importer, "app.flows"):
        if birdhouse and not (_within(imported, "app.core") or _within(imported, "app.flows")):
            return "flows import core and flows only"
        if imported.split(".")[0] in _OUTSIDE_SYSTEMS:
            return "flows reach the outside only through core's interfaces"
        if _within(imported, "birdhouse_client") and not any(
            _within(imported, allowed) for allowed in _CORE_MAY_IMPORT
        ):
            return "flows may use the client's layout and single writer only"
        return None
    if _within(importer, "app.adapters"):
        if birdhouse and not (_within(imported, "app.core") or _within(imported, "app.adapters")):
            return "adapters import core and adapters only"
        return None
    if _within(imported, "app.adapters") and importer != "app.wiring":
        return "only app.wiring imports adapters"
    return None


def test_no_import_crosses_a_layer() -> None:
    assert crossings() == []


@pytest.mark.parametrize("module", _CORE_MAY_IMPORT)
def test_the_client_modules_core_uses_import_the_standard_library_only(module: str) -> None:
    import sys

    path = CLIENT / f"{module.rsplit('.', 1)[1]}.py"
    outside = {
        imported
        for _line, imported in _imports(path, CLIENT)
        if imported.split(".")[0] not in sys.stdlib_module_names
        and imported.split(".")[0] != "botocore"  # layout: under TYPE_CHECKING, for a type
        and imported.split(".")[0] != "requests_oauthlib"  # the same
        and not any(_within(imported, allowed) for allowed in _CORE_MAY_IMPORT)
    }
    assert outside == set()


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("app.core.invites", "app.flows.invites"),
        ("app.core.x", "requests"),
        ("app.core.accounts", "boto3"),
        ("app.core.errors", "birdhouse_client.loaders"),
        ("app.flows.onboarding", "app.adapters.secrets_manager"),
        ("app.flows.rotation", "app.config"),
        ("app.flows.health", "app.web.deps"),
        ("app.flows.health", "app.wiring"),
        ("app.flows.health", "boto3"),
        ("app.flows.refresh", "birdhouse_client.leases"),
        ("app.core.oauth2", "birdhouse_client.oauth2"),
        ("app.flows.onboarding", "requests"),
        ("app.adapters.invite_ledger", "app.flows.invites"),
        ("app.adapters.events", "app.web.deps"),
        ("app.cli", "app.adapters.secrets_manager"),
        ("app.sandbox.dev", "app.adapters.invite_ledger"),
        ("app.web.deps", "app.adapters.x_client"),
    ],
)
def test_each_forbidden_crossing_is_caught(importer: str, imported: str) -> None:
    assert _broken_rule(importer, imported) is not None


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("app.core.invites", "app.core.errors"),
        ("app.core.x", "birdhouse_client.layout"),
        ("app.core.oauth2", "birdhouse_client.single_writer"),
        ("app.flows.refresh", "birdhouse_client.single_writer"),
        ("app.flows.onboarding", "app.core.accounts"),
        ("app.flows.health", "app.flows.invites"),
        ("app.adapters.secrets_manager", "app.core.accounts"),
        ("app.adapters.secrets_manager", "boto3"),
        ("app.wiring", "app.adapters.secrets_manager"),
        ("app.web.deps", "app.wiring"),
    ],
)
def test_allowed_imports_pass(importer: str, imported: str) -> None:
    assert _broken_rule(importer, imported) is None


def test_a_crossing_in_a_file_is_reported_with_its_place(tmp_path: Path) -> None:
    flows = tmp_path / "app" / "flows"
    flows.mkdir(parents=True)
    (flows / "sneaky.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from app.adapters.secrets_manager import SecretsManagerAccountStore\n"
    )
    assert crossings(tmp_path / "app") == [
        "app/flows/sneaky.py:4: app.adapters.secrets_manager (flows import core and flows only)"
    ]


def test_a_relative_import_is_read_as_the_module_it_names(tmp_path: Path) -> None:
    flows = tmp_path / "app" / "flows"
    flows.mkdir(parents=True)
    (flows / "sneaky.py").write_text("from ..adapters import secrets_manager\n")
    (tmp_path / "app" / "adapters").mkdir()

    assert crossings(tmp_path / "app") == [
        "app/flows/sneaky.py:1: app.adapters.secrets_manager (flows import core and flows only)"
    ]
