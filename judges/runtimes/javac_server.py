"""A warm javac for Java CODE programs, and the JVM classes the judge builds for itself.

Starting javac costs most of a second of CPU (its classes load and run interpreted), and a Java submit compiles
twice (its visible and its hidden tests are separate jobs), the gate three times. So each server process keeps
one javac warm: jvm/JavacServer.java, a JVM that compiles a program per request in tens of milliseconds. It runs
sandboxed by bubblewrap (no network, a read-only system, private temporary directories) and, when the server
runs as root, as a uid of its own (JUDGE_UID_BASE - 1, which no job slot uses). javac runs with annotation
processing off, so it never runs code of what it compiles: what it keeps in memory from one request is out of
reach of every program. The class files then go into the job's sandbox, where jvm/CapsuleRunner.java runs the
tests.

`compile_java` answers None when the warm javac cannot take the request at once (another thread of this process
is compiling, or it could not start): the caller then compiles inside the job, as before there was a server, so
a slow compile never holds up another learner.
"""

from __future__ import annotations

import hashlib
import logging
import os
import select
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

from judges.sandbox.bwrap import SANDBOX_HOME, SANDBOX_JUDGE, SANDBOX_TMP, bwrap_arguments
from judges.sandbox.processes import as_uid

logger = logging.getLogger(__name__)

JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
JVM_SOURCES = Path(__file__).with_name("jvm")
SERVER_CLASS = "JavacServer"
RUNNER_CLASS = "CapsuleRunner"
# The server's JVM: tiered compilation (it lives long, so C2 pays), a heap javac needs for large programs.
SERVER_FLAGS = ["-XX:+UseSerialGC", "-Xmx512m", "-Xss8m", "-XX:-UsePerfData", "-Xshare:auto", "-Dfile.encoding=UTF-8"]
# A compile takes ~0.1 s: a request waits this long for the one before it, then compiles in its job instead.
BUSY_WAIT_SECONDS = 1.0
# The gate compiles the reference twice, a learner resubmits the same code: the last answers, by content.
CACHED_COMPILES = 32
WARM_UP = {
    "Warm.java": (
        "import java.util.*;\n"
        "class Warm { static List<Integer> f(int n) "
        "{ List<Integer> x = new ArrayList<>(); for (int i = 0; i < n; i++) x.add(i * i); return x; } }\n"
    )
}


@dataclass(frozen=True)
class Compiled:
    status: int | None  # javac's exit status; None: stopped (it ran out of time)
    messages: str  # what the javac command would have printed
    classes: dict[str, bytes] = field(default_factory=dict)  # class files by path relative to the output directory
    wall: float = 0.0
    timed_out: bool = False


