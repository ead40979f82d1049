"""manage.py import_capsules and export_capsules: validation messages, exit codes, dry run, round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from capsules.models import Capsule, CapsuleStatus
from capsules.seed_sql import seed_sql_name
from capsules.selectors import capsule_base_dict
from capsules.tests.samples import capsule_data

pytestmark = pytest.mark.django_db


def jsonl(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def write(tmp_path: Path, text: str, name: str = "capsules.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(command: str, *args: str) -> tuple[str, str, CommandError | None]:
    """Run a command in-process; returns stdout, stderr and the CommandError it ended with, if any."""
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def missing_expected_output() -> dict[str, Any]:
    data = capsule_data("CODE", title="Broken test case")
    del data["config_data"]["test_cases"][1]["expected_output"]
    return data


def stored_seed_files() -> list[str]:
    if not default_storage.exists("seed_sql"):
        return []
    return default_storage.listdir("seed_sql")[1]


# --- import: good and bad records -----------------------------------------------------------------


def test_it_imports_valid_json_lines_as_judged_capsules_of_the_owner(owner, tmp_path):
    path = write(tmp_path, jsonl(capsule_data("CODE"), capsule_data("DATABASE"), capsule_data("TERMINAL")))

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert error is None and err == ""
    assert out.strip() == "imported 3, updated 0, rejected 0"
    imported = Capsule.objects.filter(creator=owner)
    assert [c.status for c in imported] == [CapsuleStatus.VALIDATED] * 3  # every sample passes the judge
    assert all(c.validation_report["passed"] for c in imported)
    database = Capsule.objects.get(capsule_type="DATABASE")
    assert "seed_sql" not in database.config_data and database.config_data["seed_sql_url"]


def test_a_record_the_judge_fails_is_imported_as_a_draft_carrying_the_report(owner, tmp_path):
    record = capsule_data("CODE", title="Wrong answer")
    record["config_data"]["reference_solution"] = "def find_largest(numbers):\n    return min(numbers)\n"
    path = write(tmp_path, jsonl(record))

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    # the schema is fine, so the record is imported; the judge's verdict decides its status
    assert (error, err, out.strip()) == (None, "", "imported 1, updated 0, rejected 0")
    capsule = Capsule.objects.get()
    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["category"] == "wrong_output"


def test_it_reports_each_bad_line_with_its_field_path_imports_nothing_and_exits_with_status_1(owner, other_creator, make_capsule, tmp_path):
    theirs = make_capsule(other_creator)
    unknown_language = capsule_data("CODE", title="Cobol", runtime_config={"language": "cobol"})
    stolen = capsule_data("CODE", id=str(theirs.id), title="Not mine")
    path = write(
        tmp_path,
        jsonl(capsule_data("CODE", title="Good one"), missing_expected_output(), "{not json}")
        + "\n"  # line 4 is blank: skipped, but still counted
        + jsonl(unknown_language, stolen, "[1, 2]", capsule_data("TERMINAL", title="Good two")),
    )

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.splitlines() == [
        "line 2: config_data.test_cases[1].expected_output: Field required",
        "line 3: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        "line 5: runtime_config.language: 'cobol' is not a CODE language; allowed: python, javascript, java, csharp, go",
        "line 6: id: belongs to another creator",
        "line 7: expected a JSON object",
    ]
    assert out.strip() == "nothing saved: rejected 5 of 7 records"
    assert isinstance(error, CommandError) and error.returncode == 1
    assert str(error) == "5 records were rejected; nothing was imported"
    assert not Capsule.objects.filter(creator=owner).exists()  # all or nothing: not even the good ones
    assert Capsule.objects.get(pk=theirs.pk).title == theirs.title  # the other creator's capsule is untouched


def test_it_reports_every_error_of_one_record_on_its_own_line(owner, tmp_path):
    record = capsule_data("CODE", id="not-a-uuid", title="")
    path = write(tmp_path, jsonl(record))

    _, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.splitlines() == [
        "line 1: id: is not a valid UUID",
        "line 1: title: String should have at least 1 character",
    ]
    assert error.returncode == 1


def test_a_json_array_is_detected_and_its_records_are_numbered_from_one(owner, tmp_path):
    path = write(tmp_path, json.dumps([capsule_data("CODE"), missing_expected_output()], indent=2), "capsules.json")

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.splitlines() == ["record 2: config_data.test_cases[1].expected_output: Field required"]
    assert out.strip() == "nothing saved: rejected 1 of 2 records"
    assert error.returncode == 1
    assert not Capsule.objects.exists()


def test_a_json_array_that_does_not_parse_imports_nothing(owner, tmp_path):
    path = write(tmp_path, '[\n  {"title": "x"},\n  oops\n]\n', "capsules.json")

    _, _, error = run("import_capsules", str(path), "--owner", "owner")

    assert str(error) == "line 3: invalid JSON: Expecting value (column 3)"
    assert not Capsule.objects.exists()


def test_a_record_with_the_owners_id_updates_that_capsule(owner, make_capsule, tmp_path):
    mine = make_capsule(owner, status="published", is_public=True)
    record = capsule_base_dict(mine) | {"title": "A better title"}
    path = write(tmp_path, jsonl(record))

    out, _, error = run("import_capsules", str(path), "--owner", "owner")

    assert error is None
    assert out.strip() == "imported 0, updated 1, rejected 0"
    mine.refresh_from_db()
    assert mine.title == "A better title"
    # capsule_update's rule: changed content is judged again; it passes, so the capsule stays published
    assert mine.status == CapsuleStatus.PUBLISHED
    assert Capsule.objects.count() == 1


def test_a_record_that_updates_a_published_capsule_into_one_the_judge_fails_takes_it_back_to_draft(
    owner, make_capsule, tmp_path
):
    mine = make_capsule(owner, status="published", is_public=True)
    record = capsule_base_dict(mine)
    record["config_data"]["test_cases"][0]["expected_output"] = "6\n"  # the reference prints 5
    path = write(tmp_path, jsonl(record))

    out, _, error = run("import_capsules", str(path), "--owner", "owner")

    assert (error, out.strip()) == (None, "imported 0, updated 1, rejected 0")
    mine.refresh_from_db()
    assert mine.status == CapsuleStatus.DRAFT  # changed content that fails the judge is no longer proven
    assert mine.validation_report["category"] == "wrong_output"


def test_a_record_with_a_new_id_keeps_it(owner, tmp_path):
    new_id = "7f0c5a9e-2d47-4d2e-9a51-0b8b3c1f6e11"
    path = write(tmp_path, jsonl(capsule_data("CODE", id=new_id)))

    run("import_capsules", str(path), "--owner", "owner")

    assert str(Capsule.objects.get().id) == new_id


def test_status_creator_and_timestamps_of_a_record_are_not_imported(owner, other_creator, tmp_path):
    record = capsule_data(
        "CODE", status="published", creator_id=str(other_creator.pk), created_at="2001-01-01T00:00:00Z"
    )
    path = write(tmp_path, jsonl(record))

    run("import_capsules", str(path), "--owner", "owner")

    capsule = Capsule.objects.get()
    assert capsule.status == CapsuleStatus.VALIDATED  # the judge's status, not the record's
    assert capsule.creator == owner
    assert capsule.created_at.year > 2001


def test_a_record_claiming_to_be_validated_is_still_judged(owner, tmp_path):
    record = capsule_data("CODE", status="validated")
    record["config_data"]["boilerplate_code"] = record["config_data"]["reference_solution"]
    path = write(tmp_path, jsonl(record))

    run("import_capsules", str(path), "--owner", "owner")

    capsule = Capsule.objects.get()
    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["category"] == "boilerplate_passes"


def test_a_seed_sql_url_not_stored_here_is_rejected(owner, tmp_path):
    record = capsule_data("DATABASE")
    del record["config_data"]["seed_sql"]
    record["config_data"]["seed_sql_url"] = "/media/seed_sql/" + "0" * 64 + ".sql"
    path = write(tmp_path, jsonl(record))

    _, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.strip() == (
        "line 1: config_data.seed_sql_url: names seed SQL that is not stored here; include seed_sql in the record"
    )
    assert error.returncode == 1


def test_an_unknown_owner_is_a_command_error(db, tmp_path):
    path = write(tmp_path, jsonl(capsule_data("CODE")))

    _, _, error = run("import_capsules", str(path), "--owner", "nobody")

    assert str(error) == "--owner: no user named 'nobody'"


def test_the_owner_is_required(db, tmp_path):
    path = write(tmp_path, jsonl(capsule_data("CODE")))

    with pytest.raises(CommandError, match="--owner"):
        call_command("import_capsules", str(path))


def test_a_missing_file_is_a_command_error(owner, tmp_path):
    _, _, error = run("import_capsules", str(tmp_path / "nope.jsonl"), "--owner", "owner")

    assert str(error) == f"{tmp_path / 'nope.jsonl'}: no such file"


# --- import: all or nothing, and no traceback for any line -----------------------------------------


def with_tolerance(value: str, title: str) -> str:
    """A JSON Lines line whose first test case has `"tolerance": <value>`, a literal json.dumps cannot write."""
    record = capsule_data("CODE", title=title)
    record["config_data"]["test_cases"][0]["compare"] = "numeric"
    record["config_data"]["test_cases"][0]["tolerance"] = "TOLERANCE"
    return json.dumps(record).replace('"TOLERANCE"', value)


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_imported(owner, other_creator, make_capsule, tmp_path):
    theirs = make_capsule(other_creator)
    depth = django_settings.JSON_MAX_DEPTH
    lines = [
        json.dumps(capsule_data("CODE", title="Good one")),
        "[" * 1000 + "]" * 1000,
        with_tolerance("1e400", "Too large"),
        with_tolerance("NaN", "Not a number"),
        b'{"title": "caf\xe9"}',  # Latin-1, not UTF-8
        '"just a string"',
        json.dumps(missing_expected_output()),
        json.dumps(capsule_data("CODE", id=str(theirs.id), title="Not mine")),
        json.dumps(capsule_data("TERMINAL", title="Good two")),
    ]
    path = tmp_path / "capsules.jsonl"
    path.write_bytes(b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines))

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.splitlines() == [
        f"line 2: invalid JSON: {'[0]' * depth}: nested deeper than {depth} levels (column {depth + 1})",
        "line 3: invalid JSON: config_data.test_cases[0].tolerance: 1e400 is out of range: JSON numbers must be finite"
        " (at most about 1.8e308)",
        "line 4: invalid JSON: config_data.test_cases[0].tolerance: NaN is not allowed: JSON numbers must be finite",
        "line 5: invalid JSON: not UTF-8 text (column 15)",
        "line 6: expected a JSON object",
        "line 7: config_data.test_cases[1].expected_output: Field required",
        "line 8: id: belongs to another creator",
    ]
    assert out.strip() == "nothing saved: rejected 7 of 9 records"
    assert (str(error), error.returncode) == ("7 records were rejected; nothing was imported", 1)
    assert list(Capsule.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert stored_seed_files() == []


def test_a_line_nested_exactly_to_the_limit_is_read_and_judged_like_any_other(owner, tmp_path):
    record = capsule_data("CODE")
    depth = django_settings.JSON_MAX_DEPTH
    record["config_data"]["hints"] = ["deep"]
    line = json.dumps(record).replace('["deep"]', "[" * (depth - 2) + '"deep"' + "]" * (depth - 2))
    path = write(tmp_path, line + "\n")

    _, err, error = run("import_capsules", str(path), "--owner", "owner")

    # read (not an "invalid JSON" error): the schema is what refuses a hint that is not a string
    assert err.startswith("line 1: config_data.hints[0]: ")
    assert error.returncode == 1


def test_a_good_file_is_imported_whole(owner, make_capsule, tmp_path):
    mine = make_capsule(owner)
    path = write(
        tmp_path,
        jsonl(capsule_data("CODE", title="One"), capsule_data("DATABASE"), capsule_base_dict(mine) | {"title": "Renamed"}),
    )

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert (error, err, out.strip()) == (None, "", "imported 2, updated 1, rejected 0")
    assert sorted(Capsule.objects.values_list("title", flat=True)) == sorted(["One", "Customers from Berlin", "Renamed"])


def test_every_record_is_judged_before_the_imports_transaction_begins(owner, make_capsule, tmp_path, monkeypatch):
    # A sandbox run per record inside the transaction would hold SQLite's write lock (every other writer of the
    # site waits) for as long as the whole file takes to judge.
    from django.db import connection

    from capsules import services

    mine = make_capsule(owner)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths: list[int] = []
    real_judge = services.judge_capsule

    def judge(target, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real_judge(target, **kwargs)

    monkeypatch.setattr(services, "judge_capsule", judge)
    path = write(tmp_path, jsonl(capsule_data("CODE", title="One"), capsule_base_dict(mine) | {"title": "Renamed"}))

    out, _err, error = run("import_capsules", str(path), "--owner", "owner")

    assert (error, out.strip()) == (None, "imported 1, updated 1, rejected 0")
    assert depths == [outside, outside]  # once per record, never inside the import's transaction
    assert Capsule.objects.get(title="One").status == CapsuleStatus.VALIDATED


def test_a_record_that_turns_bad_while_importing_undoes_the_records_saved_before_it(owner, other_creator, tmp_path, monkeypatch):
    from capsules import services

    taken_id = "2d8e6b8e-8f5b-4b7e-9a51-6c1e0f1d2a33"
    path = write(tmp_path, jsonl(capsule_data("CODE", title="First"), capsule_data("CODE", id=taken_id, title="Second")))
    real_create = services.capsule_create

    def create_then_lose_the_race(**kwargs):
        capsule = real_create(**kwargs)
        # another creator takes the second record's id after it was checked, before it is written
        Capsule.objects.create(
            id=taken_id, creator=other_creator, title="Theirs", capsule_type="CODE", problem_statement_md="x",
            language="python", runtime_tier="sandbox-python", config_data={},
        )  # fmt: skip
        return capsule

    monkeypatch.setattr(services, "capsule_create", create_then_lose_the_race)

    out, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.strip() == "line 2: id: belongs to another creator"
    assert (out.strip(), error.returncode) == ("nothing saved: rejected 1 of 2 records", 1)
    assert not Capsule.objects.filter(title="First").exists()  # the one transaction was rolled back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"a": 1},\n {"b": [1, NaN]}]', "record 2: invalid JSON: b[1]: NaN is not allowed: JSON numbers must be finite"),
        ('[{"a": 1}, {"b": -1e400}]', "record 2: invalid JSON: b: -1e400 is out of range: JSON numbers must be finite"),
        ("[" * 1000, "record 1: invalid JSON: "),
    ],
)
def test_a_json_array_with_a_bad_value_is_refused_as_a_whole_naming_the_record(owner, tmp_path, text, message):
    path = write(tmp_path, text, "capsules.json")

    _, _, error = run("import_capsules", str(path), "--owner", "owner")

    assert str(error).startswith(message)
    assert not Capsule.objects.exists()


def test_a_json_array_allows_its_records_the_depth_of_a_body(owner, tmp_path):
    depth = django_settings.JSON_MAX_DEPTH
    record = {"nested": "[" * (depth - 1) + "]" * (depth - 1)}
    text = "[" + json.dumps(record).replace('"' + record["nested"] + '"', record["nested"]) + "]"
    path = write(tmp_path, text, "capsules.json")

    _, err, error = run("import_capsules", str(path), "--owner", "owner")

    assert err.startswith("record 1: ")  # read, then refused by the schema
    assert "invalid JSON" not in err and error.returncode == 1


def test_a_dry_run_reports_unreadable_lines_too(owner, tmp_path):
    path = write(tmp_path, jsonl(capsule_data("CODE"), "[" * 1000, with_tolerance("Infinity", "x")))

    out, err, error = run("import_capsules", str(path), "--owner", "owner", "--dry-run")

    assert [line.split(":")[0] for line in err.splitlines()] == ["line 2", "line 3"]
    assert out.strip() == "dry run, nothing saved: imported 1, updated 0, rejected 2"
    assert (str(error), error.returncode) == ("2 records were rejected; nothing would be imported", 1)


def test_the_help_says_the_import_is_all_or_nothing():
    from capsules.management.commands.import_capsules import Command

    text = " ".join(Command().create_parser("manage.py", "import_capsules").format_help().split())

    assert "all or nothing" in text and "nothing is saved" in text


# --- import --dry-run -----------------------------------------------------------------------------


def test_a_dry_run_validates_everything_and_writes_nothing(owner, make_capsule, tmp_path):
    mine = make_capsule(owner)
    files_before = stored_seed_files()
    path = write(
        tmp_path,
        jsonl(
            capsule_data("DATABASE"),
            capsule_data("TERMINAL", id="1b7c1f43-7e7a-4a39-8f0b-5d2b35c3d0a1"),
            capsule_data("TERMINAL", id="1b7c1f43-7e7a-4a39-8f0b-5d2b35c3d0a1", title="Same id again"),
            capsule_base_dict(mine) | {"title": "Changed"},
            missing_expected_output(),
        ),
    )

    out, err, error = run("import_capsules", str(path), "--owner", "owner", "--dry-run")

    assert out.strip() == "dry run, nothing saved: imported 2, updated 2, rejected 1"
    assert err.strip() == "line 5: config_data.test_cases[1].expected_output: Field required"
    assert error.returncode == 1  # a dry run fails like the real run would
    assert list(Capsule.objects.values_list("pk", "title")) == [(mine.pk, mine.title)]
    assert stored_seed_files() == files_before  # not even the seed SQL file was stored


def test_a_clean_dry_run_exits_normally(owner, tmp_path):
    path = write(tmp_path, jsonl(capsule_data("CODE")))

    out, _, error = run("import_capsules", str(path), "--owner", "owner", "--dry-run")

    assert error is None
    assert out.strip() == "dry run, nothing saved: imported 1, updated 0, rejected 0"
    assert not Capsule.objects.exists()


# --- export and the round trip --------------------------------------------------------------------


def test_export_writes_one_base_capsule_per_line_with_the_seed_sql_inlined(owner, make_capsule):
    make_capsule(owner, "CODE")
    database = make_capsule(owner, "DATABASE")

    out, err, _ = run("export_capsules")

    lines = out.splitlines()
    assert len(lines) == 2
    exported = {record["id"]: record for record in map(json.loads, lines)}
    assert exported[str(database.id)]["config_data"]["seed_sql"] == capsule_data("DATABASE")["config_data"]["seed_sql"]
    assert set(exported[str(database.id)]) == set(capsule_base_dict(database))
    assert err.strip() == "exported 2 capsules"


def test_export_can_be_limited_to_one_owner_and_written_to_a_file(owner, other_creator, make_capsule, tmp_path):
    mine = make_capsule(owner)
    make_capsule(other_creator)
    target = tmp_path / "mine.jsonl"

    out, _, _ = run("export_capsules", "--owner", "owner", "--output", str(target))

    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == [str(mine.id)]
    assert out.strip() == f"exported 1 capsule to {target}"


def test_export_warns_about_a_database_capsule_whose_seed_sql_is_missing(owner, make_capsule):
    database = make_capsule(owner, "DATABASE")
    for name in stored_seed_files():
        default_storage.delete(f"seed_sql/{name}")

    out, err, _ = run("export_capsules")

    assert json.loads(out)["id"] == str(database.id)
    assert err.splitlines()[0] == (
        f"warning: capsule {database.id}: its seed SQL is missing from storage; this record will not import"
    )


def test_export_inlines_the_hidden_dataset_beside_its_url(owner, make_capsule):
    database = make_capsule(owner, "DATABASE")

    out, _, _ = run("export_capsules")

    config = json.loads(out)["config_data"]
    assert config["hidden_seed_sql"] == capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]
    assert config["hidden_seed_sql_url"] == database.config_data["hidden_seed_sql_url"]


def test_export_warns_about_a_database_capsule_whose_hidden_dataset_is_missing(owner, make_capsule):
    database = make_capsule(owner, "DATABASE")
    default_storage.delete(seed_sql_name(database.config_data["hidden_seed_sql_url"]))

    out, err, _ = run("export_capsules")

    assert "hidden_seed_sql" not in json.loads(out)["config_data"]
    assert err.splitlines()[0] == (
        f"warning: capsule {database.id}: its hidden dataset's seed SQL is missing from storage; this record will not import"
    )


def test_export_with_an_unknown_owner_is_a_command_error(db):
    _, _, error = run("export_capsules", "--owner", "nobody")

    assert str(error) == "--owner: no user named 'nobody'"


def test_export_delete_import_gives_back_the_same_capsules(owner, make_capsule, tmp_path):
    statement = "Unicode survives: café, 東京, and a line separator\u2028inside."
    originals = [
        make_capsule(owner, "CODE", status="published", is_public=True, problem_statement_md=statement),
        make_capsule(owner, "DATABASE"),
        make_capsule(owner, "TERMINAL", difficulty="hard"),
    ]
    before = {str(c.id): capsule_base_dict(c, include_seed_sql=True) for c in originals}
    export_file = tmp_path / "export.jsonl"
    run("export_capsules", "--owner", "owner", "--output", str(export_file))
    Capsule.objects.all().delete()
    for name in stored_seed_files():  # the seed SQL must come back from the file, not from leftovers
        default_storage.delete(f"seed_sql/{name}")

    out, err, error = run("import_capsules", str(export_file), "--owner", "owner")

    assert (error, err) == (None, "")
    assert out.strip() == "imported 3, updated 0, rejected 0"
    after = {str(c.id): capsule_base_dict(c, include_seed_sql=True) for c in Capsule.objects.all()}
    assert after.keys() == before.keys()
    volatile = {"created_at", "updated_at", "status"}
    for capsule_id, original in before.items():
        assert {k: v for k, v in after[capsule_id].items() if k not in volatile} == {
            k: v for k, v in original.items() if k not in volatile
        }
        # status is not imported: each capsule is judged again (and passes), published or not before
        assert after[capsule_id]["status"] == CapsuleStatus.VALIDATED
    database = next(c for c in originals if c.capsule_type == "DATABASE")
    assert after[str(database.id)]["config_data"]["seed_sql"] == capsule_data("DATABASE")["config_data"]["seed_sql"]
    # the hidden dataset came back from the file too, and the capsule was judged on it again
    assert after[str(database.id)]["config_data"]["hidden_seed_sql"] == capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]
    report = Capsule.objects.get(pk=database.pk).validation_report
    assert report["hidden_expected_result"]["rows"] == [["Alan"], ["Barbara"], ["Ken"]] and report["warnings"] == []


def test_importing_an_export_again_updates_instead_of_duplicating(owner, make_capsule, tmp_path):
    make_capsule(owner, "CODE")
    make_capsule(owner, "DATABASE")
    export_file = tmp_path / "export.jsonl"
    run("export_capsules", "--output", str(export_file))

    out, _, _ = run("import_capsules", str(export_file), "--owner", "owner")

    assert out.strip() == "imported 0, updated 2, rejected 0"
    assert Capsule.objects.count() == 2


# --- the real command line -----------------------------------------------------------------------


def test_the_command_line_exits_with_status_1_when_a_record_is_rejected(tmp_path):
    """Once through a real process: the exit status a shell script sees. It uses its own SQLite file."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "CODECAPSULE_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_DEBUG": "1",
        "DJANGO_SUPERUSER_PASSWORD": "demo-pass-123",
    }
    manage = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*manage, *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    assert cli("migrate", "--noinput").returncode == 0
    # The user to import as (not seed_demo, which would judge every demo capsule first).
    assert cli("createsuperuser", "--noinput", "--username", "demo", "--email", "demo@example.com").returncode == 0
    good = write(tmp_path, jsonl(capsule_data("CODE", title="From the shell")), "good.jsonl")
    bad = write(tmp_path, jsonl(capsule_data("CODE"), missing_expected_output()), "bad.jsonl")

    ok = cli("import_capsules", str(good), "--owner", "demo")
    failed = cli("import_capsules", str(bad), "--owner", "demo")

    assert (ok.returncode, ok.stdout.strip()) == (0, "imported 1, updated 0, rejected 0")
    assert failed.returncode == 1
    assert failed.stdout.strip() == "nothing saved: rejected 1 of 2 records"
    assert failed.stderr.splitlines() == [
        "line 2: config_data.test_cases[1].expected_output: Field required",
        "CommandError: 1 record was rejected; nothing was imported",
    ]
