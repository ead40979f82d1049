"""Pydantic models for capsule input and the type-specific `config_data`.

The seed's BaseCapsule, CodeConfig, DatabaseConfig and TerminalConfig are followed field for field.
Additions, each needed by the judge (documented in the README's data section):

* DatabaseConfig.dialect      — "sqlite" (default) or "postgresql": which engine runs the queries.
* DatabaseConfig.seed_sql     — write-only: the seed SQL as text. The create/update service stores it as a
                                file in Django storage and replaces it by `seed_sql_url`, which names it.
* DatabaseConfig.hidden_seed_sql — write-only: the hidden dataset, SQL that creates the same tables and
                                columns as the seed with other rows. Stored like `seed_sql` and replaced by
                                `hidden_seed_sql_url`, which names it. Learners are graded on both datasets
                                (the judge's promise "earned, not pasted") and never see this one; the gate requires
                                it of new capsules and proves the reference's result on it differs from the
                                visible one, so a query listing the visible answer's rows as literals fails.
* DatabaseConfig.hidden_seed_sql_url — "" (no hidden dataset: capsules saved before it existed) or the URL
                                of the stored hidden dataset.
* TerminalConfig.setup_script — shell run once in a fresh workspace before the learner starts.
* TerminalTask.solution_commands — shell that completes the task; the judge proves each validation
                                script fails before and passes after it.
* TestCase.compare / tolerance — optional output comparison: "trim" (the default when absent: line
                                endings and trailing whitespace normalized), "exact", or "numeric"
                                (numbers equal within `tolerance`).
* TestCase.failure_message    — optional, at most 300 characters: the author's hint for a learner whose code
                                fails this test ("check upper-case vowels"). It is in an attempt's result
                                only for a test that ran and failed — the one way a hidden test says more
                                than its verdict — and never in learner_safe_config. It must not give away
                                the test's call or expected output: the author writes it for learners.
* TerminalTask.failure_message — optional, at most 200 characters: shown under "Not done yet" when the
                                task's check fails. A validation script's own output is never shown: it
                                runs in the learner's workspace, which can make it print what it must not
                                (judges/workspace.py, "Why a check's output is never shown").

`parse_capsule()` is the one validation entry point for every write path (API, forms, admin, import).
Its errors are field paths such as `config_data.test_cases[1].expected_output: Field required`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from capsules.languages import get_language, languages_of
from capsules.models import CapsuleType

# Which languages each capsule type takes (capsules/languages.py is the registry).
LANGUAGES_BY_TYPE: dict[str, tuple[str, ...]] = {kind.value: languages_of(kind.value) for kind in CapsuleType}
SQL_DIALECTS = ("sqlite", "postgresql")

# The runtime tier says where a capsule runs (the seed's BaseCapsule `runtime_tier`). Two vocabularies are
# accepted on every write path (API, dashboard form, admin, import), and stored as given:
#
# * Ours: one tier per language naming the sandbox that judges it (the registry's `runtime_tier`: `sandbox-python`,
#   `sandbox-sqlite`, …) and an "-extended" variant with larger time and memory limits for heavier exercises (the
#   judge reads the suffix).
# * Browser tiers, the registry's `browser_tier`: `wasm-python` (the seed's name), `browser-javascript` and
#   `wasm-sqlite` (SQLite capsules only). Run happens in the learner's browser (static/src/runners/: Pyodide, a
#   Web Worker, SQLite in WebAssembly) on the visible tests or data only; Submit is graded on the server with the
#   standard limits, as for every tier. Where the browser cannot run it, Run falls back to the server.
# * The seed's other tiers: `server-sql` (SQL on the server, either dialect) and `wasm-linux` (a shell meant for
#   the browser, which runs in the server sandbox until a browser Linux exists).
EXTENDED_TIER_SUFFIX = "-extended"
# Browser tier → the engine of static/src/runners/ that runs it.
BROWSER_ENGINES: dict[str, str] = {"wasm-python": "python", "browser-javascript": "javascript", "wasm-sqlite": "sqlite"}
SEED_TIERS: dict[str, tuple[str, ...]] = {
    "server-sql": ("sql",),
    "wasm-linux": ("bash",),
}
_SUBMIT_ON_THE_SERVER = "Submit is graded on our server"
TIER_DESCRIPTIONS: dict[str, str] = {
    "wasm-python": f"Run happens in the learner's browser (Python 3.11 in WebAssembly, loaded on the first Run); {_SUBMIT_ON_THE_SERVER}.",
    "browser-javascript": f"Run happens in the learner's browser (a Web Worker per test); {_SUBMIT_ON_THE_SERVER}.",
    "wasm-sqlite": (
        f"Run happens in the learner's browser (SQLite in WebAssembly, on the visible data); {_SUBMIT_ON_THE_SERVER}, "
        "hidden data included."
    ),
    "server-sql": "SQL run on the server, on the capsule's dialect (SQLite or PostgreSQL).",
    "wasm-linux": "A Linux shell meant for the learner's browser; runs in the server sandbox until a browser Linux exists.",
}


def base_runtime_tier(language: str, dialect: str | None = None) -> str:
    if language == "sql":
        return f"sandbox-{dialect or 'sqlite'}"
    return get_language(language).runtime_tier


def browser_tier_for(language: str, dialect: str | None = None) -> str | None:
    """The tier whose Run happens in the browser for `language` (and dialect), if there is one."""
    tier = get_language(language).browser_tier
    if not tier or (language == "sql" and (dialect or "sqlite") != "sqlite"):
        return None
    return tier


def generated_runtime_tier(language: str, dialect: str | None = None) -> str:
    """The tier generation gives a capsule: Run in the browser where the language has one (no judge job per Run)."""
    return browser_tier_for(language, dialect) or base_runtime_tier(language, dialect)


def browser_engine(tier: str) -> str | None:
    """The in-browser engine that runs Run for `tier` ("python", "javascript", "sqlite"), or None (the server)."""
    return BROWSER_ENGINES.get(tier)


def allowed_runtime_tiers(language: str, dialect: str | None = None) -> tuple[str, ...]:
    """Every tier a capsule of `language` may name; the first is the default."""
    base = base_runtime_tier(language, dialect)
    browser = browser_tier_for(language, dialect)
    seed = tuple(tier for tier, languages in SEED_TIERS.items() if language in languages)
    return (base, base + EXTENDED_TIER_SUFFIX, *([browser] if browser else []), *seed)


def is_extended_tier(tier: str) -> bool:
    """Whether the judge gives this tier its larger limits."""
    return tier.endswith(EXTENDED_TIER_SUFFIX)


_SHORT_NOTES = {
    "wasm-python": "Run in the browser",
    "browser-javascript": "Run in the browser",
    "wasm-sqlite": "Run in the browser",
    "server-sql": "seed tier; either dialect",
    "wasm-linux": "seed tier; server sandbox for now",
}


def tier_label(tier: str) -> str:
    """The tier as a choice in a form: its name and a few words on what it means."""
    if tier in _SHORT_NOTES:
        return f"{tier} ({_SHORT_NOTES[tier]})"
    return f"{tier} ({'larger' if is_extended_tier(tier) else 'standard'} limits)"


def describe_tier(tier: str) -> str:
    """One line a creator reads next to the tier's name."""
    if tier in TIER_DESCRIPTIONS:
        return TIER_DESCRIPTIONS[tier]
    if is_extended_tier(tier):
        return "Our server sandbox with larger time and memory limits."
    return "Our server sandbox with the standard limits."


