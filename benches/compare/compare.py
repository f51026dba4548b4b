#!/usr/bin/env python3
"""Runs waitsim and its Python peers on the same workloads, alternating, and prints a table of
median wall time, median peak memory (RSS) and each peer's ratio to waitsim.

Usage: compare.py WAITSIM_BINARY PYTHON [--sizes 100000,1000000] [--reps 3]
Every measurement is a whole process, as a user would run it.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# (workload, tool, command builder). The same workload is run by every tool listed for it.
def workloads(waitsim, python):
    peers = [python, os.path.join(HERE, "peers.py")]
    return [
        ("wait_n, virtual clock, max_delay 10", [
            ("waitsim", lambda n: [waitsim, "wait-n", str(n), "10", "--seed", "0", "--json"]),
            ("asyncio + looptime", lambda n: peers + ["asyncio-looptime", str(n), "10"]),
            ("trio MockClock", lambda n: peers + ["trio-mock", str(n), "10"]),
        ]),
        ("task_wait_n, virtual clock, max_delay 10", [
            ("waitsim", lambda n: [waitsim, "task-wait-n", str(n), "10", "--seed", "0", "--json"]),
        ]),
        ("wait_n, real clock, max_delay 0", [
            ("waitsim", lambda n: [waitsim, "wait-n", str(n), "0", "--clock", "real", "--seed", "0", "--json"]),
            ("CPython asyncio", lambda n: peers + ["asyncio-real", str(n), "0"]),
        ]),
    ]


def measure(command):
    """Wall seconds and peak RSS in MB of one run of `command`."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(command, stdout=devnull)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(command)}")
    return wall, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("waitsim")
    parser.add_argument("python")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"| workload | n | tool | median wall (s) | median peak RSS (MB) | time vs waitsim | memory vs waitsim |")
    print("|---|---|---|---|---|---|---|")
    for name, tools in workloads(args.waitsim, args.python):
        for n in sizes:
            runs = {tool: [] for tool, _ in tools}
            # Alternate the tools in every repetition, so drift on the machine hits them alike.
            for _ in range(args.reps):
                for tool, command in tools:
                    runs[tool].append(measure(command(n)))
            base_wall = statistics.median(w for w, _ in runs["waitsim"])
            base_rss = statistics.median(r for _, r in runs["waitsim"])
            for tool, _ in tools:
                wall = statistics.median(w for w, _ in runs[tool])
                rss = statistics.median(r for _, r in runs[tool])
                print(f"| {name} | {n:,} | {tool} | {wall:.3f} | {rss:.0f} | "
                      f"{wall / base_wall:.1f}x | {rss / base_rss:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
