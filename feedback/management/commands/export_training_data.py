"""manage.py export_training_data [--owner USERNAME] [--output FILE | --store]

Writes the fine-tuning training set (feedback.training.build: OpenAI chat examples from corrected capsules that pass
the judge now) as JSON Lines to stdout or FILE, and its summary to stderr, so a pipe stays pure JSONL. Every
creator's capsules by default; --owner narrows to one creator. --store files the export in Django's file storage
(S3 in production: feedback/training/exports.py) and prints its storage name. Exits 1 when there is no example.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capsules.records import owner_option
from feedback.training.build import training_set_build
from feedback.training.exports import training_export_save


class Command(BaseCommand):
    help = "Export the fine-tuning training set (OpenAI chat JSONL) from creators' corrected capsules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="only this creator's capsules (default: every creator's)")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--output", "-o", help="write to this file instead of stdout")
        where.add_argument("--store", action="store_true", help="save to file storage (S3 in production) and print its name")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = owner_option(options["owner"]) if options["owner"] else None
        training = training_set_build(owner=owner)
        summary = training.summary()
        if not training.examples:
            raise CommandError(
                "No training examples: no edited capsule from a generation job passes the judge now "
                f"(summary: {json.dumps(summary)})"
            )
        if options["store"]:
            name = training_export_save(training.jsonl())
            self.stdout.write(name)
            self.stderr.write(f"stored {len(training.examples)} training examples as {name}")
            self.stderr.write(f"summary: {json.dumps(summary)}")
            return
        data = training.jsonl().decode()
        output_name: str | None = options["output"]
        if output_name:
            try:
                Path(output_name).write_text(data, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{output_name}: cannot write: {exc}") from None
        else:
            self.stdout.write(data, ending="")
        count = len(training.examples)
        where = f" to {output_name}" if output_name else ""
        self.stderr.write(f"exported {count} training example{'s' if count != 1 else ''}{where}")
        self.stderr.write(f"summary: {json.dumps(summary)}")
