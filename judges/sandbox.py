"""The sandbox every untrusted program runs in (DESIGN.md §5, issue #3 item 1).

A job runs as ONE bubblewrap sandbox; the runtimes (judges/runtimes/) put a small harness inside it that
compiles once and then runs every test. This module only knows how to start a command in a sandbox and
collect what it printed; it knows nothing about tests or languages.

What a sandbox is (see `_bwrap_arguments` for the exact flags, all from bwrap(1) of bubblewrap 0.8):

* new user, pid, network, ipc, uts and cgroup namespaces (`--unshare-all`): no network at all (only a
  loopback of its own), only its own processes in /proc; `--disable-userns` so the program cannot nest
  namespaces of its own;
* `--as-pid-1`: the command (our harness) is pid 1 of the namespace, so the program can neither signal
  it (the kernel drops SIGKILL/SIGSTOP sent to a namespace's init from inside) nor open its
  /proc/1/fd (the harness makes itself non-dumpable), and every process dies with it;
* `--new-session` (no terminal injection), `--die-with-parent` (the sandbox dies with the server);
* `--clearenv`: the server's environment never reaches the program; only PATH/HOME/LANG/... are set;
* a root of its own, read-only (`--remount-ro /`), with read-only binds of /usr and the few /etc
  entries the runtimes need (never the project, /root, /home or /etc/shadow; /etc/passwd, /etc/group and
  /etc/hosts are generated); fresh size-capped tmpfs for the work directory, /tmp and /dev/shm;
  a fresh /proc and a minimal /dev;
* an unprivileged host uid: when the server runs as root, the job's slot N runs as host uid
  JUDGE_UID_BASE + N (bwrap run by root maps the sandbox to uid 0, for which the kernel never enforces
  RLIMIT_NPROC); the drop happens before bwrap starts (util-linux `setpriv`, see `_as_uid`).

The rlimits (CPU, address space, processes, file size, open files) are applied by the harness inside,
before any untrusted code runs, because they then bind every process of the job; the host adds the
wall-clock kill of the whole job (it kills the sandbox's pid 1, whose host pid bwrap reports on
`--info-fd`, so the pid namespace dies with it and bwrap reaps it). Where root may create cgroups (v1 or
v2), each slot also has a memory and pids cgroup bounding the whole job's RAM and tmpfs
(JUDGE_JOB_MEMORY_MB): bwrap waits on `--block-fd` until both of its processes are in it, so nothing of
the job runs outside. Data goes in through file descriptors (stdin, `--ro-bind-data`) and results come
back through pipes with a byte cap: the host never opens a path inside the sandbox.

If bubblewrap is missing or cannot create namespaces, `Sandbox.open()` raises SandboxUnavailable and
runs nothing, unless settings.JUDGE_ALLOW_UNSANDBOXED is true (development only): then the command runs
as a plain process in a host temp directory, with the same limits but without isolation.

    with Sandbox.open(limits) as box:
        run = box.run([python, "-I", "-S", box.judge_path("harness.py")],
                      stdin=job_bytes, files={"harness.py": source}, deadline=10.0)
        run.stdout, run.exit_code, run.timed_out ...
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import hashlib
import json
import logging
import os
import random
import select
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

from judges.limits import MB, Limits

logger = logging.getLogger(__name__)

# Paths inside the sandbox.
SANDBOX_HOME = "/home/learner"  # the work directory: tmpfs, writable, the cwd of every run
SANDBOX_TMP = "/tmp"
SANDBOX_JUDGE = "/judge"  # read-only files the host passes in (harness, sources)
SANDBOX_UID = 1000  # the uid the program sees inside its user namespace
SANDBOX_HOSTNAME = "sandbox"
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"

# Only these /etc entries are visible (read-only); everything else under /etc does not exist inside.
_ETC_BINDS = (
    "/etc/alternatives",  # java, awk, ... are symlinks through here
    "/etc/ld.so.cache",
    "/etc/java-17-openjdk",  # JDK configuration (the JDK's conf/ links here)
    "/etc/mono",  # Mono's dllmap configuration
    "/etc/localtime",
    "/etc/nsswitch.conf",
)
_PASSWD = f"learner:x:{SANDBOX_UID}:{SANDBOX_UID}:learner:{SANDBOX_HOME}:/bin/bash\n"
_GROUP = f"learner:x:{SANDBOX_UID}:\n"
_HOSTS = f"127.0.0.1\tlocalhost {SANDBOX_HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n"

# The environment of bwrap itself (and of the harness until it sets the program's own): nothing of ours.
_HOST_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

_READ_CHUNK = 65536


class SandboxError(Exception):
    """The judge could not run the job. Not the program's fault: report it as a sandbox error."""


class SandboxUnavailable(SandboxError):
    """bubblewrap is missing or cannot create namespaces; nothing was executed."""


@dataclass(slots=True)
class SandboxRun:
    """What one sandboxed command did. stdout/stderr are raw bytes, cut at the caps."""

    exit_code: int | None  # None when killed by a signal
    signal: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool  # the host's wall-clock deadline killed it
    wall_seconds: float
    cpu_seconds: float  # user + system of the whole process tree, as the host's wait4() saw it
    sandboxed: bool
    uid: int | None  # host uid the job ran as (None: the server's own)
    oom_killed: bool = False  # the job's memory cgroup ran out and the kernel killed a process of it


@dataclass(slots=True)
class _Slot:
    index: int
    uid: int | None  # None when the server is not root and cannot switch uid
    lock_fd: int
    needs_sweep: bool = False  # set when a run ended abnormally: kill every process of the uid on release


# --- Slots -------------------------------------------------------------------------------------------


class _SlotConfig(NamedTuple):
    """The slot settings, read once per claim (tests change settings while the warm pool's thread runs:
    a slot must never be taken from one directory with the uid of another)."""

    directory: str  # JUDGE_SLOT_DIR ("" = the default)
    count: int
    uid_base: int

    @classmethod
    def current(cls) -> _SlotConfig:
        return cls(settings.JUDGE_SLOT_DIR, settings.JUDGE_SLOTS, settings.JUDGE_UID_BASE)


def _slot_dir(configured: str) -> Path:
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"codecapsule-judge-{os.geteuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise SandboxError(f"cannot create the judge slot directory {path}: {exc}") from exc
    info = os.lstat(path)
    # The lock files decide which job owns which uid: a directory someone else controls could hand two
    # jobs the same uid, so refuse anything but our own private directory.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SandboxError(f"judge slot directory {path} must be a directory owned by uid {os.geteuid()}, not writable by others")
    return path


_held_slot_fds: set[int] = set()  # lock files of the slots this process holds (closed in a forked child)


