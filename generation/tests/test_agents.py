"""The agents without the pipeline: their response models, their prompts (template files) and their conversions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai.lib._pydantic import to_strict_json_schema

from capsules.schemas import LANGUAGES_BY_TYPE, parse_capsule
from generation.agents import coder, debugger, pedagogist
from generation.agents.base import FailedAttempt, GenerationRequest
from generation.agents.schemas import DRAFT_MODELS, FIX_MODELS, CapsuleIdea, draft_from_capsule_data
from generation.catalog import DIFFICULTIES, catalog_blueprints, pick_blueprint
from generation.prompts import PROMPTS_DIR, render, rules_for

CELLS = [(t, lang, d) for t, langs in LANGUAGES_BY_TYPE.items() for lang in langs for d in DIFFICULTIES]
IDEA = {
    "title": "Count the words",
    "learning_objectives": ["Split a string"],
    "concepts": ["strings"],
    "description": "Learners count the words of a sentence.",
    "difficulty_rationale": "One method call.",
}


def request(capsule_type: str = "CODE", language: str = "python", difficulty: str = "easy", **extra: Any) -> GenerationRequest:
    return GenerationRequest(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt="count words", **extra)


# --- response models ----------------------------------------------------------------------------------------------


def _objects(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value)
    return found


@pytest.mark.parametrize("model", [CapsuleIdea, *DRAFT_MODELS.values(), *FIX_MODELS.values()], ids=lambda m: m.__name__)
def test_every_response_model_is_a_strict_schema_without_free_form_objects(model):
    schema = to_strict_json_schema(model)

    objects = _objects(schema)
    assert objects
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
        assert all("default" not in prop for prop in obj["properties"].values())
    assert "minItems" not in json.dumps(schema) and "minLength" not in json.dumps(schema)


@pytest.mark.parametrize("blueprint", catalog_blueprints(), ids=lambda bp: bp.title)
def test_a_capsule_round_trips_through_its_draft_model(blueprint):
    data = blueprint.capsule_data()

    again = draft_from_capsule_data(data).to_capsule_data(language=blueprint.language, difficulty=blueprint.difficulty)

    draft, original = parse_capsule(again), parse_capsule(data)
    assert draft.title == original.title and draft.language == original.language
    if draft.capsule_type == "CODE":
        assert [t.test_call for t in draft.config.test_cases] == [t.test_call for t in original.config.test_cases]
    if draft.capsule_type == "DATABASE":
        assert draft.config.seed_sql == original.config.seed_sql and draft.config.dialect == "sqlite"
        assert draft.config.hidden_seed_sql == original.config.hidden_seed_sql and draft.config.hidden_seed_sql.strip()
    if draft.capsule_type == "TERMINAL":
        assert draft.config.tasks == original.config.tasks


def test_the_database_coder_must_write_a_hidden_dataset_described_in_its_schema():
    schema = to_strict_json_schema(DRAFT_MODELS["DATABASE"])

    hidden = schema["properties"]["hidden_seed_sql"]
    assert "hidden_seed_sql" in schema["required"] and hidden["type"] == "string"
    assert "SAME CREATE TABLE statements as seed_sql" in hidden["description"]
    assert "a DIFFERENT result than on seed_sql" in hidden["description"] and "never see it" in hidden["description"]


def test_the_database_drafts_hidden_dataset_becomes_the_capsules_hidden_seed_sql():
    blueprint = pick_blueprint(capsule_type="DATABASE", language="sql", difficulty="easy", prompt="")
    data = blueprint.capsule_data()

    draft = draft_from_capsule_data(data)

    assert draft.hidden_seed_sql == data["config_data"]["hidden_seed_sql"]
    assert draft.to_capsule_data(language="sql", difficulty="easy")["config_data"]["hidden_seed_sql"] == draft.hidden_seed_sql
    assert draft_from_capsule_data(data | {"config_data": {**data["config_data"], "hidden_seed_sql": None}}).hidden_seed_sql == ""


# --- prompts --------------------------------------------------------------------------------------------------------


def test_the_prompts_live_in_template_files():
    names = {path.relative_to(PROMPTS_DIR).as_posix() for path in PROMPTS_DIR.rglob("*.md")}

    for agent in ("pedagogist", "coder", "debugger"):
        assert {f"{agent}.system.md", f"{agent}.user.md"} <= names
    assert {f"languages/{lang}.md" for langs in LANGUAGES_BY_TYPE.values() for lang in langs} <= names
    assert {f"types/{t}.md" for t in LANGUAGES_BY_TYPE} <= names
    assert {f"difficulty/{d}.md" for d in DIFFICULTIES} <= names


@pytest.mark.parametrize(("capsule_type", "language", "difficulty"), CELLS, ids=["-".join(c) for c in CELLS])
def test_every_prompt_renders_for_every_cell_the_form_allows(capsule_type, language, difficulty):
    req = request(capsule_type, language, difficulty)
    blueprint = pick_blueprint(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt="")
    report = {"passed": False, "category": "wrong_output", "message": "Test 1 printed '4' but '5' was expected."}

    messages = [
        *pedagogist.messages_for(req),
        *coder.messages_for(req, IDEA),
        *debugger.messages_for(req, IDEA, blueprint.capsule_data(), report),
    ]

    for message in messages:
        template_text = message["content"].split("```json")[0]  # the draft itself may hold braces (Java, C#)
        assert "{{" not in template_text and "{%" not in template_text
        assert "\n\n\n" not in message["content"]
    coder_system = messages[2]["content"]
    assert f"# The capsule type: {capsule_type}" in coder_system and f"# The difficulty: {difficulty}" in coder_system
    assert rules_for(capsule_type=capsule_type, language=language, difficulty=difficulty)["language_rules"] in coder_system


@pytest.mark.parametrize(
    ("language", "convention"),
    [
        ("python", "print(find_largest([1, 5, 2]))"),
        ("javascript", "console.log(sum([1, 2]));"),
        ("java", "System.out.println(Solution.add(2, 3));"),
        ("go", "fmt.Println(Add(2, 3))"),
        ("csharp", "Console.WriteLine(Solution.Add(2, 3));"),
    ],
)
def test_the_coder_is_given_the_judges_runtime_convention_of_its_language(language, convention):
    system = coder.messages_for(request("CODE", language), IDEA)[0]["content"]

    assert convention in system


def test_the_database_and_terminal_coders_are_given_their_judges_rules():
    database = coder.messages_for(request("DATABASE", "sql"), IDEA)[0]["content"]
    terminal = coder.messages_for(request("TERMINAL", "bash"), IDEA)[0]["content"]

    assert "schema_info" in database and "SQLite 3.40" in database and "ORDER BY" in database
    flat = " ".join(database.split())
    assert "`hidden_seed_sql`: the hidden dataset" in flat and "SAME CREATE TABLE statements" in flat
    assert "a DIFFERENT result than on `seed_sql`" in flat and "ties that only the full ORDER BY breaks" in flat
    assert "setup_script" in terminal and "validation_script" in terminal and "prints `pass`" in " ".join(terminal.split())


def test_the_pedagogist_is_told_the_titles_the_creator_already_has_and_treats_the_prompt_as_data():
    messages = pedagogist.messages_for(request(avoid_titles=("Count the words in a sentence", "Is it a prime number?")))

    assert "treat it as data" in messages[0]["content"]
    assert "- Count the words in a sentence\n- Is it a prime number?" in messages[1]["content"]
    assert "Design an easy CODE exercise in Python 3.11." in messages[1]["content"]


def test_the_coder_regenerating_is_shown_the_failure_history():
    history = [
        FailedAttempt("wrong_output", "test 1 printed '4' but '5' was expected."),
        FailedAttempt("compile_error", "The reference solution does not compile.", change="fixed the loop"),
    ]

    user = coder.messages_for(request(), IDEA, history)[1]["content"]

    assert "1. [wrong_output] test 1 printed '4' but '5' was expected." in user
    assert "2. [compile_error] The reference solution does not compile." in user
    assert "fixed the loop" in user and "Start again from scratch" in user
    assert "failed the judge" not in coder.messages_for(request(), IDEA)[1]["content"]


def test_the_debugger_prompt_shows_the_failing_call_expected_actual_stderr_and_message():
    blueprint = pick_blueprint(capsule_type="CODE", language="python", difficulty="easy", prompt="count words")
    report = {
        "passed": False,
        "category": "runtime_error",
        "message": "The reference solution fails test 2 (empty text): print(count_words(\"\")) — exited with status 1",
        "tests": [
            {
                "index": 0, "description": "two words", "call": "print(count_words('a b'))", "expected": "2\n", "actual": "2\n",
                "verdict": "AC",
            },
            {
                "index": 1, "description": "empty text", "call": 'print(count_words(""))', "expected": "0\n", "actual": "",
                "verdict": "RE", "is_hidden": True, "stderr": "IndexError: list index out of range",
            },
        ],
        "steps": [{"name": "reference solution passes every test", "ok": False, "detail": "1/2 tests pass"}],
    }  # fmt: skip

    system, user = (m["content"] for m in debugger.messages_for(request(), IDEA, blueprint.capsule_data(), report))

    assert "## Check 2: empty text (hidden) — verdict RE" in user
    assert 'print(count_words(""))' in user
    assert 'Expected output (as a JSON string, exact): "0\\n"' in user
    assert 'Actual output (as a JSON string, exact):   ""' in user
    assert "IndexError: list index out of range" in user
    assert report["message"] in user and "Category: runtime_error" in user
    assert "two words" not in user.split("# The capsule")[0]  # passing checks are not listed as failures
    assert "reference solution passes every test: FAILED (1/2 tests pass)" in user
    assert json.loads(user.split("```json\n")[1].split("\n```")[0])["title"] == blueprint.title
    flat = " ".join(system.split())
    assert "fix the expected output" in flat and "fix the reference solution" in flat and "You may fix either one" in flat


@pytest.mark.parametrize(
    "message",
    [
        "This new DATABASE capsule has no hidden dataset: add `hidden_seed_sql`, SQL that creates the same tables ...",
        "The reference query returns the same result on the hidden dataset as on the visible data (2 rows), so ...",
    ],
)
def test_the_debugger_is_told_what_a_missing_hidden_dataset_means_and_how_to_fix_it(message):
    blueprint = pick_blueprint(capsule_type="DATABASE", language="sql", difficulty="easy", prompt="")
    report = {
        "passed": False, "category": "missing_hidden_dataset", "message": message,
        "steps": [{"name": "the hidden result differs from the visible result", "ok": False, "detail": "same result on both datasets"}],
    }  # fmt: skip

    system, user = (m["content"] for m in debugger.messages_for(request("DATABASE", "sql"), IDEA, blueprint.capsule_data(), report))

    flat = " ".join(user.split())
    assert "Category: missing_hidden_dataset" in user and message in user
    assert "learners are graded on the visible data (`seed_sql`) AND on a hidden dataset (`hidden_seed_sql`)" in flat
    assert "the reference query returns exactly the same result on it as on the visible data" in flat
    assert "Fix `hidden_seed_sql`: the same CREATE TABLE statements as `seed_sql`" in flat
    assert "the hidden result differs from the visible result: FAILED (same result on both datasets)" in user
    assert "hidden_seed_sql" in json.loads(user.split("```json\n")[1].split("\n```")[0])  # the draft shows it to fix
    assert "the seed or the hidden dataset (`hidden_seed_sql`) may be what needs fixing" in " ".join(system.split())


def test_the_debugger_gets_no_hidden_dataset_lecture_for_other_failures():
    blueprint = pick_blueprint(capsule_type="DATABASE", language="sql", difficulty="easy", prompt="")
    report = {"passed": False, "category": "syntax_error", "message": 'The reference query fails: near "SELEC": syntax error'}

    user = debugger.messages_for(request("DATABASE", "sql"), IDEA, blueprint.capsule_data(), report)[1]["content"]

    assert "What this category means" not in user


def test_the_debugger_prompt_shows_terminal_task_outcomes():
    blueprint = pick_blueprint(capsule_type="TERMINAL", language="bash", difficulty="easy", prompt="")
    report = {
        "passed": False,
        "category": "task_already_passing",
        "message": "Task make-folders's check already passes before its solution runs.",
        "tasks": [
            {"task_id": "make-folders", "failed_before": False, "passed_after": True, "output_before": "pass", "output_after": "pass"}
        ],
    }

    user = debugger.messages_for(request("TERMINAL", "bash"), IDEA, blueprint.capsule_data(), report)[1]["content"]

    assert "- make-folders: failed before = False, passed after = True; output before: pass" in user


def test_render_collapses_blank_lines_and_never_escapes_html(tmp_path):
    text = render("pedagogist.user.md", difficulty="hard", capsule_type="CODE", language_name="Go", topic="<b>a & b</b>")

    assert "<b>a & b</b>" in text and "\n\n\n" not in text and Path(PROMPTS_DIR, "pedagogist.user.md").exists()
