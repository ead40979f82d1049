"""The languages capsules are written in: one registry that every part of the product reads.

Each entry says what the rest of the code needs to know about a language, so that adding one is this entry
plus the three files that are truly about it:

    judges/runtimes/<code>.py              how the judge compiles and runs it (found by its code; it also
                                           declares the limits its runtime needs, see judges/limits.py)
    generation/prompts/languages/<code>.md the judge's conventions, told to the agents
    static/src/languages/<code>.js         the editor's highlighting (built into static/vendor by `make`)

and its tests and catalog exercises (generation/catalog/exercises/<code>/). What reads the registry: the model
and API choices (capsules, generation, feedback), the forms, the schema (which languages a type takes, the
default runtime tier), the catalog's sections and topic words, the prompts' runtime names, the edit classifier's
syntax check (feedback) and the judge's runtime lookup. A test checks that every entry has its three files.

Order matters: it is the order of every list a person reads (choices, the catalog).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Syntax:
    """Enough of a language's lexical shape to tell whether an edit left its code unparseable without a
    compiler (feedback's edit classifier): where literals and comments start and end."""

    quotes: str
    line_comments: tuple[str, ...]
    block_comment: tuple[str, str] | None = None
    check_brackets: bool = True
    raw_quotes: str = ""  # literals in which a backslash is an ordinary character
    comment_needs_word_start: bool = False  # bash: `#` starts a comment only at the start of a word


@dataclass(frozen=True, slots=True)
class JudgeLimit:
    """A per-run limit a language's runtime needs instead of the judge's global one (judges/limits.py): its
    default, and the least it can start under (an operator's JUDGE_<CODE>_<FIELD> may not go lower)."""

    default: int
    minimum: int


C_LIKE = Syntax(quotes="'\"", line_comments=("//",), block_comment=("/*", "*/"))


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    """Stored on capsules and jobs, used in URLs, file names and the API."""
    label: str
    """What people read."""
    capsule_type: str
    """The CapsuleType it serves (CODE, DATABASE or TERMINAL)."""
    runtime_name: str
    """The runtime and version the judge runs (Debian 12's), as the agents' prompts name it."""
    runtime_tier: str
    """The default runtime tier: the sandbox that judges it. DATABASE tiers follow the dialect instead."""
    syntax: Syntax
    words: tuple[str, ...] = field(default=())
    """Other words a creator may use for it in a prompt ("golang"); the code and label count already."""
    browser_tier: str = ""
    """The runtime tier whose Run happens in the learner's browser (static/src/runners/), if the language has one;
    generation picks it by default. Submit is always graded on the server."""
    judge_limits: Mapping[str, JudgeLimit] = field(default_factory=dict)
    """Limits (judges.limits.Limits field → value) its runtime needs instead of the global JUDGE_* ones;
    settings turn them into JUDGE_LANGUAGE_LIMITS, each overridable as JUDGE_<CODE>_<FIELD>."""

    @property
    def line_comment(self) -> str:
        return self.syntax.line_comments[0]

    @property
    def prompt_words(self) -> tuple[str, ...]:
        return (self.code, self.label.lower(), *self.words)


# Judge limits measured on Debian 12 (judges/runtimes/*.py): the smallest RLIMIT_AS each runtime starts under, with
# room for a JUDGE_HEAP_MB heap. JVM: heap + compressed class space + code cache + thread stacks (~1.5 GB); Go: the
# runtime reserves ~700 MB of page summaries at start; Node: V8 reserves its code range (~1 GB). The JVM and Go
# start many threads, which RLIMIT_NPROC counts.
LANGUAGES: tuple[Language, ...] = (
    Language(
        "python", "Python", "CODE", "Python 3.11", "sandbox-python",
        Syntax(quotes="'\"", line_comments=("#",), check_brackets=False), browser_tier="wasm-python",
    ),
    Language(
        "javascript", "JavaScript", "CODE", "JavaScript (Node.js 20)", "sandbox-node",
        Syntax(quotes="'\"`", line_comments=("//",), block_comment=("/*", "*/")), words=("js",), browser_tier="browser-javascript",
        judge_limits={"address_space_mb": JudgeLimit(1536, minimum=1024)},
    ),
    Language(
        "java", "Java", "CODE", "Java 17", "sandbox-jvm", C_LIKE,
        judge_limits={"address_space_mb": JudgeLimit(2560, minimum=1536), "processes": JudgeLimit(128, minimum=32)},
    ),
    Language(
        "csharp", "C#", "CODE", "C# 7 (Mono)", "sandbox-dotnet", C_LIKE, words=("c#", "dotnet"),
        judge_limits={"address_space_mb": JudgeLimit(1536, minimum=512)},
    ),
    Language(
        "go", "Go", "CODE", "Go 1.19", "sandbox-go",
        Syntax(quotes="'\"`", line_comments=("//",), block_comment=("/*", "*/"), raw_quotes="`"), words=("golang",),
        judge_limits={"address_space_mb": JudgeLimit(1536, minimum=1024), "processes": JudgeLimit(128, minimum=32)},
    ),
    Language(
        "sql", "SQL", "DATABASE", "SQL (SQLite 3.40)", "sandbox-sqlite",
        Syntax(quotes="'\"", line_comments=("--",), block_comment=("/*", "*/"), raw_quotes="'\""),
        words=("sqlite", "postgres", "postgresql"), browser_tier="wasm-sqlite",  # the sqlite dialect only
    ),
    Language(
        "bash", "Bash", "TERMINAL", "Bash 5.2", "sandbox-bash",
        Syntax(quotes="'\"", line_comments=("#",), check_brackets=False, raw_quotes="'", comment_needs_word_start=True),
        words=("shell", "terminal"),
    ),
)  # fmt: skip

_BY_CODE = {language.code: language for language in LANGUAGES}


def get_language(code: str) -> Language:
    """The entry for `code`; KeyError for a code that is not a language."""
    return _BY_CODE[code]


def is_language(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def language_label(code: str) -> str:
    """What people read for `code` (the code itself for an unknown one, as old rows may hold)."""
    entry = _BY_CODE.get(code)
    return entry.label if entry else code


def language_choices() -> list[tuple[str, str]]:
    """(code, label) pairs, for model fields (a callable, so a new language needs no migration), forms and the API."""
    return [(language.code, language.label) for language in LANGUAGES]


def languages_of(capsule_type: str) -> tuple[str, ...]:
    """The codes a capsule of `capsule_type` may be written in, in registry order."""
    return tuple(language.code for language in LANGUAGES if language.capsule_type == capsule_type)


def iter_languages(capsule_type: str | None = None) -> Iterator[Language]:
    return (language for language in LANGUAGES if capsule_type is None or language.capsule_type == capsule_type)
