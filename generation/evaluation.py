"""Measuring a model on a request set (`manage.py generation_eval`): read the requests, run each as a real job,
and sum the finished jobs up.

A request set is JSON Lines, one request per line: `{"type": "CODE", "language": "python", "difficulty": "easy",
"topic": "count the words in a sentence"}`. Blank lines and lines starting with `#` are skipped. Every line is
checked before anything runs, by the rules the form and the API use (generation.services.generation_request_errors),
so a typo never costs the model calls of the lines before it.

Each request runs as a GenerationJob of the evaluating creator, one after another in this process, through the
task the worker runs (generation.tasks.run_generation_job: heartbeat, and `internal_error` on a crash). The jobs
stay in the database like any other: their steps can be read on the job page afterwards.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capsules.models import CapsuleStatus
from codecapsule.http import SignedInUser
from generation.llm import llm_provider
from generation.llm.config import AGENTS, model_for
from generation.models import GenerationJob, JobStatus
from generation.selectors import percentile
from generation.services import generation_request_errors
from generation.tasks import run_generation_job

DEFAULT_REQUESTS = Path(__file__).resolve().parent / "eval" / "requests.jsonl"
EVAL_USERNAME = "generation-eval"
REQUEST_FIELDS = ("type", "language", "difficulty", "topic")
# generation_request_errors names the topic "prompt", as the form and the API do.
_SERVICE_FIELD_NAMES = {"prompt": "topic"}


class BadRequestSet(Exception):
    """A request set that cannot be run: every problem, one per line, each naming the file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class EvalRequest:
    line: int
    capsule_type: str
    language: str
    difficulty: str
    topic: str


# --- reading a request set -------------------------------------------------------------------------------------------


def read_eval_requests(path: Path) -> list[EvalRequest]:
    """Every request of the file, in order; BadRequestSet listing every bad line when any is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequestSet([f"{path}: cannot read: {exc}"]) from None
    requests: list[EvalRequest] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        request, errors = parse_request_line(line, number)
        problems.extend(f"{path} line {number}: {error}" for error in errors)
        if request is not None:
            requests.append(request)
    if problems:
        raise BadRequestSet(problems)
    if not requests:
        raise BadRequestSet([f"{path}: no requests (every line is blank or a # comment)"])
    return requests


def parse_request_line(line: str, number: int) -> tuple[EvalRequest | None, list[str]]:
    """The request on one line, or None and its errors ("field: what is wrong")."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, [f"invalid JSON: {exc.msg} (column {exc.colno})"]
    if not isinstance(data, dict):
        return None, [f"expected a JSON object with {', '.join(REQUEST_FIELDS)}, got {type(data).__name__}"]
    errors = [f"{name}: missing" for name in REQUEST_FIELDS if name not in data]
    errors += [f"{name}: unknown field; a request has {', '.join(REQUEST_FIELDS)}" for name in data if name not in REQUEST_FIELDS]
    errors += [f"{name}: must be a string" for name in REQUEST_FIELDS if name in data and not isinstance(data[name], str)]
    if errors:
        return None, errors
    request = EvalRequest(
        line=number, capsule_type=data["type"], language=data["language"], difficulty=data["difficulty"], topic=data["topic"].strip()
    )
    service_errors = generation_request_errors(
        capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty, prompt=request.topic
    )
    if service_errors:
        return None, [f"{_SERVICE_FIELD_NAMES.get(field, field)}: {message}" for field, message in service_errors.items()]
    return request, []


# --- running -------------------------------------------------------------------------------------------------------


