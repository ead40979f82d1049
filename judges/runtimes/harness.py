"""The judge harness. Runs INSIDE the sandbox as pid 1, under Debian's `/usr/bin/python3 -I -S`.

Never imported by Django: the host (judges/runtimes/base.py) has the sandbox's interpreter compile this
file once and passes the bytecode into the sandbox as a read-only file (or, failing that, the source).
Standard library only, Python 3.11; imports kept to built-in modules (each one is paid by every job).

Protocol
--------
stdin  one job (below): its length as 8 bytes little-endian, then the job in `marshal` format 4 (plain
       dicts, lists, str, int, float, bool, None): the host is trusted and `marshal` is built in, where
       `json` would cost the job ~3 ms of imports. The harness may be started long before its job (a warm
       sandbox, judges/sandbox/): everything that does not depend on the job (imports, the std streams
       of python mode, a garbage collection) is done first, then it waits for the job; no rlimit is set
       and nothing untrusted runs before the job has arrived. The length prefix means the harness never
       waits for end-of-file, which a stray copy of the pipe's write end could hold off.
fd 1   JSON lines, one per event, written a few at a time (see Emitter; the host reads them from a pipe
       with a byte cap and parses them once the job is over):
         {"event": "ready"}
         {"event": "compile", "program": p, **report}       a program's compile step (python: syntax check)
         {"event": "run", "program": p, "index": i, **report}  one per run, in order
         {"event": "seed", "ok", "error", "tables"}         SQL mode, after the seed script
         {"event": "run", "index": i, **report}             SQL mode, one per query
         {"event": "done"}
       report = {exit_code, signal, cpu, wall, stdout, stderr (base64), stdout_truncated,
                 stderr_truncated, timed_out, memory_error, spawn_failed, oom_killed}
fd 2   the harness's own diagnostics (never the program's output).

Job
---
  home, tmp           the work directory and the temp directory
  oom_events          path of the job cgroup's OOM counters (read-only), or None: a run during which
                      the counter moved was stopped by the OOM killer (reported as oom_killed)
  env                 the complete environment of every process the harness starts
  job_limits          ceilings applied to the harness itself before anything runs, hence to every
                      process of the job: {nproc, nofile, fsize, as} (bytes for sizes)
  run_limits          per run: {cpu (s), wall (s), as (bytes), output (bytes per stream)}
  compile_limits      the same for compile steps
  mode                "exec" | "python" | "sql"
  budget              optional: seconds for the whole job from the moment it arrives (every compile and run).
                      A run gets at most what is left of it as its wall limit (its report then says
                      "budget_cut" if that is what stopped it); once it is spent no further run starts.
  stop_on_limit       optional: after the first run (or compile) that ran out of time (wall clock or CPU) or
                      memory, start nothing more: a looping or sleeping program costs one limit, not one per test
  memory_markers      optional: stderr texts by which a runtime says it ran out of memory (JVM, V8, Mono, Go)
  checker_shell       optional: path of an execute-only bash for `check` runs (see "Checks" below)
  programs            exec and python modes: the programs to judge, one after the other (a validator
                      runs the reference, the boilerplate and the reference again in one job):
      exec:   {dir, files, compile, compiled, runs, isolate_files}: `dir` (relative to home, "" = home) is
              the cwd of the program's steps and is removed after its last run; `files` {relative path:
              text or bytes} are written there first; `compile` {argv} (optional) runs once, and a failure
              skips the runs; `compiled` (optional) is the report of a compile the host did (a warm
              compiler outside the sandbox), emitted as the program's compile event; `runs` [{argv, files?}
              or {check}], where a run's own `files` are written just before it and removed after it, so a
              run never sees another test's code; unless `isolate_files` is false, whatever a run adds to the
              directory, /tmp or /dev/shm is removed after it. Instead of `runs`, a program may have `runner`
              (below).
      python: {source, filename, calls: [test code]}
  sql                 sql mode: {seed, queries, max_rows, seed_wall, query_wall}

A job that stops early (budget, stop_on_limit) says so once, {"event": "stopped", "reason": "budget" | "limit"},
right after the report of the run that stopped it; runs after it get no report.

Checks (TERMINAL validation scripts): a `{"check": script}` run is the creator's bash script, which may run
the learner's programs (`./hello.sh`) as its children. Those children must not be able to read the script
and learn it bit by bit from Check's pass/fail: so the script is never in an argv (/proc/<pid>/cmdline is
readable by everyone) nor in a file; it reaches the shell in an environment variable that the shell unsets
before it evaluates the script (children never inherit it), and the shell is `checker_shell`, a copy of bash
the sandbox's user may execute but not read: the kernel makes a process that execs an unreadable file
non-dumpable, so its /proc/<pid>/environ, mem and fd are closed to the learner's processes (same uid) and it
cannot be ptraced. (A script that `source`s or `eval`s the learner's files runs their code inside itself:
checks must run learner files as programs.)

Runners: a program with `runner` {argv, tests: [payload text], compiles} runs all its tests in ONE process, the
runner, where starting a process per test is the cost (a JVM, Node). The runner is started with fds 1 and 2 on
pipes, fd 3 for its frames (lines it writes) and fd 4 for its tests (each "<byte length>\n<payload>", sent
one at a time, when the test before it is over). It first says "ready" (or, if `compiles`, "compile-error"
after printing the compiler's messages: that is the program's compile event); then for each test it runs it
and says "done <status>" (0 passed cleanly, else the exit status the test would have had as a program),
or "done <status> last" when it will exit after this test (its state may not be clean). What it wrote
to fds 1 and 2 since the test was sent is the test's output. Each test has the run limits of its own: its
wall clock from when it is sent, its CPU time (the runner's RLIMIT_CPU is moved before each test), its
output; a runner that dies or is stopped by a limit gives its report to the test it was running, and the
next test gets a new runner. Between tests every other process is killed and added files are removed,
as between runs. What the runner keeps from one test to the next (the runtime's own state) is the runner's
to isolate: a fresh V8 context per test for Node, a fresh class loader per test for the JVM.

Isolation between runs: each run is a new process (python mode: forked from this warm interpreter,
~1 ms) in its own process group; after each run every other process in the sandbox is killed (we are
the namespace's init, so kill(-1) reaches them all and never us), so nothing a test leaves behind can
disturb the next one.
"""

