#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (as root). It installs the
# `waitsim` command into a virtual environment of its own: from a wheel zipped beside this
# script (`waitsim-*.whl`) if there is one, from PyPI otherwise. The graded code runs with the
# image's `python3`; nothing else is needed.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 > /dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv
fi
python3 -m venv "$root/waitsim-venv"
wheel=$(find "$here" -maxdepth 1 -name 'waitsim-*.whl' | sort | tail -n 1)
if [ -n "$wheel" ]; then
    "$root/waitsim-venv/bin/pip" install "$wheel"
else
    "$root/waitsim-venv/bin/pip" install waitsim
fi
"$root/waitsim-venv/bin/waitsim" --version
