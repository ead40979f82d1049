"""Seed SQL for DATABASE capsules lives as a file in Django storage; `seed_sql_url` names it.

Files are content-addressed (`seed_sql/<sha256>.sql`), so storing the same SQL twice is free, a URL
always names exactly one text, and the storage name can be recovered from the URL on any backend
(local media or S3, signed or not).

A capsule's hidden dataset (`hidden_seed_sql_url`) is stored the same way, beside the visible seeds, so that
backup, restore and export move both alike. Its name is the hash of its text, which says nothing of the rows
to anyone without them; its URL stays in the creator's config (`learner_safe_config` never passes it on).
"""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

_NAME_RE = re.compile(r"seed_sql/[0-9a-f]{64}\.sql")


class SeedSqlMissing(LookupError):
    pass


def seed_sql_store(*, sql: str) -> str:
    """Store the SQL (if not stored yet) and return its URL."""
    data = sql.encode()
    name = f"seed_sql/{hashlib.sha256(data).hexdigest()}.sql"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a backend that renames on collision would break content addressing
            default_storage.delete(saved)
            raise RuntimeError(f"storage renamed {name} to {saved}")
    return default_storage.url(name)


def seed_sql_name(url: str) -> str | None:
    match = _NAME_RE.search(url or "")
    return match.group(0) if match else None


def seed_sql_exists(*, url: str) -> bool:
    name = seed_sql_name(url)
    return name is not None and default_storage.exists(name)


def seed_sql_read(*, url: str) -> str:
    name = seed_sql_name(url)
    if name is None or not default_storage.exists(name):
        raise SeedSqlMissing(f"no stored seed SQL at {url!r}")
    with default_storage.open(name, "rb") as handle:
        return handle.read().decode()
