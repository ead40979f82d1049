"""What the agents answer: the pydantic models the LLM fills (structured outputs), and their capsule form.

Every model here is sent to the model as a strict JSON Schema (openai's `to_strict_json_schema`), so they keep
to what strict mode accepts: objects with fixed keys (`extra="forbid"` → additionalProperties false), every
field required (no defaults: strict mode makes the model fill every key anyway), lists of objects instead of
free-form dicts, no numeric or length constraints. What the schema cannot say (at least one visible and one
hidden test, a task_id pattern, ...) the judge checks, and its report goes to the Debugger.

The pipeline's currency between agents is the capsule in the BaseCapsule input shape (a dict that
`capsules.schemas.parse_capsule`, `judges.validate` and `capsules.services.capsule_create` accept). A draft
model turns into it with `to_capsule_data(language=, difficulty=)` and back with `draft_from_capsule_data`
(the Debugger is shown the current draft in the same shape it is asked to answer in).

Fields the LLM does not choose, because the request already fixed them: capsule_type, runtime_config.language,
difficulty, DATABASE dialect (sqlite), TERMINAL environment_config (the judge's own Debian image), and the runtime tier
(`generated_runtime_tier`: Run in the learner's browser where the language has a browser engine).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from capsules.schemas import generated_runtime_tier


class _LLMModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Pedagogist ---------------------------------------------------------------------------------------------


class CapsuleIdea(_LLMModel):
    """The Pedagogist's answer: what the exercise teaches, before any code exists."""

    title: str = Field(description="A short, specific title for the exercise (at most 80 characters).")
    learning_objectives: list[str] = Field(description="2 to 4 things the learner can do after solving it.")
    concepts: list[str] = Field(description="The programming concepts the exercise practises.")
    description: str = Field(description="3 to 5 sentences: the task the learner solves and why it is interesting.")
    difficulty_rationale: str = Field(description="One or two sentences: why this fits the requested difficulty.")


# --- Coder: one draft model per capsule type ----------------------------------------------------------------


class CodeTestCaseDraft(_LLMModel):
    description: str = Field(description="What this test checks, in a few words.")
    test_call: str = Field(description="Code run after the learner's code; it calls it and PRINTS the result.")
    expected_output: str = Field(description="Exactly what test_call prints with the reference solution.")
    is_hidden: bool = Field(description="Hidden tests are not shown to learners.")


class CodeDraft(_LLMModel):
    title: str
    problem_statement_md: str = Field(description="The task for the learner, in Markdown, with examples.")
    boilerplate_code: str = Field(description="Starting code: compiles/runs but fails at least one test.")
    reference_solution: str = Field(description="A correct solution that passes every test.")
    hints: list[str] = Field(description="2 to 3 progressive hints, none of which gives the full solution.")
    test_cases: list[CodeTestCaseDraft] = Field(description="At least 2 visible and 2 hidden tests.")

    def to_capsule_data(self, *, language: str, difficulty: str) -> dict[str, Any]:
        return _envelope(self, "CODE", language, difficulty) | {
            "config_data": {
                "boilerplate_code": self.boilerplate_code,
                "reference_solution": self.reference_solution,
                "hints": list(self.hints),
                "test_cases": [test.model_dump() for test in self.test_cases],
            }
        }


class SchemaTableDraft(_LLMModel):
    table_name: str
    columns: list[str] = Field(description='One entry per column, in CREATE TABLE order: "name (TYPE)".')


class DatabaseDraft(_LLMModel):
    title: str
    problem_statement_md: str = Field(description="The question the learner's query answers, in Markdown.")
    seed_sql: str = Field(description="SQLite statements that create and fill every table.")
    hidden_seed_sql: str = Field(
        description=(
            "The hidden dataset: the SAME CREATE TABLE statements as seed_sql (same tables, same columns, same "
            "order), filled with OTHER rows. Learners are graded on it too but never see it. Choose rows on which "
            "the reference query returns at least one row and a DIFFERENT result than on seed_sql, and on which "
            "typical wrong queries (a missing filter, an inner instead of an outer join, a sort without its "
            "tie-breaker) give a wrong answer."
        )
    )
    schema_info: list[SchemaTableDraft] = Field(description="Every table the seed creates, every column.")
    reference_solution: str = Field(description="A correct SQLite query that returns at least one row.")
    boilerplate_code: str = Field(description="A starting query that runs but returns a different result.")
    hints: list[str]

    def to_capsule_data(self, *, language: str, difficulty: str) -> dict[str, Any]:
        return _envelope(self, "DATABASE", language, difficulty) | {
            "config_data": {
                "boilerplate_code": self.boilerplate_code,
                "reference_solution": self.reference_solution,
                "hints": list(self.hints),
                "schema_info": [table.model_dump() for table in self.schema_info],
                "dialect": "sqlite",
                "seed_sql": self.seed_sql,
                "hidden_seed_sql": self.hidden_seed_sql,
            }
        }


class TerminalTaskDraft(_LLMModel):
    task_id: str = Field(description="Lower-case letters, digits and dashes, unique: e.g. make-folders.")
    description: str
    validation_script: str = Field(description="Bash that prints pass (exit 0) when the task is done, else fail (exit 1).")
    solution_commands: str = Field(description="Bash commands that complete the task.")