def _flock_slot(directory: Path, index: int) -> int | None:
    """The lock file of slot `index` (<slot dir>/slot-N.lock), flocked without waiting; None if held."""
    fd = os.open(directory / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _take_slot(fd: int, index: int, uid_base: int) -> _Slot:
    """Make a flocked slot ours: sweep its uid if the previous holder died, and mark it held."""
    _held_slot_fds.add(fd)
    uid = uid_base + index if os.geteuid() == 0 else None
    try:
        # The lock file holds b"1" while a job (or a warm sandbox) has the slot: finding it set means the
        # previous holder died and may have left processes of this uid behind.
        if uid is not None and os.pread(fd, 1, 0) == b"1":
            kill_uid(uid)
        os.pwrite(fd, b"1", 0)
    except BaseException:
        _held_slot_fds.discard(fd)
        os.close(fd)
        raise
    return _Slot(index=index, uid=uid, lock_fd=fd)


def _claim_slot(*, wait: bool, keep_free: int = 0, config: _SlotConfig | None = None) -> _Slot | None:
    """One of JUDGE_SLOTS slots, held until `_release_slot`.

    Locks are per open file, so threads of one process and separate processes (web workers, django-q
    workers, `validate_capsules --workers`) all exclude each other. `wait`: wait up to
    JUDGE_SLOT_WAIT_SECONDS (SandboxError after that), giving up this process's idle warm sandboxes if
    every slot is held; otherwise return None at once when no slot is free. `keep_free`: take a slot only
    if that many others are free too. `config`: the slot settings (default: the current ones).
    """
    config = config or _SlotConfig.current()
    directory = _slot_dir(config.directory)
    count = config.count
    deadline = time.monotonic() + settings.JUDGE_SLOT_WAIT_SECONDS
    while True:
        start = random.randrange(count)
        for offset in range(count):
            index = (start + offset) % count
            fd = _flock_slot(directory, index)
            if fd is None:
                continue
            if keep_free and not _others_free(directory, count, index, keep_free):
                os.close(fd)  # never marked held: let go as found
                return None
            return _take_slot(fd, index, config.uid_base)
        if not wait:
            return None
        if _pool.evict_one():
            continue  # one of our own idle warm sandboxes gave its slot back
        if time.monotonic() > deadline:
            raise SandboxError(f"all {count} judge slots stayed busy for {settings.JUDGE_SLOT_WAIT_SECONDS} s")
        time.sleep(0.02)


def _others_free(directory: Path, count: int, taken: int, wanted: int) -> bool:
    """Whether at least `wanted` slots besides `taken` are free right now (each is locked and let go)."""
    found = 0
    for index in range(count):
        if index == taken:
            continue
        fd = _flock_slot(directory, index)
        if fd is None:
            continue
        os.close(fd)  # let go at once
        found += 1
        if found >= wanted:
            return True
    return False


def _release_slot(slot: _Slot, *, clean: bool = True) -> None:
    """Give the slot back: first kill every process of its uid if the job ended abnormally."""
    try:
        if slot.uid is not None and (slot.needs_sweep or not clean):
            kill_uid(slot.uid)
        if clean:
            os.pwrite(slot.lock_fd, b"0", 0)
    finally:
        _held_slot_fds.discard(slot.lock_fd)
        os.close(slot.lock_fd)  # releases the lock


@contextmanager
def _acquire_slot() -> Iterator[_Slot]:
    """Hold a slot (see `_claim_slot`) for the duration of a job; any exception sweeps its uid."""
    slot = _claim_slot(wait=True)
    assert slot is not None
    clean = False
    try:
        yield slot
        clean = True
    finally:
        _release_slot(slot, clean=clean)


# --- Processes of a uid ------------------------------------------------------------------------------


def processes_of_uid(uid: int) -> list[int]:
    """Pids of every live host process whose real or effective uid is `uid` (reads /proc/<pid>/status).

    Zombies are left out: they are dead, hold no memory, cannot be killed, and wait only for their parent
    (often the host's init, once a sandbox's pid 1 is gone) to reap them. Counting them made kill_uid wait
    its whole grace period for nothing and made "no process left" checks flaky under load.
    """
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"State:") and line.split()[1] == b"Z":
                        break
                    if line.startswith(b"Uid:"):
                        real, effective = line.split()[1:3]
                        if int(real) == uid or int(effective) == uid:
                            found.append(int(entry.name))
                        break
        except OSError:
            continue  # exited meanwhile
    return found


