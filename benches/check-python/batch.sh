#!/usr/bin/env bash
# A grader's batch: 40 folders (copies of the fixtures, correct and broken, as a class hands
# them in) graded by `waitsim check-python` with `--jobs 1` and with the default (one job per
# core), side by side, each timed whole-process; prints the median of each and their ratio.
# With --baseline BIN, another build is timed too, alternating with this one, and the
# per-folder times are compared.
#
#   benches/check-python/batch.sh [--folders N] [--reps R] [--seeds A..B] [--baseline BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
folders=40 reps=3 seeds=0..50 baseline=
while [ $# -gt 0 ]; do
    case "$1" in
    --folders) folders=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    *) echo "usage: $0 [--folders N] [--reps R] [--seeds A..B] [--baseline BIN]" >&2; exit 2 ;;
    esac
done
cargo build --release --locked --quiet -p waitsim-cli
waitsim=$PWD/target/release/waitsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Mostly correct work, and the usual mistakes; none that runs into a time limit.
kinds=(correct-gather correct-as-completed correct-crlf no-sort correct-gather randint
    sequential correct-prints-at-import measure-no-division start-order)
for i in $(seq 1 "$folders"); do
    kind=${kinds[$(( (i - 1) % ${#kinds[@]} ))]}
    mkdir -p "$work/class/student-$i"
    cp fixtures/python/"$kind"/*.py "$work/class/student-$i/"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_once() {
    local start end program=$1
    shift
    start=$(date +%s.%N)
    # Each learner's folder, as a grader gives a class.
    "$program" check-python "$work"/class/* --seeds "$seeds" "$@" > /dev/null || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
one=() default=() base=()
for _ in $(seq 1 "$reps"); do
    one+=("$(time_once "$waitsim" --jobs 1)")
    default+=("$(time_once "$waitsim")")
    if [ -n "$baseline" ]; then
        base+=("$(time_once "$baseline" --jobs 1)")
    fi
done
t1=$(printf '%s\n' "${one[@]}" | median)
td=$(printf '%s\n' "${default[@]}" | median)
cores=$(nproc)
printf '%d folders, seeds %s, %d cores, median of %d\n' "$folders" "$seeds" "$cores" "$reps"
printf '  --jobs 1          %6.2f s\n' "$t1"
printf '  default (%d jobs)  %6.2f s\n' "$cores" "$td"
printf '  ratio             %6.2f\n' "$(echo "$td / $t1" | bc -l)"
if [ -n "$baseline" ]; then
    tb=$(printf '%s\n' "${base[@]}" | median)
    printf '  baseline, --jobs 1 %6.2f s (%s)\n' "$tb" "$baseline"
    printf '  per folder        %6.3f s against %6.3f s: %.2fx\n' \
        "$(echo "$t1 / $folders" | bc -l)" "$(echo "$tb / $folders" | bc -l)" "$(echo "$t1 / $tb" | bc -l)"
fi
