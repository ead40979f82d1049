"""manage.py generation_eval [REQUESTS.jsonl] [--limit N] [--creator USERNAME] [--json OUT.json]

Measures the configured model (LLM_PROVIDER, LLM_MODEL_<AGENT>; the offline catalog by default) on a request
set: every request runs as a real generation job, one after another in this process (generation/evaluation.py).
Without a file, the shipped set generation/eval/requests.jsonl: 30 requests over every type, language and
difficulty. Every line is checked first; a bad one stops the command before any job runs:

    generation/eval/mine.jsonl line 4: language: 'bash' is not a CODE language; choose one of python, ...

One line per job as it finishes, then the summary:

     3/30 CODE/python/medium         failed    wrong_output           heals 3  tokens   41230  seconds   48.2
    ...
    jobs             30
    provider         openai
    models           pedagogist gpt-4o-mini, coder gpt-4o-mini, debugger gpt-4o-mini, solver gpt-4o-mini
    success rate     21/30 (70%)
    ...

--json OUT.json also writes {"rows": [...], "summary": {...}}, to compare models. The exit status is 0 whenever
the jobs ran, however many failed (that is the measurement); a bad request set or option is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codecapsule.cli import positive_int
from generation.evaluation import (
    DEFAULT_REQUESTS,
    EVAL_USERNAME,
    BadRequestSet,
    eval_creator,
    eval_job_run,
    job_line,
    job_row,
    read_eval_requests,
    summarize,
    summary_lines,
)


class Command(BaseCommand):
    help = (
        "Measure the configured LLM provider and models on a JSON Lines request set (type, language, difficulty, "
        "topic per line): run each as a generation job, print one line per job and a summary (success rate, "
        "heals, statement check, failure categories, tokens and seconds per job)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "requests", nargs="?", default=str(DEFAULT_REQUESTS), help=f"a JSON Lines request set (default: {DEFAULT_REQUESTS})"
        )
        parser.add_argument("--limit", type=positive_int, help="run only the first N requests (every line is still checked)")
        parser.add_argument(
            "--creator", help=f"username who owns the jobs and capsules (default: {EVAL_USERNAME}, an inactive user made for it)"
        )
        parser.add_argument("--json", dest="json_path", metavar="OUT.json", help="also write every job's row and the summary here")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            requests = read_eval_requests(Path(options["requests"]))
        except BadRequestSet as exc:
            raise CommandError(str(exc)) from None
        if options["limit"]:
            requests = requests[: options["limit"]]
        json_path = Path(options["json_path"]) if options["json_path"] else None
        if json_path is not None and not json_path.parent.is_dir():
            # Checked now: finding out after an hour of model calls would lose the run's rows.
            raise CommandError(f"--json: {json_path.parent} is not a directory")
        try:
            creator = eval_creator(options["creator"])
        except LookupError:
            raise CommandError(f"--creator: no user named {options['creator']!r}") from None

        rows = []
        for position, request in enumerate(requests, start=1):
            job = eval_job_run(request=request, creator=creator)
            rows.append(job_row(job, request))
            self.stdout.write(job_line(rows[-1], position, len(requests)))
            self.stdout.flush()
        summary = summarize(rows)
        self.stdout.write("")
        for line in summary_lines(summary):
            self.stdout.write(line)
        if json_path is not None:
            self._write_json(json_path, {"rows": rows, "summary": summary})

    def _write_json(self, path: Path, data: dict[str, Any]) -> None:
        try:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--json: cannot write {path}: {exc}") from None
        self.stdout.write(f"wrote {path}")
