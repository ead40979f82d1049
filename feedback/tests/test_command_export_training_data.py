"""manage.py export_training_data: the JSONL to stdout or a file, the summary to stderr, --owner to narrow,
and a clear failure (exit code 1) when there is nothing to export."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from feedback.tests.training_samples import corrected_capsule

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export_training_data", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def titles(jsonl: str) -> list[str]:
    return [json.loads(json.loads(line)["messages"][2]["content"])["title"] for line in jsonl.splitlines()]


def test_it_writes_everyones_examples_to_stdout_and_the_summary_to_stderr(owner, other_creator):
    corrected_capsule(owner, "Owner's capsule")
    corrected_capsule(other_creator, "Other's capsule")

    stdout, stderr = run()

    assert titles(stdout) == ["Owner's capsule", "Other's capsule"]
    assert "exported 2 training examples" in stderr
    summary = json.loads(stderr.split("summary: ", 1)[1])
    assert summary["examples"] == 2


def test_owner_narrows_the_export_to_one_creator(owner, other_creator):
    corrected_capsule(owner, "Owner's capsule")
    corrected_capsule(other_creator, "Other's capsule")

    stdout, _ = run("--owner", "other")

    assert titles(stdout) == ["Other's capsule"]


def test_output_writes_the_file_and_keeps_stdout_empty(owner, tmp_path):
    corrected_capsule(owner, "Owner's capsule")
    target = tmp_path / "train.jsonl"

    stdout, stderr = run("--output", str(target))

    assert stdout == ""
    assert titles(target.read_text(encoding="utf-8")) == ["Owner's capsule"]
    assert f"exported 1 training example to {target}" in stderr


def test_no_examples_is_an_error_that_says_why(owner):
    with pytest.raises(CommandError, match="No training examples: no edited capsule from a generation job passes"):
        run()


def test_an_unknown_owner_is_an_error(owner):
    with pytest.raises(CommandError, match="--owner: no user named 'nobody'"):
        run("--owner", "nobody")


def test_no_examples_exits_with_status_1(tmp_path):
    # A fresh database of its own: nothing edited there, so manage.py must fail with exit code 1.
    database = tmp_path / "empty.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin", "CODECAPSULE_VAR_DIR": str(tmp_path)}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=settings.BASE_DIR)

    result = subprocess.run([*manage, "export_training_data"], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)

    assert result.returncode == 1
    assert "No training examples" in result.stderr
    assert result.stdout == ""


def test_store_files_the_export_in_file_storage_and_prints_its_name(owner):
    from django.core.files.storage import default_storage

    corrected_capsule(owner, "Owner's capsule")

    stdout, stderr = run("--store")

    name = stdout.strip()
    assert name.startswith("training-exports/") and name.endswith(".jsonl")
    with default_storage.open(name, "rb") as stored:
        assert titles(stored.read().decode()) == ["Owner's capsule"]
    assert f"stored 1 training examples as {name}" in stderr


def test_store_and_output_cannot_be_combined(owner, tmp_path):
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("--store", "--output", str(tmp_path / "x.jsonl"))
