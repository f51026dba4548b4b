"""waitsim's driver for `waitsim check-python`: runs one routine of a Python implementation of
the asyncio exercise on a virtual clock, case by case, and reports what it did as JSON lines.

Usage (by waitsim, not by hand): python3 -c SCRIPT DIR ROUTINE FILE MEMORY SPEC [record].
SPEC is the exercise as `catalogue.rs` gives it, in JSON. With `record`, each timer the loop
sets is reported too (`timer`), for a picture. The exchange, whose
Rust side is `protocol.rs`:

- driver -> waitsim, on the original stdout: a `policy` line (what the file uses, read from
  its syntax tree before any of it runs), then `imported` or `import_error`; then for each
  case, the virtual clock's moves (`jump`, `sleep`) and one `returned` or `raised` line that
  echoes the case's number and nonce;
- waitsim -> driver, on stdin: one case at a time, `CASE SEED N MAX_DELAY NONCE` (`-` for
  none), each sent once the last was answered, and end of file after the last.

waitsim keeps the virtual clock itself, from the `jump` and `sleep` lines: the elapsed time
of a case is what it added up, never a figure the driver states. A jump says where the loop
believed the clock was, so a clock set back by the code under test shows as a jump from the
wrong place.

Everything the driver relies on is taken before the implementation is imported and kept in
this function's closures, not in names the implementation can reach (`__main__`, `asyncio`,
`json`, `time`): patching those changes nothing here.

Written for CPython 3.8 and later: no syntax or library call newer than 3.8.
"""


