"""The sandbox every untrusted program runs in.

A job runs as ONE bubblewrap sandbox; the runtimes (judges/runtimes/) put a small harness inside it that
compiles once and then runs every test. This package only knows how to start a command in a sandbox and
collect what it printed; it knows nothing about tests or languages.

What a sandbox is (see `bwrap.bwrap_arguments` for the exact flags, all from bwrap(1) of bubblewrap 0.8):

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
  RLIMIT_NPROC); the drop happens before bwrap starts (util-linux `setpriv`, see `processes.as_uid`).

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

The package, one concern per module. Imports point down this list, with no exception: a job that finds every
slot held gets an idle warm sandbox's slot back through a hook the pool registers with slots.py
(`set_idle_slot_reclaimer`), not by importing the pool. `from judges.sandbox import X` is the way in for the
rest of the project; the names after each module below are its internal API, what the modules further down
(and a few judge internals, such as the javac server and the slot tests) use. Everything else, `_`-prefixed,
stays inside its module; each module also forgets its own per-process state in a forked child.

    errors.py     SandboxError, SandboxUnavailable, JudgeBusy
    cgroups.py    each slot's memory and pids cgroup: SlotCgroup, slot_cgroup, enter_cgroup
    bwrap.py      the sandbox's layout and the bubblewrap command line: SANDBOX_* paths, READABLE/EXECUTE_ONLY,
                  HOST_ENV, memfds, bwrap_arguments, bwrap_command, write_all, base_environment()
    processes.py  running as a slot's uid (as_uid), processes_of_uid/kill_uid, stopping and reaping a sandbox:
                  stop_sandbox, open_sandbox_init, wait_exit, reap, kill_group
    slots.py      the JUDGE_SLOTS slots, a uid and a lock file per job: Slot, SlotConfig, claim_slot,
                  release_slot, acquire_slot (exported as judge_slot), set_idle_slot_reclaimer
    status.py     whether bubblewrap works here: probe, sandbox_status()
    warm.py       warm sandboxes, started ahead of a job: WarmKey, WarmSandbox, warm_shape, start_warm,
                  set_warm_command()
    pool.py       this process's pool of warm sandboxes and its thread: warm_pool()
    run.py        Sandbox (open, run) and SandboxRun
"""

from judges.sandbox.bwrap import (
    EXECUTE_ONLY,
    SANDBOX_HOME,
    SANDBOX_HOSTNAME,
    SANDBOX_JUDGE,
    SANDBOX_PATH,
    SANDBOX_TMP,
    SANDBOX_UID,
    base_environment,
)
from judges.sandbox.errors import JudgeBusy, SandboxError, SandboxUnavailable
from judges.sandbox.pool import warm_pool
from judges.sandbox.processes import kill_uid, processes_of_uid
from judges.sandbox.run import Sandbox, SandboxRun
from judges.sandbox.slots import acquire_slot as judge_slot  # a slot alone, for judge work without a sandbox (PostgreSQL)
from judges.sandbox.status import sandbox_status
from judges.sandbox.warm import set_warm_command

__all__ = [
    "EXECUTE_ONLY",
    "JudgeBusy",
    "SANDBOX_HOME",
    "SANDBOX_HOSTNAME",
    "SANDBOX_JUDGE",
    "SANDBOX_PATH",
    "SANDBOX_TMP",
    "SANDBOX_UID",
    "Sandbox",
    "SandboxError",
    "SandboxRun",
    "SandboxUnavailable",
    "base_environment",
    "judge_slot",
    "kill_uid",
    "processes_of_uid",
    "sandbox_status",
    "set_warm_command",
    "warm_pool",
]
