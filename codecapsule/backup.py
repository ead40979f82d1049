"""Backup and restore of the product's data: capsules, generation jobs, playlists and feedback.

Why this lives in the project package and not in an app: a backup has to import every app's models, and
No app imports `feedback` (and `capsules` imports no other app: README, "Where the code lives"). The project package already
imports every app (urls.py), so it is the one place allowed to know them all. `codecapsule` is listed in
INSTALLED_APPS only so that Django finds `codecapsule/management/commands/` (it has no models, migrations,
templates or static files, so being an app changes nothing else).

The archive is a `.tar.gz`:

    manifest.json                      format, format_version, created_at, django_version,
                                       migrations {app: [latest applied migration names]},
                                       counts {"app.model": rows}, seed_sql_files
    data/auth.user.jsonl               the users the data refers to: username, email, is_staff, is_active and
                                       the password hash (creators log in with their old password after a restore)
    data/<app>.<model>.jsonl           Django's `jsonl` serializer, primary keys kept, users as natural keys
    seed_sql/<sha256>.sql              the DATABASE capsules' stored seed SQL (capsules.seed_sql): the visible
                                       seeds and the hidden datasets, stored alike

Learners' code drafts (playlists.LearnerDraft) are backed up with their progress. Their terminal workspaces
(judges.TerminalWorkspace) are not: they are throwaway sandboxes that expire on their own.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import django
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader

from capsules.models import Capsule, CapsuleType, ModerationAction
from capsules.seed_sql import seed_sql_name
from feedback.models import CreatorEdit, FeedbackSnapshot, FineTuneJob
from generation.models import AgentStep, GenerationJob
from playlists.models import LearnerDraft, LearnerEvent, LearnerProgress, Playlist, PlaylistItem

FORMAT = "codecapsule-backup"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = frozenset({1})

# Parents before children: the restore inserts in this order (foreign keys are checked at commit anyway).
MODELS: tuple[type[models.Model], ...] = (
    Capsule,
    ModerationAction,
    GenerationJob,
    AgentStep,
    Playlist,
    PlaylistItem,
    LearnerProgress,
    LearnerEvent,
    LearnerDraft,
    CreatorEdit,
    FineTuneJob,
    FeedbackSnapshot,
)
USER_LABEL = "auth.user"
USER_FIELDS = ("username", "email", "is_staff", "is_active", "password")
# The apps whose migration state the manifest records and the restore compares.
MIGRATION_APPS = ("auth", "capsules", "generation", "playlists", "feedback")
# Rows fetched per database round trip while streaming a table out.
EXPORT_CHUNK_SIZE = 500


class _ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds; a backup keeps the microseconds the database holds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the command line."""


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _member(label: str) -> str:
    return f"data/{label}.jsonl"


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    seed_sql_files: int = 0

    def lines(self) -> list[str]:
        out = [f"{label}: {count}" for label, count in self.rows.items()]
        out.append(f"seed SQL files: {self.seed_sql_files}")
        return out


# --- migration state -------------------------------------------------------------------------------------------


def migration_state() -> dict[str, list[str]]:
    """The latest applied migrations of each app: applied nodes none of whose same-app children is applied."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    state: dict[str, list[str]] = {}
    for app in MIGRATION_APPS:
        app_applied = {node for node in applied if node[0] == app}
        latest = []
        for node in app_applied:
            children = loader.graph.node_map[node].children if node in loader.graph.node_map else set()
            if not any(child.key in app_applied for child in children):
                latest.append(node[1])
        state[app] = sorted(latest)
    return state


def _check_migrations(archived: dict[str, list[str]]) -> None:
    """Refuse an archive made by newer code (migrations unknown here) or a database not migrated as far."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    for app, names in sorted(archived.items()):
        for name in names:
            if (app, name) not in loader.disk_migrations:
                raise BackupError(
                    f"the archive was made by a newer CodeCapsule: migration {app}.{name} is unknown to this "
                    "installation; upgrade it first"
                )
            if (app, name) not in applied:
                raise BackupError(
                    f"this database is behind the archive: migration {app}.{name} is not applied; run `manage.py migrate` first"
                )


# --- backup ----------------------------------------------------------------------------------------------------