def kill_uid(uid: int, *, wait: float = 2.0) -> None:
    """SIGKILL every process of host uid `uid`, and wait up to `wait` seconds until they are gone.

    The signals are sent by kill(-1) from a helper running as that uid, so exactly the processes of
    that uid are reached. Only for the dedicated judge uids, only as root.
    """
    if uid == 0 or os.geteuid() != 0:
        raise SandboxError("kill_uid needs root and a judge uid")
    deadline = time.monotonic() + wait
    command, drop = _as_uid(uid, ["/bin/kill", "-KILL", "-1"])
    while True:
        subprocess.run(
            command,
            **drop,
            env=_HOST_ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        # SIGKILL is asynchronous: a process is gone once the kernel has torn it down and reaped it.
        if not processes_of_uid(uid) or time.monotonic() > deadline:
            return
        time.sleep(0.005)


# --- Cgroups ------------------------------------------------------------------------------------------

_CGROUP_ROOT = "/sys/fs/cgroup"
_CGROUP_NAME = "codecapsule-judge"


@dataclass
class _SlotCgroup:
    """A slot's memory (and pids) cgroup: bounds a whole job's RAM and tmpfs, which rlimits cannot."""

    procs: list[str]  # cgroup.procs of each controller's directory (v1) or of the one directory (v2)
    memory_limit: str
    pids_limit: str | None
    events: str  # v1 memory.oom_control, v2 memory.events: both count "oom_kill N"

    def configure(self, limits: Limits) -> None:
        _write(self.memory_limit, str(limits.job_memory_mb * MB))
        if self.pids_limit:
            _write(self.pids_limit, str(limits.processes + 16))  # + bwrap and the harness

    def enter(self, pid: int) -> None:
        for path in self.procs:
            _write(path, str(pid))

    def oom_kills(self) -> int:
        try:
            with open(self.events) as handle:
                for line in handle:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0


_cgroup_lock = threading.Lock()
_cgroups: dict[int, _SlotCgroup | None] = {}


def _slot_cgroup(index: int, enabled: bool | None = None) -> _SlotCgroup | None:
    """The slot's cgroup, created on first use; None where cgroups are off (`enabled`, default
    JUDGE_CGROUPS) or not ours to create."""
    if not (settings.JUDGE_CGROUPS if enabled is None else enabled) or os.geteuid() != 0:
        return None
    with _cgroup_lock:
        if index not in _cgroups:
            try:
                _cgroups[index] = _create_cgroup(index)
            except OSError as exc:
                logger.warning("judge: no memory cgroup for slot %s (rlimits only): %s", index, exc)
                _cgroups[index] = None
        return _cgroups[index]


def _create_cgroup(index: int) -> _SlotCgroup:
    if os.path.exists(f"{_CGROUP_ROOT}/cgroup.controllers"):  # cgroup v2, unified
        parent = f"{_CGROUP_ROOT}/{_CGROUP_NAME}"
        os.makedirs(parent, exist_ok=True)
        _write(f"{parent}/cgroup.subtree_control", "+memory")
        try:
            _write(f"{parent}/cgroup.subtree_control", "+pids")
        except OSError:
            pass
        directory = f"{parent}/slot-{index}"
        os.makedirs(directory, exist_ok=True)
        if os.path.exists(f"{directory}/memory.swap.max"):
            _write(f"{directory}/memory.swap.max", "0")
        pids = f"{directory}/pids.max"
        return _SlotCgroup([f"{directory}/cgroup.procs"], f"{directory}/memory.max", pids if os.path.exists(pids) else None, f"{directory}/memory.events")
    memory = f"{_CGROUP_ROOT}/memory/{_CGROUP_NAME}/slot-{index}"  # cgroup v1
    os.makedirs(memory, exist_ok=True)
    procs = [f"{memory}/cgroup.procs"]
    pids_limit = None
    if os.path.isdir(f"{_CGROUP_ROOT}/pids"):
        pids = f"{_CGROUP_ROOT}/pids/{_CGROUP_NAME}/slot-{index}"
        os.makedirs(pids, exist_ok=True)
        procs.append(f"{pids}/cgroup.procs")
        pids_limit = f"{pids}/pids.max"
    return _SlotCgroup(procs, f"{memory}/memory.limit_in_bytes", pids_limit, f"{memory}/memory.oom_control")


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


# --- Availability ------------------------------------------------------------------------------------

_probe_lock = threading.Lock()
_working_bwraps: set[str] = set()  # bwrap paths that created a sandbox once in this process


def _probe(bwrap: str, slot: _Slot) -> str | None:
    """Why bwrap cannot sandbox on this machine, or None if it can.

    A success is remembered for the life of the process (~10 ms saved per job); a failure is not, so
    fixing the machine (installing bubblewrap, enabling user namespaces) needs no restart.
    """
    with _probe_lock:
        if bwrap in _working_bwraps:
            return None
    if not os.path.isfile(bwrap) or not os.access(bwrap, os.X_OK):
        return f"bubblewrap was not found at JUDGE_BWRAP_PATH={bwrap!r} (install the Debian package 'bubblewrap')"
    with _memfds({}) as (fds, data_args):
        args, drop = _as_uid(slot.uid, [bwrap, *_bwrap_arguments(data_args, tmpfs_mb=1, env={}), "--", "/bin/true"])
        try:
            done = subprocess.run(args, env=_HOST_ENV, pass_fds=fds, capture_output=True, timeout=10, check=False, **drop)
            reason = None if done.returncode == 0 else done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        except (OSError, subprocess.SubprocessError) as exc:
            reason = str(exc)
    if reason is not None:
        return f"bubblewrap at {bwrap} cannot create a sandbox here: {reason}"
    with _probe_lock:
        _working_bwraps.add(bwrap)
    return None


def sandbox_status() -> str | None:
    """None when jobs will run sandboxed; otherwise the reason they cannot (for health checks, admin)."""
    with _acquire_slot() as slot:
        return _probe(settings.JUDGE_BWRAP_PATH, slot)


# --- The sandbox -------------------------------------------------------------------------------------


_SETPRIV = "/usr/bin/setpriv"


def _as_uid(uid: int | None, command: list[str]) -> tuple[list[str], dict]:
    """`command` and subprocess arguments that make it run as host uid `uid` (gid the same, no
    supplementary groups) from its first instruction on; unchanged when `uid` is None.

    Through util-linux's setpriv (setreuid/setregid/setgroups, then exec), so that subprocess can start
    the child with vfork: with user=/group= it must fork() the whole server process instead, which
    costs milliseconds for a large one and holds the GIL all along (a job's reader thread waits). Where
    setpriv is missing, subprocess's own user=/group= switch does the same.
    """
    if uid is None:
        return command, {}
    if os.access(_SETPRIV, os.X_OK):
        return [_SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *command], {}
    return command, {"user": uid, "group": uid, "extra_groups": []}


@contextmanager
def _memfds(files: Mapping[str, bytes]) -> Iterator[tuple[list[int], list[str]]]:
    """Anonymous in-memory files for `--ro-bind-data`: bwrap copies them in; no path on the host."""
    entries = {"/etc/passwd": _PASSWD.encode(), "/etc/group": _GROUP.encode(), "/etc/hosts": _HOSTS.encode()}
    entries.update({f"{SANDBOX_JUDGE}/{name}": data for name, data in files.items()})
    fds: list[int] = []
    args: list[str] = []
    try:
        for destination, data in entries.items():
            fd = os.memfd_create("judge-data")
            fds.append(fd)
            _write_all(fd, data)
            os.lseek(fd, 0, os.SEEK_SET)
            args += ["--perms", "0444", "--ro-bind-data", str(fd), destination]
        yield fds, args
    finally:
        for fd in fds:
            os.close(fd)


def _bwrap_arguments(data_args: list[str], *, tmpfs_mb: int, env: Mapping[str, str], binds: Sequence[tuple[str, str]] = ()) -> list[str]:
    size = str(tmpfs_mb * MB)
    args = [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--as-pid-1",
        "--new-session",
        "--die-with-parent",
        "--hostname", SANDBOX_HOSTNAME,
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        # Debian 12 has a merged /usr: these are symlinks into /usr (bind them if a system is not merged).
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in _ETC_BINDS:
        args += ["--ro-bind-try", path, path]
    args += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", size, "--perms", "0700", "--tmpfs", SANDBOX_HOME,
        "--size", size, "--perms", "1777", "--tmpfs", SANDBOX_TMP,
        "--size", size, "--perms", "1777", "--tmpfs", "/dev/shm",
        "--dir", SANDBOX_JUDGE,
        *data_args,
        *(arg for source, destination in binds for arg in ("--ro-bind", source, destination)),
        "--remount-ro", "/",
        "--chdir", SANDBOX_HOME,
        "--clearenv",
    ]  # fmt: skip
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def _bwrap_command(
    argv: Sequence[str],
    data_args: list[str],
    *,
    tmpfs_mb: int,
    cgroup: _SlotCgroup | None,
    info_w: int,
    block_r: int | None,
    bwrap: str | None = None,
) -> list[str]:
    """The whole bwrap command line of a job's sandbox (cold or warm: the same)."""
    return [
        bwrap or settings.JUDGE_BWRAP_PATH,
        *_bwrap_arguments(
            data_args,
            tmpfs_mb=tmpfs_mb,
            env={"PATH": SANDBOX_PATH, "HOME": SANDBOX_HOME, "LANG": "C.UTF-8"},
            # Read-only, so the harness can tell which run the OOM killer stopped.
            binds=[(cgroup.events, f"{SANDBOX_JUDGE}/oom-events")] if cgroup is not None else [],
        ),
        "--info-fd", str(info_w),
        *(["--block-fd", str(block_r)] if block_r is not None else []),
        "--",
        *argv,
    ]  # fmt: skip


def base_environment(home: str = SANDBOX_HOME, tmp: str = SANDBOX_TMP) -> dict[str, str]:
    """The whole environment a program sees (runtimes add their own variables, never the server's)."""
    return {
        "PATH": SANDBOX_PATH,
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "learner",
        "LOGNAME": "learner",
        "SHELL": "/bin/bash",
        "TERM": "dumb",
    }


@dataclass
class Sandbox:
    """One job's sandbox: a slot (and its uid) plus the paths the command should use.

    Obtain it with `Sandbox.open(limits)`; call `run()` once per job (each call is a fresh sandbox; the
    first may be a warm one, started before the job and never used for anything else).
    """

    limits: Limits
    slot: _Slot
    sandboxed: bool
    cgroup: _SlotCgroup | None = field(default=None, repr=False)
    home: str = SANDBOX_HOME
    tmp: str = SANDBOX_TMP
    judge_dir: str = SANDBOX_JUDGE
    _host_root: str | None = field(default=None, repr=False)  # unsandboxed mode only
    _warm: _WarmSandbox | None = field(default=None, repr=False)  # taken from the pool, not yet run

    @classmethod
    @contextmanager
    def open(cls, limits: Limits, *, warm: bool = True) -> Iterator[Sandbox]:
        """Acquire a slot and decide how to run: sandboxed, or (development only) unsandboxed.

        With `warm` (the default) and limits of the standard shape (see `_warm_shape`), the box takes a
        warm sandbox of this process when one is ready: its slot, and the sandbox itself for the first
        `run()` if that run's command and files are the ones it was started with; its memory cgroup gets
        this job's limits first. Otherwise (and for every other run) a sandbox starts cold, as always.

        Raises SandboxUnavailable before anything runs when bubblewrap cannot be used and
        settings.JUDGE_ALLOW_UNSANDBOXED is false.
        """
        shape = _warm_shape(limits) if warm else None
        entry = _pool.take(shape) if shape is not None else None
        if entry is not None and entry.cgroup is not None:
            try:
                entry.cgroup.configure(limits)
            except OSError as exc:
                logger.warning("judge: cannot set the memory cgroup of slot %s: %s", entry.slot.index, exc)
                entry.destroy()
                entry = None
        if entry is not None:
            box = cls(limits=limits, slot=entry.slot, sandboxed=True, cgroup=entry.cgroup, _warm=entry)
            clean = False
            try:
                yield box
                clean = True
            finally:
                try:
                    box._drop_warm()
                finally:
                    _release_slot(entry.slot, clean=clean)
            return
        with _acquire_slot() as slot:
            reason = _probe(settings.JUDGE_BWRAP_PATH, slot)
            if reason is None:
                cgroup = _slot_cgroup(slot.index)
                if cgroup is not None:
                    try:
                        cgroup.configure(limits)
                    except OSError as exc:
                        logger.warning("judge: cannot set the memory cgroup of slot %s: %s", slot.index, exc)
                        cgroup = None
                yield cls(limits=limits, slot=slot, sandboxed=True, cgroup=cgroup)
                return
            if not settings.JUDGE_ALLOW_UNSANDBOXED:
                raise SandboxUnavailable(f"{reason}. Nothing was executed. (JUDGE_ALLOW_UNSANDBOXED=1 runs code without a sandbox, for development only.)")
            logger.warning("running untrusted code WITHOUT a sandbox (JUDGE_ALLOW_UNSANDBOXED): %s", reason)
            root = tempfile.mkdtemp(prefix="codecapsule-unsandboxed-")
            try:
                for sub in ("home", "tmp", "judge"):
                    os.mkdir(os.path.join(root, sub), 0o700)
                    if slot.uid is not None:
                        os.chown(os.path.join(root, sub), slot.uid, slot.uid)
                if slot.uid is not None:
                    os.chown(root, slot.uid, slot.uid)
                yield cls(
                    limits=limits,
                    slot=slot,
                    sandboxed=False,
                    home=os.path.join(root, "home"),
                    tmp=os.path.join(root, "tmp"),
                    judge_dir=os.path.join(root, "judge"),
                    _host_root=root,
                )
            finally:
                if slot.uid is not None:
                    kill_uid(slot.uid)
                shutil.rmtree(root, ignore_errors=True)  # rmtree never follows symlinks

    def judge_path(self, name: str) -> str:
        """Where a file passed with run(files={name: ...}) appears to the command."""
        return f"{self.judge_dir}/{name}"

    @property
    def oom_events_path(self) -> str | None:
        """Inside the sandbox: the slot cgroup's OOM counters ("oom_kill N"), if the job has a cgroup."""
        return f"{SANDBOX_JUDGE}/oom-events" if self.sandboxed and self.cgroup is not None else None

    @property
    def warm(self) -> bool:
        """Whether the next run() may use a sandbox started before this job (if its command matches)."""
        return self._warm is not None

    def environment(self) -> dict[str, str]:
        return base_environment(self.home, self.tmp)

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes = b"",
        files: Mapping[str, bytes] | None = None,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int = 64 * 1024,
    ) -> SandboxRun:
        """Run `argv` in a fresh sandbox and wait for it, at most `deadline` seconds.

        1. `files` become read-only files under judge_dir; `stdin` is readable on fd 0 (an in-memory file,
           or in a warm sandbox a pipe the host writes it to).
        2. The child drops to the slot's uid, starts a new session and execs bwrap (or, unsandboxed,
           the command itself in the host temp directory). A warm sandbox did this before the job.
        3. stdout and stderr are read from pipes; a stream past its cap is cut and the sandbox killed.
        4. At the deadline (or the cap) the sandbox's pid 1 is killed, which takes the whole pid namespace
           with it, and bwrap reaps it and exits (before bwrap has reported that pid: its whole process
           group is killed; --die-with-parent does the rest). wait4() gives the tree's CPU time (for a
           warm sandbox, its start before the job included).
        """
        files = files or {}
        if self._warm is not None:
            entry, self._warm = self._warm, None  # used once at most, whatever happens next
            if entry.matches(argv, files) and entry.alive():
                return self._run_warm(entry, stdin, deadline, stdout_cap, stderr_cap)
            if not entry.stop():
                self.slot.needs_sweep = True
        with _memfds(files if self.sandboxed else {}) as (data_fds, data_args):
            info_r = info_w = block_r = block_w = None
            if self.sandboxed:
                # bwrap reports the host pid of the sandbox's pid 1 here: killing that process (rather than
                # bwrap) ends the sandbox while bwrap is still there to reap it, so no zombie is left.
                info_r, info_w = os.pipe()
                if self.cgroup is not None:
                    # The sandbox waits on this pipe before it execs the command, until both of bwrap's
                    # processes are in the slot's cgroup: everything the command starts is then in it.
                    block_r, block_w = os.pipe()
                command = _bwrap_command(argv, data_args, tmpfs_mb=self.limits.tmpfs_mb, cgroup=self.cgroup, info_w=info_w, block_r=block_r)
                cwd = None
                env = _HOST_ENV
            else:
                for name, data in files.items():
                    path = os.path.join(self.judge_dir, name)
                    with open(path, "wb") as handle:
                        handle.write(data)
                    os.chmod(path, 0o444)
                command = list(argv)
                cwd = self.home
                env = {"PATH": SANDBOX_PATH, "HOME": self.home, "LANG": "C.UTF-8"}
            stdin_fd = os.memfd_create("judge-stdin")
            try:
                _write_all(stdin_fd, stdin)
                os.lseek(stdin_fd, 0, os.SEEK_SET)
                pass_fds = [*data_fds, *(fd for fd in (info_w, block_r) if fd is not None)]
                return self._spawn_and_collect(command, cwd, env, stdin_fd, pass_fds, info_r, info_w, block_w, deadline, stdout_cap, stderr_cap)
            finally:
                os.close(stdin_fd)
                for fd in (block_r, block_w):
                    if fd is not None:
                        os.close(fd)

    def _drop_warm(self) -> None:
        """End a warm sandbox this box took but never ran (its slot stays with the box)."""
        if self._warm is not None:
            entry, self._warm = self._warm, None
            if not entry.stop():
                self.slot.needs_sweep = True

    def _run_warm(self, entry: _WarmSandbox, stdin: bytes, deadline: float, stdout_cap: int, stderr_cap: int) -> SandboxRun:
        """The job's run in a warm sandbox: bwrap and the command started long ago and wait on stdin."""
        started = time.monotonic()
        oom_before = self.cgroup.oom_kills() if self.cgroup is not None else 0
        return self._collect(
            entry.proc,
            started=started,
            oom_before=oom_before,
            info_r=None,
            block_w=None,
            sandbox_init=entry.take_sandbox_init(),
            stdin_w=entry.take_stdin(),
            stdin=stdin,
            deadline=deadline,
            stdout_cap=stdout_cap,
            stderr_cap=stderr_cap,
            close_after=entry.take_other_fds(),
        )

    def _spawn_and_collect(
        self,
        command: list[str],
        cwd: str | None,
        env: Mapping[str, str],
        stdin_fd: int,
        pass_fds: list[int],
        info_r: int | None,
        info_w: int | None,
        block_w: int | None,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int,
    ) -> SandboxRun:
        """Owns info_r and info_w (closes both); writes to block_w once the sandbox may go on."""
        started = time.monotonic()
        oom_before = self.cgroup.oom_kills() if self.cgroup is not None else 0
        command, drop = _as_uid(self.slot.uid, command)
        try:
            proc = subprocess.Popen(
                command,
                stdin=stdin_fd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                pass_fds=pass_fds,
                close_fds=True,
                start_new_session=True,
                **drop,
            )
        except OSError as exc:
            if info_r is not None:
                os.close(info_r)
            raise SandboxError(f"could not start {command[0]}: {exc}") from exc
        finally:
            if info_w is not None:
                os.close(info_w)  # bwrap holds its own copy; EOF on info_r once bwrap is done with it
                info_w = None
        return self._collect(
            proc,
            started=started,
            oom_before=oom_before,
            info_r=info_r,
            block_w=block_w,
            sandbox_init=None,
            stdin_w=None,
            stdin=b"",
            deadline=deadline,
            stdout_cap=stdout_cap,
            stderr_cap=stderr_cap,
        )

    def _collect(
        self,
        proc: subprocess.Popen,
        *,
        started: float,
        oom_before: int,
        info_r: int | None,
        block_w: int | None,
        sandbox_init: int | None,
        stdin_w: int | None,
        stdin: bytes,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int,
        close_after: Sequence[int] = (),
    ) -> SandboxRun:
        """Feed stdin_w (if any) with `stdin`, read stdout/stderr up to their caps until both close or the
        deadline passes, stop the sandbox if needed, reap bwrap. Owns info_r, sandbox_init, stdin_w and
        close_after (closes them); for a cold sandbox, lets it go on (block_w) once bwrap has reported."""
        buffers = {proc.stdout: bytearray(), proc.stderr: bytearray()}
        caps = {proc.stdout: stdout_cap, proc.stderr: stderr_cap}
        truncated = {proc.stdout: False, proc.stderr: False}
        info = bytearray()
        timed_out = False
        pending = memoryview(stdin)
        try:
            if stdin_w is not None:
                # Most jobs fit in the pipe at once; the rest, if any, goes as the command reads.
                os.set_blocking(stdin_w, False)
                pending = _feed(stdin_w, pending)
                if not pending:
                    os.close(stdin_w)  # end of file for the command (the harness does not wait for it)
                    stdin_w = None
            with selectors.DefaultSelector() as selector:
                for stream in buffers:
                    os.set_blocking(stream.fileno(), False)
                    selector.register(stream, selectors.EVENT_READ)
                if info_r is not None:
                    selector.register(info_r, selectors.EVENT_READ)
                if stdin_w is not None:
                    selector.register(stdin_w, selectors.EVENT_WRITE)
                end = started + deadline
                while any(key.fileobj in buffers for key in selector.get_map().values()):
                    remaining = end - time.monotonic()
                    if remaining <= 0:
                        timed_out = True
                        break
                    for key, _ in selector.select(remaining):
                        if stdin_w is not None and key.fileobj == stdin_w:
                            pending = _feed(stdin_w, pending)
                            if not pending:
                                selector.unregister(stdin_w)
                                os.close(stdin_w)
                                stdin_w = None
                            continue
                        if info_r is not None and key.fileobj == info_r:
                            chunk = os.read(info_r, 4096)
                            info += chunk
                            if not chunk:
                                selector.unregister(info_r)
                                sandbox_init = _open_sandbox_init(info)
                                _enter_cgroup(self.cgroup, proc.pid, info, block_w)
                            continue
                        stream = key.fileobj
                        try:
                            chunk = os.read(stream.fileno(), _READ_CHUNK)
                        except BlockingIOError:
                            continue
                        if not chunk:
                            selector.unregister(stream)
                            continue
                        buffer = buffers[stream]
                        room = caps[stream] - len(buffer)
                        buffer += chunk[: max(room, 0)]
                        if len(chunk) > room:
                            truncated[stream] = True
                    if any(truncated.values()):
                        break
            if sandbox_init is None and info:
                sandbox_init = _open_sandbox_init(info)
            if not timed_out and not any(truncated.values()):
                # Both pipes are closed, so the command has (almost always) exited; never wait past the deadline.
                if not _wait_exit(proc.pid, max(end - time.monotonic(), 0.05)):
                    timed_out = True
            stopped = timed_out or any(truncated.values())
            if stopped:
                self._stop(proc, sandbox_init)
            exit_code, signal_number, cpu = _reap(proc)
        finally:
            for fd in (sandbox_init, info_r, stdin_w, *close_after):
                if fd is not None:
                    os.close(fd)
            for stream in buffers:
                stream.close()
        wall = time.monotonic() - started
        if stopped or exit_code != 0:
            # The usual end is the harness exiting 0 as pid 1, which takes the namespace with it. On any
            # other end make sure nothing of this uid survives (the slot's release does it again).
            self.slot.needs_sweep = True
            if self.slot.uid is not None:
                kill_uid(self.slot.uid)
        oom_killed = self.cgroup is not None and self.cgroup.oom_kills() > oom_before
        return SandboxRun(
            oom_killed=oom_killed,
            exit_code=exit_code,
            signal=signal_number,
            stdout=bytes(buffers[proc.stdout]),
            stderr=bytes(buffers[proc.stderr]),
            stdout_truncated=truncated[proc.stdout],
            stderr_truncated=truncated[proc.stderr],
            timed_out=timed_out,
            wall_seconds=wall,
            cpu_seconds=cpu,
            sandboxed=self.sandboxed,
            uid=self.slot.uid,
        )

    @staticmethod
    def _stop(proc: subprocess.Popen, sandbox_init: int | None) -> bool:
        """End a sandbox early: kill its pid 1 (the kernel then kills the whole pid namespace and bwrap
        reaps it and exits), or, before bwrap has reported that pid, the whole process group.
        True if it ended through its pid 1 (nothing of it can be left), False if the group was killed."""
        if sandbox_init is not None:
            try:
                signal.pidfd_send_signal(sandbox_init, signal.SIGKILL)
            except OSError:
                pass
            else:
                if _wait_exit(proc.pid, 2.0):
                    return True
        _kill_group(proc.pid)
        return False


