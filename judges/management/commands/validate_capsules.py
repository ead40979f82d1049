"""manage.py validate_capsules FILE [--workers K]

Judges every BaseCapsule record of a JSON array or JSON Lines file (`-`: stdin) through the one gate,
`judges.validate`, and writes nothing: no row in the database and no seed SQL file in storage (a DATABASE
record's inline `seed_sql` is judged as it is; a `seed_sql_url` that names nothing stored is
invalid_config). The files are read as import_capsules reads them (capsules.records).

stdout gets one JSON object per record, in the file's order, then a summary:

    {"index": 0, "title": "Sum two numbers", "valid": true, "category": null, "message": "...", "seconds": 0.041}
    {"index": 1, "title": null, "valid": false, "category": "invalid_config", "message": "line 2: invalid JSON: ...", "seconds": 0.0}
    1 valid, 1 invalid

`index` is the record's 0-based position (blank lines are not records); `seconds` is the wall time of its
judgement. A record that does not fit the schema, or a JSON Lines line that is not JSON, is invalid with
category invalid_config. `--workers K` judges K records at a time in threads (each judge job takes its own
sandbox slot and uid; at most JUDGE_SLOTS run at once); the output order stays by index. The exit status is
0 only if every record is valid, 1 otherwise (and for a file that cannot be read at all).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from capsules.records import Record, UnreadableRecords, read_records, read_text
from codecapsule.cli import positive_int
from judges.gate import validate

T = TypeVar("T")
R = TypeVar("R")


def map_in_order(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """function(item) for each item, yielded in the items' order as soon as each is ready.

    With workers > 1 the calls run in that many threads. A worker thread closes the database connections it
    opened, so none is left behind when the pool ends (the main thread's connection is never touched).
    """
    if workers <= 1 or len(items) <= 1:
        yield from map(function, items)
        return

    def in_thread(item: T) -> R:
        try:
            return function(item)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="judge") as pool:
        yield from pool.map(in_thread, items)


def judge_record(index: int, record: Record) -> dict[str, Any]:
    """The output object of one record (see the module's docstring)."""
    data = record.data
    title = data.get("title") if isinstance(data, dict) and isinstance(data.get("title"), str) else None
    if record.json_error is not None:
        return {
            "index": index,
            "title": None,
            "valid": False,
            "category": "invalid_config",
            "message": f"{record.label}: invalid JSON: {record.json_error}",
            "seconds": 0.0,
        }
    started = time.monotonic()
    report = validate(data)  # a dict is parsed and judged as it is: nothing is saved or stored
    return {
        "index": index,
        "title": title,
        "valid": report.passed,
        "category": report.category,
        "message": report.message,
        "seconds": round(time.monotonic() - started, 3),
    }


class Command(BaseCommand):
    help = (
        "Judge the BaseCapsule records of a JSON array or JSON Lines file (- for stdin) without saving "
        "anything; print one JSON result per record and a summary. Exits with status 1 unless all are valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .json file (one array) or .jsonl file (one object per line); - for stdin")
        parser.add_argument(
            "--workers", type=positive_int, default=1, help="how many records to judge at the same time (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            records = read_records(read_text(options["file"]))
        except UnreadableRecords as exc:
            raise CommandError(str(exc)) from None

        valid = invalid = 0
        jobs = list(enumerate(records))
        for result in map_in_order(lambda job: judge_record(*job), jobs, options["workers"]):
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            self.stdout.flush()
            if result["valid"]:
                valid += 1
            else:
                invalid += 1
        self.stdout.write(f"{valid} valid, {invalid} invalid")
        if invalid:
            noun = "record is" if invalid == 1 else "records are"
            raise CommandError(f"{invalid} {noun} invalid", returncode=1)