NonEmpty = Annotated[str, StringConstraints(min_length=1)]
# Blank means "none" (a form's empty cell); surrounding whitespace is not part of a message.
FailureMessage = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
TaskFailureMessage = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=63)]
TaskId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]


class _Strict(BaseModel):
    # Unknown keys are refused: a typo such as `expected_ouput` must not silently drop a field. Numbers must be
    # finite: NaN and infinities (a JSON 1e400 parses as inf) cannot be stored in a JSON column.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, allow_inf_nan=False)


# --- CODE ---------------------------------------------------------------------------------------------


class TestCase(_Strict):
    __test__ = False  # not a pytest test class

    description: NonEmpty
    test_call: NonEmpty
    expected_output: str
    is_hidden: bool = False
    compare: Literal["trim", "exact", "numeric"] | None = None  # None means "trim"
    tolerance: Annotated[float, Field(ge=0)] | None = None  # for "numeric"; the judge's default when None
    failure_message: FailureMessage | None = None  # shown only in a failing attempt's result (module docstring)

    @field_validator("failure_message")
    @classmethod
    def _blank_message_is_none(cls, value: str | None) -> str | None:
        return value or None


class CodeConfig(_Strict):
    boilerplate_code: str
    reference_solution: NonEmpty
    hints: list[str] = Field(default_factory=list)
    test_cases: list[TestCase] = Field(min_length=1)


# --- DATABASE -----------------------------------------------------------------------------------------


class SchemaTable(_Strict):
    table_name: Identifier
    columns: list[NonEmpty] = Field(min_length=1)  # "id (INTEGER)", as in the seed


