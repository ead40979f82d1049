"""make test's PostgreSQL pass runs only the tests that use the database (conftest.py, --database-tests-only):
what it keeps and what it leaves to the SQLite pass is decided by the django_db mark and the database fixtures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Marked django_db at module level / no database at all / pure tests beside tests that reach the database only
# through a fixture (`course`, which asks for `db`).
MARKED = "capsules/tests/test_services.py"
PURE = "capsules/tests/test_schemas.py"
THROUGH_A_FIXTURE = "playlists/tests/test_oembed.py"


def collected(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 5), result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_it_keeps_every_test_that_uses_the_database_and_only_those():
    everything = collected(MARKED, PURE, THROUGH_A_FIXTURE)
    kept = collected("--database-tests-only", MARKED, PURE, THROUGH_A_FIXTURE)

    assert kept and set(kept) < set(everything)
    assert all(test.startswith((MARKED, THROUGH_A_FIXTURE)) for test in kept)
    assert [t for t in everything if t.startswith(MARKED)] == [t for t in kept if t.startswith(MARKED)]
    assert not [t for t in kept if t.startswith(PURE)]
    oembed_all = [t for t in everything if t.startswith(THROUGH_A_FIXTURE)]
    oembed_kept = [t for t in kept if t.startswith(THROUGH_A_FIXTURE)]
    assert 0 < len(oembed_kept) < len(oembed_all)
    assert "test_the_host_comparison_ignores_case" not in " ".join(oembed_kept)
