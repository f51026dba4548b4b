#!/usr/bin/env bash
# Side-by-side comparison of waitsim with the Python peers, in one command:
#
#     benches/compare/run.sh                    # n = 10^5 and 10^6, 3 repetitions (about 15 min)
#     benches/compare/run.sh --sizes 1000 --reps 1
#     benches/compare/run.sh --setup-only      # only the build and the peers' installation
#
# Sets up what it needs: a release build of waitsim, and a Python virtual environment under
# target/ with the pinned peers from PyPI. Arguments are passed to compare.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/compare-venv"

cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
if [ "${1:-}" = "--setup-only" ]; then
    exit 0
fi
"$venv/bin/python" "$here/compare.py" "$root/target/release/waitsim" "$venv/bin/python" "$@"
