"""Generation reads: the access helper for a job, the creator's job list, the progress page's view of a job,
and the staff metrics.

Every page and API view calls `get_job_for_owner` first: a job is visible to its creator only, and anyone
else gets the same 404 as for a job that does not exist (we do not reveal that it exists).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from codecapsule.http import User
from generation.catalog_provider import NO_CATALOG_MATCH
from generation.models import FINISHED_STATUSES, AgentName, AgentStep, GenerationJob, JobStatus

# The periods the metrics page offers (days); anything else falls back to the default.
METRICS_PERIODS: tuple[int, ...] = (1, 7, 30, 90)
METRICS_DEFAULT_DAYS = 7


# --- Access ------------------------------------------------------------------------------------------


def jobs_owned_by(user: User) -> QuerySet[GenerationJob]:
    if not user.is_authenticated:
        return GenerationJob.objects.none()
    return GenerationJob.objects.filter(creator=user)


def get_job_for_owner(user: User, job_id: UUID | str) -> GenerationJob:
    """The job if `user` created it; 404 for everyone else, and for an id that is not a UUID."""
    try:
        return jobs_owned_by(user).select_related("result_capsule").get(pk=job_id)
    except (GenerationJob.DoesNotExist, ValidationError, ValueError):
        raise Http404("Generation job not found") from None


def job_list(*, queryset: QuerySet[GenerationJob]) -> QuerySet[GenerationJob]:
    return queryset.select_related("result_capsule").order_by("-created_at", "id")


def job_steps(job: GenerationJob) -> list[AgentStep]:
    """The job's steps in order, without the large prompt and raw-response columns the page never shows."""
    return list(job.steps.order_by("position").defer("prompt", "raw_response", "output"))


# --- The progress page's view of a job -----------------------------------------------------------------

# Share of the progress bar reached once each stage of the pipeline is done: the idea, the
# draft, the first judgement. The rest (up to PROGRESS_RUNNING_MAX) is spread over the healing budget, so
# the bar only ever moves forward and reaches 100 only when the job has finished.
PROGRESS_AFTER_IDEA = 20
PROGRESS_AFTER_DRAFT = 45
PROGRESS_AFTER_FIRST_JUDGEMENT = 60
PROGRESS_RUNNING_MAX = 95

_STAGE_LABELS = {
    "": "Waiting for a worker",
    "queued": "Waiting for a worker",
    "pedagogist": "The Pedagogist is shaping the idea",
    "idea": "The Pedagogist is shaping the idea",
    "coder": "The Coder is writing the capsule",
    "draft": "The Coder is writing the capsule",
    "regenerate": "The Coder is starting over with the failure history",
    "judge": "The judge is running the tests",
    "judging": "The judge is running the tests",
    "debugger": "The Debugger is fixing what the judge found",
    "healing": "The Debugger is fixing what the judge found",
    "solver": "The Solver is answering the exercise from the statement alone",
    "saving": "Saving the validated capsule",
}


def stage_label(job: GenerationJob) -> str:
    if job.status == JobStatus.SUCCEEDED and (job.statement_check or {}).get("status") == "disagreed":
        return "Done: saved as a draft, the statement check disagrees"
    if job.status == JobStatus.SUCCEEDED:
        return "Done: the capsule passed the judge"
    if job.status == JobStatus.FAILED:
        return "Stopped: no capsule passed the judge"
    if job.status == JobStatus.NO_MATCH:
        return "Stopped: no catalog exercise fits this request"
    if job.status == JobStatus.QUEUED:
        return _STAGE_LABELS[""]
    key = job.stage.strip().lower()
    for prefix, label in _STAGE_LABELS.items():
        if prefix and (key == prefix or key.startswith(prefix + ":") or key.startswith(prefix + " ")):
            return label
    return job.stage.replace("_", " ").capitalize() if job.stage else "Working"


