"""waitsim's driver for `waitsim check-python`: runs one routine of a Python implementation of
the asyncio exercise on a virtual clock, case by case, and reports what it did as JSON lines.

Usage (by waitsim, not by hand): python3 -c SCRIPT DIR ROUTINE CASES MEMORY CPU, where CASES
is a JSON list of {"index", "seed", "n", "max_delay"}, MEMORY the address-space limit in bytes
and CPU the CPU-time limit in seconds; one JSON line comes back for the import, then one per
case.

Written for CPython 3.8 and later: no syntax or library call newer than 3.8.

The virtual clock: every event loop is one whose `time()` reads a clock that stands still
while anything is ready to run and jumps to the next timer when nothing is. `time.time`,
`time.perf_counter`, `time.monotonic` (and their `_ns` forms) read the same clock, and
`time.sleep` moves it (as a blocking sleep would, holding up the event loop), all before the
implementation is imported, so names imported from `time` read it too.
"""

import asyncio
import inspect
import json
import os
import random
import selectors
import sys
import time
import traceback
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

# The protocol goes to the original stdout; whatever the implementation prints goes nowhere.
PROTOCOL = os.fdopen(os.dup(1), "w")
_devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(_devnull, 1)
sys.stdout = open(os.devnull, "w")


def emit(**fields):
    PROTOCOL.write(json.dumps(fields) + "\n")
    PROTOCOL.flush()


class Clock:
    now = 0.0
    sleeps = 0


def _now():
    return Clock.now


def _now_ns():
    return int(Clock.now * 1e9)


def _sleep(seconds):
    Clock.sleeps += 1
    if seconds > 0:
        Clock.now += seconds


time.time = _now
time.perf_counter = _now
time.monotonic = _now
time.time_ns = _now_ns
time.perf_counter_ns = _now_ns
time.monotonic_ns = _now_ns
time.sleep = _sleep


class Forever(Exception):
    """The event loop has nothing to run and no timer: it would wait forever."""


class VirtualSelector(selectors.DefaultSelector):
    loop = None

    def select(self, timeout=None):
        events = super().select(0)
        if events:
            return events
        if timeout is None:
            # Nothing scheduled: only another thread could wake the loop. Give it a moment of
            # real time, then call it what it is.
            for _ in range(20):
                events = super().select(0.05)
                if events:
                    return events
            raise Forever("the event loop has nothing to run and no timer: it waits forever")
        if timeout > 0:
            scheduled = self.loop._scheduled
            if scheduled:
                Clock.now = max(Clock.now, scheduled[0]._when)
            else:
                Clock.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def time(self):
        return Clock.now


class VirtualPolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        selector = VirtualSelector()
        loop = VirtualLoop(selector)
        selector.loop = loop
        return loop


asyncio.set_event_loop_policy(VirtualPolicy())

MODULES = {
    "wait_random": "0-basic_async_syntax",
    "wait_n": "1-concurrent_coroutines",
    "measure_time": "2-measure_runtime",
    "task_wait_random": "3-tasks",
    "task_wait_n": "4-tasks",
}


def encode(value):
    """A value as waitsim reads it: floats by repr (which reads back exactly), lists item by
    item, anything else by its type and repr."""
    if isinstance(value, float):
        return {"type": "float", "repr": repr(value)}
    if isinstance(value, list):
        return {"type": "list", "items": [encode(item) for item in value[:100000]]}
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


def last_line(error):
    lines = traceback.format_exception_only(type(error), error)
    return "".join(lines).strip().splitlines()[-1][:500]


def shape(routine, function):
    """What is wrong with the routine's shape, or None."""
    if not callable(function):
        return "`%s` is not a function" % routine
    coroutine = inspect.iscoroutinefunction(function)
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters]
    if routine in ("wait_random", "wait_n", "task_wait_n") and not coroutine:
        return "`%s` must be a coroutine function (async def)" % routine
    if routine in ("measure_time", "task_wait_random") and coroutine:
        return "`%s` must be a plain function, not async def" % routine
    wanted = {"wait_random": ["max_delay"], "task_wait_random": ["max_delay"]}.get(
        routine, ["n", "max_delay"]
    )
    if names[: len(wanted)] != wanted:
        return "`%s` must take (%s), not (%s)" % (routine, ", ".join(wanted), ", ".join(names))
    if routine == "wait_random" and parameters[0].default != 10:
        default = parameters[0].default
        shown = "it has none" if default is inspect.Parameter.empty else "it defaults to %r" % (default,)
        return "`wait_random`'s max_delay must default to 10: %s" % shown
    return None


def run_case(routine, function, case):
    n = case.get("n")
    max_delay = case.get("max_delay")
    random.seed(case["seed"])
    Clock.now = 0.0
    Clock.sleeps = 0
    extra = {}

    if routine == "measure_time":
        start = Clock.now
        value = function(n, max_delay)
        elapsed = Clock.now - start
    else:

        async def call():
            loop = asyncio.get_event_loop()
            start = loop.time()
            if routine == "wait_random":
                result = await (function() if max_delay is None else function(max_delay))
            elif routine == "task_wait_random":
                task = function(max_delay)
                extra["task"] = isinstance(task, asyncio.Task)
                extra["returned"] = type(task).__name__
                result = await task if inspect.isawaitable(task) else task
            else:
                result = await function(n, max_delay)
            return result, loop.time() - start

        value, elapsed = asyncio.run(call())
    emit(case=case["index"], value=encode(value), elapsed=repr(elapsed), sleeps=Clock.sleeps, **extra)


def limit(memory, cpu_seconds):
    """Caps this process's address space and CPU time before the implementation runs."""
    try:
        import resource
    except ImportError:  # not on this platform: the real-time limit still holds
        return
    for kind, soft in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu_seconds)):
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):  # a kernel that refuses this limit: the others still hold
            pass


def failure(error, memory):
    """The last line of an error, saying "memory" when the address-space limit was the cause."""
    if isinstance(error, MemoryError):
        return "memory: the code went over the limit of %d MiB of address space (--memory)" % (
            memory >> 20
        )
    return last_line(error)


def main():
    directory, routine, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    memory, cpu_seconds = int(sys.argv[4]), int(sys.argv[5])
    limit(memory, cpu_seconds)
    sys.path.insert(0, directory)
    try:
        module = __import__(MODULES[routine])
        function = getattr(module, routine)
    except BaseException as error:  # the import ran the implementation's code: anything goes
        emit(import_error=failure(error, memory))
        return
    emit(shape=shape(routine, function), version=sys.version.split()[0])
    for case in cases:
        try:
            run_case(routine, function, case)
        except BaseException as error:
            emit(case=case["index"], error=failure(error, memory))


main()
