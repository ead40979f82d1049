"""The sandbox's exceptions. A module of their own because every other part of the package raises them."""

from __future__ import annotations


class SandboxError(Exception):
    """The judge could not run the job. Not the program's fault: report it as a sandbox error."""


class SandboxUnavailable(SandboxError):
    """bubblewrap is missing or cannot create namespaces; nothing was executed."""


class JudgeBusy(SandboxError):
    """Every judge slot stayed busy for as long as the caller would wait; nothing was executed. Learner requests
    answer 503 with Retry-After (the learner's work is kept) instead of holding their request open."""
