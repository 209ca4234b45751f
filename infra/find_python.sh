#!/bin/sh
# Print the absolute path of a CPython interpreter of one minor version, e.g. `find_python.sh 3.12`.
# The Lambda runtime's Python compiles the bytecode we ship and runs the package checks, so the
# Makefile, CI and the osls plugin all find it here: `pythonX.Y` on PATH if it really runs (a
# pyenv shim for an inactive version is on PATH but fails), else pyenv's newest X.Y.*.
set -eu
minor=${1:?usage: find_python.sh 3.12}

if found=$("python$minor" -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -n "$found" ]; then
    echo "$found"
    exit 0
fi

root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
for candidate in $(ls -d "$root/versions/$minor".* 2>/dev/null | sort -V -r); do
    case $candidate in
        *[!0-9.]) continue ;;  # skip 3.12-dev, 3.12.1t and other variants
    esac
    if [ -x "$candidate/bin/python$minor" ]; then
        echo "$candidate/bin/python$minor"
        exit 0
    fi
done

echo "find_python.sh: no Python $minor found (looked for python$minor on PATH and in $root/versions)" >&2
exit 1
