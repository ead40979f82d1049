"""Training exports kept in Django's default storage: S3 through django-storages in production (web and worker
machines share no disk), MEDIA_ROOT in development. Every fine-tuning job keeps the exact JSONL it uploaded
(what a model was trained on must stay answerable after the training set has moved on), and
`export_training_data --store` files a copy for later.

Names are `training-exports/<UTC time>-<sha256 prefix>.jsonl`: sortable by time and never overwritten, so no web or
worker process needs a local disk and any of them can serve the file back (feedback/finetune/views.py).
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

EXPORT_DIRECTORY = "training-exports"


def training_export_save(data: bytes) -> str:
    """Store `data` as a new export and return its storage name."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{EXPORT_DIRECTORY}/{stamp}-{hashlib.sha256(data).hexdigest()[:12]}.jsonl"
    return default_storage.save(name, ContentFile(data))


def training_export_delete(name: str) -> None:
    """Remove an export whose job never started (the provider refused it): nothing half-saved."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def training_export_open(name: str):
    """The stored file, opened for reading in binary; FileNotFoundError when it is gone."""
    if not name or not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb")