def eval_creator(username: str | None) -> SignedInUser:
    """The named user, or the dedicated evaluation user (inactive: it cannot sign in), created when missing.

    LookupError when a named user does not exist."""
    if username is not None:
        try:
            return SignedInUser.objects.get(username=username)
        except SignedInUser.DoesNotExist:
            raise LookupError(username) from None
    user, created = SignedInUser.objects.get_or_create(username=EVAL_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def eval_job_run(*, request: EvalRequest, creator: SignedInUser) -> GenerationJob:
    """Save the request as a queued job and run it here to its end, as a worker would.

    Not generation_job_create: that one queues the job for the django-q2 cluster, and counts it against the
    creator's hourly limit, which one request set would use up. The job is created just before it runs, so no
    sweep sees it queued and sends its task to a worker too (generation_jobs_resend_stuck)."""
    job = GenerationJob.objects.create(
        creator=creator,
        capsule_type=request.capsule_type,
        language=request.language,
        difficulty=request.difficulty,
        prompt=request.topic,
        provider=llm_provider(),
    )
    # A crash is a measurement too: the task logged it and ended the job as internal_error.
    with contextlib.suppress(Exception):
        run_generation_job(job.pk)
    job.refresh_from_db()
    return job


# --- measuring -----------------------------------------------------------------------------------------------------


def job_tokens(job: GenerationJob) -> int | None:
    """Prompt + output tokens of the job's model calls; None when the provider reported none (the catalog, or a
    server that sends no usage): every real model call counts at least one token."""
    return job.total_tokens or None


def job_category(job: GenerationJob) -> str:
    if job.status == JobStatus.SUCCEEDED:
        return ""
    return job.error_category or "uncategorized"


def job_row(job: GenerationJob, request: EvalRequest) -> dict[str, Any]:
    """One job's measurements (the per-job line and the --json row)."""
    check = job.statement_check if isinstance(job.statement_check, dict) else None
    seconds = job.total_seconds
    return {
        "line": request.line,
        "job_id": str(job.pk),
        "type": job.capsule_type,
        "language": job.language,
        "difficulty": job.difficulty,
        "topic": job.prompt,
        "status": job.status,
        "category": job_category(job),
        "heals": job.heals,
        "tokens": job_tokens(job),
        "prompt_tokens": job.prompt_tokens,
        "completion_tokens": job.completion_tokens,
        "seconds": round(seconds, 3) if seconds is not None else None,
        "capsule_id": str(job.result_capsule_id) if job.result_capsule_id else None,
        "capsule_status": job.result_capsule.status if job.result_capsule is not None else None,
        "statement_check": (check or {}).get("status"),
        "error": job.error,
    }


def provider_models() -> tuple[str, dict[str, str] | str]:
    """The provider the jobs run with and each agent's model ("catalog" offline)."""
    provider = llm_provider()
    if provider == "catalog":
        return provider, "catalog"
    return provider, {agent: model_for(agent) for agent in AGENTS}


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the request set measured (see `summary_lines` for what each number means)."""
    jobs = len(rows)
    succeeded = sum(row["status"] == JobStatus.SUCCEEDED for row in rows)
    heals = [row["heals"] for row in rows]
    tokens = sorted(row["tokens"] for row in rows if row["tokens"] is not None)
    seconds = sorted(row["seconds"] for row in rows if row["seconds"] is not None)
    checks = Counter(row["statement_check"] for row in rows if row["statement_check"])
    provider, models = provider_models()
    return {
        "jobs": jobs,
        "provider": provider,
        "models": models,
        "succeeded": succeeded,
        "success_rate": round(succeeded / jobs, 4) if jobs else None,
        "saved_validated": sum(row["capsule_status"] == CapsuleStatus.VALIDATED for row in rows),
        "saved_draft": sum(row["capsule_status"] == CapsuleStatus.DRAFT for row in rows),
        "heals_mean": round(sum(heals) / jobs, 2) if jobs else None,
        "heals_max": max(heals, default=None),
        "statement_check": {
            "agreed": checks["agreed"],
            "checked": checks["agreed"] + checks["disagreed"],
            "disagreed": checks["disagreed"],
            "failed": checks["failed"],
            "skipped": checks["skipped"],
        },
        "failure_categories": dict(Counter(row["category"] for row in rows if row["category"]).most_common()),
        "tokens_p50": percentile(tokens, 0.50),
        "tokens_p95": percentile(tokens, 0.95),
        "seconds_p50": percentile(seconds, 0.50),
        "seconds_p95": percentile(seconds, 0.95),
        "per_type": _per_type(rows),
    }


def _per_type(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    per_type: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = per_type.setdefault(row["type"], {"jobs": 0, "succeeded": 0})
        counts["jobs"] += 1
        counts["succeeded"] += row["status"] == JobStatus.SUCCEEDED
    return per_type


# --- printing ------------------------------------------------------------------------------------------------------


def _or_na(value: float | None, shown: Callable[[float], str] = str) -> str:
    return "n/a" if value is None else shown(value)


def _seconds(value: float) -> str:
    return f"{value:.1f}"


def _two_places(value: float) -> str:
    return f"{value:.2f}"


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole}" + (f" ({part / whole:.0%})" if whole else "")


def job_line(row: dict[str, Any], position: int, total: int) -> str:
    """`3/30 CODE/python/easy succeeded - heals 0 tokens 1234 seconds 2.1`, columns aligned."""
    width = len(str(total))
    label = f"{row['type']}/{row['language']}/{row['difficulty']}"
    return (
        f"{position:>{width}}/{total} {label:<26} {row['status']:<9} {row['category'] or '-':<22} "
        f"heals {row['heals']}  tokens {_or_na(row['tokens']):>7}  seconds {_or_na(row['seconds'], _seconds):>6}"
    )


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The table printed after the jobs, one measurement a line."""
    models = summary["models"]
    shown_models = models if isinstance(models, str) else ", ".join(f"{agent} {model}" for agent, model in models.items())
    check = summary["statement_check"]
    categories = summary["failure_categories"]
    rows = [
        ("jobs", str(summary["jobs"])),
        ("provider", summary["provider"]),
        ("models", shown_models),
        ("success rate", _ratio(summary["succeeded"], summary["jobs"])),
        ("capsules saved", f"{summary['saved_validated']} validated, {summary['saved_draft']} draft"),
        ("heals per job", f"mean {_or_na(summary['heals_mean'], _two_places)}, max {_or_na(summary['heals_max'])}"),
        (
            "statement check",
            f"agreed {_ratio(check['agreed'], check['checked'])}, disagreed {check['disagreed']}, "
            f"failed {check['failed']}, skipped {check['skipped']}",
        ),
        ("failures", ", ".join(f"{name} {count}" for name, count in categories.items()) or "none"),
        ("tokens per job", f"p50 {_or_na(summary['tokens_p50'])}, p95 {_or_na(summary['tokens_p95'])}"),
        ("seconds per job", f"p50 {_or_na(summary['seconds_p50'], _seconds)}, p95 {_or_na(summary['seconds_p95'], _seconds)}"),
        (
            "success by type",
            ", ".join(f"{kind} {_ratio(counts['succeeded'], counts['jobs'])}" for kind, counts in summary["per_type"].items()),
        ),
    ]
    return [f"{name:<16} {value}" for name, value in rows]
