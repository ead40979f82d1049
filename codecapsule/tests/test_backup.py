"""manage.py backup / restore (codecapsule/backup.py): a round trip, and the restores that must change nothing."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from capsules.models import Capsule, ModerationAction
from capsules.seed_sql import seed_sql_name
from capsules.services import capsule_update
from capsules.tests.samples import capsule_data
from codecapsule.backup import MODELS, model_label
from feedback.models import CreatorEdit, FeedbackSnapshot, FineTuneJob
from generation.models import AgentStep, GenerationJob
from playlists.models import LearnerEvent, LearnerProgress, PlaylistItem
from playlists.services import draft_save, playlist_create, progress_record_step_completed, progress_record_view


@pytest.fixture
def data(owner, other_creator, staff, make_capsule) -> dict[str, Any]:
    """Every backed-up model with at least one row, across three creators."""
    code = make_capsule(owner, "CODE")
    database = make_capsule(owner, "DATABASE")
    terminal = make_capsule(other_creator, "TERMINAL", status="published", is_public=True)
    ModerationAction.objects.create(capsule=terminal, actor=staff, action="publish", from_status="validated", to_status="published")

    first = GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="max of a list", provider="catalog",
        status="failed", error="judge: reference fails", last_report={"passed": False},
    )
    job = GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="max of a list", provider="catalog",
        status="succeeded", result_capsule=code, retry_of=first, quality_score=0.75, llm_seconds=1.25,
    )
    AgentStep.objects.create(job=job, position=1, agent="pedagogist", model="catalog", prompt=[{"role": "user", "content": "idea"}],
                             raw_response='{"idea": "max"}', parsed_ok=True, prompt_tokens=12, output={"idea": "max"})
    AgentStep.objects.create(job=job, position=2, agent="coder", model="catalog", raw_response="not json", error="bad JSON")
    # The creator corrects the generated capsule: the update service records the CreatorEdit.
    capsule_update(capsule=code, actor=owner, data=capsule_data("CODE", title="Find the maximum"))

    playlist = playlist_create(creator=owner, title="SQL and shells", description="A course", is_public=True,
                               items=[{"capsule_id": str(c.id)} for c in (code, database, terminal)])
    items = list(PlaylistItem.objects.filter(playlist=playlist).order_by("order"))
    progress_record_view(playlist=playlist, learner_key="learner-1", step=1, item_id=items[0].item_id)
    progress_record_step_completed(playlist=playlist, learner_key="learner-1", step=1, item_id=items[0].item_id,
                                   all_item_ids=[i.item_id for i in items])
    draft_save(learner_key="learner-1", capsule=database, code="SELECT name FROM customers ORDER BY name;", address="203.0.113.7")
    FineTuneJob.objects.create(provider="openai", provider_job_id="ftjob-1", training_file_id="file-1", base_model="gpt-4o-mini",
                               status="succeeded", fine_tuned_model="ft:gpt-4o-mini:cc", examples=12, created_by=staff)
    FeedbackSnapshot.objects.create(days=7, insights={"edits": 1}, computed_at=job.created_at)
    return {"database": database, "playlist": playlist}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every backed-up row as a serialized dict (users by username, so their new pks do not matter)."""
    rows = {
        model_label(model): sorted(
            serializers.serialize("python", model._default_manager.all(), use_natural_foreign_keys=True), key=lambda r: str(r["pk"])
        )
        for model in MODELS
    }
    rows["auth.user"] = sorted(User.objects.values("username", "email", "is_staff", "is_active", "password"), key=str)
    return rows


def wipe() -> None:
    """A fresh machine: none of the backed-up rows, none of the users."""
    for model in reversed(MODELS):
        model._default_manager.all().delete()
    User.objects.all().delete()


def restart_sequence(model: type[models.Model]) -> None:
    sequences = [seq for seq in connection.introspection.sequence_list() if seq["table"] == model._meta.db_table]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


def backup(tmp_path: Path) -> Path:
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    return archive


