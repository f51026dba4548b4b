#!/usr/bin/env bash
# waitsim's routines beside the floor (benches/floor/floor.rs: bare tokio timers, registered in
# deadline order) and, if given, another build of waitsim (say, the last release), side by side
# in one run: `measure-time N 10 --seed 1 --json` (the floor prints the same delays as JSON),
# whole process, median wall time and peak resident memory of --reps runs, for each N. Prints a
# Markdown table, with each time and memory as a ratio to the floor's.
#
#   benches/floor/compare.sh [--sizes "1000000 10000000"] [--reps 3] [--baseline PATH]
#
# 10^8 waits need about 14 GB (the floor; waitsim 10 GB) and up to a minute a run: give it with
# --sizes when the machine has room.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes="1000000 10000000" reps=3 baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    *) echo "usage: $0 [--sizes \"N ...\"] [--reps R] [--baseline PATH]" >&2; exit 2 ;;
    esac
done
cargo build --release --locked --quiet -p waitsim-cli
cargo build --release --locked --quiet -p waitsim --example floor
floor=$PWD/target/release/examples/floor
waitsim=$PWD/target/release/waitsim
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Seconds (to the microsecond: GNU time's %e has a resolution of 10 ms, 5% of a run at 10^6)
# and peak KiB of one run, as "S KB".
once() {
    local start=$EPOCHREALTIME kb
    kb=$(/usr/bin/time -f "%M" "$@" 2>&1 > /dev/null | tail -n 1)
    echo "$(echo "$EPOCHREALTIME - $start" | bc -l) $kb"
}
echo "| n | program | seconds | peak MB | time vs floor | memory vs floor |"
echo "|---|---|---|---|---|---|"
for n in $sizes; do
    declare -A secs=() mem=()
    programs=(floor waitsim)
    [ -n "$baseline" ] && programs+=(baseline)
    for program in "${programs[@]}"; do
        secs[$program]="" mem[$program]=""
    done
    for _ in $(seq 1 "$reps"); do
        for program in "${programs[@]}"; do
            case $program in
            floor) read -r s k < <(once "$floor" "$n") ;;
            waitsim) read -r s k < <(once "$waitsim" measure-time "$n" 10 --seed 1 --json) ;;
            baseline) read -r s k < <(once "$baseline" measure-time "$n" 10 --seed 1 --json) ;;
            esac
            secs[$program]+="$s"$'\n' mem[$program]+="$k"$'\n'
        done
    done
    floor_s=$(printf '%s' "${secs[floor]}" | median)
    floor_k=$(printf '%s' "${mem[floor]}" | median)
    for program in "${programs[@]}"; do
        s=$(printf '%s' "${secs[$program]}" | median)
        k=$(printf '%s' "${mem[$program]}" | median)
        printf '| %s | %s | %.3f | %.0f | %.2f | %.2f |\n' "$n" "$program" "$s" \
            "$(echo "$k / 1024" | bc -l)" "$(echo "$s / $floor_s" | bc -l)" "$(echo "$k / $floor_k" | bc -l)"
    done
    unset secs mem
done