def job_progress(job: GenerationJob, steps: Sequence[AgentStep]) -> int:
    """Percent of the progress bar, derived from the steps that have landed (0 queued, 100 finished)."""
    if job.is_finished:
        return 100
    percent: float = 0 if job.status == JobStatus.QUEUED else 5
    judgements = 0
    per_heal_step = (PROGRESS_RUNNING_MAX - PROGRESS_AFTER_FIRST_JUDGEMENT) / max(2 * settings.GENERATION_MAX_HEALS, 1)
    for step in steps:
        if step.agent == AgentName.PEDAGOGIST:
            percent = max(percent, PROGRESS_AFTER_IDEA)
        elif step.agent == AgentName.CODER:
            percent = max(percent, PROGRESS_AFTER_DRAFT)
        elif step.agent == AgentName.JUDGE and judgements == 0:
            judgements += 1
            percent = max(percent, PROGRESS_AFTER_FIRST_JUDGEMENT)
        else:  # a Debugger step or a later judgement: one half of a heal
            percent = max(percent, PROGRESS_AFTER_FIRST_JUDGEMENT) + per_heal_step
    return int(min(percent, PROGRESS_RUNNING_MAX))


@dataclass(frozen=True)
class FailingCase:
    """The first thing that did not pass in a judge report: a test (call/expected/actual) or a terminal task."""

    label: str
    call: str = ""
    expected: str = ""
    actual: str = ""
    verdict: str = ""
    stderr: str = ""
    is_hidden: bool = False


@dataclass(frozen=True)
class Judgement:
    """What the judge said, from a ValidationReport dict (judges.reports)."""

    passed: bool
    category: str
    message: str
    failing: FailingCase | None
    tests_total: int
    tests_passed: int


def report_judgement(report: Any) -> Judgement | None:
    """A readable summary of a stored ValidationReport; None when there is no report."""
    if not isinstance(report, dict):
        return None
    tests = [test for test in report.get("tests") or [] if isinstance(test, dict)]
    failing: FailingCase | None = None
    for test in tests:
        if test.get("verdict") not in (None, "AC"):
            failing = FailingCase(
                label=str(test.get("description") or f"Test {int(test.get('index', 0)) + 1}"),
                call=str(test.get("call", "")),
                expected=str(test.get("expected", "")),
                actual=str(test.get("actual", "")),
                verdict=str(test.get("verdict", "")),
                stderr=str(test.get("stderr", "")),
                is_hidden=bool(test.get("is_hidden")),
            )
            break
    if failing is None:
        for task in report.get("tasks") or []:
            if isinstance(task, dict) and (not task.get("failed_before", True) or not task.get("passed_after", True)):
                what = "passes before the solution runs" if not task.get("failed_before", True) else "fails after the solution"
                failing = FailingCase(
                    label=f"Task {task.get('task_id', '?')} {what}",
                    actual=str(task.get("output_after") or task.get("output_before") or ""),
                )
                break
    return Judgement(
        passed=bool(report.get("passed")),
        category=str(report.get("category") or ""),
        message=str(report.get("message", "")),
        failing=failing,
        tests_total=len(tests),
        tests_passed=sum(1 for test in tests if test.get("verdict") == "AC"),
    )


@dataclass(frozen=True)
class StepView:
    step: AgentStep
    ok: bool
    outcome: str
    seconds: float
    judgement: Judgement | None


def step_view(step: AgentStep) -> StepView:
    judgement = report_judgement(step.report) if step.agent == AgentName.JUDGE else None
    if judgement is not None:
        ok = judgement.passed
        outcome = "Passed" if ok else f"Failed: {judgement.category.replace('_', ' ') or 'see the report'}"
    elif step.error_kind == NO_CATALOG_MATCH:
        ok = False
        outcome = "No fitting exercise"
    elif step.error or step.error_kind:
        ok = False
        outcome = f"Failed: {(step.error_kind or 'error').replace('_', ' ')}"
    else:
        ok = step.parsed_ok
        outcome = "Done" if ok else "No usable answer"
    seconds = step.latency_ms / 1000
    if not seconds and isinstance(step.report, dict):
        seconds = float(step.report.get("seconds") or 0.0)
    return StepView(step=step, ok=ok, outcome=outcome, seconds=seconds, judgement=judgement)


@dataclass(frozen=True)
class JobProgress:
    job: GenerationJob
    steps: list[StepView]
    percent: int
    stage: str
    last_report: Judgement | None
    fingerprint: str
    announcement: str


