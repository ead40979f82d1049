"""manage.py validate_capsules: one JSON result per record, a summary, the exit status, and no writes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from capsules.seed_sql import seed_sql_name, seed_sql_store
from capsules.tests.samples import capsule_data
from judges.gate import validate

pytestmark = pytest.mark.django_db

KEYS = ["index", "title", "valid", "category", "message", "seconds"]
WRONG_REFERENCE = "def find_largest(numbers):\n    return min(numbers)\n"


def jsonl(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def run(*args: str) -> tuple[list[dict[str, Any]], str, str, CommandError | None]:
    """Run in-process: (result objects, summary line, stderr, the CommandError it ended with or None)."""
    out, err = StringIO(), StringIO()
    error = None
    try:
        call_command("validate_capsules", *args, stdout=out, stderr=err)
    except CommandError as exc:
        error = exc
    lines = out.getvalue().splitlines()
    return [json.loads(line) for line in lines[:-1]], lines[-1] if lines else "", err.getvalue(), error


def without_seconds(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in result.items() if key != "seconds"} for result in results]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def media_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else []


def wrong_reference() -> dict[str, Any]:
    data = capsule_data("CODE", title="Wrong reference")
    data["config_data"]["reference_solution"] = WRONG_REFERENCE
    return data


def without_tests() -> dict[str, Any]:
    data = capsule_data("CODE", title="No tests")
    del data["config_data"]["test_cases"]
    return data


MIXED = jsonl(
    capsule_data("CODE"),
    capsule_data("DATABASE"),
    capsule_data("TERMINAL"),
    wrong_reference(),
    '{"title": "cut off", ',
    without_tests(),
) + "\n"  # a trailing blank line is no record


def expected_mixed() -> list[dict[str, Any]]:
    """What the mixed file must give, without `seconds`. The passing records' messages are the gate's own."""
    passing = [
        {"index": i, "title": data["title"], "valid": True, "category": None, "message": validate(data).message}
        for i, data in enumerate([capsule_data("CODE"), capsule_data("DATABASE"), capsule_data("TERMINAL")])
    ]
    assert all(result["message"] for result in passing)
    return [
        *passing,
        {
            "index": 3,
            "title": "Wrong reference",
            "valid": False,
            "category": "wrong_output",
            "message": (
                "The reference solution fails test 1 (three numbers): print(find_largest([1, 5, 2])) printed "
                "'1\\n' but '5\\n' was expected."
            ),
        },
        {
            "index": 4,
            "title": None,
            "valid": False,
            "category": "invalid_config",
            "message": "line 5: invalid JSON: Expecting property name enclosed in double quotes (column 22)",
        },
        {
            "index": 5,
            "title": "No tests",
            "valid": False,
            "category": "invalid_config",
            "message": "The capsule does not fit its schema: config_data.test_cases: Field required",
        },
    ]


@pytest.fixture
def mixed_file(tmp_path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_text(MIXED, encoding="utf-8")
    return path


# --- Output, summary, exit status -------------------------------------------------------------------


def test_a_mixed_file_gives_one_result_per_record_a_summary_and_status_1(mixed_file, django_assert_num_queries):
    expected = expected_mixed()
    before = row_counts()

    with django_assert_num_queries(0):
        results, summary, err, error = run(str(mixed_file))

    assert [list(result) for result in results] == [KEYS] * 6
    assert without_seconds(results) == expected
    assert all(isinstance(r["seconds"], float) and 0 <= r["seconds"] < 60 for r in results)
    assert results[0]["seconds"] > 0  # a real sandbox run took time
    assert summary == "3 valid, 3 invalid"
    assert error is not None and error.returncode == 1 and str(error) == "3 records are invalid"
    assert err == ""
    assert row_counts() == before
    assert media_files() == []


def test_workers_give_the_same_lines_in_the_same_order(mixed_file):
    before = row_counts()
    one, summary_one, _, error_one = run(str(mixed_file))
    two, summary_two, _, error_two = run(str(mixed_file), "--workers", "2")

    assert without_seconds(two) == without_seconds(one)
    assert [r["index"] for r in two] == list(range(6))
    assert summary_two == summary_one == "3 valid, 3 invalid"
    assert error_one is not None and error_two is not None and error_two.returncode == 1
    assert row_counts() == before
    assert media_files() == []


def test_all_valid_exits_with_status_0(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps([capsule_data("CODE"), capsule_data("TERMINAL")]), encoding="utf-8")  # a JSON array

    results, summary, _, error = run(str(path), "--workers", "4")

    assert error is None
    assert [(r["index"], r["title"], r["valid"], r["category"]) for r in results] == [
        (0, "Find the largest number", True, None),
        (1, "Make a greeting file", True, None),
    ]
    assert summary == "2 valid, 0 invalid"


def test_an_empty_file_is_zero_valid_zero_invalid(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    assert run(str(path)) == ([], "0 valid, 0 invalid", "", None)


# --- DATABASE records and seed SQL: nothing is stored -----------------------------------------------


def test_seed_sql_is_judged_inline_or_read_from_storage_and_never_stored(tmp_path):
    inline = capsule_data("DATABASE", title="Inline seed")
    seed_sql = inline["config_data"]["seed_sql"]
    stored_url = seed_sql_store(sql=seed_sql)  # stored beforehand, as a saved capsule's would be
    by_url = capsule_data("DATABASE", title="Stored seed")
    by_url["config_data"]["seed_sql_url"] = stored_url
    del by_url["config_data"]["seed_sql"]
    missing = capsule_data("DATABASE", title="Missing seed")
    missing["config_data"]["seed_sql_url"] = "/media/seed_sql/" + "0" * 64 + ".sql"
    del missing["config_data"]["seed_sql"]
    path = tmp_path / "database.jsonl"
    path.write_text(jsonl(inline, by_url, missing), encoding="utf-8")
    files_before = media_files()

    results, summary, _, error = run(str(path))

    assert [(r["title"], r["valid"], r["category"]) for r in results] == [
        ("Inline seed", True, None),
        ("Stored seed", True, None),
        ("Missing seed", False, "invalid_config"),
    ]
    assert results[2]["message"].startswith("The seed SQL could not be read: no stored seed SQL at ")
    assert summary == "2 valid, 1 invalid" and error is not None
    assert files_before == ["seed_sql", seed_sql_name(stored_url)]
    assert media_files() == files_before


# --- Input ------------------------------------------------------------------------------------------


def test_a_non_object_record_in_an_array_is_invalid_config(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([capsule_data("CODE"), 42]), encoding="utf-8")

    results, summary, _, error = run(str(path))

    assert without_seconds(results)[1] == {
        "index": 1,
        "title": None,
        "valid": False,
        "category": "invalid_config",
        "message": "The capsule does not fit its schema: __all__: expected a JSON object",
    }
    assert summary == "1 valid, 1 invalid" and error is not None and error.returncode == 1


def test_dash_reads_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(jsonl(capsule_data("CODE"), "nope")))

    results, summary, _, _ = run("-")

    assert [(r["valid"], r["message"] if not r["valid"] else "") for r in results] == [
        (True, ""),
        (False, "line 2: invalid JSON: Expecting value (column 1)"),
    ]
    assert summary == "1 valid, 1 invalid"


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="nope.jsonl: no such file"):
        call_command("validate_capsules", str(tmp_path / "nope.jsonl"), stdout=StringIO())
    broken_array = tmp_path / "broken.json"
    broken_array.write_text('[{"title": 1},\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"^line 2: invalid JSON: Expecting value"):
        call_command("validate_capsules", str(broken_array), stdout=StringIO())


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_must_be_a_positive_integer(mixed_file, workers):
    with pytest.raises(CommandError, match="invalid positive integer value"):
        call_command("validate_capsules", str(mixed_file), "--workers", workers, stdout=StringIO())


# --- The real command line --------------------------------------------------------------------------


def test_the_command_line_exits_with_status_1_and_touches_no_database_or_storage(tmp_path):
    """Once through a real process, reading stdin: the exit status a shell sees. Its database file and its
    var directory (media) must not even be created."""
    database = tmp_path / "cli.sqlite3"
    var = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CODECAPSULE_VAR_DIR": str(var), "DJANGO_DEBUG": "1"}
    manage = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]

    done = subprocess.run(
        [*manage, "validate_capsules", "-", "--workers", "2"],
        input=MIXED,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["valid"] for line in lines[:-1]] == [True, True, True, False, False, False]
    assert lines[-1] == "3 valid, 3 invalid"
    assert done.stderr.splitlines()[-1] == "CommandError: 3 records are invalid"
    assert not database.exists()
    assert not (var / "media").exists()
