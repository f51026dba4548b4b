#!/usr/bin/env bash
# BENCHMARKS.md's table on shrinking: each planted bug of the shrinking tests shrunk by
# proptest's runner, by waitsim before the shrinking of the draws, and by this build
# (benches/shrinking/shrinking.rs, run as an example). The build before is the parent of the
# commit that added src/harness/shrink.rs, checked out in a worktree of its own (kept for
# later runs) with the example copied in, and built there, in its own target folder: cargo
# names a workspace's own crates by their path inside it, so two checkouts sharing one target
# folder would overwrite each other's build of waitsim. Prints one Markdown table, the rows of
# each bug together: proptest, before, after.
#
#   benches/shrinking/compare.sh [--reps 3] [--before COMMIT] [--worktree /tmp/waitsim-shrinking-before]
set -euo pipefail
cd "$(dirname "$0")/../.."
added=$(git log --diff-filter=A --format=%H -- src/harness/shrink.rs | tail -n 1)
reps=3 before="$added^" worktree=/tmp/waitsim-shrinking-before
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) reps=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --worktree) worktree=$2; shift 2 ;;
    *) echo "usage: $0 [--reps R] [--before COMMIT] [--worktree DIR]" >&2; exit 2 ;;
    esac
done
commit=$(git rev-parse --short "$before")
if [ ! -e "$worktree" ]; then
    git worktree add --quiet --detach "$worktree" "$commit"
fi
[ "$(git -C "$worktree" rev-parse --short HEAD)" = "$commit" ] ||
    { echo "$worktree is not at $commit" >&2; exit 1; }
# The example, under a name of its own in that checkout.
cp benches/shrinking/shrinking.rs "$worktree/examples/shrinking_before.rs"
cargo build --locked --quiet --example shrinking
(cd "$worktree" && env -u CARGO_TARGET_DIR cargo build --locked --quiet --example shrinking_before)
rows=$({
    "${CARGO_TARGET_DIR:-target}/debug/examples/shrinking" --reps "$reps" --label "waitsim, after"
    "$worktree/target/debug/examples/shrinking_before" --reps "$reps" \
        --label "waitsim, before ($commit)" --no-proptest
} | grep -v '^| bug \|^|---')
echo "| bug | shrinker | seed | shrunk to | runs | ms |"
echo "|---|---|---|---|---|---|"
# Each bug's rows together, in the order the bugs first come; proptest, before, after.
printf '%s\n' "$rows" | awk -F' [|] ' '
    !($1 in order) { order[$1] = n++ }
    { rank = $2 ~ /^proptest/ ? 0 : $2 ~ /before/ ? 1 : 2; printf "%03d %d %s\n", order[$1], rank, $0 }
' | sort -s -k1,2 | cut -d' ' -f3-