def job_progress_view(job: GenerationJob) -> JobProgress:
    """Everything the job page shows, from two queries (the job is already loaded; its steps; the capsule
    is select_related by get_job_for_owner)."""
    steps = job_steps(job)
    views = [step_view(step) for step in steps]
    return JobProgress(
        job=job,
        steps=views,
        percent=job_progress(job, steps),
        stage=stage_label(job),
        last_report=report_judgement(job.last_report),
        fingerprint=_fingerprint(job, steps),
        announcement=_announcement(job, views),
    )


def _fingerprint(job: GenerationJob, steps: Iterable[AgentStep]) -> str:
    """Changes whenever anything the progress partial shows changes; polls that carry the current one get a
    204 (nothing to swap), so the page does not re-render (nor re-announce) an unchanged timeline."""
    parts: list[Any] = [job.status, job.stage, job.heals, job.quality_score, job.error, job.result_capsule_id, job.statement_check]
    parts += [(s.position, s.agent, s.parsed_ok, s.summary, s.error, s.error_kind, s.latency_ms) for s in steps]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _announcement(job: GenerationJob, steps: Sequence[StepView]) -> str:
    """One sentence for screen readers when the progress changes."""
    if job.status == JobStatus.SUCCEEDED and (job.statement_check or {}).get("status") == "disagreed":
        return "Finished: the capsule was saved as a draft, because a solution from the statement alone fails some tests."
    if job.status == JobStatus.SUCCEEDED:
        return "Finished: the capsule passed the judge and is ready."
    if job.status == JobStatus.FAILED:
        return "Finished: generation failed. The last report is shown."
    if job.status == JobStatus.NO_MATCH:
        return "Finished: the offline catalog has no exercise about this topic. The closest ones are offered."
    if not steps:
        return stage_label(job)
    last = steps[-1]
    return f"Step {len(steps)}: {last.step.get_agent_display()}, {last.outcome.lower()}. {stage_label(job)}."


# --- Metrics (staff) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One row of a table with a bar: a label, a count and its share of the whole (0..100)."""

    key: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class AgentMetrics:
    agent: str
    label: str
    steps: int
    parsed_ok: int
    success_percent: float | None
    mean_latency_seconds: float | None


@dataclass
class GenerationMetrics:
    days: int
    since: datetime
    jobs: int = 0
    finished: int = 0
    by_status: list[Share] = field(default_factory=list)
    agents: list[AgentMetrics] = field(default_factory=list)
    heals_mean: float | None = None
    heals_distribution: list[Share] = field(default_factory=list)
    seconds_p50: float | None = None
    seconds_p95: float | None = None
    seconds_mean: float | None = None
    timed_jobs: int = 0
    failures: list[Share] = field(default_factory=list)
    failed: int = 0
    success_percent: float | None = None
    # Model calls' tokens per finished job (jobs that reported any: the catalog's report none).
    tokens_p50: float | None = None
    tokens_p95: float | None = None
    token_jobs: int = 0
    # Finished jobs by statement-check outcome (generation/statement_check.py).
    statement_checks: list[Share] = field(default_factory=list)