import _signal as signal  # the C module: `signal` would import enum (~3 ms per job)
import binascii
import errno
import marshal
import os
import resource
import select
import sys
import time

MEMORY_EXIT_CODE = 202  # python mode: the program raised MemoryError (reported as memory_error)
SPAWN_FAILED_EXIT_CODE = 203  # the run could not even start (exec failed); details on stderr
MAX_FD = 1 << 16
HARNESS_FILE = (lambda: None).__code__.co_filename  # tracebacks skip our frames (we may run from bytecode)
_READ = 65536
CHECK_VARIABLE = "CODECAPSULE_CHECK"
# The shell moves the script out of its environment (so its children never inherit it), then runs it. $0 stays
# "bash", as for `bash -c script`.
CHECK_BOOTSTRAP = f'__codecapsule_check=${CHECK_VARIABLE}; unset {CHECK_VARIABLE}; eval "$__codecapsule_check"'
MEMORY_MARKERS = ()  # set by main from the job (bytes)
# Modules never imported ahead of the program (side effects, or useless without a display).
_NO_PREIMPORT = frozenset({"this", "antigravity", "tkinter", "turtle", "turtledemo", "idlelib", "webbrowser", "pydoc", "__main__"})


def main():
    # As pid 1 of the namespace, a signal whose disposition is the default is never delivered from
    # inside: with SIGINT back to default the program cannot interrupt us.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _make_non_dumpable()
    job_fd = os.dup(0)
    results = os.dup(1)  # our channel to the host; every child closes it
    # fd 0 is the stdin every child keeps (read-only /dev/null); anything printed by mistake in here (an
    # import, say) goes to /dev/null on fd 1.
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY)):
        devnull = os.open(os.devnull, flags)
        os.dup2(devnull, fd)
        os.close(devnull)
    _prepare()
    job = marshal.loads(_read_job(job_fd))
    os.close(job_fd)
    guard = Guard(job)  # the budget counts from here: the job has arrived
    emit = Emitter(results)
    global MEMORY_MARKERS
    MEMORY_MARKERS = tuple(marker.encode() for marker in job.get("memory_markers", ()))
    _open_oom_events(job.get("oom_events"))
    os.chdir(job["home"])
    _apply_job_limits(job["job_limits"])
    emit({"event": "ready"})
    mode = job["mode"]
    try:
        if mode == "python":
            python_mode(job, emit, guard)
        elif mode == "sql":
            sql_mode(job, emit, guard)
        else:
            exec_mode(job, emit, guard)
    except Exception as exc:  # a bug here, not the program's fault: say so and stop
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"}, flush=True)
        raise
    emit({"event": "done"}, flush=True)
    # Every event went out through os.write; skip the interpreter's teardown (a full collection and
    # every module's cleanup, ~1-2 ms): the sandbox ends the moment we do.
    try:
        sys.stderr.flush()
    finally:
        os._exit(0)


def _read_job(fd):
    """The job: 8 bytes of length, then that many bytes (see "Protocol")."""
    size = int.from_bytes(_read_exactly(fd, 8), "little")
    return _read_exactly(fd, size)


def _read_exactly(fd, size):
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            sys.stderr.write("harness: the job ended early\n")
            raise SystemExit(71)
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _prepare():
    """Work that does not depend on the job, done while a warm sandbox waits for it.

    The std streams of python mode's children are made here, once (`_std_streams`), and `atexit` is
    imported: in a child they would cost ~0.3 ms per test, mostly copy-on-write page faults. The
    compiler gets its first (slow) use. Then a
    collection, and every object so far is moved out of the collector's sight (gc.freeze), so a
    collection in a child does not touch, and copy, our pages.
    """
    global STREAMS, ATEXIT, _KEEP
    import atexit
    import gc

    ATEXIT = atexit  # python mode's children run the program's atexit hooks
    # The interpreter's own std streams stay referenced here, so a child replacing them frees nothing.
    _KEEP = (sys.stdin, sys.stdout, sys.stderr)
    STREAMS = _std_streams()
    # The first compile() of a process sets up the compiler (~1 ms): not on the job's time.
    compile("def f(a, *b, **c):\n    return [x for x in b if x] or f'{a!r}'\n", "<warm-up>", "exec", dont_inherit=True)
    gc.collect()
    gc.freeze()


def _std_streams():
    """sys.stdin/stdout/stderr for python mode's children: inherited by every fork; we never use them,
    and each child writes to its own copy. They are made over the kinds of files a child has on fds
    0, 1 and 2 (/dev/null, a pipe, a pipe), so they behave exactly like streams the child made itself
    (not seekable, block-buffered stdout, line-buffered stderr)."""

    read_end, write_end = os.pipe()
    saved = (os.dup(1), os.dup(2))
    try:
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        # Returned, not closed here: they are the std streams of every child.
        streams = (
            open(0, closefd=False),  # noqa: SIM115
            open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False),  # noqa: SIM115
            open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1),  # noqa: SIM115
        )
        for stream in streams:
            stream.seekable()  # FileIO remembers the answer: ask now, while fds 1 and 2 are pipes
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, read_end, write_end):
            os.close(fd)
    return streams


STREAMS = None  # set by _prepare
ATEXIT = None
_KEEP = None


