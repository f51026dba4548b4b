#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (as root). It installs the
# `waitsim` command into a virtual environment of its own: from the wheels zipped beside this
# script (`waitsim-*.whl`) if there are any, from PyPI otherwise, at the version below and no
# other. The graded code runs with the image's `python3`; nothing else is needed.
#
# Until waitsim 0.1.0 is on PyPI (https://pypi.org/project/waitsim/), zip a wheel built from the
# waitsim repository beside this script: the book's Gradescope page
# (book/src/graders/gradescope.md) says how.
#
# AUTOGRADER_ROOT (default /autograder) lets the same script run against a copy of that tree.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
here=$(cd "$(dirname "$0")" && pwd)
# The version this autograder was written and tested for: PyPI gives exactly this one.
version=0.1.0
# Debian and Ubuntu ship the venv module (and the ensurepip it needs) apart from python3, in
# python3-venv: ask for the module itself, not for python3.
if ! python3 -c 'import ensurepip, venv' > /dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv
fi
python3 -m venv "$root/waitsim-venv"
pip=("$root/waitsim-venv/bin/pip" install --disable-pip-version-check)
if compgen -G "$here/waitsim-*.whl" > /dev/null; then
    # pip chooses, among the wheels zipped here, the one this image can run (its architecture
    # and C library), and fails if there is none; it does not go to PyPI.
    "${pip[@]}" --no-index --find-links "$here" waitsim
elif ! "${pip[@]}" "waitsim==${version}"; then
    echo "setup.sh: pip could not install \`waitsim==${version}\` from PyPI; zip a wheel built from" \
        "the waitsim repository beside setup.sh (see book/src/graders/gradescope.md in that repository)" >&2
    exit 1
fi
"$root/waitsim-venv/bin/waitsim" --version