class DatabaseConfig(_Strict):
    boilerplate_code: str = ""
    reference_solution: NonEmpty
    hints: list[str] = Field(default_factory=list)
    schema_info: list[SchemaTable] = Field(min_length=1)
    seed_sql_url: str = ""
    dialect: Literal["sqlite", "postgresql"] = "sqlite"
    seed_sql: str | None = None
    # The hidden dataset (see the module docstring); blank text and an empty URL both mean "none".
    hidden_seed_sql_url: str = ""
    hidden_seed_sql: str | None = None

    @model_validator(mode="after")
    def _needs_a_seed(self) -> DatabaseConfig:
        if not (self.seed_sql or "").strip() and not self.seed_sql_url:
            raise ValueError("provide seed_sql (the SQL that creates and fills the tables) or seed_sql_url")
        return self


# --- TERMINAL -----------------------------------------------------------------------------------------


class EnvironmentConfig(_Strict):
    # Kept for the seed's shape; the judge runs tasks in its own Debian sandbox image.
    disk_image_url: str = ""


class TerminalTask(_Strict):
    task_id: TaskId
    description: NonEmpty
    validation_script: NonEmpty
    solution_commands: NonEmpty
    failure_message: TaskFailureMessage | None = None  # shown when the check fails (module docstring)

    @field_validator("failure_message")
    @classmethod
    def _blank_message_is_none(cls, value: str | None) -> str | None:
        return value or None


class TerminalConfig(_Strict):
    environment_config: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    hints: list[str] = Field(default_factory=list)
    tasks: list[TerminalTask] = Field(min_length=1)
    setup_script: str = ""

    @model_validator(mode="after")
    def _task_ids_are_unique(self) -> TerminalConfig:
        seen: set[str] = set()
        for task in self.tasks:
            if task.task_id in seen:
                raise ValueError(f"task_id {task.task_id!r} is used twice")
            seen.add(task.task_id)
        return self


ConfigModel = CodeConfig | DatabaseConfig | TerminalConfig
CONFIG_MODELS: dict[str, type[ConfigModel]] = {
    CapsuleType.CODE: CodeConfig,
    CapsuleType.DATABASE: DatabaseConfig,
    CapsuleType.TERMINAL: TerminalConfig,
}


# --- The capsule --------------------------------------------------------------------------------------


class RuntimeConfig(_Strict):
    language: NonEmpty
    runtime_tier: str | None = None


class CapsuleEnvelope(BaseModel):
    """The type-independent part of a capsule write; read-only keys of the API shape are ignored."""

    model_config = ConfigDict(extra="ignore")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    capsule_type: Literal["CODE", "DATABASE", "TERMINAL"]
    problem_statement_md: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
    runtime_config: RuntimeConfig
    config_data: dict[str, Any]
    difficulty: Literal["easy", "medium", "hard"] = "medium"  # Difficulty.MEDIUM
    is_public: bool = False