class Emitter:
    """Writes events to the host, a few at a time: what is ready goes out at least every FLUSH_SECONDS
    (when the next event comes), and always with "done" and "error". Each write wakes the host's
    reader, which shares the machine's cores with the tests; one write per test cost ~30 of them.
    Events held back are lost only if the job is killed as a whole, and then its tests are reported
    as stopped by the job's time limit anyway."""

    FLUSH_SECONDS = 0.02

    def __init__(self, fd):
        self.fd = fd
        self.pending = []
        self.flushed = time.monotonic()

    def __call__(self, event, *, flush=False):
        self.pending.append(to_json(event))
        now = time.monotonic()
        if flush or now - self.flushed >= self.FLUSH_SECONDS:
            self.flush()
            self.flushed = now

    def flush(self):
        if not self.pending:
            return
        data = ("\n".join(self.pending) + "\n").encode()
        self.pending.clear()
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]


def to_json(value):
    """JSON text for the harness's events (dicts, lists, str, int, float, bool, None), without `json`."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(_json_string(str(key)) + ":" + to_json(item) for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def _json_string(text):
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    out = []
    for char in text:
        code = ord(char)
        if 32 <= code < 127 and char not in '"\\':
            out.append(char)
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def _b64(data):
    return binascii.b2a_base64(data, newline=False).decode()


def _make_non_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): the program (same uid) can then neither ptrace us nor open /proc/1/fd.

    Through _ctypes directly: `import ctypes` costs ~2 ms per job, this ~0.3 ms.
    """
    try:
        import _ctypes

        class c_int(_ctypes._SimpleCData):
            _type_ = "i"

        class CFunction(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
            _restype_ = c_int

        prctl = CFunction(_ctypes.dlsym(_ctypes.dlopen(None, os.RTLD_NOW), "prctl"))
        pr_set_dumpable = 4
        if prctl(pr_set_dumpable, 0, 0, 0, 0) != 0:
            raise OSError("prctl failed")
    except Exception as exc:
        sys.stderr.write(f"harness: cannot make itself non-dumpable: {exc}\n")
        raise SystemExit(70) from exc


def _apply_job_limits(limits):
    pairs = {
        resource.RLIMIT_NPROC: limits["nproc"],
        resource.RLIMIT_NOFILE: limits["nofile"],
        resource.RLIMIT_FSIZE: limits["fsize"],
        resource.RLIMIT_AS: limits["as"],
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        resource.setrlimit(which, (value, value))


def _write_file(path, text):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    try:
        os.unlink(path)  # whatever the program planted there (a symlink, say) is not written through
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        data = text if isinstance(text, bytes) else text.encode()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# --- When to stop -----------------------------------------------------------------------------------


class Guard:
    """Whether the job may start another run: its time budget, and stop_on_limit (see "Job")."""

    def __init__(self, job):
        budget = job.get("budget")
        self.deadline = time.monotonic() + budget if budget is not None else None
        self.stop_on_limit = bool(job.get("stop_on_limit"))
        self.stopped = False

    def limits(self, limits):
        """`limits` with the wall clock cut to what the budget leaves (and marked so)."""
        if self.deadline is None:
            return limits
        left = self.deadline - time.monotonic()
        if left >= limits["wall"]:
            return limits
        return dict(limits, wall=max(left, 0.0), budget_cut=True)

    def may_start(self, emit):
        """False once the job has stopped, or when the budget is spent (which stops it)."""
        if not self.stopped and self.deadline is not None and time.monotonic() >= self.deadline:
            self.stop("budget", emit)
        return not self.stopped

    def after(self, report, emit):
        """Look at a finished run's report: stop the job if it ran out of its budget or (stop_on_limit) a limit."""
        if report.get("budget_cut") and report["timed_out"]:
            self.stop("budget", emit)
        elif self.stop_on_limit and report.get("limit_hit"):
            self.stop("limit", emit)

    def stop(self, reason, emit):
        if not self.stopped:
            self.stopped = True
            emit({"event": "stopped", "reason": reason})


# --- Running one child ------------------------------------------------------------------------------


OOM_EVENTS = None  # an fd on the job cgroup's OOM counters, when the host gives us them (set by main)


def _open_oom_events(path):
    """Keep the OOM counters open: re-reading them (pread) costs ~1 us, opening them ~12 us.
    Children never see the fd (they close every fd from 3 up)."""
    global OOM_EVENTS
    if path is not None:
        try:
            OOM_EVENTS = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            OOM_EVENTS = None


def _oom_kills():
    if OOM_EVENTS is None:
        return 0
    try:
        for line in os.pread(OOM_EVENTS, 4096, 0).splitlines():
            if line.startswith(b"oom_kill "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(target, limits, *, env=None, cwd=None):
    """Fork, set up the child and run `target` in it: a list (argv to exec) or a callable (python mode).

    Returns the report dict. The child gets /dev/null on stdin, fresh pipes on stdout/stderr, its own
    process group, RLIMIT_CPU (soft = limit rounded up, SIGKILL one second later) and RLIMIT_AS.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    oom_before = _oom_kills()
    cpu = max(1, int(-(-limits["cpu"] // 1)))
    address_space = limits["as"]
    # Everything the parent needs while the child runs is made before the fork: after it, each page
    # the parent writes to is copied while the child lives.
    buffers = {out_r: bytearray(), err_r: bytearray()}
    poller = select.poll()
    poller.register(out_r, select.POLLIN)
    poller.register(err_r, select.POLLIN)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # --- child
        try:
            os.setpgid(0, 0)
            # fd 0 is ours: read-only /dev/null (see main)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.closerange(3, MAX_FD)
            _score_for_the_oom_killer()
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
            if cwd:
                os.chdir(cwd)
            if callable(target):
                code = target()
            else:
                _exec(target, env)
        except BaseException as exc:  # noqa: BLE001 - nothing may escape a forked child
            _could_not_start("program", exc)
        os._exit(code)
    # --- parent
    os.close(out_w)
    os.close(err_w)
    return _supervise(pid, out_r, err_r, limits, started, oom_before, buffers, poller)


def _exec(argv, env):
    """Become the program (in a forked child). Python ignores SIGPIPE and SIGXFSZ; other programs expect the defaults."""
    for number in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(number, signal.SIG_DFL)
    os.execve(argv[0], argv, env)


def _could_not_start(what, exc):
    """End a forked child that could not become its program, saying why on its stderr."""
    try:
        os.write(2, f"judge: could not start the {what}: {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(SPAWN_FAILED_EXIT_CODE)


def _score_for_the_oom_killer():
    """If the job's memory cgroup fills up, the kernel's OOM killer takes a program, not us.
    (os.open, not open(): a buffered file object costs a child ~0.2 ms.)"""
    try:
        adjust = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(adjust, b"1000")
        finally:
            os.close(adjust)
    except OSError:
        pass


def _supervise(pid, out_r, err_r, limits, started, oom_before, buffers, poller):
    cap = limits["output"]
    truncated = {out_r: False, err_r: False}
    timed_out = False
    status = usage = None
    pidfd = os.pidfd_open(pid)
    poller.register(pidfd, select.POLLIN)
    open_pipes = {out_r, err_r}
    deadline = started + limits["wall"]
    oom_killed = False
    try:
        while status is None:
            ready = _ready(poller, deadline, oom_before)
            if ready in (TIMED_OUT, OOM_KILLED):
                timed_out, oom_killed = ready is TIMED_OUT, ready is OOM_KILLED
                break
            for fd in ready:
                if fd == pidfd:
                    _, status, usage = os.wait4(pid, 0)
                    continue
                if not _drain_once(fd, buffers, truncated, cap):
                    poller.unregister(fd)
                    open_pipes.discard(fd)
            if truncated[out_r] or truncated[err_r]:
                break
        if status is None:  # timed out or too much output: the whole group goes
            _kill(-pid)
            _, status, usage = os.wait4(pid, 0)
        # The child is gone; anything it left running (a background job, a double fork) goes too.
        kill_strays()
        # Every writer is dead now: read what is still buffered in the pipes.
        for fd in list(open_pipes):
            os.set_blocking(fd, False)
            while _drain_once(fd, buffers, truncated, cap):
                pass
    finally:
        os.close(pidfd)
        os.close(out_r)
        os.close(err_r)
    wall = time.monotonic() - started
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    report = {
        "exit_code": exit_code,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": wall,
        "stdout": _b64(bytes(buffers[out_r])),
        "stderr": _b64(bytes(buffers[err_r])),
        "stdout_truncated": truncated[out_r],
        "stderr_truncated": truncated[err_r],
        "timed_out": timed_out,
        "memory_error": exit_code == MEMORY_EXIT_CODE,
        "spawn_failed": exit_code == SPAWN_FAILED_EXIT_CODE,
        "oom_killed": oom_killed or (OOM_EVENTS is not None and _oom_kills() > oom_before),
        "budget_cut": bool(limits.get("budget_cut")),
    }
    report["limit_hit"] = _hit_limit(report, limits, bytes(buffers[err_r]))
    return report


TIMED_OUT, OOM_KILLED = "timed out", "oom killed"


def _ready(poller, deadline, oom_before):
    """The fds of `poller` ready within the next tick, or TIMED_OUT (the deadline passed) or OOM_KILLED.

    With a memory cgroup, its OOM counter is looked at 20 times a second: once the OOM killer has stopped a process
    of this run, the run is over (MLE) rather than left to wait for what was killed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return TIMED_OUT
    if OOM_EVENTS is None:
        return [fd for fd, _ in poller.poll(remaining * 1000)]
    if _oom_kills() > oom_before:
        return OOM_KILLED
    return [fd for fd, _ in poller.poll(min(remaining, 0.05) * 1000)]


def _hit_limit(report, limits, stderr):
    """The run ran out of time (wall clock or CPU) or memory: the rules of the host's verdicts TLE and MLE
    (judges/runtimes/base.py, `classify`), which a stop_on_limit job needs before the host sees the report."""
    if report["timed_out"] or report["oom_killed"] or report["memory_error"]:
        return True
    cpu_seconds = max(1, int(-(-limits["cpu"] // 1)))
    if report["signal"] == signal.SIGXCPU or (report["signal"] == signal.SIGKILL and report["cpu"] >= cpu_seconds - 0.05):
        return True
    return report["cpu"] > limits["cpu"] or any(marker in stderr for marker in MEMORY_MARKERS)


def _drain_once(fd, buffers, truncated, cap):
    """Read one chunk; False at end of file. Keeps at most `cap` bytes, flags the rest."""
    try:
        chunk = os.read(fd, _READ)
    except BlockingIOError:
        return False
    if not chunk:
        return False
    buffer = buffers[fd]
    room = cap - len(buffer)
    if len(chunk) > room:
        truncated[fd] = True
        chunk = chunk[: max(room, 0)]
    buffer += chunk
    return True


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_strays(spare=None):
    """Kill and reap every process of the sandbox but us (and `spare`, a runner between two tests).

    We are the namespace's init: kill(-1) reaches every other process in it, and orphans are
    re-parented to us, so reaping until ECHILD means they are all gone. Outside a sandbox
    (JUDGE_ALLOW_UNSANDBOXED, development only) kill(-1) would hit the whole user: do nothing there.
    """
    if os.getpid() != 1:
        return
    if spare is not None:
        _kill_all_but(spare)
        return
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return  # no process left at all: the common case
    _kill(-1)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _kill_all_but(spare):
    """Kill every process of the sandbox but us and `spare`, and reap those that were ours."""
    for _ in range(3):  # a process may fork while we look: look again
        victims = []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, spare):
                victims.append(int(name))
        if not victims:
            return
        for pid in victims:
            _kill(pid)
        for pid in victims:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                _wait_until_dead(pid)  # the spare's child: the spare reaps it, we only see it die
            except InterruptedError:
                pass


def _wait_until_dead(pid, seconds=0.5):
    """Wait (a little) until a process we cannot reap is a zombie or gone: SIGKILL is not instant."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                if stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                    return
        except (OSError, IndexError):
            return
        time.sleep(0.001)


# --- exec mode: compiled languages, JavaScript, Bash, shell sessions --------------------------------


def exec_mode(job, emit, guard):
    env = job["env"]
    for number, program in enumerate(job["programs"]):
        if not guard.may_start(emit):
            return
        directory = os.path.join(job["home"], program.get("dir", ""))
        os.makedirs(directory, exist_ok=True)
        for name, text in program.get("files", {}).items():
            _write_file(os.path.join(directory, name), text)
        compile_step = program.get("compile")
        report = program.get("compiled")  # compiled by the host already: its compiler's report
        if compile_step:
            report = run_child(compile_step["argv"], guard.limits(job["compile_limits"]), env=env, cwd=directory)
        if report is not None:
            emit({"event": "compile", "program": number, **report})
            guard.after(report, emit)
            if report["exit_code"] != 0:
                _remove_tree(directory, keep=directory == job["home"])
                continue
        if "runner" in program:
            runner_program(job, program, number, directory, emit, guard)
            _remove_tree(directory, keep=directory == job["home"])
            continue
        # Tests start from the same files: what a run adds to the work directory, /tmp or /dev/shm is
        # removed after it (a shell session, whose steps share a workspace on purpose, opts out).
        snapshot = _snapshot([directory, job["tmp"], "/dev/shm"]) if program.get("isolate_files", True) else None
        for index, run in enumerate(program["runs"]):
            if not guard.may_start(emit):
                break
            written = []
            for name, text in run.get("files", {}).items():
                path = os.path.join(directory, name)
                _write_file(path, text)
                written.append(path)
            argv, run_env = _command(run, job, env)
            report = run_child(argv, guard.limits(job["run_limits"]), env=run_env, cwd=directory)
            for path in written:
                try:
                    os.unlink(path)
                except OSError:
                    pass
            if snapshot is not None:
                _restore(snapshot)
            emit({"event": "run", "program": number, "index": index, **report})
            guard.after(report, emit)
        _remove_tree(directory, keep=directory == job["home"])


def _command(run, job, env):
    """argv and environment of a run: its own argv, or for a check the checker shell (see "Checks")."""
    if "check" not in run:
        return run["argv"], env
    shell = job.get("checker_shell") or "/bin/bash"  # the host always sends it when it sandboxes
    return [shell, "--noprofile", "--norc", "-c", CHECK_BOOTSTRAP, "bash"], dict(env, **{CHECK_VARIABLE: run["check"]})


def _snapshot(directories):
    """The names in each directory now (missing directories are skipped)."""
    names = {}
    for directory in directories:
        try:
            names[directory] = set(os.listdir(directory))
        except OSError:
            pass
    return names


def _restore(snapshot):
    """Remove every entry added to the snapshot's directories since it was taken."""
    for directory, before in snapshot.items():
        try:
            now = os.listdir(directory)
        except OSError:
            continue
        for name in now:
            if name not in before:
                path = os.path.join(directory, name)
                try:
                    if os.path.isdir(path) and not os.path.islink(path):
                        _remove_tree(path, keep=False)
                    else:
                        os.unlink(path)
                except OSError:
                    pass


def _remove_tree(path, *, keep):
    """Delete what a program left in its directory (the next program must not see it); never follows
    symlinks. `keep`: empty the directory but leave it (the home directory)."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _remove_tree(entry.path, keep=False)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
    if not keep:
        try:
            os.rmdir(path)
        except OSError:
            pass


# --- runner programs: every test of a program in one process -----------------------------------------


RUNNER_FRAMES_FD = 3  # the runner writes its frames here
RUNNER_TESTS_FD = 4  # and reads its tests from here


def runner_program(job, program, number, directory, emit, guard):
    """Run a program's tests in one long-lived process, its runner (see "Runners" above).

    A test ends when the runner says so (its output is what it wrote since the test was sent), or when the
    runner dies or is stopped by a limit: then the test gets the process's report, and the next test, if
    the job goes on, gets a new runner. Between tests, as between the runs of other programs, every other
    process is killed and the files a test added are removed.
    """
    spec = program["runner"]
    tests = spec["tests"]
    compiles = bool(spec.get("compiles"))
    snapshot = _snapshot([directory, job["tmp"], "/dev/shm"])
    address_space = max(job["run_limits"]["as"], job["compile_limits"]["as"] if compiles else 0)
    index, first = 0, True
    try:
        while index < len(tests) and guard.may_start(emit):
            runner = Runner(spec["argv"], job["env"], directory, address_space)
            hello, report = runner.phase(guard.limits(job["compile_limits"] if first and compiles else job["run_limits"]))
            if first and compiles:
                if hello != "ready" and report["exit_code"] == 0:
                    report["exit_code"] = 1  # the runner stopped, or said "compile-error": either way not compiled
                emit({"event": "compile", "program": number, **report})
                guard.after(report, emit)
                if hello != "ready":
                    runner.stop()
                    return
            elif hello != "ready":
                # A runner that cannot start again costs the test it was started for.
                runner.stop()
                _restore(snapshot)
                emit({"event": "run", "program": number, "index": index, **report})
                guard.after(report, emit)
                index += 1
                continue
            first = False
            while index < len(tests) and guard.may_start(emit):
                frame, report = runner.test(tests[index], guard.limits(job["run_limits"]))
                if frame is None or frame.endswith(" last"):
                    runner.stop()
                else:
                    kill_strays(spare=runner.pid)
                _restore(snapshot)
                emit({"event": "run", "program": number, "index": index, **report})
                guard.after(report, emit)
                index += 1
                if not runner.alive:
                    break
            runner.stop()
    finally:
        kill_strays()


class Runner:
    """One runner process: fds 1 and 2 on pipes read per phase, its frames on fd 3, its tests on fd 4. `argv` is
    what it executes, or (python mode) a function the forked child runs instead, whose result is its exit status."""

    def __init__(self, argv, env, cwd, address_space):
        self.out_r, out_w = os.pipe()
        self.err_r, err_w = os.pipe()
        self.frames_r, frames_w = os.pipe()
        tests_r, self.tests_w = os.pipe()
        self.frame_buffer = bytearray()
        self.status = self.usage = None
        pid = os.fork()
        if pid == 0:  # --- child
            try:
                os.setpgid(0, 0)
                # Parked above the target numbers first: a pipe may already sit on fd 3 or 4.
                for offset, fd in enumerate((out_w, err_w, frames_w, tests_r)):
                    os.dup2(fd, 20 + offset)
                for offset, target in enumerate((1, 2, RUNNER_FRAMES_FD, RUNNER_TESTS_FD)):
                    os.dup2(20 + offset, target)
                os.closerange(RUNNER_TESTS_FD + 1, MAX_FD)
                _score_for_the_oom_killer()
                resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
                os.chdir(cwd)
                if callable(argv):  # python mode's agreement run: this fork serves the tests itself
                    os._exit(argv())
                _exec(argv, env)
            except BaseException as exc:  # noqa: BLE001 - nothing may escape a forked child
                _could_not_start("runner", exc)
        self.pid = pid
        for fd in (out_w, err_w, frames_w, tests_r):
            os.close(fd)
        for fd in (self.out_r, self.err_r, self.frames_r):
            os.set_blocking(fd, False)
        self.pidfd = os.pidfd_open(pid)

    @property
    def alive(self):
        return self.status is None

    def test(self, payload, limits):
        """Send one test; (its closing frame or None, its report)."""
        data = payload.encode()
        try:
            _write_all(self.tests_w, str(len(data)).encode() + b"\n" + data)
        except OSError:
            pass  # the runner is gone: the phase below reports how it ended
        return self.phase(limits)

    def phase(self, limits):
        """Wait for the runner's next frame under `limits` (a test's, or the start's); (frame or None, report)."""
        started = time.monotonic()
        oom_before = _oom_kills()
        cpu_before = self._cpu()
        if self.alive:
            cpu_limit = max(1, int(-(-(cpu_before + limits["cpu"]) // 1)))
            try:
                resource.prlimit(self.pid, resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
            except OSError:
                pass
        buffers = {self.out_r: bytearray(), self.err_r: bytearray()}
        truncated = {self.out_r: False, self.err_r: False}
        cap = limits["output"]
        poller = select.poll()
        for fd in (self.out_r, self.err_r, self.frames_r, self.pidfd):
            poller.register(fd, select.POLLIN)
        deadline = started + limits["wall"]
        timed_out = oom_killed = False
        frame = self._next_frame()
        while frame is None and self.alive:
            ready = _ready(poller, deadline, oom_before)
            if ready in (TIMED_OUT, OOM_KILLED):
                timed_out, oom_killed = ready is TIMED_OUT, ready is OOM_KILLED
                break
            for fd in ready:
                if fd == self.pidfd:
                    self._reap()
                elif fd == self.frames_r:
                    self._read_frames()
                else:
                    _drain_once(fd, buffers, truncated, cap)
            if truncated[self.out_r] or truncated[self.err_r]:
                break
            frame = self._next_frame()
        if frame is None and self.alive:  # a limit stopped it
            self._end()
        # The frame (or the end) came after everything the test wrote: take what is still in the pipes.
        for fd in (self.out_r, self.err_r):
            while _drain_once(fd, buffers, truncated, cap):
                pass
        if frame is None:
            self._read_frames()
            frame = self._next_frame()
        wall = time.monotonic() - started
        if frame is not None and frame.startswith("done "):
            exit_code, signum = _frame_exit_code(frame), None
        elif frame is not None or self.status is None:  # "ready" / "compile-error", or no status
            exit_code, signum = (0 if frame == "ready" else 1), None
        else:
            exit_code = os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else None
            signum = os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None
        stderr = bytes(buffers[self.err_r])
        report = {
            "exit_code": exit_code,
            "signal": signum,
            "cpu": max(0.0, self._cpu() - cpu_before),
            "wall": wall,
            "stdout": _b64(bytes(buffers[self.out_r])),
            "stderr": _b64(stderr),
            "stdout_truncated": truncated[self.out_r],
            "stderr_truncated": truncated[self.err_r],
            "timed_out": timed_out,
            "memory_error": exit_code == MEMORY_EXIT_CODE,
            "spawn_failed": exit_code == SPAWN_FAILED_EXIT_CODE,
            "oom_killed": oom_killed or (OOM_EVENTS is not None and _oom_kills() > oom_before),
            "budget_cut": bool(limits.get("budget_cut")),
        }
        report["limit_hit"] = _hit_limit(report, limits, stderr)
        return frame, report

    def stop(self):
        """End the runner and close our ends of its pipes."""
        self._end()
        for fd in (self.out_r, self.err_r, self.frames_r, self.tests_w, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.out_r = self.err_r = self.frames_r = self.tests_w = self.pidfd = -1

    def _end(self):
        """Kill the runner (and its process group) if it still runs, and reap it."""
        if self.alive:
            _kill(-self.pid)
            _kill(self.pid)
            self._reap()

    def _reap(self):
        """Collect the runner's status once it has ended (or been killed)."""
        if not self.alive:
            return
        try:
            _, self.status, self.usage = os.wait4(self.pid, 0)
        except ChildProcessError:
            self.status = 0

    def _cpu(self):
        """The runner's CPU seconds so far (its final rusage once it has ended)."""
        if self.usage is not None:
            return self.usage.ru_utime + self.usage.ru_stime
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return 0.0

    def _read_frames(self):
        if self.frames_r < 0:
            return
        while True:
            try:
                chunk = os.read(self.frames_r, 4096)
            except BlockingIOError:
                return
            if not chunk:
                return
            self.frame_buffer += chunk
            if len(self.frame_buffer) > 65536:  # not a runner's frames: stop listening
                del self.frame_buffer[:]
                return

    def _next_frame(self):
        """The oldest complete frame line, or None."""
        end = self.frame_buffer.find(b"\n")
        if end < 0:
            return None
        line = bytes(self.frame_buffer[:end]).decode(errors="replace").strip()
        del self.frame_buffer[: end + 1]
        return line


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _frame_exit_code(frame):
    """The status in "done <status>[ last]"; a malformed one counts as a failure."""
    try:
        return int(frame.split()[1]) & 0xFF
    except (IndexError, ValueError):
        return 1


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- python mode: fork per test from a warm interpreter --------------------------------------------


def python_mode(job, emit, guard):
    """Compile the learner's code once, then fork per test; each child runs source + test in a fresh module.

    1. Syntax-check the source (a SyntaxError is the job's compile error) and each test call.
    2. Import ahead, in this process, the standard-library modules the source imports: every fork
       then finds them loaded (importing `typing` or `dataclasses` costs 4-8 ms per process otherwise).
    3. Per test: fork; the child forgets every other test, runs the source then its test call in a new
       `__main__` module, with the CPU and address-space limits set and stdout/stderr on pipes.
    4. A program that is an earlier program of the job again (the gate's second run of the reference) is there to
       see that runs agree, not to keep tests apart: ONE child runs its tests one after another, each in a new
       `__main__` module (a runner, see "Runners"), which saves a fork per test. Outputs that depend on time or
       on `random` (which Python reseeds in every fork) still differ from the first run's.

    What a child could find by walking the stack is kept small, so forgetting it is cheap (each object
    a child frees copies a page): the job itself is emptied here, a program is dropped once it has run,
    and the child empties `programs` (the ones still to run) and `calls` (this program's tests).
    """
    home, tmp, run_limits = job["home"], job["tmp"], job["run_limits"]
    programs = [[program["source"], program.get("filename", "solution.py"), program["calls"]] for program in job["programs"]]
    agreement = [_repeats_an_earlier(programs, number) for number in range(len(programs))]
    job_limits = {key: job[key] for key in ("run_limits", "compile_limits", "env")}
    job.clear()
    warm = False
    for number in range(len(programs)):
        if not guard.may_start(emit):
            return
        source, filename, calls = programs[number]
        programs[number] = None
        started = time.monotonic()
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            import traceback

            message = "".join(traceback.format_exception_only(type(exc), exc))
            emit({"event": "compile", "program": number, **_synthetic_report(1, "", message, started, usage_before)})
            continue
        emit({"event": "compile", "program": number, **_synthetic_report(0, "", "", started, usage_before)})
        if _preimport(source) or not warm:
            _warm_up()
            warm = True
        if agreement[number]:
            runner = {"argv": _python_runner(code, source, calls, (programs, None)), "tests": [str(index) for index in range(len(calls))]}
            runner_program(dict(job_limits, home=home, tmp=tmp), {"runner": runner}, number, home, emit, guard)
            continue
        snapshot = _snapshot([home, tmp, "/dev/shm"])
        for index in range(len(calls)):
            if not guard.may_start(emit):
                return
            # Compiled here, once, rather than in the child, where the compiler's allocations would copy
            # pages shared with this process (~0.5 ms per test); only this test's code reaches the child.
            test, error = _compile_test(calls[index], index)
            report = run_child(_python_test(code, source, test, error, (programs, calls)), guard.limits(run_limits))
            del test
            _restore(snapshot)
            emit({"event": "run", "program": number, "index": index, **report})
            guard.after(report, emit)


def _repeats_an_earlier(programs, number):
    """Whether program `number` is an earlier program of the job again (same source, same tests): a second run whose
    point is to see that runs agree (the gate's second run of the reference)."""
    source, _, calls = programs[number]
    return any(earlier[0] == source and earlier[2] == calls for earlier in programs[:number])


def _compile_test(call, index):
    try:
        return compile(call, f"<test {index + 1}>", "exec", dont_inherit=True), None
    except (SyntaxError, ValueError) as exc:
        import traceback

        return None, "".join(traceback.format_exception_only(type(exc), exc))


def _warm_up():
    """Make forks cheap: what the job added (the compiled program, imported modules) moved out of the
    collector's sight too, as `_prepare` did with everything before (gc.freeze)."""
    import gc

    gc.collect()
    gc.freeze()


def _synthetic_report(exit_code, stdout, stderr, started, usage_before):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "exit_code": exit_code,
        "signal": None,
        "cpu": usage.ru_utime + usage.ru_stime - usage_before.ru_utime - usage_before.ru_stime,
        "wall": time.monotonic() - started,
        "stdout": _b64(stdout.encode()),
        "stderr": _b64(stderr.encode()),
        "stdout_truncated": False,
        "stderr_truncated": False,
        "timed_out": False,
        "memory_error": False,
        "spawn_failed": False,
    }


def _preimport(source):
    """Import the standard-library modules `source` imports; True if any was new."""
    names = set()
    for line in source.splitlines():
        words = line.replace(",", " ").split()
        if len(words) >= 2 and words[0] in ("import", "from"):
            names.add(words[1].split(".")[0])
            if words[0] == "import":
                names.update(word.split(".")[0] for word in words[2:] if word != "as")
    new = False
    for name in sorted(names & sys.stdlib_module_names - _NO_PREIMPORT - set(sys.modules)):
        new = True
        try:
            __import__(name)
        except BaseException:  # noqa: BLE001 - the child will report the same error in context
            pass
    return new


def _python_test(program, source, test, error, others):
    def run():
        _forget(others)
        return _run_python_test(program, source, test, error)

    return run


def _forget(others):
    """Forget the other tests and programs before any learner code runs: the child's copy of them is all that the
    program could find (walking the stack up to python_mode). `others` is (the programs still to run, this
    program's test calls); the child's own test is compiled already."""
    programs, calls = others
    for later in programs:
        if later is not None:
            later.clear()  # [source, filename, calls]
    programs.clear()
    calls.clear()


def _run_python_test(program, source, test, error):
    """Run the program, then its test, in a fresh `__main__` module; the test's exit status."""
    if test is None:
        os.write(2, error.encode())
        return 1
    # Fresh std streams: our never-used ones (see _std_streams), this child's own copy.
    # typeshed marks sys.__std*__ Final; this child replaces them on purpose.
    sys.stdin = sys.__stdin__ = STREAMS[0]  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = STREAMS[1]  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = STREAMS[2]  # type: ignore[misc]
    sys.argv = [program.co_filename]
    module = type(sys)("__main__")
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    code = 0
    try:
        exec(program, module.__dict__)
        exec(test, module.__dict__)
    except SystemExit as exc:
        code = _exit_code(exc)
    except MemoryError:
        _flush_quietly()
        os.write(2, b"MemoryError: the program ran out of memory\n")
        return MEMORY_EXIT_CODE
    except BaseException as exc:  # noqa: BLE001 - report like the interpreter would
        # Imported only now: a passing test never pays for traceback (~1.5 ms).
        import linecache
        import traceback

        # Tracebacks show the learner's lines although there is no file on disk.
        filename = program.co_filename
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == HARNESS_FILE:
            tb = tb.tb_next
        try:
            traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
        except MemoryError:
            return MEMORY_EXIT_CODE
        except BaseException:  # noqa: BLE001 - an exception whose __str__ raises, say
            os.write(2, f"{type(exc).__name__}: (the error could not be printed)\n".encode(errors="replace"))
        code = 1
    try:
        ATEXIT._run_exitfuncs()
        ATEXIT._clear()  # a test's exit hooks are its own (one child may run several tests: _python_runner)
    except BaseException:  # noqa: BLE001
        pass
    _flush_quietly()
    return code


def _python_runner(program, source, calls, others):
    """The child of an agreement run (python_mode): a runner (see "Runners") that runs each test it is sent, by
    index, in a fresh `__main__` module."""

    def serve():
        _forget((others[0], []))
        _write_all(RUNNER_FRAMES_FD, b"ready\n")
        while True:
            payload = _read_runner_test(RUNNER_TESTS_FD)
            if payload is None:
                return 0
            index = int(payload)
            test, error = _compile_test(calls[index], index)
            code = _run_python_test(program, source, test, error)
            _write_all(RUNNER_FRAMES_FD, f"done {code}\n".encode())

    return serve


def _read_runner_test(fd):
    """One "<length>\\n<payload>" from the harness, or None at its end."""
    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            return None
        header += byte
    size = int(header)
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data.decode()


def _exit_code(exc):
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    try:
        sys.stderr.write(f"{exc.code}\n")
    except Exception:  # noqa: BLE001
        pass
    return 1


def _flush_quietly():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed pipe after OLE, say
            pass


# --- sql mode: SQLite in memory, a fresh copy (a fork) per query ----------------------------------


def sql_mode(job, emit, guard):
    import sqlite3

    spec = job["sql"]
    connection = sqlite3.connect(":memory:", isolation_level=None)
    deadline = [time.monotonic() + spec["seed_wall"]]
    # SQLite calls this every 10k virtual-machine steps; a non-zero answer aborts the statement.
    connection.set_progress_handler(lambda: 1 if time.monotonic() > deadline[0] else 0, 10_000)
    try:
        connection.executescript(spec["seed"])
    except (sqlite3.Error, MemoryError) as exc:
        message = "the seed SQL took too long" if time.monotonic() > deadline[0] else _sql_error(exc)
        emit({"event": "seed", "ok": False, "error": message, "tables": {}})
        return
    emit({"event": "seed", "ok": True, "error": None, "tables": _describe(connection)})
    for index, query in enumerate(spec["queries"]):
        if not guard.may_start(emit):
            return
        limits = guard.limits(job["run_limits"])
        report = run_child(_sql_query(connection, query, dict(spec, query_wall=min(spec["query_wall"], limits["wall"])), deadline), limits)
        emit({"event": "run", "index": index, **report})
        guard.after(report, emit)


def _sql_error(exc):
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)


def _describe(connection):
    tables = {}
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for (name,) in rows:
        columns = connection.execute("SELECT name, type FROM pragma_table_info(?)", (name,)).fetchall()
        tables[name] = [[column, kind] for column, kind in columns]
    return tables


def split_statements(sql):
    """Split a script into statements, respecting quotes and comments (sqlite3.complete_statement)."""
    import sqlite3

    statements, current = [], ""
    pieces = sql.split(";")
    for position, piece in enumerate(pieces):
        current += piece
        if position < len(pieces) - 1:
            current += ";"
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    if current.strip():
        statements.append(current)
    return statements


def _sql_query(connection, query, spec, deadline):
    def run():
        import json
        import sqlite3

        deadline[0] = time.monotonic() + spec["query_wall"]
        result = {"ok": True, "error": None, "columns": [], "rows": [], "row_count": 0, "truncated": False}
        try:
            for statement in split_statements(query):
                cursor = connection.execute(statement)
                if cursor.description is None:
                    continue
                columns = [column[0] for column in cursor.description]
                rows, count = [], 0
                for row in cursor:
                    count += 1
                    if count <= spec["max_rows"]:
                        rows.append([_sql_value(value) for value in row])
                result.update(columns=columns, rows=rows, row_count=count, truncated=count > spec["max_rows"])
        except sqlite3.Warning as exc:  # "You can only execute one statement at a time."
            result.update(ok=False, error=str(exc))
        except sqlite3.Error as exc:
            if time.monotonic() > deadline[0]:
                result.update(ok=False, error="timeout")
            else:
                result.update(ok=False, error=_sql_error(exc))
        except MemoryError:
            os.write(2, b"MemoryError: the query ran out of memory\n")
            return MEMORY_EXIT_CODE
        data = json.dumps(result, separators=(",", ":"), allow_nan=True).encode()
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(1, view) :]
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
        return 0

    return run


def _sql_value(value):
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    return value


if __name__ == "__main__":
    main()
