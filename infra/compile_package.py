"""Add the Lambda runtime's bytecode to a deploy zip, beside every module's source.

    python3.12 infra/compile_package.py --runtime python3.12 .serverless/birdhouse.zip

Lambda's /var/task is read-only, so Python cannot cache bytecode there: without `.pyc` files in
the package, every cold start compiles Birdhouse and all its dependencies from source. Run by the
runtime's own minor version (the osls plugin in infra/precompile-plugin.js finds it), so the
bytecode is what that Python loads. `unchecked-hash` pycs are used without comparing them to the
source's mtime, which a zip does not preserve; sources stay, for tracebacks. Standard library only.
"""

import argparse
import compileall
import importlib.util
import os
import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

# Where Lambda unpacks the code: the path tracebacks name.
TASK_ROOT = "/var/task"
# compress_type and compresslevel, as serverless-python-requirements writes the zip.
_DEFLATE_9 = (zipfile.ZIP_DEFLATED, 9)


def compile_zip(zip_path: Path) -> int:
    """Rewrite the zip with a `__pycache__/*.cpython-3XY.pyc` beside each `.py`; return how many."""
    with tempfile.TemporaryDirectory(prefix="birdhouse-compile-") as workdir:
        tree = Path(workdir) / "task"
        with zipfile.ZipFile(zip_path) as archive:
            # Bytecode already there (an earlier run, or a build machine's Python) is replaced.
            entries = [i for i in archive.infolist() if not i.filename.endswith((".pyc", ".pyo"))]
            for info in entries:
                if not info.is_dir():
                    target = tree / info.filename
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(info))
        ok = compileall.compile_dir(
            tree,
            quiet=1,
            workers=0,
            stripdir=str(tree),
            prependdir=TASK_ROOT,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        if not ok:
            raise SystemExit(f"{zip_path}: some modules do not compile on Python {_version()}")
        compiled = _rewrite(zip_path, entries, tree, Path(workdir) / "new.zip")
    return compiled


def _rewrite(zip_path: Path, entries: list[zipfile.ZipInfo], tree: Path, scratch: Path) -> int:
    compiled = 0
    with zipfile.ZipFile(scratch, "w") as archive:
        for info in entries:
            source = tree / info.filename
            archive.writestr(info, b"" if info.is_dir() else source.read_bytes(), *_DEFLATE_9)
            if info.filename.endswith(".py"):
                # Next to its source, with its date and mode, so the zip stays reproducible.
                pyc = Path(importlib.util.cache_from_source(str(source)))
                entry = zipfile.ZipInfo(str(pyc.relative_to(tree)), date_time=info.date_time)
                entry.external_attr = (0o100644 << 16) if info.external_attr else 0
                archive.writestr(entry, pyc.read_bytes(), *_DEFLATE_9)
                compiled += 1
    shutil.move(scratch, zip_path)
    return compiled


def _version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", required=True, help="the Lambda runtime, e.g. python3.12")
    parser.add_argument("zips", nargs="+", type=Path)
    args = parser.parse_args()
    if args.runtime != f"python{_version()}":
        print(f"{args.runtime} needs its own Python; this is {_version()}", file=sys.stderr)
        return 1
    for zip_path in args.zips:
        count = compile_zip(zip_path)
        size = os.path.getsize(zip_path) / 2**20
        print(f"{zip_path}: {count} modules compiled for {args.runtime} ({size:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