def _enter_cgroup(cgroup: _SlotCgroup | None, bwrap_pid: int, info: bytes, block_w: int | None) -> None:
    """Put bwrap and the sandbox's pid 1 into the slot's cgroup, then let the sandbox go on."""
    if block_w is None or cgroup is None:
        return
    try:
        cgroup.enter(bwrap_pid)
        cgroup.enter(json.loads(info)["child-pid"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("judge: could not move a sandbox into its cgroup: %s", exc)
    try:
        os.write(block_w, b"x")
    except OSError:
        pass  # bwrap is gone already


def _feed(fd: int, pending: memoryview) -> memoryview:
    """Write what the pipe takes now (non-blocking fd); what is left. A closed reader drops the rest."""
    try:
        while pending:
            pending = pending[os.write(fd, pending) :]
    except BlockingIOError:
        pass
    except OSError:  # EPIPE: the command is gone or closed its stdin
        return pending[:0]
    return pending


# --- Warm sandboxes ----------------------------------------------------------------------------------
#
# Starting a sandbox (bwrap, namespaces, mounts, the interpreter of the harness) costs ~15-20 ms, more
# than ten Python tests. So each server process keeps up to JUDGE_WARM_SANDBOXES sandboxes started
# ahead of need: bwrap plus the registered command (the judge harness) as pid 1, in a slot of its own
# (its own uid and memory cgroup), blocked reading its stdin. A job takes a ready one (`Sandbox.open`)
# and a replacement is started in the background. Each is used for exactly one job and then ends as a
# cold one does (the harness exits, the namespace goes); one that is not used is killed. Never reused.
#
# Only for the standard shape (`_warm_shape`): what bwrap fixes at start (tmpfs size, binds, the
# command and its files, the uid and cgroup scheme). Every other limit is per job and applied after the
# job is taken: the cgroup's memory and pids limits by `Sandbox.open`, the rlimits by the harness once it
# has read the job (before it runs anything untrusted), the wall-clock deadline by the host.
#
# Leaks: bwrap runs with --die-with-parent, so a warm sandbox of a dying server process dies with it.
# That is PR_SET_PDEATHSIG, which fires when the *thread* that started bwrap ends: so they are all started
# by one thread that lives as long as the process. A slot's lock file says "1" while a warm sandbox holds
# it, so a process that died without cleaning up gets its uid swept by the next holder.
#
# Slots: a warm sandbox starts only while at least half of the other slots are free, so under load they
# stop being replaced and jobs keep the slots; a job of this process that finds every slot held makes
# the pool give one of its idle ones back; idle ones end after JUDGE_WARM_IDLE_SECONDS (and the pool
# stops refilling until the next job asks).

_warm_command: Callable[[], tuple[list[str], dict[str, bytes]]] | None = None
_digests: dict[int, tuple[bytes, bytes]] = {}


def set_warm_command(provider: Callable[[], tuple[list[str], dict[str, bytes]]]) -> None:
    """Register what warm sandboxes run: provider() -> (argv, files), exactly what a job will pass to
    Sandbox.run (the runtimes register the judge harness, judges/runtimes/base.py). The command must
    run nothing untrusted, and set no per-job limit, before it has read its job from stdin."""
    global _warm_command
    _warm_command = provider


class _WarmKey(NamedTuple):
    """Everything fixed when a sandbox starts. A warm sandbox serves only a job whose key is equal (if
    the settings changed since it started, it is discarded), and it is started from its key alone."""

    bwrap: str
    cgroups: bool
    tmpfs_mb: int
    slots: _SlotConfig
    euid: int
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]  # (name, sha256 of the content)


def _warm_shape(limits: Limits) -> tuple[_WarmKey, list[str], dict[str, bytes]] | None:
    """(key, argv, files) of the warm sandbox a job with `limits` may take, or None: it starts cold.

    Only the standard shape is kept warm: JUDGE_TMPFS_MB (no language overrides it); a job asking for
    another tmpfs size starts cold.
    """
    if settings.JUDGE_WARM_SANDBOXES <= 0 or _warm_command is None or limits.tmpfs_mb != settings.JUDGE_TMPFS_MB:
        return None
    argv, files = _warm_command()
    key = _WarmKey(
        bwrap=settings.JUDGE_BWRAP_PATH,
        cgroups=bool(settings.JUDGE_CGROUPS),
        tmpfs_mb=settings.JUDGE_TMPFS_MB,
        slots=_SlotConfig.current(),
        euid=os.geteuid(),
        argv=tuple(argv),
        files=tuple(sorted((name, _digest(data)) for name, data in files.items())),
    )
    return key, list(argv), dict(files)


def _digest(data: bytes) -> bytes:
    cached = _digests.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    digest = hashlib.sha256(data).digest()
    if len(_digests) > 64:
        _digests.clear()
    _digests[id(data)] = (data, digest)
    return digest


class _WarmSandbox:
    """A sandbox started ahead of its job: bwrap, and the command as its pid 1 blocked on stdin."""

    def __init__(self, key: _WarmKey, slot: _Slot, cgroup: _SlotCgroup | None, proc: subprocess.Popen, stdin_w: int, sandbox_init: int, argv: list[str], files: dict[str, bytes]):
        self.key = key
        self.slot = slot
        self.cgroup = cgroup
        self.proc = proc
        self.argv = argv
        self.files = files
        self.created = time.monotonic()
        self._stdin_w: int | None = stdin_w
        self._sandbox_init: int | None = sandbox_init
        self._bwrap: int | None = os.pidfd_open(proc.pid)

    @property
    def pid(self) -> int:
        """bwrap's host pid."""
        return self.proc.pid

    def matches(self, argv: Sequence[str], files: Mapping[str, bytes]) -> bool:
        return list(argv) == self.argv and dict(files) == self.files

    def alive(self) -> bool:
        """Neither bwrap nor the sandbox's pid 1 has exited (a pidfd turns readable when it does)."""
        fds = [fd for fd in (self._bwrap, self._sandbox_init) if fd is not None]
        if len(fds) < 2:
            return False
        ready, _, _ = select.select(fds, [], [], 0)
        return not ready

    def take_stdin(self) -> int | None:
        fd, self._stdin_w = self._stdin_w, None
        return fd

    def take_sandbox_init(self) -> int | None:
        fd, self._sandbox_init = self._sandbox_init, None
        return fd

    def take_other_fds(self) -> list[int]:
        fd, self._bwrap = self._bwrap, None
        return [fd] if fd is not None else []

    def stop(self) -> bool:
        """End it unused: kill its pid 1 (the namespace goes with it) and reap bwrap. True if it ended
        through its pid 1, so nothing of it can be left; False if its process group had to be killed."""
        try:
            ended = Sandbox._stop(self.proc, self._sandbox_init)
            _reap(self.proc)
            return ended
        finally:
            self.close_fds()

    def destroy(self) -> None:
        """stop() and give the slot back (sweeping its uid unless it ended cleanly)."""
        clean = False
        try:
            clean = self.stop()
        finally:
            _release_slot(self.slot, clean=clean)

    def close_fds(self) -> None:
        fds = (self._stdin_w, self._sandbox_init, self._bwrap)
        self._stdin_w = self._sandbox_init = self._bwrap = None  # first: never closed twice
        for fd in fds:
            if fd is not None:
                os.close(fd)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _start_warm(key: _WarmKey, argv: list[str], files: dict[str, bytes]) -> _WarmSandbox | None:
    """Start one warm sandbox in a free slot, as `key` says (not the settings of the moment); None if
    too few slots are free. SandboxUnavailable if bwrap cannot sandbox here (jobs start cold, and the
    cold path reports why, or runs unsandboxed in development)."""
    from judges.limits import limits_for

    # Warm sandboxes are for a lightly loaded judge: they take a slot only while at least half of the
    # others are free, so they never hold more than about half of the slots (of all processes together).
    slot = _claim_slot(wait=False, keep_free=max(1, key.slots.count // 2), config=key.slots)
    if slot is None:
        return None
    try:
        reason = _probe(key.bwrap, slot)
    except BaseException:
        _release_slot(slot, clean=False)
        raise
    if reason is not None:
        _release_slot(slot)
        raise SandboxUnavailable(reason)
    proc: subprocess.Popen | None = None
    pipes: list[int] = []
    sandbox_init: int | None = None
    try:
        cgroup = _slot_cgroup(slot.index, key.cgroups)
        if cgroup is not None:
            try:
                cgroup.configure(limits_for("python"))  # until a job sets its own (Sandbox.open)
            except OSError as exc:
                logger.warning("judge: cannot set the memory cgroup of slot %s: %s", slot.index, exc)
                cgroup = None
        stdin_r, stdin_w = os.pipe()
        info_r, info_w = os.pipe()
        pipes += [stdin_r, stdin_w, info_r, info_w]
        block_r = block_w = None
        if cgroup is not None:
            block_r, block_w = os.pipe()
            pipes += [block_r, block_w]
        with _memfds(files) as (data_fds, data_args):
            command, drop = _as_uid(
                slot.uid, _bwrap_command(argv, data_args, tmpfs_mb=key.tmpfs_mb, cgroup=cgroup, info_w=info_w, block_r=block_r, bwrap=key.bwrap)
            )
            proc = subprocess.Popen(
                command,
                stdin=stdin_r,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_HOST_ENV,
                pass_fds=[*data_fds, *(fd for fd in (info_w, block_r) if fd is not None)],
                close_fds=True,
                start_new_session=True,
                **drop,
            )
        for fd in (stdin_r, info_w, block_r):  # bwrap has its own copies
            if fd is not None:
                pipes.remove(fd)
                os.close(fd)
        info = _read_to_end(info_r, timeout=10.0)
        sandbox_init = _open_sandbox_init(info)
        if sandbox_init is None:
            raise SandboxError(f"bwrap did not report its sandbox: {info[:200]!r}")
        _enter_cgroup(cgroup, proc.pid, info, block_w)
        for fd in (info_r, block_w):
            if fd is not None:
                pipes.remove(fd)
                os.close(fd)
        entry = _WarmSandbox(key, slot, cgroup, proc, stdin_w, sandbox_init, argv, files)
        sandbox_init = None  # the entry's now, as is stdin_w
        pipes.remove(stdin_w)
        return entry
    except BaseException:
        for fd in pipes:
            os.close(fd)
        if sandbox_init is not None:
            os.close(sandbox_init)
        if proc is not None:
            _kill_group(proc.pid)
            _reap(proc)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        _release_slot(slot, clean=False)
        raise


def _read_to_end(fd: int, *, timeout: float) -> bytes:
    data = bytearray()
    end = time.monotonic() + timeout
    while True:
        remaining = end - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise SandboxError("bwrap did not report its sandbox in time")
        chunk = os.read(fd, 4096)
        if not chunk:
            return bytes(data)
        data += chunk


class _WarmPool:
    """This process's warm sandboxes, kept by one background thread. Thread-safe.

    `take(shape)` hands a ready sandbox of that shape to exactly one caller (removing it from the pool)
    and asks the thread to start a replacement; the thread keeps up to JUDGE_WARM_SANDBOXES ready for
    the shape last asked for, while jobs keep asking (JUDGE_WARM_IDLE_SECONDS).
    """

    RETRY_SECONDS = 0.5  # after a start that found no free slot (or failed)
    UNAVAILABLE_RETRY_SECONDS = 30.0  # after bwrap could not sandbox at all

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._ready: list[_WarmSandbox] = []
        self._starting = 0
        self._wanted: tuple[_WarmKey, list[str], dict[str, bytes]] | None = None
        self._wanted_at = 0.0
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False

    def take(self, shape: tuple[_WarmKey, list[str], dict[str, bytes]]) -> _WarmSandbox | None:
        key = shape[0]
        found: _WarmSandbox | None = None
        stale: list[_WarmSandbox] = []
        with self._lock:
            if self._closed:
                return None
            if self._wanted is None or self._wanted[0] != key:
                self._retry_at = 0.0  # other settings: try at once, whatever failed before
            self._wanted, self._wanted_at = shape, time.monotonic()
            keep = []
            for entry in self._ready:
                if entry.key != key or not entry.alive():
                    stale.append(entry)
                elif found is None:
                    found = entry
                else:
                    keep.append(entry)
            self._ready = keep
            if self._thread is None:
                self._thread = threading.Thread(target=self._keep_warm, name="judge-warm-sandboxes", daemon=True)
                self._thread.start()
            self._changed.notify_all()
        for entry in stale:
            _destroy_quietly(entry)
        return found

    def evict_one(self) -> bool:
        """Give back the slot of one idle warm sandbox (a job is waiting for a slot). False if none."""
        with self._lock:
            if not self._ready:
                return False
            entry = self._ready.pop(0)
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
        _destroy_quietly(entry)
        return True

    def close(self) -> None:
        """End every ready sandbox and stop refilling (at exit)."""
        with self._lock:
            self._closed = True
            entries, self._ready = self._ready, []
            self._changed.notify_all()
        for entry in entries:
            _destroy_quietly(entry)

    def ready_pids(self) -> list[int]:
        """bwrap pids of the ready warm sandboxes (for tests and diagnostics)."""
        with self._lock:
            return [entry.pid for entry in self._ready]

    def wait_ready(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until at least `count` warm sandboxes are ready (for tests and benchmarks)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._ready) >= count, timeout)

    def _keep_warm(self) -> None:
        while True:
            expired: list[_WarmSandbox] = []
            shape = None
            with self._lock:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    idle = settings.JUDGE_WARM_IDLE_SECONDS
                    expired = [entry for entry in self._ready if now - entry.created > idle]
                    if expired:
                        self._ready = [entry for entry in self._ready if entry not in expired]
                        break
                    waits = [entry.created + idle - now for entry in self._ready]
                    wanted = self._wanted is not None and now - self._wanted_at <= idle
                    if wanted and len(self._ready) + self._starting < settings.JUDGE_WARM_SANDBOXES:
                        if now >= self._retry_at:
                            shape = self._wanted
                            self._starting += 1
                            break
                        waits.append(self._retry_at - now)
                    self._changed.wait(max(min(waits), 0.01) if waits else None)
            for entry in expired:
                _destroy_quietly(entry)
            if shape is None:
                continue
            entry = None
            retry = self.RETRY_SECONDS
            try:
                entry = _start_warm(*shape)
            except SandboxUnavailable as exc:
                logger.debug("judge: no warm sandboxes: %s", exc)
                retry = self.UNAVAILABLE_RETRY_SECONDS
            except Exception:  # noqa: BLE001 - the thread must go on; jobs start cold meanwhile
                logger.exception("judge: could not start a warm sandbox")
            unwanted = None
            with self._lock:
                self._starting -= 1
                if entry is None:
                    self._retry_at = time.monotonic() + retry
                elif self._closed or self._wanted is None or self._wanted[0] != entry.key:
                    unwanted = entry
                else:
                    self._ready.append(entry)
                self._changed.notify_all()
            if unwanted is not None:
                _destroy_quietly(unwanted)


def _destroy_quietly(entry: _WarmSandbox) -> None:
    try:
        entry.destroy()
    except Exception:  # noqa: BLE001
        logger.exception("judge: could not end a warm sandbox")


_pool = _WarmPool()


def warm_pool() -> _WarmPool:
    """This process's warm sandboxes (for tests, benchmarks and diagnostics)."""
    return _pool


def _close_pool_at_exit() -> None:
    _pool.close()


def _after_fork_in_child() -> None:
    """A forked child (multiprocessing, a pre-forking server) must not use or hold its parent's
    sandboxes and slots: forget them, close our copies of their descriptors (closing a copy of a slot's
    lock file does not release the parent's lock, but keeping it would hold the slot after the parent
    let it go), and start with fresh locks, which a thread of the parent may have held at the fork."""
    global _pool, _probe_lock, _cgroup_lock
    parent, _pool = _pool, _WarmPool()
    _probe_lock = threading.Lock()
    _cgroup_lock = threading.Lock()
    for entry in list(parent._ready):
        try:
            entry.close_fds()
        except OSError:
            pass
    for fd in list(_held_slot_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_slot_fds.clear()


atexit.register(_close_pool_at_exit)
os.register_at_fork(after_in_child=_after_fork_in_child)


def _open_sandbox_init(info: bytes) -> int | None:
    """A pidfd for the sandbox's pid 1 from bwrap's --info-fd JSON (None if not reported)."""
    try:
        pid = json.loads(info)["child-pid"]
        return os.pidfd_open(pid)
    except (ValueError, KeyError, TypeError, OSError):
        return None


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_exit(pid: int, timeout: float) -> bool:
    """Wait until child `pid` has exited, without reaping it (wait4 still gets its usage). False on timeout."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(pidfd)


def _reap(proc: subprocess.Popen) -> tuple[int | None, int | None, float]:
    """wait4() the child: exit code or signal, and the CPU time of its whole reaped tree."""
    while True:
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:  # already reaped elsewhere; no usage to report
            return proc.returncode, None, 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from warning that it still runs
    cpu = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), cpu
    return os.WEXITSTATUS(status), None, cpu


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                continue
            raise
        view = view[written:]
