"""Run the deploy zip on this machine the way Lambda runs it, for the package check and benchmarks.

The zip is unpacked as the task root; its aarch64 extension modules are swapped for this
machine's builds of the same versions (the only files that differ between the two platforms'
wheels); what the Lambda runtime provides beside the zip (boto3) goes in a separate directory.
Code then runs on the runtime's Python with nothing from this machine's site-packages and
without writing bytecode, since /var/task is read-only. Standard library only.
"""

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
# The Lambda Python runtimes include boto3 (and botocore, s3transfer...), so the zip leaves it
# out (serverless.yml's noDeploy). The pin in requirements.txt stands in for the runtime's copy.
RUNTIME_PROVIDED = ("boto3",)
_FOREIGN_EXTENSION = re.compile(r"^(?P<stem>[^.]+)\.cpython-(?P<tag>\d+)-aarch64-linux-gnu\.so$")


@dataclass(frozen=True)
class LocalLambda:
    """An unpacked package, ready to run code on the runtime's Python."""

    python: str
    task_root: Path
    runtime_root: Path
    # Native extensions whose version came from this machine's environment, not the zip.
    versions_not_in_zip: tuple[str, ...] = ()

    def command(self, code: str, *args: str) -> list[str]:
        """`python -c`, isolated (-I -S: no site-packages, no PYTHON* variables), with -B."""
        path = f"import sys; sys.path[:0] = [{str(self.task_root)!r}, {str(self.runtime_root)!r}]\n"
        return [self.python, "-I", "-S", "-B", "-c", path + code, *args]


def find_python(version: str) -> str:
    """The interpreter of this minor version (3.12), as infra/find_python.sh finds it."""
    found = subprocess.run(  # noqa: S603 - our own script
        ["sh", str(REPOSITORY / "infra" / "find_python.sh"), version],  # noqa: S607
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise RuntimeError(found.stderr.strip())
    return found.stdout.strip()


def python_version_of(runtime: str) -> str:
    """'python3.12' -> '3.12'."""
    match = re.fullmatch(r"python(3\.\d+)", runtime)
    if match is None:
        raise ValueError(f"not a Python Lambda runtime: {runtime!r}")
    return match.group(1)


def unpack(zip_path: Path, workdir: Path, *, python: str) -> LocalLambda:
    """Unpack into workdir/task, swap in native extensions, install boto3 in workdir/runtime."""
    task_root, runtime_root, wheels = workdir / "task", workdir / "runtime", workdir / "wheels"
    shutil.rmtree(workdir, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task_root)
    guessed = _swap_native_extensions(task_root, python=python, wheels=wheels)
    _pip(
        python,
        "install",
        "--target",
        str(runtime_root),
        *(f"{name}=={_pinned(name)}" for name in RUNTIME_PROVIDED),
    )
    return LocalLambda(python, task_root, runtime_root, versions_not_in_zip=guessed)


def _swap_native_extensions(task_root: Path, *, python: str, wheels: Path) -> tuple[str, ...]:
    foreign = {
        (path.parent, match["stem"]): path
        for path in task_root.rglob("*.so")
        if (match := _FOREIGN_EXTENSION.match(path.name))
    }
    if not foreign:
        return ()
    owners = _record_owners(task_root)
    requirements: set[str] = set()
    guessed: list[str] = []
    for path in foreign.values():
        relative = path.relative_to(task_root).as_posix()
        owner = owners.get(relative)
        if owner is None:
            # A zip built without *.dist-info (older builds): same requirements.txt, same pins.
            names = metadata.packages_distributions().get(relative.split("/", 1)[0], [])
            if not names:
                raise RuntimeError(f"{relative}: no metadata names its distribution")
            owner = (names[0], metadata.version(names[0]))
            guessed.append(f"{owner[0]}=={owner[1]}")
        requirements.add(f"{owner[0]}=={owner[1]}")
    _pip(
        python,
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(wheels),
        *sorted(requirements),
    )
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if not member.endswith(".so"):
                    continue
                target = task_root / member
                key = (target.parent, target.name.split(".", 1)[0])
                if key in foreign:
                    foreign.pop(key).unlink()
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    if foreign:
        missing = ", ".join(str(p.relative_to(task_root)) for p in foreign.values())
        raise RuntimeError(f"no native build on this machine replaces {missing}")
    return tuple(sorted(set(guessed)))


def _record_owners(task_root: Path) -> dict[str, tuple[str, str]]:
    """Each file listed in a RECORD -> (distribution, version)."""
    owners: dict[str, tuple[str, str]] = {}
    for dist_info in task_root.glob("*.dist-info"):
        record, meta = dist_info / "RECORD", dist_info / "METADATA"
        if not (record.is_file() and meta.is_file()):
            continue
        fields = dict(line.split(": ", 1) for line in meta.read_text().splitlines() if ": " in line)
        for line in record.read_text().splitlines():
            owners[line.split(",", 1)[0]] = (fields["Name"], fields["Version"])
    return owners


def _pinned(name: str) -> str:
    for line in (REPOSITORY / "requirements.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == name:
            return line.split("==", 1)[1].split()[0]
    raise RuntimeError(f"{name} is not pinned in requirements.txt")


def _pip(python: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - the runtime's Python and its own pip
        [python, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        check=True,
        stdout=sys.stderr,
    )