def _driver():
    import os
    import sys

    # Python put the working directory first on the path: a file there named like a module of
    # the standard library (`random.py`, `selectors.py`) would be imported instead of it, and
    # run before anything here. It goes before the driver imports anything.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]

    import abc
    import ast
    import asyncio
    import datetime
    import inspect
    import json
    import json.encoder
    import random
    import selectors
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from heapq import heappop, heappush
    import time
    import traceback
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)

    # What the driver relies on, taken now.
    Task = asyncio.Task
    BaseEventLoop = asyncio.BaseEventLoop
    SelectorEventLoop = asyncio.SelectorEventLoop
    DefaultSelector = selectors.DefaultSelector
    DefaultPolicy = asyncio.DefaultEventLoopPolicy
    set_event_loop = asyncio.set_event_loop
    all_tasks = asyncio.all_tasks
    gather = asyncio.gather
    run_until_complete = BaseEventLoop.run_until_complete
    shutdown_asyncgens = BaseEventLoop.shutdown_asyncgens
    set_policy = asyncio.set_event_loop_policy
    iscoroutinefunction = inspect.iscoroutinefunction
    isawaitable = inspect.isawaitable
    signature = inspect.signature
    empty = inspect.Parameter.empty
    format_exception_only = traceback.format_exception_only
    quote = json.encoder.encode_basestring_ascii
    float_repr = float.__repr__
    int_repr = int.__repr__
    seed = random.seed
    write = os.write
    isinstance_, type_, len_, repr_, callable_ = isinstance, type, len, repr, callable
    issubclass_ = issubclass
    list_, dict_, str_, int_, float_, bool_ = list, dict, str, int, float, bool
    set_attribute = type.__setattr__
    object_setattr = object.__setattr__
    audit = sys.audit
    module_dict = type(sys).__dict__["__dict__"].__get__
    list_items = list.__iter__
    dict_items = dict.items
    join = ",".join
    version = sys.version.split()[0]

    # The protocol goes to a copy of the original stdout; whatever the implementation prints
    # goes nowhere.
    protocol = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    # The cases come on a copy of stdin; the code's own stdin is empty, so that `input()` left
    # over from a manual test ends at once with `EOFError` instead of reading a case.
    cases_in = open(os.dup(0), "rb", buffering=0)
    no_input = os.open(os.devnull, os.O_RDONLY)
    os.dup2(no_input, 0)
    os.close(no_input)
    sys.stdin = open(os.devnull, "r")
    readline = cases_in.readline

    def dumps(value):
        """JSON from the few types the driver sends, with nothing the implementation can
        patch."""
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        kind = type_(value)
        if kind is int_:
            return int_repr(value)
        if kind is str_:
            return quote(value)
        if kind is list_:
            return "[" + join([dumps(item) for item in list_items(value)]) + "]"
        if kind is dict_:
            pairs = [quote(key) + ":" + dumps(item) for key, item in dict_items(value)]
            return "{" + join(pairs) + "}"
        raise TypeError("the driver cannot send a %s" % kind)

    # The channel, as it was when the driver took it: a descriptor put in its place (`dup2`)
    # is noticed before the driver writes a line to it, and the process ends at once.
    fstat = os.fstat
    exit_now = os._exit
    channel = fstat(protocol)
    channel = (channel.st_dev, channel.st_ino)

    def emit(kind, fields):
        data = (dumps({kind: fields}) + "\n").encode()
        now_at = fstat(protocol)
        if (now_at.st_dev, now_at.st_ino) != channel:
            exit_now(REPLACED)
        while data:
            data = data[write(protocol, data) :]

    # The virtual clock as the loop reads it. waitsim keeps the true one. Every move of it is
    # made and reported under one lock, so that the lines waitsim adds up come in the order the
    # driver added: the two sums agree to the bit whatever threads the code starts.
    clock = [0.0]
    moving = threading.Lock()

    def now():
        return clock[0]

    def now_ns():
        return int_(clock[0] * 1e9)

    # `time.sleep` in a thread beside a running event loop (an executor's, say) does not hold
    # up the loop: the thread waits on the virtual clock, as a timer would, and the loop's
    # jumps count it. A thread that runs a loop, or any thread when no loop runs, holds
    # everything up: its sleep moves the clock at once, and waitsim counts the call. Whether
    # a thread runs a loop is asked of asyncio's C accessor, which keeps it per thread.
    running_loop = asyncio.events._get_running_loop
    loops_running = [0]
    DEFAULT_WORKERS = 32
    # Small stacks: thirty-two threads fit in the address-space limit (`--memory`) with room.
    threading.stack_size(1 << 20)
    # Each thread asleep on the virtual clock, as (deadline, order, event); the executor calls
    # the loop has started and not yet settled; the most worker threads their pool has.
    sleepers = []
    in_flight = [0]
    workers = [1 << 30]
    order = [0]
    Event = threading.Event

    def sleep(seconds):
        if loops_running[0] > 0 and running_loop() is None:
            if not seconds > 0:
                return
            with moving:
                event = Event()
                order[0] += 1
                heappush(sleepers, (clock[0] + seconds, order[0], event))
            event.wait()
            return
        with moving:
            emit("sleep", {"seconds": float_repr(float_(seconds))})
            if seconds > 0:
                clock[0] += seconds

    def wake_sleepers(until):
        """Wakes each thread asleep on the virtual clock whose deadline is at most `until`;
        the caller holds `moving`."""
        while sleepers and sleepers[0][0] <= until:
            heappop(sleepers)[2].set()

    # Every clock of the `time` module that tells the time of day or the time elapsed reads
    # the virtual clock; the CPU-time clocks (`process_time`, `thread_time` and their
    # `clock_gettime` ids) stay real, for waiting uses no CPU.
    time.time = now
    time.perf_counter = now
    time.monotonic = now
    time.time_ns = now_ns
    time.perf_counter_ns = now_ns
    time.monotonic_ns = now_ns
    time.sleep = sleep
    if hasattr(time, "clock_gettime"):
        real_gettime = time.clock_gettime
        real_gettime_ns = getattr(time, "clock_gettime_ns", None)
        elapsed_clocks = set()
        for name in (
            "CLOCK_REALTIME",
            "CLOCK_MONOTONIC",
            "CLOCK_MONOTONIC_RAW",
            "CLOCK_BOOTTIME",
            "CLOCK_TAI",
            "CLOCK_UPTIME",
            "CLOCK_UPTIME_RAW",
            "CLOCK_HIGHRES",
        ):
            if hasattr(time, name):
                elapsed_clocks.add(getattr(time, name))

        def clock_gettime(clock_id):
            return now() if clock_id in elapsed_clocks else real_gettime(clock_id)

        time.clock_gettime = clock_gettime
        if real_gettime_ns is not None:

            def clock_gettime_ns(clock_id):
                return now_ns() if clock_id in elapsed_clocks else real_gettime_ns(clock_id)

            time.clock_gettime_ns = clock_gettime_ns

    # `datetime.now()` reads the system clock in C, not `time.time`: the class is replaced by
    # one whose clock is the virtual one (`date.today()` already reads `time.time`).
    RealDatetime = datetime.datetime

    class VirtualDatetime(RealDatetime):
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(now(), tz)

        @classmethod
        def utcnow(cls):
            return cls.utcfromtimestamp(now())

        @classmethod
        def today(cls):
            return cls.fromtimestamp(now())

    VirtualDatetime.__name__ = VirtualDatetime.__qualname__ = "datetime"
    VirtualDatetime.__module__ = "datetime"
    datetime.datetime = VirtualDatetime

    sealed = set()

    class Sealed(abc.ABCMeta):
        """Classes whose attributes cannot be replaced once made. (An `ABCMeta`, for the
        selector is an abstract base class's; `type.__setattr__` still gets past it, which the
        policy check flags.)"""

        def __setattr__(cls, name, value):
            if cls in sealed:
                raise AttributeError("waitsim's %s cannot be changed" % cls.__name__)
            set_attribute(cls, name, value)

        def __delattr__(cls, name):
            raise AttributeError("waitsim's %s cannot be changed" % cls.__name__)

    class Forever(Exception):
        """The event loop has nothing to run and no timer: it would wait forever."""

    class VirtualSelector(DefaultSelector, metaclass=Sealed):
        def select(self, timeout=None):
            events = DefaultSelector.select(self, 0)
            if events or (timeout is not None and timeout <= 0):
                return events
            # Executor calls still at work on the real clock are given real time, until each
            # is asleep on the virtual clock or has settled, or every worker is asleep: the
            # clock moves only when nothing but a wait is left. With nothing scheduled and no
            # thread at work, only another thread could wake the loop: it gets a second of
            # real time, then the loop is called what it is.
            idle = 0
            while True:
                with moving:
                    asleep = len_(sleepers)
                    busy = in_flight[0] > asleep and asleep < workers[0]
                if not busy and (asleep or timeout is not None):
                    break
                events = DefaultSelector.select(self, 0.01 if busy else 0.05)
                if events:
                    return events
                if not busy:
                    idle += 1
                    if idle == 20:
                        raise Forever(
                            "the event loop has nothing to run and no timer: it waits forever"
                        )
            with moving:
                targets = [sleepers[0][0]] if sleepers else []
                if timeout is not None:
                    scheduled = self.loop._scheduled
                    targets.append(scheduled[0]._when if scheduled else clock[0] + timeout)
                target = min(targets)
                if target > clock[0]:
                    move = {"from": float_repr(clock[0]), "to": float_repr(float_(target))}
                    if first_move[0]:
                        # What was waiting when the clock first moved: concurrent waits have
                        # all been set by then, waits one after another only the first.
                        first_move[0] = False
                        move["waits"] = [float_repr(due) for due in waiting(self.loop)]
                    emit("jump", move)
                    clock[0] = target
                wake_sleepers(clock[0])
            return []

    recording = sys.argv[6:7] == ["record"]
    # Whether the clock has yet to move in this case (set again as each case starts).
    first_move = [True]
    MOST_WAITS = 10000

    def waiting(loop):
        """When each wait now set is due, soonest first: the loop's timers not cancelled, and
        the threads asleep on the virtual clock. The caller holds `moving`."""
        dues = [float_(h._when) for h in loop._scheduled if not h._cancelled]
        dues.extend(float_(entry[0]) for entry in sleepers)
        dues.sort()
        return dues[:MOST_WAITS]

    class VirtualLoop(SelectorEventLoop, metaclass=Sealed):
        # A property: `loop.time = ...` on an instance cannot shadow it.
        time = property(lambda self: now)

        def __setattr__(self, name, value):
            # Nor can any other method of the loop's be shadowed on an instance
            # (`loop.call_later = ...`): the audit hook refuses it, saying where.
            if name[:1] != "_" and callable_(getattr(VirtualLoop, name, None)):
                audit("waitsim.loop", name)
            object_setattr(self, name, value)

        def run_forever(self):
            with moving:
                loops_running[0] += 1
            try:
                return SelectorEventLoop.run_forever(self)
            finally:
                with moving:
                    loops_running[0] -= 1

        def run_in_executor(self, executor, func, *args):
            if executor is None and self._default_executor is None:
                # As many workers as CPython gives the largest machines, whatever this one
                # has: the verdict must not depend on the grader's cores. Made when first
                # used, so that a loop that runs nothing in threads starts none.
                self.set_default_executor(ThreadPoolExecutor(max_workers=DEFAULT_WORKERS))
            future = SelectorEventLoop.run_in_executor(self, executor, func, *args)
            pool = executor if executor is not None else self._default_executor
            with moving:
                in_flight[0] += 1
                workers[0] = getattr(pool, "_max_workers", 1 << 30)

            def settled(_):
                with moving:
                    in_flight[0] -= 1

            future.add_done_callback(settled)
            return future

        if hasattr(SelectorEventLoop, "shutdown_default_executor"):

            def shutdown_default_executor(self, timeout=None):
                # `asyncio.run` gives the executor's shutdown 300 s (3.12 and later): a timer
                # the virtual clock would jump to while the shutdown's thread is still at
                # work. Without one, the loop waits for that thread in real time.
                return SelectorEventLoop.shutdown_default_executor(self)

        def call_at(self, when, callback, *args, **kwargs):
            # For `check-python --svg`: each timer, from when it is set to when it is due.
            if recording:
                with moving:
                    emit("timer", {"from": float_repr(clock[0]), "to": float_repr(float_(when))})
            return SelectorEventLoop.call_at(self, when, callback, *args, **kwargs)

    class VirtualPolicy(DefaultPolicy, metaclass=Sealed):
        def new_event_loop(self):
            selector = VirtualSelector()
            loop = VirtualLoop(selector)
            selector.loop = loop
            return loop

    sealed.update((VirtualSelector, VirtualLoop, VirtualPolicy))
    policy = VirtualPolicy()
    set_policy(policy)

    def run(coroutine):
        """`asyncio.run` on a loop the driver made itself."""
        loop = policy.new_event_loop()
        try:
            set_event_loop(loop)
            return run_until_complete(loop, coroutine)
        finally:
            try:
                pending = [t for t in all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    run_until_complete(loop, gather(*pending, return_exceptions=True))
                run_until_complete(loop, shutdown_asyncgens(loop))
            finally:
                set_event_loop(None)
                BaseEventLoop.close(loop)

    def encode(value):
        """A value as waitsim reads it: floats by repr (which reads back exactly), lists item
        by item, anything else by its type and repr."""
        kind = type_(value)
        if kind is float_:
            return {"type": "float", "repr": float_repr(value)}
        if issubclass_(kind, list_):
            items = []
            for item in list_items(value):
                if len_(items) == 100000:
                    break
                items.append(encode(item))
            return {"type": "list", "items": items}
        return {"type": type_name(kind), "repr": text(lambda: repr_(value))}

    def type_name(kind):
        """A type's name as reports give it: a class of the code's own that calls itself
        `float`, `int` or `list` is not taken for one."""
        if kind is int_:
            return "int"
        name = text(lambda: kind.__qualname__)
        if name in ("float", "int", "list"):
            return "a class named %s" % name
        return name

    def text(make):
        """A string the implementation's code makes (a repr, a name), or `?` when that code
        raises or gives no string."""
        try:
            made = make()
        except BaseException:
            return "?"
        return made[:200] if type_(made) is str_ else "?"

    def last_line(error):
        try:
            lines = format_exception_only(type_(error), error)
            return "".join(lines).strip().splitlines()[-1][:500]
        except BaseException:
            return text(lambda: type_(error).__name__)

    # Enforcement at run time (PEP 578): an audit hook, which nothing in Python can remove,
    # refuses what no implementation of the exercise needs, from the moment the code is first
    # imported. Each refusal raises in the code and is reported to waitsim (`refused`), which
    # fails `policy` with it. The frame is found by walking from the hook, which the hook
    # itself would audit: a flag lets its own reads through.
    ALWAYS_REFUSED = {
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys.settrace",
        "sys.setprofile",
        "sys._current_frames",
        "sys._current_exceptions",
    }
    FRAME_READS = {
        "tb_frame",
        "f_code",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "gi_code",
        "cr_code",
        "ag_code",
        "__closure__",
    }
    # Library modules that read frames for their own use and hand none out: `typing` and
    # `collections` name a new class's module, `logging` finds its caller, `asyncio` describes
    # a coroutine in a task's repr.
    FRAME_USERS = {
        "typing.py",
        "collections/__init__.py",
        "enum.py",
        "logging/__init__.py",
        "dataclasses.py",
        "warnings.py",
        "asyncio/coroutines.py",
        "asyncio/format_helpers.py",
        "asyncio/events.py",
        "asyncio/futures.py",
        "asyncio/base_events.py",
    }
    # Functions of `traceback` that read the stack and hand back text, not frames (asyncio's
    # debug mode calls them); `walk_stack`, which hands frames out, is not among them.
    FRAME_SUMMARIES = {"extract_stack", "format_stack", "print_stack"}
    PROC_PATHS = ("/proc", "/dev/fd", "/dev/std")
    getframe = sys._getframe
    in_hook = [False]
    armed = [None]

    def student_line(frame):
        """The innermost frame of the code under test on the stack: (file, line), or None."""
        root = armed[0]
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(root):
                return name[len_(root) :].lstrip("/"), frame.f_lineno
            frame = frame.f_back
        return None

    def refuse(event, where, what):
        file, line = where if where is not None else ("?", 0)
        emit("refused", {"file": file, "line": line, "use": what})
        raise RuntimeError("waitsim refuses %s while the exercise is checked" % what)

    # Whether a code object is one of the library's frame users, by its file: remembered, for
    # `logging` reads frames for every line it logs.
    trusted_code = {}

    def trusted(code):
        known = trusted_code.get(code)
        if known is None:
            name = code.co_filename
            known = trusted_code[code] = any(name.endswith("/" + user) for user in FRAME_USERS) or (
                name.endswith("/traceback.py") and code.co_name in FRAME_SUMMARIES
            )
        return known

    def hook(event, args):
        if in_hook[0] or armed[0] is None:
            return
        if event == "sys._getframe":
            what = "sys._getframe"
        elif event == "object.__getattr__":
            if len_(args) != 2 or args[1] not in FRAME_READS:
                return
            what = "." + args[1]
        elif event == "waitsim.loop":
            in_hook[0] = True
            try:
                where = student_line(getframe(1))
            finally:
                in_hook[0] = False
            if where is not None:
                refuse(event, where, "a change of the event loop's `%s`" % args[0])
            return
        elif event in ALWAYS_REFUSED or event[:7] == "ctypes.":
            in_hook[0] = True
            try:
                where = student_line(getframe(1))
            finally:
                in_hook[0] = False
            refuse(event, where, event)
        elif event in ("open", "os.listdir", "os.scandir") and args:
            path = args[0]
            if type_(path) is bytes:
                path = path.decode("utf-8", "replace")
            if not (type_(path) is str_ and path.startswith(PROC_PATHS)):
                return
            in_hook[0] = True
            try:
                where = student_line(getframe(1))
            finally:
                in_hook[0] = False
            if where is not None:
                refuse(event, where, "the path %r" % path[:60])
            return
        else:
            return
        # A frame: the library reading frames for its own use is let through; anything else
        # while the code under test is on the stack is the code reaching for frames.
        in_hook[0] = True
        try:
            caller = getframe(1)
            code = caller.f_code
            # `traceback` reads the code of frames it was given (a summary's file and line);
            # the frames themselves it gets only through the events refused above.
            summary = what == ".f_code" and code.co_filename.endswith("/traceback.py")
            where = None if summary or trusted(code) else student_line(caller)
        finally:
            in_hook[0] = False
        if where is not None:
            refuse(event, where, what)

    def arm(directory):
        armed[0] = os.path.join(directory, "")

    sys.addaudithook(hook)

    # The exit status of a driver whose channel was replaced under it, or whose own functions
    # were changed by the code under test.
    REPLACED = 86

    def integrity(uses):
        """A check that the driver's objects the code can reach are as they were: every
        function reachable from what the driver patched (`time`, `datetime`, the loop's
        classes), the cells of their closures and what the cells hold, their code and
        defaults. Called where the code cannot reach it (no object of the code's holds it);
        its own state is in variables of its own, whose cells no reachable function shares.
        On a change, the process ends before it writes another line."""
        roots = [time.time, time.sleep, time.monotonic, time.perf_counter, time.time_ns]
        roots += [getattr(time, "clock_gettime", None), getattr(time, "clock_gettime_ns", None)]
        for cls in (VirtualSelector, VirtualLoop, VirtualPolicy, Sealed, VirtualDatetime):
            for value in type.__dict__["__dict__"].__get__(cls).values():
                roots.append(value)
        functions, kept, seen = [], [], set()
        while roots:
            item = roots.pop()
            if isinstance_(item, (classmethod, staticmethod)):
                item = item.__func__
            elif isinstance_(item, property):
                roots.extend((item.fget, item.fset, item.fdel))
                continue
            if type_(item).__name__ != "function" or id(item) in seen:
                continue
            seen.add(id(item))
            functions.append((item, item.__code__, item.__defaults__, item.__kwdefaults__))
            for cell in item.__closure__ or ():
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue
                kept.append((cell, content))
                roots.append(content)
        held_functions, held_cells = tuple(functions), tuple(kept)
        held_exit, held_is = os._exit, (lambda a, b: a is b)
        # The library the exercise calls, as the driver left it: every public name of asyncio
        # and its modules, `random`, `time` and `datetime`. Code that rebinds one (through
        # `__dict__`, `setattr` or a plain assignment) changes what the checks observe.
        library = []
        for name in sorted(sys.modules):
            if name in ("asyncio", "random", "time", "datetime") or name.startswith("asyncio."):
                namespace = module_dict(sys.modules[name])
                for key, value in list_(dict_items(namespace)):
                    if key[:1] != "_" and callable_(value):
                        library.append((namespace, name, key, value))
        held_library, held_get = tuple(library), dict.get
        missing = object()
        # A rebinding the policy found in the source is reported once, from there.
        reported = set()
        for use in uses:
            if use["use"].startswith("assigns to ") and "." in use["use"]:
                reported.add(tuple(use["use"][len("assigns to ") :].rsplit(".", 1)))

        def intact():
            for function, code, defaults, kwdefaults in held_functions:
                if not (
                    held_is(function.__code__, code)
                    and held_is(function.__defaults__, defaults)
                    and held_is(function.__kwdefaults__, kwdefaults)
                ):
                    held_exit(REPLACED)
            for cell, content in held_cells:
                try:
                    if not held_is(cell.cell_contents, content):
                        held_exit(REPLACED)
                except ValueError:
                    held_exit(REPLACED)
            for namespace, name, key, value in held_library:
                now_bound = held_get(namespace, key, missing)
                if not held_is(now_bound, value) and (name, key) not in reported:
                    reported.add((name, key))
                    emit("refused", {
                        "file": "?",
                        "line": 0,
                        "use": "%s.%s replaced: the exercise calls the library, never changes it"
                        % (name, key),
                    })

        return intact

    # The exercise, as waitsim's catalogue gives it (one JSON argument): each routine's module,
    # how it is called and its signature, and the modules the exercise needs. The driver keeps
    # no table of its own.
    SPEC = json.loads(sys.argv[5])
    ROUTINES = {spec["routine"]: spec for spec in SPEC["routines"]}

    # The exercise's policy: what it needs, and what no implementation of it needs.
    NEEDED = set(SPEC["needed"])
    # Means of reaching into the driver or the interpreter: a FAIL of `policy`.
    TAMPERING = {
        "ctypes",
        "gc",
        "inspect",
        "__main__",
        "builtins",
        "_asyncio",
        "_thread",
        "sys._getframe",
    }
    REACH_IN = {
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "co_code",
        "modules",
    }
    # Dunders any code reads of its own objects: a name, a docstring, a class, a namespace.
    # The public methods and fields of the library's named tuples, underscored so as not to
    # clash with field names.
    NAMEDTUPLE_API = {"_asdict", "_replace", "_fields", "_make", "_field_defaults"}
    HARMLESS_DUNDERS = {
        "__name__",
        "__doc__",
        "__qualname__",
        "__module__",
        "__init__",
        "__class__",
        "__dict__",
    }
    # The most uses a policy line lists.
    MOST_USES = 200
    CALLS = {"eval", "exec", "compile", "__import__", "globals", "vars", "setattr", "delattr"}
    # `__import__("N-name")` is how the exercise imports its own modules.
    IMPORTERS = {"__import__", "import_module"}

    def module_file(directory, name, package=""):
        """The file of the folder that `import name` would load, or None: `name.py`, or a
        package's `__init__.py`, at the folder's top or below `package`."""
        if not name:
            return None
        parts = name.split(".")
        for base in ([package] if package else []) + [""]:
            stem = os.path.join(base, *parts) if base else os.path.join(*parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if os.path.isfile(os.path.join(directory, candidate)):
                    return os.path.normpath(candidate)
        return None

    def main_guard(node):
        """Whether `node` is `if __name__ == "__main__":`, whose body never runs on import."""
        if not isinstance_(node, ast.If) or not isinstance_(node.test, ast.Compare):
            return False
        test = node.test
        sides = [test.left] + list_(test.comparators)
        names = [s for s in sides if isinstance_(s, ast.Name) and s.id == "__name__"]
        mains = [s for s in sides if isinstance_(s, ast.Constant) and s.value == "__main__"]
        return len_(test.ops) == 1 and isinstance_(test.ops[0], ast.Eq) and names and mains

    def parse(directory, file):
        """The syntax tree of what runs when `file` is imported: its `__main__` block is left
        out."""
        try:
            with open(os.path.join(directory, file), "rb") as source:
                tree = ast.parse(source.read(), filename=file)
        except (OSError, SyntaxError, ValueError):
            return None  # the import will say what is wrong
        # A module that sets its own `__name__` may run its main block on import: then it is
        # read whole.
        renamed = any(
            isinstance_(node, ast.Name) and node.id == "__name__" and not isinstance_(node.ctx, ast.Load)
            for node in ast.walk(tree)
        )
        if not renamed:
            body = []
            for node in tree.body:
                body.extend(node.orelse if main_guard(node) else [node])
            tree.body = body
        return tree

    def imported_names(tree, file):
        """The modules a file imports, as (node, name, package) where `package` is the folder
        a relative import starts from; `name` is None for an import the reader cannot follow
        (a name computed at run time)."""
        found = []
        here = os.path.dirname(file)
        for node in ast.walk(tree):
            if isinstance_(node, ast.Import):
                for alias in node.names:
                    found.append((node, alias.name, ""))
            elif isinstance_(node, ast.ImportFrom):
                package = ""
                if node.level:
                    package = here
                    for _ in range(node.level - 1):
                        package = os.path.dirname(package)
                base = node.module or ""
                if base:
                    found.append((node, base, package))
                for alias in node.names:
                    # `from pkg import mod` may load a module of the package.
                    dotted_name = base + "." + alias.name if base else alias.name
                    found.append((node, dotted_name, package))
            elif isinstance_(node, ast.Call):
                func = node.func
                called = func.id if isinstance_(func, ast.Name) else None
                called = func.attr if isinstance_(func, ast.Attribute) else called
                if called in IMPORTERS and node.args:
                    first = node.args[0]
                    if isinstance_(first, ast.Constant) and type_(first.value) is str_:
                        found.append((node, first.value, ""))
                    else:
                        found.append((node, None, ""))
        return found

    def policy_files(directory, file):
        """The routine's file, then the folder's files it imports, and theirs, in the order
        found: what runs when the routine is imported. Main files, tests and anything else no
        routine imports are not read."""
        files, trees, unfollowed = [file], {}, []
        for current in files:
            tree = parse(directory, current)
            if tree is None:
                continue
            trees[current] = tree
            for node, name, package in imported_names(tree, current):
                if name is None:
                    unfollowed.append((current, node))
                    continue
                found = module_file(directory, name, package)
                if found is not None and found not in files:
                    files.append(found)
        return files, trees, unfollowed

    def policy_uses(directory, file):
        """What the files that run use beyond the exercise's needs, from their syntax trees:
        a list of {"file", "line", "use", "tampers"}."""
        files, trees, unfollowed = policy_files(directory, file)
        # Attributes the code's own classes define: reading one of another object of the
        # same class (`other._delay` in `__lt__`) is the code's own business.
        own = set()
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance_(node, ast.Attribute)
                    and isinstance_(node.ctx, ast.Store)
                    and isinstance_(node.value, ast.Name)
                    and node.value.id in ("self", "cls")
                ):
                    own.add(node.attr)
                elif isinstance_(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance_(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            own.add(item.name)
                        elif isinstance_(item, ast.Assign):
                            for target in item.targets:
                                if isinstance_(target, ast.Name):
                                    own.add(target.id)
                        elif isinstance_(item, ast.AnnAssign) and isinstance_(
                            item.target, ast.Name
                        ):
                            # A dataclass's field: `_delay: float`.
                            own.add(item.target.id)
        uses = []
        for path in files:
            if path in trees:
                uses.extend(file_uses(trees[path], path, own))
        if len_(uses) > MOST_USES:
            # The report lists the first ones: the policy line stays far below its limit.
            left = len_(uses) - MOST_USES
            uses = uses[:MOST_USES]
            uses.append({"file": file, "line": 0, "use": "%d more uses not listed" % left, "tampers": False})
        for path, node in unfollowed:
            uses.append(
                {
                    "file": path,
                    "line": getattr(node, "lineno", 0),
                    "use": "an import of a name computed at run time, which this check cannot follow",
                    "tampers": False,
                }
            )
        return uses

    def file_uses(tree, file, own):
        modules = set()
        uses = []

        def note(node, use, tampers):
            line = getattr(node, "lineno", 0)
            uses.append({"file": file, "line": line, "use": use, "tampers": tampers})

        def module_import(node, name):
            top = name.split(".")[0]
            if top in NEEDED or top[:1].isdigit():
                return
            note(node, "import %s" % name, top in TAMPERING or name in TAMPERING)

        for node in ast.walk(tree):
            if isinstance_(node, ast.Import):
                for alias in node.names:
                    modules.add((alias.asname or alias.name).split(".")[0])
                    module_import(node, alias.name)
            elif isinstance_(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    modules.add(alias.asname or alias.name)
                    module_import(node, "%s.%s" % (node.module, alias.name))
        for node in ast.walk(tree):
            if isinstance_(node, ast.Call):
                func = node.func
                called = func.id if isinstance_(func, ast.Name) else None
                called = func.attr if isinstance_(func, ast.Attribute) else called
                literal = (
                    node.args
                    and isinstance_(node.args[0], ast.Constant)
                    and type_(node.args[0].value) is str_
                )
                if called in IMPORTERS and literal:
                    module_import(node, node.args[0].value)
                elif called in CALLS and isinstance_(func, ast.Name):
                    note(node, "%s()" % called, True)
                elif called == "reload":
                    note(node, "reload()", True)
            if isinstance_(node, ast.Attribute):
                name = node.attr
                owner = node.value.id if isinstance_(node.value, ast.Name) else None
                root = node.value
                while isinstance_(root, ast.Attribute):
                    root = root.value
                stored = isinstance_(node.ctx, (ast.Store, ast.Del))
                if stored and isinstance_(root, ast.Name) and root.id in modules:
                    note(node, "assigns to %s" % dotted(node), True)
                elif name.startswith("__") and name.endswith("__"):
                    if stored or name not in HARMLESS_DUNDERS:
                        note(node, ".%s" % name, True)
                elif name in REACH_IN:
                    note(node, ".%s" % name, True)
                elif (
                    name.startswith("_")
                    and owner not in ("self", "cls")
                    and name not in own
                    and name not in NAMEDTUPLE_API
                ):
                    note(node, ".%s" % name, True)
            elif isinstance_(node, ast.Constant) and type_(node.value) is str_:
                if node.value.startswith(("/proc", "/dev/fd", "/dev/std")):
                    note(node, "the path %r" % node.value[:60], True)
        uses.sort(key=lambda use: use["line"])
        return uses

    def dotted(node):
        """`a.b.c` for an attribute chain."""
        if isinstance_(node, ast.Attribute):
            return dotted(node.value) + "." + node.attr
        return node.id if isinstance_(node, ast.Name) else "..."

    def shape(routine, function):
        """What is wrong with the routine's shape, or None."""
        if not callable_(function):
            return "`%s` is not a function" % routine
        coroutine = iscoroutinefunction(function)
        try:
            parameters = list_(signature(function).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        names = [p.name for p in parameters]
        spec = ROUTINES[routine]
        if spec["coroutine"] and not coroutine:
            return "`%s` must be a coroutine function (async def)" % routine
        if not spec["coroutine"] and coroutine:
            return "`%s` must be a plain function, not async def" % routine
        wanted = spec["parameters"]
        if names[: len_(wanted)] != wanted:
            return "`%s` must take (%s), not (%s)" % (routine, ", ".join(wanted), ", ".join(names))
        bound = spec["default_max_delay"]
        if bound is not None and parameters[0].default != bound:
            default = parameters[0].default
            shown = "it has none" if default is empty else "it defaults to %r" % (default,)
            return "`%s`'s max_delay must default to %s: %s" % (
                routine,
                int_(bound) if bound == int_(bound) else bound,
                shown,
            )
        return None

    def number(token):
        """A case's field: `-` for none, a whole number as an int (as the exercise passes
        bounds), otherwise a float."""
        if token == b"-":
            return None
        try:
            return int_(token)
        except ValueError:
            return float_(token)

    def run_case(routine, function, case):
        n, max_delay = case["n"], case["max_delay"]
        seed(case["seed"])
        with moving:
            # A thread still asleep from the last case is let go: its case is over.
            wake_sleepers(float("inf"))
            in_flight[0] = 0
            clock[0] = 0.0
            first_move[0] = True
        answer = {"case": case["case"], "nonce": case["nonce"]}

        spec = ROUTINES[routine]
        # The case's arguments, as the exercise's main programs pass them; no `max_delay` calls
        # the routine with its default.
        arguments = [n] if "n" in spec["parameters"] else []
        if max_delay is not None:
            arguments.append(max_delay)
        if not spec["in_loop"]:
            value = function(*arguments)
        else:

            async def call():
                if spec["returns_task"]:
                    task = function(*arguments)
                    # By the real type and its real MRO: not `isinstance`, which a class's
                    # `__class__` can answer.
                    answer["task"] = issubclass_(type_(task), Task)
                    answer["returned"] = type_(task).__name__
                    return await task if isawaitable(task) else task
                return await function(*arguments)

            value = run(call())
        answer["value"] = encode(value)
        return answer

    def failure(error, memory):
        """The last line of an error, saying "memory" when the address-space limit was the
        cause."""
        if isinstance_(error, MemoryError):
            return "memory: the code went over the limit of %d MiB of address space (--memory)" % (
                memory >> 20
            )
        if isinstance_(error, EOFError):
            return last_line(error) + " (the code read stdin, which is empty while it is checked)"
        return last_line(error)

    directory, routine, file, memory = sys.argv[1], sys.argv[2], sys.argv[3], int_(sys.argv[4])
    uses = policy_uses(directory, file)
    emit("policy", {"version": version, "uses": uses})
    intact = integrity(uses)
    arm(directory)
    # Last on the path, not first: a file of the folder named like a module of the standard
    # library or of the installation (one the library imports later, say) is never imported
    # in its place, so the policy reads all that runs of the folder.
    sys.path.append(directory)
    try:
        module = __import__(ROUTINES[routine]["module"])
        function = getattr(module, routine)
    except BaseException as error:  # the import ran the implementation's code: anything goes
        intact()
        emit("import_error", {"message": failure(error, memory)})
        return
    intact()
    emit("imported", {"shape": shape(routine, function)})
    while True:
        line = readline()
        if not line:
            return
        case_number, case_seed, n, max_delay, nonce = line.split()
        case = {
            "case": int_(case_number),
            "seed": int_(case_seed),
            "n": number(n),
            "max_delay": number(max_delay),
            "nonce": int_(nonce),
        }
        try:
            answer = run_case(routine, function, case)
            intact()
            emit("returned", answer)
        except BaseException as error:
            intact()
            emit("raised", {"case": case["case"], "nonce": case["nonce"], "message": failure(error, memory)})


_driver()
del _driver