def rewrite(archive: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the archive with one member's bytes changed."""
    target = archive.with_name("changed.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for info in source.getmembers():
            handle = source.extractfile(info)
            content = handle.read() if handle else b""
            if info.name == member:
                content = change(content)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    return target


def restore(archive: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out)
    return out.getvalue()


def test_a_restore_on_an_empty_database_brings_back_every_row_field_for_field(data, tmp_path):
    before = snapshot()
    archive = backup(tmp_path)
    config = data["database"].config_data
    seed_names = [seed_sql_name(config["seed_sql_url"]), seed_sql_name(config["hidden_seed_sql_url"])]
    wipe()
    for name in seed_names:
        default_storage.delete(name)

    output = restore(archive)

    assert snapshot() == before
    assert "capsules.capsule: 3" in output
    assert "playlists.learnerevent: 2" in output
    assert "seed SQL files: 2" in output  # the visible seed and the hidden dataset
    assert all(before[label] for label in before), "every model has rows in this test"


def test_the_seed_sql_file_is_back_in_storage_after_a_restore(data, tmp_path):
    name = seed_sql_name(data["database"].config_data["seed_sql_url"])
    original = default_storage.open(name).read()
    archive = backup(tmp_path)
    wipe()
    default_storage.delete(name)

    restore(archive)

    assert default_storage.open(name).read() == original


def test_the_hidden_dataset_file_is_in_the_archive_and_back_in_storage_after_a_restore(data, tmp_path):
    name = seed_sql_name(data["database"].config_data["hidden_seed_sql_url"])
    original = default_storage.open(name).read()
    archive = backup(tmp_path)
    with tarfile.open(archive, "r:gz") as opened:
        assert name in opened.getnames()
        assert json.load(opened.extractfile("manifest.json"))["seed_sql_files"] == 2
    wipe()
    default_storage.delete(name)

    restore(archive)

    assert default_storage.open(name).read() == original
    assert original.decode() == capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]


def test_creators_log_in_with_their_old_password_after_a_restore(data, tmp_path):
    archive = backup(tmp_path)
    wipe()

    restore(archive)

    assert Client().login(username="owner", password="owner-pass-123")
    assert Client().login(username="other", password="other-pass-123")


def test_an_existing_user_is_kept_as_it_is(data, tmp_path):
    archive = backup(tmp_path)
    for model in reversed(MODELS):
        model.objects.all().delete()
    owner = User.objects.get(username="owner")
    owner.set_password("a-new-password")
    owner.save()

    restore(archive)

    assert Client().login(username="owner", password="a-new-password")
    assert Capsule.objects.filter(creator=owner).count() == 2


def test_backup_prints_the_counts_and_writes_a_manifest_with_migrations(data, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)

    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format_version"] == 1
    assert manifest["counts"]["feedback.creatoredit"] == CreatorEdit.objects.count() > 0
    assert manifest["counts"]["auth.user"] == 3
    loader = MigrationLoader(connection)
    for app in ("capsules", "playlists", "feedback"):
        assert manifest["migrations"][app] == [name for _app, name in loader.graph.leaf_nodes(app)]
    assert "generation.agentstep: 2" in out.getvalue()


def test_restore_refuses_a_database_that_already_holds_data_and_names_what(data, tmp_path):
    archive = backup(tmp_path)

    with pytest.raises(CommandError, match=r"capsules\.capsule \(3\).*--replace"):
        restore(archive)


def test_restore_with_replace_puts_the_archive_in_place_of_the_existing_rows(data, tmp_path):
    before = snapshot()
    archive = backup(tmp_path)
    Capsule.objects.filter(pk=data["database"].pk).update(title="Changed after the backup")
    LearnerEvent.objects.create(playlist=data["playlist"], learner_key="late", verb="viewed", step=2)

    restore(archive, "--replace")

    assert snapshot() == before


def test_a_corrupted_line_restores_nothing(data, tmp_path):
    archive = backup(tmp_path)
    corrupted = rewrite(archive, "data/playlists.learnerevent.jsonl", lambda content: content + b'{"model": "playlists.lear\n')
    wipe()

    with pytest.raises(CommandError, match="nothing was changed"):
        restore(corrupted)

    assert not User.objects.exists()
    assert all(not model.objects.exists() for model in MODELS)


def test_an_unknown_format_version_is_refused(data, tmp_path):
    archive = rewrite(backup(tmp_path), "manifest.json", lambda content: content.replace(b'"format_version": 1', b'"format_version": 99'))
    wipe()

    with pytest.raises(CommandError, match="unknown backup format version 99"):
        restore(archive)
    assert not Capsule.objects.exists()


def test_an_archive_from_a_newer_schema_is_refused(data, tmp_path):
    def from_the_future(content: bytes) -> bytes:
        manifest = json.loads(content)
        manifest["migrations"]["capsules"] = ["9999_from_the_future"]
        return json.dumps(manifest).encode()

    archive = rewrite(backup(tmp_path), "manifest.json", from_the_future)
    wipe()

    with pytest.raises(CommandError, match=r"newer CodeCapsule: migration capsules\.9999_from_the_future"):
        restore(archive)


def test_a_learner_progress_row_restores_with_its_completed_steps(data, tmp_path):
    progress = LearnerProgress.objects.get()
    archive = backup(tmp_path)
    wipe()

    restore(archive)

    assert LearnerProgress.objects.get().completed_items == progress.completed_items != []


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_through_real_commits_keeps_every_row(data, tmp_path):
    """Outside a test transaction: the backup's own read transaction, and the restore's commit checking foreign keys."""
    before = snapshot()
    archive = backup(tmp_path)
    wipe()
    restart_sequence(LearnerEvent)  # as on a fresh database, whose sequences start at 1

    restore(archive)

    assert snapshot() == before
    # Auto-increment pks were inserted explicitly; new rows still get fresh ones.
    LearnerEvent.objects.create(playlist_id=data["playlist"].pk, learner_key="after", verb="viewed", step=1)


@pytest.mark.django_db(transaction=True)
def test_a_corrupted_line_rolls_back_a_real_transaction(data, tmp_path):
    archive = backup(tmp_path)
    corrupted = rewrite(archive, "data/feedback.feedbacksnapshot.jsonl", lambda content: b"not json\n" + content)
    wipe()

    with pytest.raises(CommandError, match="feedback.feedbacksnapshot.jsonl"):
        restore(corrupted)

    assert not User.objects.exists()
    assert all(not model.objects.exists() for model in MODELS)
