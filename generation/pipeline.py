"""The generation pipeline: Pedagogist → Coder → judge → Debugger → judge …

`run_pipeline(job)` is what `generation.services.generation_run(job)` (and so the django-q2 task) runs:

1. Mark the job running (status, started_at, provider, stage "pedagogist"). A finished job is returned as is.
2. Pick the agents: network LLMs (generation.agents.LLMAgents, one client per job) or, when
   settings.LLM_PROVIDER == "catalog", the offline catalog (generation.catalog_provider.CatalogAgents).
   The request carries the creator's existing capsule titles, so neither suggests one they already have.
   A job started from a no-match job's suggestion (job.catalog_pick) always runs on the catalog, pinned to
   that exercise.
3. Pedagogist: the request → an idea. Coder: the idea → a capsule draft (a BaseCapsule dict).
4. The gate: `judges.validate(draft)`. A failing report goes to the Debugger, whose fixed draft is judged
   again, at most settings.GENERATION_MAX_HEALS times (job.heals counts them). After
   settings.GENERATION_REGENERATE_AFTER_HEALS Debugger heals in a row have failed, the next heal asks the Coder for a new
   draft instead, with the history of every failed judgement.
5. The statement check (generation/statement_check.py): a draft that passed goes to the Solver, shown only what a
   learner sees, and the judge runs its solution on every test. A disagreement goes to the Debugger like any failed
   judgement (category statement_disagreement, with both programs) and uses a heal; a draft still in disagreement
   when the heals run out (or the budget, or a Debugger call fails outright) is saved as a DRAFT (never validated),
   its report saying why, and the job succeeds with it. GENERATION_STATEMENT_CHECK=0 and the offline catalog skip
   the check; a Solver that gives no usable answer leaves it unmade. The outcome is job.statement_check and the
   saved report's "statement_check".
6. A draft that passed is saved with `capsule_create(creator=job.creator, data=draft)`, which judges it once
   more. In ONE transaction: the capsule, its judgement step, and the job's result_capsule, status
   succeeded, quality_score (generation/quality.py), finished_at. If the second judgement disagrees the
   transaction is rolled back — no draft capsule is kept — and the job fails as `flaky`. The job's success is
   written only if the job is still running (a guarded UPDATE inside that transaction): a job the reaper
   already failed as worker_lost (generation.services.generation_jobs_reap_lost) keeps its failure and the
   capsule is rolled back too, so a job never ends both failed and with a saved capsule.

Budget (generation/budget.py). Every call's output is capped at LLM_MAX_TOKENS_<AGENT>; the job as a whole has
GENERATION_JOB_TOKEN_BUDGET tokens and GENERATION_JOB_WALL_SECONDS. Before each model call (and each judgement, for
time) the budget is checked: a job over it fails as `token_budget` or `time_budget` — or, if a draft already passed
the judge with a disagreeing statement check, saves that one as a draft. Each call's cap and HTTP timeout are cut to
what is left. job.prompt_tokens / job.completion_tokens add up every call.

Recording. Every agent call is an AgentStep (agent, model, the messages sent, the raw answer, parsed_ok,
tokens, latency, error and error_kind, a one-line summary, the parsed output); every judgement is an
AgentStep with agent "judge", the report JSON and the report's message as summary. Each step and each
change of job.stage / job.heals / job.llm_seconds / job.judge_seconds is written as it happens, in its own
autocommit write: no transaction is open during an LLM call or a judgement (except the final save's, see 5),
so the job page, polling every second from another connection, sees every step land.
job.stage is one of STAGES while running and "" once the job has finished.

How a job fails (job.error_category; job.error says it in a sentence; last_report keeps the last report):
- an LLM failure of the Pedagogist or the first Coder call: the LLMErrorKind value — refusal, length,
  invalid_json, schema_mismatch (both after the client's one repair), timeout, rate_limited (429 after the
  SDK's bounded retries), server_error, connection, auth, bad_request;
- an LLM failure during a heal (Debugger, or the Coder regenerating): when the model answered but the answer
  was unusable (invalid_json, schema_mismatch, length) the heal counts as a FAILED HEAL and the pipeline goes
  on with the same draft and report — a model that botched one fix may well manage the next, and the heal
  budget bounds it. Any other kind (transport, auth, refusal) ends the job with that kind: retrying at once
  would most likely fail the same way, and a refusal is not a coding mistake;
- offline: catalog_exhausted / catalog_missing (generation/catalog_provider.py);
Offline, a request no catalog exercise fits is not a failure: the job ends as JobStatus.NO_MATCH (category
`no_catalog_match`, job.error says it in a sentence, job.suggestions lists the closest exercises) and nothing
is saved.
- the gate still failing after the last heal: the last report's category (wrong_output, compile_error, ...);
- sandbox_error: the judge could not run at all. Not healed: nothing is wrong with the draft;
- flaky: the judgement on save disagreed with the gate's pass;
- invalid_config: the save path refused the draft (e.g. config too large);
- llm_not_configured: the provider is openai/azure but its key or endpoint is missing;
- token_budget / time_budget: the job spent GENERATION_JOB_TOKEN_BUDGET or GENERATION_JOB_WALL_SECONDS.
A crash inside the pipeline ends the job as `internal_error` (generation/tasks.py).
A worker that dies mid-job (SIGKILL, django-q2's timeout guard, a lost machine) records nothing: its heartbeat
stops and the reaper ends the job as `worker_lost` (generation/services.py). Nothing of it was saved but its
steps, since the capsule is written only in the final transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

import judges
from capsules.hooks import BROWSER_MISMATCH_CATEGORIES, INCONCLUSIVE_CATEGORY
from capsules.models import Capsule, CapsuleStatus
from capsules.schemas import base_runtime_tier, browser_engine
from capsules.services import capsule_create
from codecapsule.errors import ApplicationError
from generation.agents import AgentCall, Agents, FailedAttempt, GenerationRequest, LLMAgents, StepRecorder, learner_view, one_line
from generation.agents.schemas import dialect_of
from generation.budget import JobBudget
from generation.catalog_provider import NO_CATALOG_MATCH, CatalogAgents
from generation.llm import llm_provider, network_llm_configured
from generation.models import AgentName, GenerationJob, JobStatus
from generation.quality import quality_score, signals_from
from generation.statement_check import StatementCheck, disagreement_note, skipped_because
from judges.gate import as_draft
from judges.sandbox import SandboxError
from judges.statement_check import DISAGREEMENT, check_solution

logger = logging.getLogger(__name__)

# job.stage while the job runs: which agent (or the judge) is working, then "saving".
STAGE_PEDAGOGIST = AgentName.PEDAGOGIST.value
STAGE_CODER = AgentName.CODER.value
STAGE_JUDGE = AgentName.JUDGE.value
STAGE_DEBUGGER = AgentName.DEBUGGER.value
STAGE_SOLVER = AgentName.SOLVER.value
STAGE_SAVING = "saving"
STAGES = (STAGE_PEDAGOGIST, STAGE_CODER, STAGE_JUDGE, STAGE_DEBUGGER, STAGE_SOLVER, STAGE_SAVING)

# LLM failure kinds that, during a heal, use up the heal instead of ending the job (see the docstring).
UNUSABLE_ANSWER_KINDS = frozenset({"invalid_json", "schema_mismatch", "length"})

_AGENT_LABELS = {
    AgentName.PEDAGOGIST.value: "Pedagogist",
    AgentName.CODER.value: "Coder",
    AgentName.DEBUGGER.value: "Debugger",
    AgentName.SOLVER.value: "Solver",
}


def _browser_tier(draft: Mapping[str, Any]) -> bool:
    return browser_engine(str((draft.get("runtime_config") or {}).get("runtime_tier") or "")) is not None


def _on_server_tier(draft: Mapping[str, Any]) -> dict[str, Any]:
    runtime = dict(draft["runtime_config"])
    runtime["runtime_tier"] = base_runtime_tier(runtime["language"], dialect_of(draft))
    return {**draft, "runtime_config": runtime}


def agents_for_provider(job: GenerationJob | None = None) -> Agents:
    """The agents of the configured provider (ImproperlyConfigured when a network provider lacks its key);
    the catalog, pinned to the exercise, for a job that takes a chosen catalog exercise."""
    if job is not None and job.catalog_pick:
        return CatalogAgents(pinned_title=job.catalog_pick)
    if network_llm_configured():
        return LLMAgents()
    return CatalogAgents()


def run_pipeline(job: GenerationJob, *, agents: Agents | None = None) -> GenerationJob:
    """Run `job` to its end (succeeded or failed) and return it. See the module docstring for the steps."""
    if job.is_finished or not _claim(job):
        return job
    request = request_for(job)
    try:
        agents = agents if agents is not None else agents_for_provider(job)
    except ImproperlyConfigured as exc:
        return _Run(job, None, request).fail(f"The LLM provider is not configured: {exc}", "llm_not_configured")
    try:
        return _Run(job, agents, request).execute()
    finally:
        agents.close()


def request_for(job: GenerationJob) -> GenerationRequest:
    titles = Capsule.objects.filter(creator_id=job.creator_id).order_by("-created_at").values_list("title", flat=True)
    return GenerationRequest(
        capsule_type=job.capsule_type,
        language=job.language,
        difficulty=job.difficulty,
        prompt=job.prompt,
        avoid_titles=tuple(dict.fromkeys(titles)),
    )


def _claim(job: GenerationJob) -> bool:
    """Move the job from queued to running in one conditional UPDATE; False when another worker claimed it first.

    A queued job can have two tasks in the queue (generation.services.generation_jobs_resend_stuck re-sends a job
    whose task may have been lost), so reading the status and then saving would let both run it."""
    now = timezone.now()
    fields = {
        "status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now,  # the reaper counts silence from here
        "finished_at": None, "provider": "catalog" if job.catalog_pick else llm_provider(), "stage": STAGE_PEDAGOGIST, "heals": 0,
        "llm_seconds": 0.0, "judge_seconds": 0.0, "error": "", "error_category": "",
        "prompt_tokens": 0, "completion_tokens": 0, "statement_check": None,
    }  # fmt: skip
    if not GenerationJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(**fields):
        job.refresh_from_db()
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    return True


class _OverBudget(Exception):
    """The job spent its token or time budget (generation/budget.py); raised before the next call or judgement."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category
        self.message = message


