"""`manage.py generation_eval`: the request set is checked before anything runs, each request runs as a real job
(the offline catalog, or the fake OpenAI server playing the model, with the real judge), and the summary's numbers
are the jobs' numbers."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from capsules.schemas import LANGUAGES_BY_TYPE
from generation import tasks
from generation.catalog import fitting_blueprints
from generation.evaluation import DEFAULT_REQUESTS, EVAL_USERNAME, read_eval_requests
from generation.llm.config import AGENTS
from generation.models import GenerationJob, JobStatus
from generation.tests.test_pipeline_llm import GOOD, IDEA
from tests.fake_openai import reply

pytestmark = pytest.mark.django_db

COUNT_WORDS = {"type": "CODE", "language": "python", "difficulty": "easy", "topic": "count the words in a sentence"}
CHEAP_PRODUCTS = {"type": "DATABASE", "language": "sql", "difficulty": "easy", "topic": "products whose price is under a budget"}
NO_CATALOG_EXERCISE = {"type": "CODE", "language": "python", "difficulty": "medium", "topic": "validate a password's strength"}
ADD_NUMBERS = {"type": "CODE", "language": "python", "difficulty": "easy", "topic": "a function that adds two numbers"}
REVERSE_WORDS = {"type": "CODE", "language": "python", "difficulty": "easy", "topic": "reverse the words of a sentence"}


@pytest.fixture(autouse=True)
def _no_heartbeat_during_short_jobs(settings):
    # The task's heartbeat thread writes through its own connection, which the test's open transaction would
    # lock out; these jobs take seconds, far less than the interval.
    settings.GENERATION_HEARTBEAT_SECONDS = 600


def request_file(tmp_path: Path, *lines: dict | str, name: str = "requests.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    return path


def run_eval(*args: str) -> str:
    out = StringIO()
    call_command("generation_eval", *args, stdout=out)
    return out.getvalue()


def summary_value(output: str, name: str) -> str:
    """The value of one row of the summary table (`success rate     2/3 (67%)` → `2/3 (67%)`)."""
    rows = [line[len(name) :].strip() for line in output.splitlines() if line.startswith(f"{name}  ")]
    assert len(rows) == 1, f"no single {name!r} row in:\n{output}"
    return rows[0]


# --- the shipped request set -----------------------------------------------------------------------------------------


def test_the_shipped_request_set_covers_every_type_language_and_difficulty():
    requests = read_eval_requests(DEFAULT_REQUESTS)

    assert len(requests) == 30
    assert {(r.capsule_type, r.language) for r in requests} == {
        (kind, language) for kind, languages in LANGUAGES_BY_TYPE.items() for language in languages
    }
    assert {r.difficulty for r in requests} == {"easy", "medium", "hard"}
    for kind in LANGUAGES_BY_TYPE:
        assert {r.difficulty for r in requests if r.capsule_type == kind} == {"easy", "medium", "hard"}, kind
    assert all(r.topic for r in requests)
    assert len({r.topic for r in requests}) == 30


def test_most_shipped_requests_fit_a_catalog_exercise_so_an_offline_run_measures_the_pipeline():
    requests = read_eval_requests(DEFAULT_REQUESTS)

    fitting = [
        r for r in requests if fitting_blueprints(capsule_type=r.capsule_type, language=r.language, difficulty=r.difficulty, prompt=r.topic)
    ]

    assert len(fitting) == 23
    assert {r.capsule_type for r in fitting} == set(LANGUAGES_BY_TYPE)


# --- bad request sets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ({**COUNT_WORDS, "type": "QUIZ"}, "line 3: type: choose one of CODE, DATABASE, TERMINAL"),
        ({**COUNT_WORDS, "language": "bash"}, "line 3: language: 'bash' is not a CODE language; choose one of python"),
        ({key: value for key, value in COUNT_WORDS.items() if key != "topic"}, "line 3: topic: missing"),
        ('{"type": "CODE", "language": "python",', "line 3: invalid JSON: Expecting property name enclosed in double quotes"),
        ({**COUNT_WORDS, "difficulty": "expert"}, "line 3: difficulty: choose one of easy, medium, hard"),
        ({**COUNT_WORDS, "prompt": "count words"}, "line 3: prompt: unknown field; a request has type, language, difficulty, topic"),
        ({**COUNT_WORDS, "topic": 7}, "line 3: topic: must be a string"),
        ('["CODE", "python"]', "line 3: expected a JSON object with type, language, difficulty, topic, got list"),
    ],
)
def test_a_bad_line_stops_the_command_with_its_file_line_and_field_and_runs_nothing(tmp_path, bad_line, expected):
    path = request_file(tmp_path, "# comment lines and blank lines are not requests", COUNT_WORDS, bad_line, "", CHEAP_PRODUCTS)

    with pytest.raises(CommandError) as raised:
        run_eval(str(path))

    message = str(raised.value)
    assert message.startswith(f"{path} {expected}") and "\n" not in message, message
    assert GenerationJob.objects.count() == 0
    assert not User.objects.filter(username=EVAL_USERNAME).exists()


def test_every_bad_line_is_reported_at_once_even_past_the_limit(tmp_path):
    path = request_file(tmp_path, COUNT_WORDS, {**COUNT_WORDS, "language": "sql"}, "not json", {**CHEAP_PRODUCTS, "type": "TERMINAL"})

    with pytest.raises(CommandError) as raised:
        run_eval(str(path), "--limit", "1")

    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [f"{path} line 2", f"{path} line 3", f"{path} line 4"]
    assert lines[2] == f"{path} line 4: language: 'sql' is not a TERMINAL language; choose one of bash"
    assert GenerationJob.objects.count() == 0


def test_a_prompt_over_the_length_limit_is_refused_as_the_form_refuses_it(tmp_path, settings):
    settings.GENERATION_PROMPT_MAX_CHARS = 100
    path = request_file(tmp_path, {**COUNT_WORDS, "topic": "word " * 30})

    with pytest.raises(CommandError, match=r"line 1: topic: is 149 characters; the limit is 100"):
        run_eval(str(path))


@pytest.mark.parametrize("lines", [(), ("# only a comment", "   ")])
def test_a_request_set_without_requests_is_an_error(tmp_path, lines):
    path = request_file(tmp_path, *lines)

    with pytest.raises(CommandError, match=r"requests\.jsonl: no requests \(every line is blank or a # comment\)"):
        run_eval(str(path))


def test_a_missing_file_an_unknown_creator_and_an_unwritable_json_path_are_errors(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.jsonl: cannot read"):
        run_eval(str(tmp_path / "missing.jsonl"))
    path = request_file(tmp_path, NO_CATALOG_EXERCISE)
    with pytest.raises(CommandError, match="--creator: no user named 'nobody'"):
        run_eval(str(path), "--creator", "nobody")
    with pytest.raises(CommandError, match="--json: .*no-such-dir is not a directory"):
        run_eval(str(path), "--json", str(tmp_path / "no-such-dir" / "out.json"))
    with pytest.raises(CommandError, match="invalid positive integer value: '0'"):
        run_eval(str(path), "--limit", "0")
    assert GenerationJob.objects.count() == 0


# --- runs with the offline catalog -----------------------------------------------------------------------------------


def test_a_catalog_run_prints_one_line_per_job_and_a_summary_of_the_jobs_it_made(tmp_path, settings):
    assert settings.LLM_PROVIDER == "catalog"
    path = request_file(tmp_path, COUNT_WORDS, NO_CATALOG_EXERCISE, CHEAP_PRODUCTS)
    out_json = tmp_path / "out.json"

    output = run_eval(str(path), "--json", str(out_json))

    evaluator = User.objects.get(username=EVAL_USERNAME)
    assert not evaluator.is_active and not evaluator.has_usable_password()
    jobs = list(GenerationJob.objects.filter(creator=evaluator).order_by("created_at"))
    assert [(job.capsule_type, job.language, job.prompt) for job in jobs] == [
        (r["type"], r["language"], r["topic"]) for r in (COUNT_WORDS, NO_CATALOG_EXERCISE, CHEAP_PRODUCTS)
    ]
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED, JobStatus.NO_MATCH, JobStatus.SUCCEEDED]
    lines = output.splitlines()
    assert lines[0].startswith("1/3 CODE/python/easy") and " succeeded " in lines[0] and "tokens     n/a" in lines[0]
    assert lines[1].startswith("2/3 CODE/python/medium") and " no_match  no_catalog_match " in lines[1]
    assert lines[2].startswith("3/3 DATABASE/sql/easy") and " succeeded " in lines[2]

    succeeded = [job for job in jobs if job.status == JobStatus.SUCCEEDED]
    validated = sum(job.result_capsule.status == "validated" for job in succeeded)
    skipped = sum((job.statement_check or {}).get("status") == "skipped" for job in jobs)
    assert summary_value(output, "jobs") == "3"
    assert summary_value(output, "provider") == "catalog"
    assert summary_value(output, "models") == "catalog"
    assert summary_value(output, "success rate") == f"{len(succeeded)}/3 (67%)" == "2/3 (67%)"
    assert summary_value(output, "capsules saved") == f"{validated} validated, {len(succeeded) - validated} draft"
    assert summary_value(output, "heals per job") == f"mean {sum(j.heals for j in jobs) / 3:.2f}, max {max(j.heals for j in jobs)}"
    assert summary_value(output, "statement check") == f"agreed 0/0, disagreed 0, failed 0, skipped {skipped}"
    assert summary_value(output, "failures") == "no_catalog_match 1"
    assert summary_value(output, "tokens per job") == "p50 n/a, p95 n/a"
    assert summary_value(output, "success by type") == "CODE 1/2 (50%), DATABASE 1/1 (100%)"
    seconds = sorted(job.total_seconds for job in jobs)
    assert summary_value(output, "seconds per job") == f"p50 {seconds[1]:.1f}, p95 {seconds[2]:.1f}"

    written = json.loads(out_json.read_text(encoding="utf-8"))
    assert [row["job_id"] for row in written["rows"]] == [str(job.pk) for job in jobs]
    assert [row["category"] for row in written["rows"]] == ["", "no_catalog_match", ""]
    assert written["summary"]["succeeded"] == 2 and written["summary"]["success_rate"] == 0.6667
    assert written["summary"]["failure_categories"] == {"no_catalog_match": 1}
    assert written["summary"]["per_type"] == {"CODE": {"jobs": 2, "succeeded": 1}, "DATABASE": {"jobs": 1, "succeeded": 1}}
    assert written["summary"]["tokens_p50"] is None


def test_limit_runs_the_first_requests_for_the_named_creator(tmp_path, owner):
    path = request_file(tmp_path, NO_CATALOG_EXERCISE, COUNT_WORDS, CHEAP_PRODUCTS)

    output = run_eval(str(path), "--limit", "1", "--creator", "owner")

    job = GenerationJob.objects.get()
    assert job.creator == owner and job.status == JobStatus.NO_MATCH
    assert summary_value(output, "jobs") == "1"
    assert summary_value(output, "success rate") == "0/1 (0%)"
    assert not User.objects.filter(username=EVAL_USERNAME).exists()


def test_a_job_whose_pipeline_crashes_is_measured_as_internal_error_and_the_run_goes_on(tmp_path, monkeypatch):
    real_run = tasks.generation_run
    runs: list[GenerationJob] = []

    def crash_the_first(job: GenerationJob) -> GenerationJob:
        runs.append(job)
        if len(runs) == 1:
            raise RuntimeError("the pipeline broke")
        return real_run(job)

    monkeypatch.setattr(tasks, "generation_run", crash_the_first)
    path = request_file(tmp_path, NO_CATALOG_EXERCISE, NO_CATALOG_EXERCISE)

    output = run_eval(str(path))

    crashed, finished = GenerationJob.objects.order_by("created_at")
    assert crashed.status == JobStatus.FAILED and crashed.error_category == "internal_error"
    assert "RuntimeError: the pipeline broke" in crashed.error
    assert finished.status == JobStatus.NO_MATCH
    assert summary_value(output, "failures") == "internal_error 1, no_catalog_match 1"
    assert summary_value(output, "success rate") == "0/2 (0%)"


# --- a run against a model (the fake OpenAI server) ----------------------------------------------------------------


@pytest.fixture
def fake(fake_openai, settings):
    settings.GENERATION_STATEMENT_CHECK = False  # no Solver call to script
    settings.GENERATION_MAX_HEALS = 1
    for agent in AGENTS:
        setattr(settings, f"LLM_MODEL_{agent.upper()}", f"fake-{agent}")
    return fake_openai


def test_a_model_run_counts_a_failed_job_by_its_category_and_the_tokens_the_server_reported(tmp_path, fake):
    fake.script(
        reply(IDEA, usage=(100, 20)),
        reply(GOOD, usage=(300, 400)),  # job 1: 820 tokens
        reply("Sure! Here is an idea: adding numbers.", usage=(50, 5)),
        reply("It is about adding numbers.", usage=(60, 6)),  # job 2: 121 tokens, and no JSON even after the repair
    )
    path = request_file(tmp_path, ADD_NUMBERS, REVERSE_WORDS)

    output = run_eval(str(path))

    assert fake.remaining == 0 and fake.unscripted == []
    first, second = GenerationJob.objects.order_by("created_at")
    assert first.status == JobStatus.SUCCEEDED and first.provider == "openai"
    assert second.status == JobStatus.FAILED and second.error_category == "invalid_json"
    lines = output.splitlines()
    assert lines[0].startswith("1/2 CODE/python/easy") and "tokens     820" in lines[0]
    assert " failed    invalid_json " in lines[1] and "tokens     121" in lines[1]
    assert summary_value(output, "provider") == "openai"
    assert summary_value(output, "models") == ", ".join(f"{agent} fake-{agent}" for agent in AGENTS)
    assert {request.body["model"] for request in fake.chat_requests} == {"fake-pedagogist", "fake-coder"}
    assert summary_value(output, "success rate") == "1/2 (50%)"
    assert summary_value(output, "capsules saved") == "1 validated, 0 draft"
    assert summary_value(output, "failures") == "invalid_json 1"
    assert summary_value(output, "tokens per job") == "p50 121, p95 820"
    assert (first.prompt_tokens, first.completion_tokens, second.prompt_tokens, second.completion_tokens) == (400, 420, 110, 11)
    assert summary_value(output, "success by type") == "CODE 1/2 (50%)"


def test_a_model_run_counts_the_statement_checks_and_the_capsules_saved_as_drafts(tmp_path, fake, settings):
    settings.GENERATION_STATEMENT_CHECK = True
    settings.GENERATION_MAX_HEALS = 0  # a disagreeing draft is saved as a draft at once
    solver_agrees = {"approach": "Return the sum.", "solution": "def add(a, b):\n    return a + b\n"}
    solver_disagrees = {"approach": "Return the difference.", "solution": "def add(a, b):\n    return a - b\n"}
    fake.script(reply(IDEA), reply(GOOD), reply(solver_agrees), reply(IDEA), reply(GOOD), reply(solver_disagrees))
    path = request_file(tmp_path, ADD_NUMBERS, ADD_NUMBERS)

    output = run_eval(str(path))

    assert fake.remaining == 0 and fake.unscripted == []
    agreed, disagreed = GenerationJob.objects.order_by("created_at")
    assert agreed.statement_check["status"] == "agreed" and agreed.result_capsule.status == "validated"
    assert disagreed.statement_check["status"] == "disagreed" and disagreed.result_capsule.status == "draft"
    assert summary_value(output, "success rate") == "2/2 (100%)"
    assert summary_value(output, "capsules saved") == "1 validated, 1 draft"
    assert summary_value(output, "statement check") == "agreed 1/2 (50%), disagreed 1, failed 0, skipped 0"
    assert summary_value(output, "failures") == "none"
