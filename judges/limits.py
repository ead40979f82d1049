"""Resource limits for one judge job, read from settings.

A `Limits` value says how much one run of an untrusted program may use: one test of a CODE capsule, one
query of a DATABASE capsule, one step of a TERMINAL session. Compilers get their own, larger budget
(`compile_*`). Every number comes from `settings.JUDGE_*` (see the "Judge" block at the end of
codecapsule/settings.py); runtimes that reserve a lot of address space at start (JVM, Go, Node, Mono) get
per-language overrides from `settings.JUDGE_LANGUAGE_LIMITS` (the language registry's `judge_limits`).

    limits = limits_for("java")                      # settings + the Java overrides
    limits = limits_for("python", extended=True)     # an "-extended" runtime tier: time and memory scaled
    limits = limits_for("python").replace(wall_seconds=1.0)   # tests shrink limits to stay fast
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits for each run of the program inside one job. Sizes in MB, times in seconds."""

    cpu_seconds: float
    """CPU time of one run (one test). Enforced by RLIMIT_CPU (rounded up) and checked to the millisecond."""
    wall_seconds: float
    """Wall-clock time of one run; the run's whole process tree is killed when it is over."""
    address_space_mb: int
    """RLIMIT_AS of every process of a run. Runtimes that reserve address space up front need more."""
    heap_mb: int
    """Heap cap for managed runtimes (JVM -Xmx, Node --max-old-space-size, Mono max-heap-size)."""
    processes: int
    """RLIMIT_NPROC: processes and threads of the whole sandbox at once (fork bombs stop here)."""
    file_size_mb: int
    """RLIMIT_FSIZE: the largest file a run may write."""
    open_files: int
    """RLIMIT_NOFILE."""
    output_bytes: int
    """Bytes kept from each of stdout and stderr of a run; more is cut and the run is OLE."""
    tmpfs_mb: int
    """Size of each writable tmpfs in the sandbox (the work directory and /tmp)."""
    compile_cpu_seconds: float
    compile_wall_seconds: float
    compile_address_space_mb: int
    job_wall_seconds: float
    """Backstop for a whole job (compile + every run): the host kills the sandbox when it is over."""
    job_memory_mb: int
    """Memory (RAM and tmpfs) of the whole job, via a memory cgroup where the host has them."""
    sql_max_rows: int
    """Rows kept from a query result; the count of all rows is still reported."""

    def replace(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)

    @property
    def cpu_rlimit(self) -> int:
        """Whole seconds for RLIMIT_CPU (the kernel counts in seconds)."""
        return max(1, math.ceil(self.cpu_seconds))

    def job_deadline_seconds(self, runs: int, *, compiles: int = 0) -> float:
        """How long the host lets a job of `runs` runs (and `compiles` compile steps) live, at most."""
        budget = 2.0 + runs * (self.wall_seconds + 0.5) + compiles * self.compile_wall_seconds
        return min(budget, self.job_wall_seconds)


# Fields an "-extended" runtime tier multiplies by settings.JUDGE_EXTENDED_FACTOR.
_EXTENDED_FIELDS = ("cpu_seconds", "wall_seconds", "address_space_mb", "heap_mb", "compile_cpu_seconds", "compile_wall_seconds")


def limits_for(language: str, *, extended: bool = False) -> Limits:
    """The limits for `language` (a code of capsules/languages.py).

    1. Start from the global JUDGE_* settings.
    2. Apply settings.JUDGE_LANGUAGE_LIMITS[language] (JVM, Go, Node and Mono need more address space).
    3. For an extended runtime tier, scale time and memory by settings.JUDGE_EXTENDED_FACTOR.
    """
    values: dict[str, Any] = {
        "cpu_seconds": float(settings.JUDGE_CPU_SECONDS),
        "wall_seconds": float(settings.JUDGE_WALL_SECONDS),
        "address_space_mb": settings.JUDGE_ADDRESS_SPACE_MB,
        "heap_mb": settings.JUDGE_HEAP_MB,
        "processes": settings.JUDGE_PROCESSES,
        "file_size_mb": settings.JUDGE_FILE_SIZE_MB,
        "open_files": settings.JUDGE_OPEN_FILES,
        "output_bytes": settings.JUDGE_OUTPUT_BYTES,
        "tmpfs_mb": settings.JUDGE_TMPFS_MB,
        "compile_cpu_seconds": float(settings.JUDGE_COMPILE_CPU_SECONDS),
        "compile_wall_seconds": float(settings.JUDGE_COMPILE_WALL_SECONDS),
        "compile_address_space_mb": settings.JUDGE_COMPILE_ADDRESS_SPACE_MB,
        "job_wall_seconds": float(settings.JUDGE_JOB_WALL_SECONDS),
        "job_memory_mb": settings.JUDGE_JOB_MEMORY_MB,
        "sql_max_rows": settings.JUDGE_SQL_MAX_ROWS,
    }
    overrides = getattr(settings, "JUDGE_LANGUAGE_LIMITS", {}).get(language, {})
    unknown = set(overrides) - set(values)
    if unknown:
        raise ValueError(f"JUDGE_LANGUAGE_LIMITS[{language!r}] has unknown keys: {', '.join(sorted(unknown))}")
    values.update(overrides)
    if extended:
        factor = settings.JUDGE_EXTENDED_FACTOR
        for name in _EXTENDED_FIELDS:
            values[name] = type(values[name])(values[name] * factor)
    return Limits(**values)