class TerminalDraft(_LLMModel):
    title: str
    problem_statement_md: str
    setup_script: str = Field(description="Bash run once in the empty home folder before the learner starts.")
    tasks: list[TerminalTaskDraft] = Field(description="2 to 4 tasks, done in order.")
    hints: list[str]

    def to_capsule_data(self, *, language: str, difficulty: str) -> dict[str, Any]:
        return _envelope(self, "TERMINAL", language, difficulty) | {
            "config_data": {
                "environment_config": {"disk_image_url": ""},
                "hints": list(self.hints),
                "setup_script": self.setup_script,
                "tasks": [task.model_dump() for task in self.tasks],
            }
        }


Draft = CodeDraft | DatabaseDraft | TerminalDraft
DRAFT_MODELS: dict[str, type[Draft]] = {"CODE": CodeDraft, "DATABASE": DatabaseDraft, "TERMINAL": TerminalDraft}


def _envelope(draft: Draft, capsule_type: str, language: str, difficulty: str) -> dict[str, Any]:
    return {
        "title": draft.title.strip()[:200],
        "capsule_type": capsule_type,
        "problem_statement_md": draft.problem_statement_md,
        "runtime_config": {"language": language, "runtime_tier": generated_runtime_tier(language)},
        "difficulty": difficulty,
        "is_public": False,
    }


def with_generated_tier(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The draft with the tier generation gives when it names none (the catalog's exercises name none): Run in the
    learner's browser where the language has an engine for it (capsules.schemas.generated_runtime_tier)."""
    runtime = dict(draft.get("runtime_config") or {})
    if runtime.get("runtime_tier") or not isinstance(runtime.get("language"), str):
        return dict(draft)
    try:
        runtime["runtime_tier"] = generated_runtime_tier(runtime["language"], dialect_of(draft))
    except KeyError:  # not a language: the judge's report says so
        return dict(draft)
    return {**draft, "runtime_config": runtime}


def dialect_of(draft: Mapping[str, Any]) -> str | None:
    config = draft.get("config_data")
    dialect = config.get("dialect") if isinstance(config, Mapping) else None
    return dialect if isinstance(dialect, str) else None


# --- Debugger ------------------------------------------------------------------------------------------------


# --- Solver: a solution from the learner's view alone ----------------------------------------------------------


class SolverAnswer(_LLMModel):
    """The Solver's answer: what a learner would submit, written from what a learner sees."""

    approach: str = Field(description="One or two sentences: how the solution works.")
    solution: str = Field(
        description="What the learner submits: the whole program (CODE), one SQL query (DATABASE) or the shell "
        "commands that do every task (TERMINAL). Code only, no Markdown fences."
    )


class CodeFix(_LLMModel):
    diagnosis: str = Field(description="What was wrong and whether you fixed the code or a wrong expected output.")
    draft: CodeDraft = Field(description="The whole corrected capsule.")


class DatabaseFix(_LLMModel):
    diagnosis: str = Field(description="What was wrong and what you changed.")
    draft: DatabaseDraft = Field(description="The whole corrected capsule.")


class TerminalFix(_LLMModel):
    diagnosis: str = Field(description="What was wrong and what you changed.")
    draft: TerminalDraft = Field(description="The whole corrected capsule.")


Fix = CodeFix | DatabaseFix | TerminalFix
FIX_MODELS: dict[str, type[Fix]] = {"CODE": CodeFix, "DATABASE": DatabaseFix, "TERMINAL": TerminalFix}


# --- From a capsule back to a draft ----------------------------------------------------------------------------


def draft_from_capsule_data(data: Mapping[str, Any]) -> Draft:
    """The draft model of a capsule dict (keys the LLM models do not have, e.g. a test's `compare`, are dropped).

    Used to show the Debugger the current capsule in the shape it must answer in.
    """
    capsule_type = str(data.get("capsule_type", ""))
    config = dict(data.get("config_data") or {})
    common: dict[str, Any] = {
        "title": str(data.get("title", "")),
        "problem_statement_md": str(data.get("problem_statement_md", "")),
        "hints": [str(hint) for hint in config.get("hints", [])],
    }
    if capsule_type == "CODE":
        return CodeDraft(
            **common,
            boilerplate_code=str(config.get("boilerplate_code", "")),
            reference_solution=str(config.get("reference_solution", "")),
            test_cases=[
                CodeTestCaseDraft(
                    description=str(test.get("description", "")),
                    test_call=str(test.get("test_call", "")),
                    expected_output=str(test.get("expected_output", "")),
                    is_hidden=bool(test.get("is_hidden", False)),
                )
                for test in config.get("test_cases", [])
            ],
        )
    if capsule_type == "DATABASE":
        return DatabaseDraft(
            **common,
            seed_sql=str(config.get("seed_sql") or ""),
            hidden_seed_sql=str(config.get("hidden_seed_sql") or ""),
            schema_info=[
                SchemaTableDraft(table_name=str(table.get("table_name", "")), columns=[str(c) for c in table.get("columns", [])])
                for table in config.get("schema_info", [])
            ],
            reference_solution=str(config.get("reference_solution", "")),
            boilerplate_code=str(config.get("boilerplate_code", "")),
        )
    if capsule_type == "TERMINAL":
        return TerminalDraft(
            **common,
            setup_script=str(config.get("setup_script", "")),
            tasks=[
                TerminalTaskDraft(
                    task_id=str(task.get("task_id", "")),
                    description=str(task.get("description", "")),
                    validation_script=str(task.get("validation_script", "")),
                    solution_commands=str(task.get("solution_commands", "")),
                )
                for task in config.get("tasks", [])
            ],
        )
    raise ValueError(f"unknown capsule type {capsule_type!r}")
