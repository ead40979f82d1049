"""What a sandbox is: its layout (the paths inside it, the generated /etc files, the environments) and the
bubblewrap command line that builds it (`bwrap_arguments`, `bwrap_command`, all flags from bwrap(1) of
bubblewrap 0.8). Shared by cold sandboxes (run.py), warm ones (warm.py) and the availability probe
(status.py). Files reach the sandbox only as anonymous in-memory files (`memfds`): no host path.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from django.conf import settings

from judges.limits import MB
from judges.sandbox.cgroups import SlotCgroup

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
HOST_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


# Modes of the files a job passes in: readable, or (an execute-only program) runnable but not readable by the
# sandbox's user, which makes the process that runs it non-dumpable (judges/runtimes/harness.py, "Checks").
READABLE = "0444"
EXECUTE_ONLY = "0111"


@contextmanager
def memfds(files: Mapping[str, bytes], modes: Mapping[str, str] | None = None) -> Iterator[tuple[list[int], list[str]]]:
    """Anonymous in-memory files for `--ro-bind-data`: bwrap copies them in; no path on the host. `modes` gives
    a file's mode by name (default READABLE); the mount is read-only, so not even its owner can chmod it."""
    modes = modes or {}
    entries = {
        "/etc/passwd": (_PASSWD.encode(), READABLE),
        "/etc/group": (_GROUP.encode(), READABLE),
        "/etc/hosts": (_HOSTS.encode(), READABLE),
    }
    entries.update({f"{SANDBOX_JUDGE}/{name}": (data, modes.get(name, READABLE)) for name, data in files.items()})
    fds: list[int] = []
    args: list[str] = []
    try:
        for destination, (data, mode) in entries.items():
            fd = os.memfd_create("judge-data")
            fds.append(fd)
            write_all(fd, data)
            os.lseek(fd, 0, os.SEEK_SET)
            args += ["--perms", mode, "--ro-bind-data", str(fd), destination]
        yield fds, args
    finally:
        for fd in fds:
            os.close(fd)


def bwrap_arguments(data_args: list[str], *, tmpfs_mb: int, env: Mapping[str, str], binds: Sequence[tuple[str, str]] = ()) -> list[str]:
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


def bwrap_command(
    argv: Sequence[str],
    data_args: list[str],
    *,
    tmpfs_mb: int,
    cgroup: SlotCgroup | None,
    info_w: int,
    block_r: int | None,
    bwrap: str | None = None,
    binds: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """The whole bwrap command line of a job's sandbox (cold or warm: the same). `binds`: more host directories
    the job reads, each (host path, path inside), bound read-only (the browser engines, judges/runtimes/browser.py)."""
    return [
        bwrap or settings.JUDGE_BWRAP_PATH,
        *bwrap_arguments(
            data_args,
            tmpfs_mb=tmpfs_mb,
            env={"PATH": SANDBOX_PATH, "HOME": SANDBOX_HOME, "LANG": "C.UTF-8"},
            # Read-only, so the harness can tell which run the OOM killer stopped.
            binds=[*binds, *([(cgroup.events, f"{SANDBOX_JUDGE}/oom-events")] if cgroup is not None else [])],
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


def write_all(fd: int, data: bytes) -> None:
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
