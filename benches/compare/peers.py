#!/usr/bin/env python3
"""The seed's wait_n in the Python harnesses people would otherwise use.

    python3 peers.py asyncio-real     N MAX_DELAY   # CPython asyncio, real clock
    python3 peers.py asyncio-looptime N MAX_DELAY   # asyncio on looptime's virtual clock
    python3 peers.py trio-mock        N MAX_DELAY   # trio with MockClock(autojump_threshold=0)

Each runs `wait_n(N, MAX_DELAY)` once and prints the number of delays and the largest one.
The delays are sorted at the end, as waitsim returns them.
"""

import asyncio
import random
import sys


async def wait_random(max_delay):
    delay = random.uniform(0, max_delay)
    await asyncio.sleep(delay)
    return delay


async def wait_n(n, max_delay):
    return sorted(await asyncio.gather(*(wait_random(max_delay) for _ in range(n))))


def asyncio_real(n, max_delay):
    return asyncio.run(wait_n(n, max_delay))


def asyncio_looptime(n, max_delay):
    import looptime

    # The loop comes with its virtual clock enabled.
    loop = looptime.new_event_loop(noop_cycles=0)
    try:
        return loop.run_until_complete(wait_n(n, max_delay))
    finally:
        loop.close()


def trio_mock(n, max_delay):
    import trio
    import trio.testing

    async def wait_random_into(delays):
        delay = random.uniform(0, max_delay)
        await trio.sleep(delay)
        delays.append(delay)

    async def main():
        delays = []
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                nursery.start_soon(wait_random_into, delays)
        return sorted(delays)

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


PEERS = {"asyncio-real": asyncio_real, "asyncio-looptime": asyncio_looptime, "trio-mock": trio_mock}

if __name__ == "__main__":
    peer, n, max_delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    random.seed(0)
    delays = PEERS[peer](n, max_delay)
    print(len(delays), delays[-1] if delays else None)
