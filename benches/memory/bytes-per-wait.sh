#!/usr/bin/env bash
# Bytes per wait, the one measurement every memory figure comes from: the peak resident memory
# of the release build at 10^6 and at 4 × 10^6 waits, for each routine that holds n waits at
# once, whole process (GNU time's %M); the difference over 3 × 10^6 waits is what one wait
# holds, the runtime and buffers cancelling out. Median of --reps runs (default 3).
#
#   benches/memory/bytes-per-wait.sh [--reps R]
#
# Prints one line per workload, `NAME BYTES`, in the order `cli/src/memory.rs` lists them; a test
# checks that file and the book (book/src/reference/cli.md) against the figures it records.
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=3
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--reps R]" >&2; exit 2 ;;
    esac
done
cargo build --release --locked --quiet -p waitsim-cli
waitsim=$PWD/target/release/waitsim
peak_kb() { # the median peak RSS, in KiB, of `waitsim ARGS --json`
    for _ in $(seq 1 "$reps"); do
        /usr/bin/time -f %M "$waitsim" "$@" --seed 1 --json 2>&1 > /dev/null | tail -n 1
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
for workload in wait-n measure-time task-wait-n timeline; do
    small=$(peak_kb "$workload" 1000000 10)
    large=$(peak_kb "$workload" 4000000 10)
    echo "$workload $(( (large - small) * 1024 / 3000000 ))"
done
