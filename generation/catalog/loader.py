"""Reads the offline catalog's exercises from their data files and checks every one of them.

The exercises are data, not code: one YAML file per exercise under exercises/<language>/ (the format and
each language's judge conventions are in exercises/README.md). YAML because most of an exercise is
multi-line text — statements, reference solutions, seed SQL, shell scripts — that reads and diffs best as a
literal block.

Each file is checked against two schemas, and every problem of a file is reported at once, with the file
and the field path (`python/01-count-words.yaml ('Count the words in a sentence'):
config_data.reference_solution: Field required`), so a broken exercise fails loudly when the catalog loads,
not when a creator happens to draw it:

1. `ExerciseFile` (here): the top-level keys — nothing unknown, a difficulty (parse_capsule would quietly
   default a missing one), the catalog's own `topics` and `idea`.
2. capsules.schemas.parse_capsule: the capsule part (every key but `topics` and `idea`), exactly as the API
   checks a capsule.

Catalog order — the order of `load_exercises` — is the order of SECTIONS, then of file names (hence the
number in front of each name).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from capsules.languages import LANGUAGES
from capsules.schemas import CapsuleDraft, CapsuleValidationError, format_location, parse_capsule

EXERCISES_DIR = Path(__file__).with_name("exercises")
# One directory per language, named after it; the catalog lists them in the registry's order.
SECTIONS: tuple[str, ...] = tuple(language.code for language in LANGUAGES)
EXERCISE_SUFFIX = ".yaml"
# Files in EXERCISES_DIR that are not exercises.
_NOT_EXERCISES = frozenset({"README.md"})
# The keys of an exercise file that are the catalog's, not the capsule's.
CATALOG_KEYS = ("topics", "idea")


class CatalogError(Exception):
    """An exercise of the catalog is broken (unreadable file, invalid capsule, bad metadata, duplicate title)."""


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


_Text = Annotated[str, AfterValidator(_not_blank)]


class BlueprintIdea(BaseModel):
    """What the Pedagogist returns for a catalog pick: the fields of its CapsuleIdea."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    learning_objectives: tuple[str, ...] = Field(min_length=1)
    concepts: tuple[str, ...] = Field(min_length=1)
    description: str = Field(min_length=1)
    difficulty_rationale: str = Field(min_length=1)


class ExerciseIdea(BaseModel):
    """An exercise file's `idea`: the BlueprintIdea without its title, which is the capsule's."""

    model_config = ConfigDict(extra="forbid")

    learning_objectives: list[_Text] = Field(min_length=1)
    concepts: list[_Text] = Field(min_length=1)
    description: _Text
    difficulty_rationale: _Text


class ExerciseFile(BaseModel):
    """The top level of an exercise file. The capsule's keys are only named here (parse_capsule checks them)."""

    model_config = ConfigDict(extra="forbid")

    title: Any = None
    capsule_type: Any = None
    problem_statement_md: Any = None
    runtime_config: Any = None
    config_data: Any = None
    difficulty: Any
    topics: list[_Text] = Field(min_length=1)  # keywords and short phrases the matcher looks for in prompts
    idea: ExerciseIdea


@dataclass(frozen=True)
class Exercise:
    """One checked exercise: its capsule in the BaseCapsule input shape (parse_capsule accepts it as is),
    that capsule parsed, and the catalog's metadata."""

    source: str  # its file, relative to the exercises directory: "python/01-count-words.yaml"
    draft: CapsuleDraft
    topics: tuple[str, ...]
    idea: BlueprintIdea
    capsule: Mapping[str, Any] = field(repr=False)


def exercise_files(directory: Path | None = None) -> list[Path]:
    """The exercise files in catalog order. Anything else in the directory is an error, not silently skipped
    (a `.yml` file or a misspelt language directory would otherwise drop exercises from the catalog)."""
    root = directory or EXERCISES_DIR
    strays = [entry for entry in root.iterdir() if entry.name not in _NOT_EXERCISES and entry.name not in SECTIONS]
    if strays:
        raise CatalogError(f"{root}: not a language directory of the catalog: {', '.join(sorted(e.name for e in strays))}")
    files = []
    for section in SECTIONS:
        if not (root / section).is_dir():
            continue
        entries = sorted((root / section).iterdir())
        strays = [entry for entry in entries if entry.suffix != EXERCISE_SUFFIX or not entry.is_file()]
        if strays:
            raise CatalogError(f"{root / section}: not an exercise file ({EXERCISE_SUFFIX}): {', '.join(e.name for e in strays)}")
        files.extend(entries)
    return files


def read_exercises(directory: Path | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Every exercise file as (source, its data), unchecked, in catalog order."""
    root = directory or EXERCISES_DIR
    return [(path.relative_to(root).as_posix(), _read(path, root)) for path in exercise_files(root)]


def _read(path: Path, root: Path) -> dict[str, Any]:
    source = path.relative_to(root).as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"catalog exercise {source}: unreadable: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog exercise {source}: not YAML: {_yaml_problem(exc)}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"catalog exercise {source}: expected a mapping of fields, got {type(data).__name__}")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line, where the parser gave up: "line 3, column 1: expected ',' or ']', but got '<stream end>'"."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def check_exercise(raw: Mapping[str, Any], source: str) -> Exercise:
    """`raw` (one file's data) checked against both schemas; CatalogError lists every problem with its field path."""
    errors: dict[str, str] = {}
    metadata = None
    try:
        metadata = ExerciseFile.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            errors.setdefault(format_location(tuple(error["loc"])), error["msg"].removeprefix("Value error, "))
    capsule = {key: copy.deepcopy(value) for key, value in raw.items() if key not in CATALOG_KEYS}
    draft = None
    try:
        draft = parse_capsule(capsule)
    except CapsuleValidationError as exc:
        for path, message in exc.errors.items():
            errors.setdefault(path, message)
    section = source.split("/", 1)[0]
    if draft is not None and section in SECTIONS and draft.language != section:
        errors.setdefault("runtime_config.language", f"{draft.language!r} does not belong in {section}/")
    if errors or metadata is None or draft is None:
        problems = "; ".join(f"{path}: {message}" for path, message in errors.items())
        raise CatalogError(f"catalog exercise {source} ({raw.get('title', '<untitled>')!r}): {problems}")
    idea = BlueprintIdea(title=draft.title, **metadata.idea.model_dump())
    return Exercise(source=source, draft=draft, topics=tuple(metadata.topics), idea=idea, capsule=capsule)


def load_exercises(directory: Path | None = None) -> tuple[Exercise, ...]:
    """Every exercise of `directory` (default EXERCISES_DIR), checked, in catalog order.

    Raises CatalogError naming the file when one is broken or two share a title.
    """
    exercises: list[Exercise] = []
    seen: dict[str, str] = {}
    for source, raw in read_exercises(directory):
        exercise = check_exercise(raw, source)
        key = exercise.draft.title.casefold()
        if key in seen:
            raise CatalogError(f"catalog exercise {source} ({exercise.draft.title!r}): title already used in {seen[key]}")
        seen[key] = source
        exercises.append(exercise)
    return tuple(exercises)
