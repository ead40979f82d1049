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
  RLIMIT_NPROC); the drop happens in the forked child before bwrap starts (`subprocess` user=/group=).

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

import errno
import fcntl
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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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


def _slot_dir() -> Path:
    configured = settings.JUDGE_SLOT_DIR
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


@contextmanager
def _acquire_slot() -> Iterator[_Slot]:
    """Hold one of JUDGE_SLOTS slots (an flock on <slot dir>/slot-N.lock) for the duration of a job.

    Locks are per open file, so threads of one process and separate processes (web workers, django-q
    workers, `validate_capsules --workers`) all exclude each other.
    """
    directory = _slot_dir()
    count = settings.JUDGE_SLOTS
    deadline = time.monotonic() + settings.JUDGE_SLOT_WAIT_SECONDS
    start = random.randrange(count)
    while True:
        for offset in range(count):
            index = (start + offset) % count
            fd = os.open(directory / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            uid = settings.JUDGE_UID_BASE + index if os.geteuid() == 0 else None
            slot = _Slot(index=index, uid=uid, lock_fd=fd)
            try:
                # The lock file holds b"1" while a job runs: finding it set means the previous holder died
                # mid-job and may have left processes of this uid behind.
                if uid is not None and os.pread(fd, 1, 0) == b"1":
                    kill_uid(uid)
                os.pwrite(fd, b"1", 0)
                try:
                    yield slot
                except BaseException:
                    slot.needs_sweep = True
                    raise
                finally:
                    if uid is not None and slot.needs_sweep:
                        kill_uid(uid)
                os.pwrite(fd, b"0", 0)
            finally:
                os.close(fd)  # releases the lock
            return
        if time.monotonic() > deadline:
            raise SandboxError(f"all {count} judge slots stayed busy for {settings.JUDGE_SLOT_WAIT_SECONDS} s")
        time.sleep(0.02)


# --- Processes of a uid ------------------------------------------------------------------------------


def processes_of_uid(uid: int) -> list[int]:
    """Pids of every host process whose real or effective uid is `uid` (reads /proc/<pid>/status)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as status:
                for line in status:
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
    while True:
        subprocess.run(
            ["/bin/kill", "-KILL", "-1"],
            user=uid,
            group=uid,
            extra_groups=[],
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


def _slot_cgroup(index: int) -> _SlotCgroup | None:
    """The slot's cgroup, created on first use; None where cgroups are off or not ours to create."""
    if not settings.JUDGE_CGROUPS or os.geteuid() != 0:
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
        args = [bwrap, *_bwrap_arguments(data_args, tmpfs_mb=1, env={}), "--", "/bin/true"]
        try:
            done = subprocess.run(
                args, env=_HOST_ENV, pass_fds=fds, capture_output=True, timeout=10, check=False, **_drop_kwargs(slot)
            )
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


def _drop_kwargs(slot: _Slot) -> dict:
    """subprocess arguments that make the child drop to the slot's uid before it execs anything."""
    if slot.uid is None:
        return {}
    return {"user": slot.uid, "group": slot.uid, "extra_groups": []}


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

    Obtain it with `Sandbox.open(limits)`; call `run()` once per job (each call is a fresh sandbox).
    """

    limits: Limits
    slot: _Slot
    sandboxed: bool
    cgroup: _SlotCgroup | None = field(default=None, repr=False)
    home: str = SANDBOX_HOME
    tmp: str = SANDBOX_TMP
    judge_dir: str = SANDBOX_JUDGE
    _host_root: str | None = field(default=None, repr=False)  # unsandboxed mode only

    @classmethod
    @contextmanager
    def open(cls, limits: Limits) -> Iterator[Sandbox]:
        """Acquire a slot and decide how to run: sandboxed, or (development only) unsandboxed.

        Raises SandboxUnavailable before anything runs when bubblewrap cannot be used and
        settings.JUDGE_ALLOW_UNSANDBOXED is false.
        """
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

        1. `files` become read-only files under judge_dir; `stdin` is readable on fd 0 (an in-memory file).
        2. The child drops to the slot's uid, starts a new session and execs bwrap (or, unsandboxed,
           the command itself in the host temp directory).
        3. stdout and stderr are read from pipes; a stream past its cap is cut and the sandbox killed.
        4. At the deadline (or the cap) the sandbox's pid 1 is killed, which takes the whole pid namespace
           with it, and bwrap reaps it and exits (before bwrap has reported that pid: its whole process
           group is killed; --die-with-parent does the rest). wait4() gives the tree's CPU time.
        """
        files = files or {}
        with _memfds(files if self.sandboxed else {}) as (data_fds, data_args):
            info_r = info_w = block_r = block_w = None
            if self.sandboxed:
                # bwrap reports the host pid of the sandbox's pid 1 here: killing that process (rather than
                # bwrap) ends the sandbox while bwrap is still there to reap it, so no zombie is left.
                info_r, info_w = os.pipe()
                blocking: list[str] = []
                if self.cgroup is not None:
                    # The sandbox waits on this pipe before it execs the command, until both of bwrap's
                    # processes are in the slot's cgroup: everything the command starts is then in it.
                    block_r, block_w = os.pipe()
                    blocking = ["--block-fd", str(block_r)]
                command = [
                    settings.JUDGE_BWRAP_PATH,
                    *_bwrap_arguments(
                        data_args,
                        tmpfs_mb=self.limits.tmpfs_mb,
                        env={"PATH": SANDBOX_PATH, "HOME": SANDBOX_HOME, "LANG": "C.UTF-8"},
                        # Read-only, so the harness can tell which run the OOM killer stopped.
                        binds=[(self.cgroup.events, self.oom_events_path)] if self.cgroup is not None else [],
                    ),
                    "--info-fd", str(info_w),
                    *blocking,
                    "--",
                    *argv,
                ]  # fmt: skip
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
                **_drop_kwargs(self.slot),
            )
        except OSError as exc:
            if info_r is not None:
                os.close(info_r)
            raise SandboxError(f"could not start {command[0]}: {exc}") from exc
        finally:
            if info_w is not None:
                os.close(info_w)  # bwrap holds its own copy; EOF on info_r once bwrap is done with it
                info_w = None
        buffers = {proc.stdout: bytearray(), proc.stderr: bytearray()}
        caps = {proc.stdout: stdout_cap, proc.stderr: stderr_cap}
        truncated = {proc.stdout: False, proc.stderr: False}
        info = bytearray()
        sandbox_init: int | None = None  # pidfd of the sandbox's pid 1
        timed_out = False
        try:
            with selectors.DefaultSelector() as selector:
                for stream in buffers:
                    os.set_blocking(stream.fileno(), False)
                    selector.register(stream, selectors.EVENT_READ)
                if info_r is not None:
                    selector.register(info_r, selectors.EVENT_READ)
                end = started + deadline
                while any(key.fileobj in buffers for key in selector.get_map().values()):
                    remaining = end - time.monotonic()
                    if remaining <= 0:
                        timed_out = True
                        break
                    for key, _ in selector.select(remaining):
                        if key.fileobj == info_r:
                            chunk = os.read(info_r, 4096)
                            info += chunk
                            if not chunk:
                                selector.unregister(info_r)
                                sandbox_init = _open_sandbox_init(info)
                                self._release(proc.pid, info, block_w)
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
            if sandbox_init is not None:
                os.close(sandbox_init)
            if info_r is not None:
                os.close(info_r)
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

    def _release(self, bwrap_pid: int, info: bytes, block_w: int | None) -> None:
        """Put bwrap and the sandbox's pid 1 into the slot's cgroup, then let the sandbox go on."""
        if block_w is None or self.cgroup is None:
            return
        try:
            self.cgroup.enter(bwrap_pid)
            self.cgroup.enter(json.loads(info)["child-pid"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("judge: could not move a sandbox into its cgroup: %s", exc)
        try:
            os.write(block_w, b"x")
        except OSError:
            pass  # bwrap is gone already

    @staticmethod
    def _stop(proc: subprocess.Popen, sandbox_init: int | None) -> None:
        """End a sandbox early: kill its pid 1 (the kernel then kills the whole pid namespace and bwrap
        reaps it and exits), or, before bwrap has reported that pid, the whole process group."""
        if sandbox_init is not None:
            try:
                signal.pidfd_send_signal(sandbox_init, signal.SIGKILL)
            except OSError:
                pass
            else:
                if _wait_exit(proc.pid, 2.0):
                    return
        _kill_group(proc.pid)


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
