"""Task functions the production-style django-q2 clusters run in prodtests (importable by their workers)."""

from __future__ import annotations

import os
import time


def pid_after(seconds: float) -> int:
    """Sleep, then say which worker process ran this."""
    time.sleep(seconds)
    return os.getpid()