class _JobNoLongerRunning(Exception):
    """The job was ended meanwhile (failed as worker_lost by the reaper): its success must not be written."""


class _SecondJudgementFailed(Exception):
    def __init__(self, report: Mapping[str, Any], seconds: float) -> None:
        super().__init__(report.get("message", ""))
        self.report = report
        self.seconds = seconds


class _Run:
    """One run of the pipeline for one job: the agents, the step recorder and the running counters."""

    def __init__(self, job: GenerationJob, agents: Agents | None, request: GenerationRequest) -> None:
        self.job = job
        self.agents = agents
        self.request = request
        self.recorder = StepRecorder(job)
        self.max_heals = int(settings.GENERATION_MAX_HEALS)
        self.regenerate_after = settings.GENERATION_REGENERATE_AFTER_HEALS
        self.budget = JobBudget.from_settings()
        if agents is not None:
            agents.limit_calls(self.budget)
        # The last draft that passed the judge but not the statement check, with its judgement and check: what is
        # saved (as a draft) if the heals or the budget run out before a fix agrees.
        self.disagreeing: tuple[Mapping[str, Any], dict[str, Any], float, StatementCheck] | None = None

    # the flow

    def execute(self) -> GenerationJob:
        try:
            return self._execute()
        except _OverBudget as over:
            if self.disagreeing is not None:
                return self.save_disagreeing(spent=over.message)
            return self.fail(over.message, over.category, self.job.last_report)

    def _execute(self) -> GenerationJob:
        agents = self.agents
        assert agents is not None
        job, request = self.job, self.request

        call = self.call(STAGE_PEDAGOGIST, lambda: agents.pedagogist(request))
        if call.error_kind == NO_CATALOG_MATCH:
            return self.no_match(call)
        if not call.ok:
            return self.agent_failed(call)
        idea = call.output
        assert idea is not None

        call = self.call(STAGE_CODER, lambda: agents.coder(request, idea, ()))
        if not call.ok:
            return self.agent_failed(call)
        draft = call.output
        assert draft is not None

        history: list[FailedAttempt] = []
        debugger_heals_in_a_row = 0
        change = ""  # what the last heal changed, to pair with the judgement that follows it
        report, seconds = self.judge(draft)
        while True:
            if report.get("passed"):
                check, disagreement = self.statement_check(draft, report)
                if disagreement is None:
                    return self.save(draft, report, seconds, check)
                self.disagreeing = (draft, report, seconds, check)
                report = disagreement
            category = str(report.get("category") or "judge_failed")
            message = str(report.get("message", ""))
            if category == INCONCLUSIVE_CATEGORY:
                return self.fail(f"The judge could not run the capsule: {message}", category, report)
            if category in BROWSER_MISMATCH_CATEGORIES and _browser_tier(draft):
                # The capsule is right; only the learner's browser would run it differently. Its Run moves to
                # the server (the language's own tier), which costs no heal.
                draft = _on_server_tier(draft)
                report, seconds = self.judge(draft)
                continue
            history.append(FailedAttempt(category=category, message=message, change=change))
            while True:  # heals until one returns a draft to judge (or the budget ends)
                if job.heals >= self.max_heals:
                    if self.disagreeing is not None:
                        # A draft passed the judge but not the statement check, and no fix since has done better:
                        # it is kept as a draft, with the disagreement explained.
                        return self.save_disagreeing()
                    return self.fail(
                        f"The capsule still fails the judge after {job.heals} heal{'s' if job.heals != 1 else ''}: {message}",
                        category,
                        report,
                    )
                job.heals += 1
                regenerate = 0 < self.regenerate_after <= debugger_heals_in_a_row
                if regenerate:
                    debugger_heals_in_a_row = 0
                    earlier = tuple(history)
                    call = self.call(STAGE_CODER, partial(agents.coder, request, idea, earlier))
                else:
                    debugger_heals_in_a_row += 1
                    current, earlier = draft, tuple(history[:-1])
                    call = self.call(STAGE_DEBUGGER, partial(agents.debugger, request, idea, current, report, earlier))
                if call.ok:
                    break
                if call.error_kind not in UNUSABLE_ANSWER_KINDS:
                    if self.disagreeing is not None:
                        return self.save_disagreeing()  # the draft that passed the judge is still worth keeping
                    return self.agent_failed(call, report)
                # An unusable answer uses up the heal; the same draft and report go to the next one.
            draft = call.output
            assert draft is not None
            change = call.note or ("regenerated by the Coder" if call.agent == AgentName.CODER else "")
            report, seconds = self.judge(draft)

    # steps

    def call(self, stage: str, make_call: Any) -> AgentCall:
        """Show the stage, run one agent call (no transaction open), record it with the job's counters. Over
        budget before the call, or after a call that failed because the budget cut it short: _OverBudget."""
        self.check_budget()
        self.set_stage(stage)
        call: AgentCall = make_call()
        self.recorder.agent(call)
        job = self.job
        job.llm_seconds = round(job.llm_seconds + call.latency_ms / 1000, 4)
        job.prompt_tokens += call.prompt_tokens or 0
        job.completion_tokens += call.completion_tokens or 0
        job.save(update_fields=["llm_seconds", "prompt_tokens", "completion_tokens"])
        self.budget.charge((call.prompt_tokens or 0) + (call.completion_tokens or 0))
        if not call.ok:
            self.check_budget()
        return call

    def check_budget(self, *, tokens: bool = True) -> None:
        over = self.budget.exhausted(tokens=tokens)
        if over is not None:
            raise _OverBudget(*over)

    def statement_check(self, draft: Mapping[str, Any], report: Mapping[str, Any]) -> tuple[StatementCheck, dict[str, Any] | None]:
        """The Solver's solution from the learner's view of `draft`, run by the judge against every check (see
        generation/statement_check.py). Returns the record and, when they disagree, the judgement for the Debugger
        (category statement_disagreement, the Solver's program under "solver")."""
        agents = self.agents
        assert agents is not None
        check = skipped_because(agents.solver_unavailable)
        if check is not None:
            return self.record_check(check), None
        parsed = as_draft(draft)
        try:
            call = self.call(STAGE_SOLVER, partial(agents.solver, self.request, learner_view(parsed)))
        except _OverBudget as over:
            return self.record_check(StatementCheck("failed", f"Not made: {over.message}")), None
        if not call.ok or call.output is None:
            return self.record_check(StatementCheck("failed", f"Not made: the Solver gave no usable answer ({call.error_kind}).")), None
        solution = str(call.output.get("solution", ""))

        def run_solution() -> dict[str, Any]:
            try:
                return check_solution(parsed, solution, report).model_dump(mode="json")
            except SandboxError as exc:
                logger.warning("statement check of job %s could not run: %s", self.job.pk, exc)
                message = f"The judge could not run the Solver's solution: {exc}"
                return {"passed": False, "category": INCONCLUSIVE_CATEGORY, "message": message}

        judgement, _ = self.judgement(run_solution, summary_prefix="Statement check: ")
        if judgement.get("category") == INCONCLUSIVE_CATEGORY:
            return self.record_check(StatementCheck("failed", f"Not made: {judgement['message']}", solver_model=call.model)), None
        check = self.record_check(StatementCheck.from_report(judgement, model=call.model))
        if check.status == "agreed":
            return check, None
        return check, {**judgement, "solver": {"solution": solution, "approach": str(call.output.get("approach", ""))}}

    def record_check(self, check: StatementCheck) -> StatementCheck:
        self.job.statement_check = check.as_record()
        self.job.save(update_fields=["statement_check"])
        return check

    def judge(self, draft: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
        """The gate's judgement of `draft`, kept as the job's last report."""
        self.check_budget(tokens=False)  # a draft already paid for is worth judging
        report, seconds = self.judgement(lambda: judges.validate(draft).model_dump(mode="json"))
        self.job.last_report = report
        self.job.save(update_fields=["last_report"])
        return report, seconds

    def judgement(self, run: Callable[[], dict[str, Any]], *, summary_prefix: str = "") -> tuple[dict[str, Any], float]:
        """Show the judge's stage, run one judgement, record it as a step and add its time to the job's."""
        self.set_stage(STAGE_JUDGE)
        started = time.monotonic()
        report = run()
        seconds = time.monotonic() - started
        self.recorder.judge(report, seconds=seconds, summary=f"{summary_prefix}{report.get('message', '')}")
        self.job.judge_seconds = round(self.job.judge_seconds + seconds, 4)
        self.job.save(update_fields=["judge_seconds"])
        return report, seconds

    def set_stage(self, stage: str) -> None:
        self.job.stage = stage
        self.job.save(update_fields=["stage", "heals"])

    # endings

    def save_disagreeing(self, spent: str = "") -> GenerationJob:
        """Save the last draft that passed the judge but whose statement check disagreed, as a draft."""
        assert self.disagreeing is not None
        draft, report, seconds, check = self.disagreeing
        self.record_check(check)
        note = disagreement_note(check, self.job.heals) + (f" {spent}" if spent else "")
        return self.save(draft, report, seconds, check, draft_because=note)

    def save(
        self, draft: Mapping[str, Any], report: Mapping[str, Any], pass_seconds: float, check: StatementCheck, *, draft_because: str = ""
    ) -> GenerationJob:
        """Save the capsule and the job's success together; a disagreeing second judgement saves nothing.

        The statement check goes into the saved report. `draft_because`: the check still disagrees, so the capsule
        is kept as a draft (never validated) and its report says why, in its message and a problem of its own.

        capsule_create judges the draft before it writes anything, so the transaction holds no lock while
        the sandbox runs (SQLite starts a deferred transaction; PostgreSQL takes no lock for reads).
        """
        job = self.job
        self.set_stage(STAGE_SAVING)
        started = time.monotonic()
        try:
            with transaction.atomic():
                capsule = capsule_create(creator=job.creator, data=draft)
                seconds = time.monotonic() - started
                second = dict(capsule.validation_report or {})
                if capsule.status != CapsuleStatus.VALIDATED:
                    raise _SecondJudgementFailed(second, seconds)
                self.recorder.judge(second, seconds=seconds, summary=f"Judged again on save: {second.get('message', '')}")
                self.keep_statement_check(capsule, second, check, draft_because)
                job.judge_seconds = round(job.judge_seconds + seconds, 4)
                signals = signals_from(
                    report, capsule_type=job.capsule_type, heals=job.heals, max_heals=self.max_heals,
                    judge_seconds=pass_seconds,
                )  # fmt: skip
                job.result_capsule = capsule
                job.status = JobStatus.SUCCEEDED
                job.quality_score = quality_score(signals)
                job.last_report = second
                job.stage = ""
                job.finished_at = timezone.now()
                fields = (
                    "result_capsule", "status", "quality_score", "last_report", "stage",
                    "finished_at", "judge_seconds", "heals",
                )  # fmt: skip
                claimed = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                    **{name: getattr(job, name) for name in fields}
                )
                if not claimed:
                    raise _JobNoLongerRunning
        except _JobNoLongerRunning:
            job.refresh_from_db()
            logger.warning("generation job %s ended (%s) before its capsule was saved: the capsule was rolled back", job.pk, job.status)
            return job
        except _SecondJudgementFailed as exc:
            job.judge_seconds = round(job.judge_seconds + exc.seconds, 4)
            message = str(exc.report.get("message", ""))
            self.recorder.judge(exc.report, seconds=exc.seconds, summary=f"Judged again on save and it failed: {message}")
            if exc.report.get("category") == INCONCLUSIVE_CATEGORY:
                return self.fail(f"The judge could not run the capsule on save: {message}", INCONCLUSIVE_CATEGORY, exc.report)
            return self.fail(
                f"The capsule passed the judge once but not when judged again on save, so it was not kept: {message}",
                "flaky",
                exc.report,
            )
        except ApplicationError as exc:
            return self.fail(f"The capsule could not be saved: {exc.message}", "invalid_config")
        logger.info("generation job %s succeeded: capsule %s, %d heals, quality %.3f", job.pk, capsule.pk, job.heals, job.quality_score)
        return job

    @staticmethod
    def keep_statement_check(capsule: Capsule, report: dict[str, Any], check: StatementCheck, draft_because: str) -> None:
        """Write the statement check into the capsule's report; a disagreement makes the capsule a draft."""
        report["statement_check"] = check.as_record()
        fields = ["validation_report"]
        if draft_because:
            report.update(passed=False, category=DISAGREEMENT, message=draft_because)
            report["problems"] = [{"category": DISAGREEMENT, "message": draft_because}, *report.get("problems", [])]
            capsule.status = CapsuleStatus.DRAFT
            fields.append("status")
        capsule.validation_report = report
        capsule.save(update_fields=fields)

    def no_match(self, call: AgentCall) -> GenerationJob:
        """No catalog exercise fits: end the job as no_match with the closest exercises to offer instead."""
        job = self.job
        job.status = JobStatus.NO_MATCH
        job.error = call.error[:5000]
        job.error_category = NO_CATALOG_MATCH
        job.suggestions = list((call.output or {}).get("suggestions", []))
        if self._end(("status", "error", "error_category", "suggestions")):
            logger.info("generation job %s: no catalog exercise fits %r", job.pk, job.prompt)
        return job

    def agent_failed(self, call: AgentCall, report: Mapping[str, Any] | None = None) -> GenerationJob:
        label = _AGENT_LABELS.get(call.agent, call.agent)
        first_line = call.error.splitlines()[0] if call.error else "no usable answer"
        return self.fail(f"The {label} failed ({call.error_kind}): {one_line(first_line, 1000)}", call.error_kind, report)

    def fail(self, error: str, category: str, report: Mapping[str, Any] | None = None) -> GenerationJob:
        job = self.job
        job.status = JobStatus.FAILED
        job.error = error[:5000]
        job.error_category = category[:40]
        if report is not None:
            job.last_report = dict(report)
        if self._end(("status", "error", "error_category", "last_report")):
            logger.info("generation job %s failed (%s): %s", job.pk, category, error)
        return job

    def _end(self, fields: tuple[str, ...]) -> bool:
        """Write the job's ending (`fields` plus the counters) if it is still running; False (and the job
        re-read) when it no longer was."""
        job = self.job
        job.stage = ""
        job.finished_at = timezone.now()
        fields = (*fields, "stage", "finished_at", "heals", "llm_seconds", "judge_seconds")
        # Only a running job: one the reaper already failed as worker_lost keeps that reason.
        if not GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**{name: getattr(job, name) for name in fields}):
            job.refresh_from_db()
            return False
        return True


__all__ = ["STAGES", "UNUSABLE_ANSWER_KINDS", "agents_for_provider", "request_for", "run_pipeline"]
