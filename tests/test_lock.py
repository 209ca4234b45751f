"""requirements.lock: the runtime set, every version pinned with hashes, the one thing the Lambda
package build and `make install` install from. Checked offline: it agrees with requirements.txt,
and the tests run on exactly the locked versions."""

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pins(path: Path) -> dict[str, str]:
    """name → version for every `name==version` line (continuations joined, markers dropped)."""
    text = path.read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line.strip())
        if match:
            found[_name(match.group(1))] = match.group(2)
    return found


LOCK = REPOSITORY / "requirements.lock"


def test_every_direct_pin_is_locked_at_the_same_version() -> None:
    locked = pins(LOCK)

    for name, pinned in pins(REPOSITORY / "requirements.txt").items():
        assert locked.get(name) == pinned, f"{name}: run make lock after editing requirements.txt"


def test_every_locked_package_carries_hashes() -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().replace("\\\n", " "))

    for entry in entries:
        if entry.startswith("#") or not entry.strip():
            continue
        assert "--hash=sha256:" in entry, entry.split()[0]


@pytest.mark.parametrize("name", sorted(pins(LOCK)))
def test_the_tests_run_the_locked_versions(name: str) -> None:
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.fail(f"{name} is locked but not installed: make install")
    assert installed == pins(LOCK)[name]


def test_the_package_build_and_make_install_use_the_lock() -> None:
    serverless = (REPOSITORY / "serverless.yml").read_text()
    makefile = (REPOSITORY / "Makefile").read_text()

    assert re.search(r"^\s+fileName: requirements\.lock$", serverless, flags=re.M)
    assert "--require-hashes --no-deps -r requirements.lock" in makefile