class CapsuleDraft(BaseModel):
    """A fully validated capsule, ready for the services (or the judge) to use."""

    title: str
    capsule_type: str
    problem_statement_md: str
    language: str
    runtime_tier: str
    difficulty: str
    is_public: bool
    config: CodeConfig | DatabaseConfig | TerminalConfig

    def config_data(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json", exclude_none=True)


class CapsuleValidationError(Exception):
    """Raised by parse_capsule; `errors` maps field paths to messages, in input order."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))


def format_location(location: tuple[Any, ...], prefix: str = "") -> str:
    path = prefix
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "__all__"


def _errors_from(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = format_location(tuple(error["loc"]), prefix)
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(path, message)
    return errors


def parse_config(capsule_type: str, config_data: Any, *, prefix: str = "config_data") -> ConfigModel:
    model = CONFIG_MODELS[capsule_type]
    try:
        return model.model_validate(config_data)
    except ValidationError as exc:
        raise CapsuleValidationError(_errors_from(exc, prefix)) from exc


def _check_size(config_data: Mapping[str, Any]) -> None:
    size = len(json.dumps(config_data, separators=(",", ":")).encode())
    limit = settings.CAPSULE_CONFIG_MAX_BYTES
    if size > limit:
        raise CapsuleValidationError(
            {"config_data": f"is {size} bytes of JSON; the limit is {limit} bytes"}
        )


def _resolve_runtime(capsule_type: str, runtime: RuntimeConfig, config: ConfigModel) -> tuple[str, str]:
    allowed = LANGUAGES_BY_TYPE[capsule_type]
    if runtime.language not in allowed:
        raise CapsuleValidationError(
            {
                "runtime_config.language": (
                    f"{runtime.language!r} is not a {capsule_type} language; allowed: {', '.join(allowed)}"
                )
            }
        )
    dialect = config.dialect if isinstance(config, DatabaseConfig) else None
    tiers = allowed_runtime_tiers(runtime.language, dialect)
    tier = runtime.runtime_tier or tiers[0]
    if tier not in tiers:
        raise CapsuleValidationError(
            {"runtime_config.runtime_tier": f"{tier!r} is not a tier for {runtime.language}; allowed: {', '.join(tiers)}"}
        )
    return runtime.language, tier


def parse_capsule(data: Any) -> CapsuleDraft:
    """Validate a capsule in the API's BaseCapsule shape.

    1. The envelope (title, type, statement, runtime_config, difficulty, is_public) is checked first, so
       that an unknown capsule_type is reported before its config is looked at.
    2. config_data is size-checked, then validated by its type's model, errors prefixed `config_data.`.
    3. The language must belong to the type; the runtime tier defaults from the language (and dialect).
    """
    if not isinstance(data, Mapping):
        raise CapsuleValidationError({"__all__": "expected a JSON object"})
    try:
        envelope = CapsuleEnvelope.model_validate(data)
    except ValidationError as exc:
        raise CapsuleValidationError(_errors_from(exc)) from exc
    _check_size(envelope.config_data)
    config = parse_config(envelope.capsule_type, envelope.config_data)
    language, tier = _resolve_runtime(envelope.capsule_type, envelope.runtime_config, config)
    return CapsuleDraft(
        title=envelope.title,
        capsule_type=envelope.capsule_type,
        problem_statement_md=envelope.problem_statement_md,
        language=language,
        runtime_tier=tier,
        difficulty=envelope.difficulty,
        is_public=envelope.is_public,
        config=config,
    )


# --- Learner-safe view --------------------------------------------------------------------------------

HIDDEN_TEST_DESCRIPTION = "Hidden test"


def learner_browser_tests(config_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a Run in the learner's browser needs beyond `learner_safe_config` for a CODE capsule of a browser tier:
    the visible tests with how their output is compared, their place among all tests (`index`, as results number
    them) and the author's hint, which the browser shows when the test fails as the server would (a visible test's
    hint gives away nothing its call and expected output do not). Never a hidden test or the reference. (A DATABASE
    capsule's browser Run fetches its visible seed on first Run: playlists/views/workspace.py `browser_seed`.)"""
    return [
        {
            "index": index,
            "description": test["description"],
            "failure_message": test.get("failure_message") or "",
            "test_call": test["test_call"],
            "expected_output": test["expected_output"],
            "compare": test.get("compare") or "trim",
            "tolerance": test.get("tolerance"),
        }
        for index, test in enumerate(config_data.get("test_cases", []))
        if not test.get("is_hidden")
    ]


def learner_safe_config(capsule_type: str, config_data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of config_data a learner may see. The one place that decides it.

    Built from an allow-list, so a field added to a config later stays private until added here.
    Never included: reference solutions, hidden tests' calls, outputs and descriptions, seed SQL and its
    URL, the hidden dataset (hidden_seed_sql and its URL), validation scripts, solution commands, setup scripts,
    and the failure messages of tests and tasks (an attempt's result carries one only when its test or task
    fails: judges/grading.py).
    """
    hints = list(config_data.get("hints", []))
    if capsule_type == CapsuleType.CODE:
        tests = []
        for test in config_data.get("test_cases", []):
            if test.get("is_hidden"):
                tests.append({"description": HIDDEN_TEST_DESCRIPTION, "is_hidden": True})
            else:
                tests.append(
                    {
                        "description": test["description"],
                        "test_call": test["test_call"],
                        "expected_output": test["expected_output"],
                        "is_hidden": False,
                    }
                )
        return {"boilerplate_code": config_data.get("boilerplate_code", ""), "hints": hints, "test_cases": tests}
    if capsule_type == CapsuleType.DATABASE:
        return {
            "boilerplate_code": config_data.get("boilerplate_code", ""),
            "hints": hints,
            "schema_info": [
                {"table_name": table["table_name"], "columns": list(table["columns"])}
                for table in config_data.get("schema_info", [])
            ],
            "dialect": config_data.get("dialect", "sqlite"),
        }
    if capsule_type == CapsuleType.TERMINAL:
        return {
            "environment_config": {
                "disk_image_url": config_data.get("environment_config", {}).get("disk_image_url", "")
            },
            "hints": hints,
            "tasks": [
                {"task_id": task["task_id"], "description": task["description"]}
                for task in config_data.get("tasks", [])
            ],
        }
    raise ValueError(f"unknown capsule type {capsule_type!r}")