@cache
def jvm_classes() -> Path | None:
    """A directory with JavacServer.class and CapsuleRunner.class, built once per machine (None: no JDK here)."""
    sources = sorted(JVM_SOURCES.glob("*.java"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    javac = f"{JAVA_HOME}/bin/javac"
    try:
        digest.update(str(os.stat(javac).st_mtime_ns).encode())
    except OSError:
        return None
    target = Path(tempfile.gettempdir()) / f"codecapsule-jvm-{os.geteuid()}-{digest.hexdigest()[:16]}"
    if (target / f"{RUNNER_CLASS}.class").exists():
        return target
    building = Path(tempfile.mkdtemp(prefix="codecapsule-jvm-build-"))
    try:
        subprocess.run(
            [
                javac, "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "--release", "17", "-nowarn",
                "-d", str(building), *map(str, sources),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        building.chmod(0o755)
        with suppress(OSError):
            building.rename(target)  # atomic: another process may have built the same meanwhile
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("cannot build the judge's JVM classes: %s", exc)
        return None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target if (target / f"{RUNNER_CLASS}.class").exists() else None


def runner_class() -> dict[str, bytes]:
    """CapsuleRunner.class, for the judge files of every sandbox ({} where there is no JDK)."""
    directory = jvm_classes()
    if directory is None:
        return {}
    return {f"{RUNNER_CLASS}.class": (directory / f"{RUNNER_CLASS}.class").read_bytes()}


class _ServerGone(Exception):
    pass


class JavacServer:
    """One warm javac process, started on first use, restarted after it failed or ran out of time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._owner = 0  # the pid that started it: a forked child starts its own

    def compile(self, sources: dict[str, str], options: list[str], timeout: float) -> Compiled | None:
        if not self._lock.acquire(timeout=BUSY_WAIT_SECONDS):
            return None
        try:
            process = self._running()
            if process is None:
                return None
            started = time.monotonic()
            try:
                _send(process, sources, options)
                status, messages, classes = _receive(process, started + timeout)
            except TimeoutError:
                self._stop()
                return Compiled(status=None, messages="", wall=time.monotonic() - started, timed_out=True)
            except (_ServerGone, OSError, struct.error):
                self._stop()
                return None
            return Compiled(status=status, messages=messages, classes=classes, wall=time.monotonic() - started)
        finally:
            self._lock.release()

    def _running(self) -> subprocess.Popen | None:
        if self._process is not None and (self._owner != os.getpid() or self._process.poll() is not None):
            self._process = None
        if self._process is None:
            self._process = self._start()
            self._owner = os.getpid()
        return self._process

    def _start(self) -> subprocess.Popen | None:
        classes = jvm_classes()
        if classes is None:
            return None
        java = [f"{JAVA_HOME}/bin/java", *SERVER_FLAGS, "-cp", f"{SANDBOX_JUDGE}/jvm", SERVER_CLASS, SANDBOX_HOME, f"{SANDBOX_TMP}/classes"]
        if settings.JUDGE_ALLOW_UNSANDBOXED and not os.access(settings.JUDGE_BWRAP_PATH, os.X_OK):
            return None  # development without bubblewrap: compile in the job
        arguments = bwrap_arguments(
            [],
            tmpfs_mb=256,
            env={"PATH": "/usr/bin:/bin", "HOME": SANDBOX_HOME, "LANG": "C.UTF-8"},
            binds=[(str(classes), f"{SANDBOX_JUDGE}/jvm")],
        )
        command, user = as_uid(
            settings.JUDGE_UID_BASE - 1 if os.geteuid() == 0 else None, [settings.JUDGE_BWRAP_PATH, *arguments, "--", *java]
        )
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, **user
            )
        except OSError as exc:
            logger.warning("cannot start the warm javac: %s", exc)
            return None
        try:  # its first compile loads javac: done now, not on a learner's time
            _send(process, WARM_UP, ["-proc:none"])
            _receive(process, time.monotonic() + 60)
        except (TimeoutError, _ServerGone, OSError, struct.error) as exc:
            logger.warning("the warm javac did not start: %s", exc)
            _kill(process)
            return None
        return process

    def _stop(self) -> None:
        if self._process is not None:
            _kill(self._process)
            self._process = None


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 9)
    except OSError:
        process.kill()
    process.wait()


def _blob(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def _send(process: subprocess.Popen, sources: dict[str, str], options: list[str]) -> None:
    parts = [struct.pack(">i", len(sources))]
    for name, text in sources.items():
        parts += [_blob(name.encode()), _blob(text.encode())]
    parts.append(struct.pack(">i", len(options)))
    parts += [_blob(option.encode()) for option in options]
    assert process.stdin is not None
    process.stdin.write(b"".join(parts))
    process.stdin.flush()


def _receive(process: subprocess.Popen, deadline: float) -> tuple[int, str, dict[str, bytes]]:
    reader = _Reader(process, deadline)
    status = reader.int()
    messages = reader.blob().decode(errors="replace")
    classes = {}
    for _ in range(reader.int()):
        name = reader.blob().decode()
        classes[name] = reader.blob()
    return status, messages, classes


class _Reader:
    def __init__(self, process: subprocess.Popen, deadline: float):
        assert process.stdout is not None
        self.fd = process.stdout.fileno()
        self.deadline = deadline

    def exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise _ServerGone
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def int(self) -> int:
        return struct.unpack(">i", self.exactly(4))[0]

    def blob(self) -> bytes:
        size = self.int()
        if size < 0 or size > 64 << 20:
            raise _ServerGone
        return self.exactly(size)


_server = JavacServer()
_answers: OrderedDict[str, Compiled] = OrderedDict()
_answers_lock = threading.Lock()


def compile_java(sources: dict[str, str], options: list[str], timeout: float) -> Compiled | None:
    """Compile `sources` ({file name: text}) with the warm javac; None: compile in the job instead."""
    key = hashlib.sha256(repr((sorted(sources.items()), options)).encode()).hexdigest()
    with _answers_lock:
        if key in _answers:
            _answers.move_to_end(key)
            return _answers[key]
    compiled = _server.compile(sources, options, timeout)
    if compiled is not None and not compiled.timed_out:
        with _answers_lock:
            _answers[key] = compiled
            while len(_answers) > CACHED_COMPILES:
                _answers.popitem(last=False)
    return compiled