def _referenced_user_ids() -> set[Any]:
    user_model = get_user_model()
    ids: set[Any] = set()
    for model in MODELS:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is user_model:
                ids.update(model._default_manager.exclude(**{f.attname: None}).values_list(f.attname, flat=True).distinct())
    return ids


def _write_users(handle: IO[str]) -> int:
    count = 0
    users = get_user_model()._default_manager.filter(pk__in=_referenced_user_ids()).order_by("username")
    for user in users.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        handle.write(json.dumps({name: getattr(user, name) for name in USER_FIELDS}) + "\n")
        count += 1
    return count


def _write_model(model: type[models.Model], handle: IO[str], seen_seed_sql: set[str]) -> int:
    count = 0

    def rows() -> Iterator[models.Model]:
        nonlocal count
        for obj in model._default_manager.order_by("pk").iterator(chunk_size=EXPORT_CHUNK_SIZE):
            count += 1
            if isinstance(obj, Capsule) and obj.capsule_type == CapsuleType.DATABASE:
                # The visible seed and the hidden dataset are both stored as seed SQL files.
                for key in ("seed_sql_url", "hidden_seed_sql_url"):
                    name = seed_sql_name(str((obj.config_data or {}).get(key, "")))
                    if name:
                        seen_seed_sql.add(name)
            yield obj

    serializers.serialize("jsonl", rows(), stream=handle, use_natural_foreign_keys=True, cls=_ExactJSONEncoder)
    return count


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> None:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_create(*, output: Path, warn: Callable[[str], None] = lambda message: None) -> Counts:
    """Write the archive to `output`; returns the counts.

    1. In one read transaction (REPEATABLE READ on PostgreSQL, so every table is the same moment), stream each
       table with iterator() into a temporary JSON Lines file, noting the seed SQL files capsules name.
    2. Pack manifest.json, the JSON Lines files and the seed SQL files from storage into a .tar.gz next to
       `output`, then rename it into place, so a failed backup never leaves a half-written archive there.
    """
    counts = Counts()
    seed_sql: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="codecapsule-backup-") as tmp:
        tmpdir = Path(tmp)
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            # Only the first statement of a real transaction may set its isolation level (not inside a savepoint).
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with (tmpdir / USER_LABEL).open("w", encoding="utf-8") as handle:
                counts.rows[USER_LABEL] = _write_users(handle)
            for model in MODELS:
                with (tmpdir / model_label(model)).open("w", encoding="utf-8") as handle:
                    counts.rows[model_label(model)] = _write_model(model, handle, seed_sql)
            migrations = migration_state()

        partial = output.with_name(output.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                seed_members = []
                for name in sorted(seed_sql):
                    if not default_storage.exists(name):
                        warn(f"warning: {name} is missing from storage; its capsules restore without it")
                        continue
                    with default_storage.open(name, "rb") as source:
                        seed_members.append((name, source.read()))
                counts.seed_sql_files = len(seed_members)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(),
                    "django_version": django.get_version(),
                    "migrations": migrations,
                    "counts": counts.rows,
                    "seed_sql_files": counts.seed_sql_files,
                }
                _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
                for label in [USER_LABEL, *map(model_label, MODELS)]:
                    _add_file(archive, _member(label), tmpdir / label)
                for name, data in seed_members:
                    _add_bytes(archive, name, data)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return counts