def metrics_days(value: Any) -> int:
    """The period asked for (?days=), or the default when it is missing or not one we offer."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return METRICS_DEFAULT_DAYS
    return days if days in METRICS_PERIODS else METRICS_DEFAULT_DAYS


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least `fraction` of the values at or below it)."""
    if not sorted_values:
        return None
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def generation_metrics(*, days: int, now: datetime | None = None) -> GenerationMetrics:
    """Generation health over the last `days` days (jobs by their creation time), in seven queries:

    1. jobs by status;
    2. per-agent steps, parsed-ok steps and mean latency (steps of those jobs);
    3. finished jobs by number of heals (mean and distribution);
    4. start and finish times of finished jobs (p50/p95 in Python: a percentile is not portable SQL);
    5. failed jobs by error category;
    6. tokens of finished jobs that reported any (p50/p95);
    7. finished jobs by statement-check outcome.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    jobs = GenerationJob.objects.filter(created_at__gte=since, created_at__lte=now)
    finished_jobs = jobs.filter(status__in=FINISHED_STATUSES)
    metrics = GenerationMetrics(days=days, since=since)

    status_counts = dict(jobs.order_by().values_list("status").annotate(n=Count("id")))  # query 1
    metrics.jobs = sum(status_counts.values())
    metrics.by_status = [
        Share(value, str(label), status_counts.get(value, 0), _percent(status_counts.get(value, 0), metrics.jobs))
        for value, label in JobStatus.choices
    ]
    metrics.finished = sum(status_counts.get(status, 0) for status in FINISHED_STATUSES)
    metrics.failed = status_counts.get(JobStatus.FAILED, 0)
    if metrics.finished:
        metrics.success_percent = _percent(status_counts.get(JobStatus.SUCCEEDED, 0), metrics.finished)

    agent_rows = {  # query 2
        row["agent"]: row
        for row in AgentStep.objects.filter(job__created_at__gte=since, job__created_at__lte=now)
        .order_by()
        .values("agent")
        .annotate(total=Count("id"), ok=Count("id", filter=Q(parsed_ok=True)), latency=Avg("latency_ms"))
    }
    for value, label in AgentName.choices:
        row = agent_rows.get(value, {"total": 0, "ok": 0, "latency": None})
        metrics.agents.append(
            AgentMetrics(
                agent=value,
                label=str(label),
                steps=row["total"],
                parsed_ok=row["ok"],
                success_percent=_percent(row["ok"], row["total"]) if row["total"] else None,
                mean_latency_seconds=row["latency"] / 1000 if row["latency"] is not None else None,
            )
        )

    heal_counts = dict(finished_jobs.order_by().values_list("heals").annotate(n=Count("id")))  # query 3
    heal_jobs = sum(heal_counts.values())
    if heal_jobs:
        metrics.heals_mean = round(sum(heals * n for heals, n in heal_counts.items()) / heal_jobs, 2)
        top = max(max(heal_counts), settings.GENERATION_MAX_HEALS)
        metrics.heals_distribution = [
            Share(str(heals), str(heals), heal_counts.get(heals, 0), _percent(heal_counts.get(heals, 0), heal_jobs))
            for heals in range(top + 1)
        ]

    durations = sorted(  # query 4
        (finished_at - started_at).total_seconds()  # type: ignore[operator]  # both filtered to non-null below
        for started_at, finished_at in finished_jobs.filter(started_at__isnull=False, finished_at__isnull=False)
        .order_by()
        .values_list("started_at", "finished_at")
    )
    metrics.timed_jobs = len(durations)
    metrics.seconds_p50 = percentile(durations, 0.50)
    metrics.seconds_p95 = percentile(durations, 0.95)
    metrics.seconds_mean = round(sum(durations) / len(durations), 3) if durations else None

    failure_counts = (  # query 5
        jobs.filter(status=JobStatus.FAILED).order_by().values_list("error_category").annotate(n=Count("id"))
    )
    metrics.failures = sorted(
        (
            Share(category, category.replace("_", " ") if category else "uncategorized", n, _percent(n, metrics.failed))
            for category, n in failure_counts
        ),
        key=lambda share: (-share.count, share.key),
    )

    tokens = sorted(  # query 6
        finished_jobs.order_by()
        .annotate(tokens=F("prompt_tokens") + F("completion_tokens"))
        .filter(tokens__gt=0)
        .values_list("tokens", flat=True)
    )
    metrics.token_jobs = len(tokens)
    metrics.tokens_p50 = percentile(tokens, 0.50)
    metrics.tokens_p95 = percentile(tokens, 0.95)

    check_counts = dict(  # query 7
        finished_jobs.filter(statement_check__isnull=False)
        .order_by()
        .values_list("statement_check__status")
        .annotate(n=Count("id"))
    )
    checked = sum(check_counts.values())
    metrics.statement_checks = [
        Share(status, label, check_counts.get(status, 0), _percent(check_counts.get(status, 0), checked))
        for status, label in STATEMENT_CHECK_LABELS.items()
        if checked
    ]
    return metrics


STATEMENT_CHECK_LABELS = {
    "agreed": "Agreed: a solution from the statement alone passes every test",
    "disagreed": "Disagreed: saved as a draft for its creator to review",
    "failed": "Not made: no usable Solver answer, a judge error or no budget left",
    "skipped": "Skipped: turned off, or the offline catalog",
}