# --- restore ---------------------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile("manifest.json")
        manifest = json.load(handle) if handle else None
    except KeyError:
        raise BackupError("not a CodeCapsule backup: manifest.json is missing") from None
    except ValueError as exc:
        raise BackupError(f"manifest.json is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a CodeCapsule backup: manifest.json has no `format: codecapsule-backup`")
    version = manifest.get("format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        supported = ", ".join(map(str, sorted(SUPPORTED_FORMAT_VERSIONS)))
        raise BackupError(f"unknown backup format version {version!r} (this installation reads version {supported})")
    if not isinstance(manifest.get("migrations"), dict) or not isinstance(manifest.get("counts"), dict):
        raise BackupError("manifest.json lacks `migrations` or `counts`")
    return manifest


def existing_rows() -> dict[str, int]:
    """The backed-up tables that already hold rows here (label → count)."""
    found = {}
    for model in MODELS:
        count = model._default_manager.count()
        if count:
            found[model_label(model)] = count
    return found


def _seed_sql_members(archive: tarfile.TarFile) -> list[tuple[str, bytes]]:
    """The seed SQL files, each checked against the sha256 its name claims."""
    files = []
    for info in archive.getmembers():
        if not info.name.startswith("seed_sql/"):
            continue
        if seed_sql_name(info.name) != info.name or not info.isfile():
            raise BackupError(f"unexpected archive member {info.name!r}")
        handle = archive.extractfile(info)
        data = handle.read() if handle else b""
        if f"seed_sql/{hashlib.sha256(data).hexdigest()}.sql" != info.name:
            raise BackupError(f"{info.name}: its content does not match its sha256 name (corrupted archive)")
        files.append((info.name, data))
    return files


def _lines(archive: tarfile.TarFile, label: str) -> Iterator[str]:
    try:
        handle = archive.extractfile(_member(label))
    except KeyError:
        raise BackupError(f"{_member(label)} is missing from the archive") from None
    assert handle is not None
    for raw in io.TextIOWrapper(handle, encoding="utf-8"):
        if raw.strip():
            yield raw


def _restore_users(archive: tarfile.TarFile) -> int:
    user_model = get_user_model()
    count = 0
    for number, line in enumerate(_lines(archive, USER_LABEL), start=1):
        try:
            record = json.loads(line)
            values = {name: record[name] for name in USER_FIELDS}
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{_member(USER_LABEL)} line {number}: {exc!r}") from None
        # Users are matched by username: an existing account is kept as it is (its password included).
        if not user_model._default_manager.filter(username=values["username"]).exists():
            user_model._default_manager.create(**values)
        count += 1
    return count


def _restore_model(archive: tarfile.TarFile, model: type[models.Model]) -> int:
    label = model_label(model)
    count = 0
    try:
        # ignorenonexistent: an archive from an older schema may carry a field this code has since dropped.
        for deserialized in serializers.deserialize("jsonl", _lines(archive, label), ignorenonexistent=True):
            if type(deserialized.object) is not model:
                raise BackupError(f"{_member(label)} holds a {model_label(type(deserialized.object))} row")
            # raw save (no save() override, auto_now untouched): rows come back exactly as they were.
            deserialized.save(force_insert=True)
            count += 1
    except serializers.base.DeserializationError as exc:
        raise BackupError(f"{_member(label)}: {exc or exc.__cause__!r}") from None
    return count


def _reset_sequences() -> None:
    """Auto-increment pks were inserted explicitly; move PostgreSQL's sequences past them (as loaddata does)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def restore_archive(*, path: Path, replace: bool = False) -> Counts:
    """Restore an archive made by backup_create.

    1. Read and check the manifest (format version known, migrations not newer than this installation) and the
       seed SQL files (content matches the name) before touching the database.
    2. In ONE transaction: refuse if the tables hold rows (or delete them with `replace`), create missing users
       by username, insert every row with its primary key, compare the counts with the manifest, reset
       sequences, and write missing seed SQL files to storage last — any error rolls everything back.
    """
    try:
        # Entered by the `with` below: opened apart so that an unreadable file and a corrupted one say different things.
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path}: cannot read the archive: {exc}") from None
    try:
        with archive:
            manifest = _read_manifest(archive)
            _check_migrations(manifest["migrations"])
            seed_files = _seed_sql_members(archive)
            counts = Counts()
            with transaction.atomic():
                existing = existing_rows()
                if existing and not replace:
                    found = ", ".join(f"{label} ({count})" for label, count in existing.items())
                    raise BackupError(f"the database already holds {found}; restore into an empty database or pass --replace")
                if replace:
                    for model in reversed(MODELS):
                        model._default_manager.all().delete()
                counts.rows[USER_LABEL] = _restore_users(archive)
                for model in MODELS:
                    counts.rows[model_label(model)] = _restore_model(archive, model)
                for label, expected in manifest["counts"].items():
                    if counts.rows.get(label) != expected:
                        raise BackupError(f"{label}: the manifest says {expected} rows, the archive holds {counts.rows.get(label)}")
                _reset_sequences()
                for name, data in seed_files:
                    if not default_storage.exists(name):
                        saved = default_storage.save(name, ContentFile(data))
                        if saved != name:
                            raise BackupError(f"storage renamed {name} to {saved}")
                counts.seed_sql_files = len(seed_files)
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: the archive is corrupted: {exc}") from None
    return counts
