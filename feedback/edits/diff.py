"""What changed between two versions of a capsule, leaf by leaf, and what kind of correction each change is.

Pure functions, no database: `diff_capsules(before, after)` walks two BaseCapsule dicts
(`capsules.selectors.capsule_base_dict`) and `infer_edit_type(change, ...)` classifies one change.

The walk
--------
1. Top-level keys that are not content are skipped (IGNORED_KEYS): the read-only id, creator_id, created_at,
   updated_at and status, and is_public — a visibility switch the creator flips, never a correction of what an
   agent wrote (capsule_update does not judge it again either).
2. Dicts are walked key by key; a key present on one side only is walked against an empty dict / list, so
   its leaves come out one by one as added or removed.
3. Lists are matched by index (test_cases, hints, tasks, schema_info, a table's columns): items at an index
   both sides have are walked; extra items on the new side are `…[i]` ADDED entries (original None, corrected
   the whole new item) and extra items on the old side are REMOVED entries (original the whole old item,
   corrected None). A removed test keeps its whole object that way.
4. Anything else is a leaf: one CHANGED entry when it differs (a value whose type changes, e.g. a list
   that became a string, is one leaf holding both whole values). Unchanged leaves produce nothing.
   Booleans never equal numbers here (in Python True == 1); 1 and 1.0 are equal (JSON does not tell them apart).

Paths are written as the schema's error paths are: `config_data.test_cases[2].expected_output`.

Edit types (the first rule that matches wins; `i` is any index)
----------------------------------------------------------------

| #  | path                                                   | when                                | edit_type           |
|----|--------------------------------------------------------|-------------------------------------|---------------------|
| 1  | config_data.test_cases[i]                              | item added                          | test_added          |
| 2  | config_data.test_cases[i]                              | item removed                        | test_removed        |
| 3  | config_data.test_cases[i].expected_output              | any change                          | expected_output_fix |
| 3b | config_data.test_cases[i].is_hidden                    | any change                          | visibility          |
| 4  | config_data.hints[i]                                   | added                               | hint_added          |
| 5  | config_data.hints[i]                                   | changed or removed                  | hint_changed        |
| 6  | title, problem_statement_md                            | any change                          | statement_rewrite   |
| 7  | config_data.schema_info…, config_data.seed_sql_url,    | any change                          | schema_change       |
|    | config_data.seed_sql, config_data.dialect,             |                                     |                     |
|    | config_data.hidden_seed_sql_url,                       |                                     |                     |
|    | config_data.hidden_seed_sql                            |                                     |                     |
| 8  | config_data.tasks…                                     | any change                          | task_change         |
| 9  | config_data.reference_solution,                        | the old value does not parse, or    | syntax_fix          |
|    | config_data.boilerplate_code,                          | the judge's last report on the      |                     |
|    | config_data.test_cases[i].test_call                    | capsule said syntax_error or        |                     |
|    |                                                        | compile_error                       |                     |
| 10 | the same paths                                         | otherwise (also: no old value)      | logic_fix           |
| 11 | anything else: difficulty, capsule_type,               |                                     | other               |
|    | runtime_config…, a test's description /                |                                     |                     |
|    | compare / tolerance, setup_script, environment_config… |                                     |                     |

"Does not parse" (rule 9), by the language of the capsule before the edit:

* python: `ast.parse` raises (a test_call is a statement too: `print(f(1))`).
* javascript, java, csharp, go: a cheap heuristic, not a compiler — outside comments (`//`, `/* */`) and
  string or character literals (`'`, `"`, and `` ` `` for javascript and go; a backslash escapes except in
  Go's raw `` ` `` strings), every `(`, `[`, `{` closes in order, and every literal is closed. Missed: errors
  that keep brackets and quotes balanced. Misread: rare literals it does not know (a C# verbatim string
  ending in a backslash, a JavaScript regex with a lone bracket).
* sql: the same heuristic with `--` and `/* */` comments and `'`/`"` quotes, in which a backslash is an
  ordinary character (standard SQL, SQLite, PostgreSQL).
* bash: quotes only (a backslash escapes inside `"` but not `'`), with `#` comments at the start of a
  word: brackets are not checked, because a `case` pattern such as `start)` has no opening bracket.

Each language's quotes and comments are its `syntax` in the language registry (capsules/languages.py).
  Misread: an apostrophe inside a here-document.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from capsules.languages import C_LIKE, Syntax, get_language, is_language
from feedback.models import EditType

# Top-level BaseCapsule keys that are not content a creator corrects (see the module docstring, step 1).
IGNORED_KEYS = frozenset({"id", "creator_id", "created_at", "updated_at", "status", "is_public"})
# The top-level keys whose changes are edits: every other key of capsule_base_dict.
CONTENT_KEYS = frozenset({"title", "capsule_type", "problem_statement_md", "runtime_config", "config_data", "difficulty"})


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    path: str
    original: Any  # None when added
    corrected: Any  # None when removed
    kind: ChangeKind


class _Missing:
    """A key or index one side does not have (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --- Paths ----------------------------------------------------------------------------------------------

_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$")
_PART_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\[(\d+)\]")


def is_valid_path(path: str) -> bool:
    """`a.b[2].c`: names joined by dots, list indexes in brackets."""
    return bool(_PATH_RE.match(path))


def path_parts(path: str) -> list[str | int]:
    """`config_data.test_cases[2].expected_output` → ["config_data", "test_cases", 2, "expected_output"]."""
    return [int(m.group(1)) if m.group(1) is not None else m.group(0) for m in _PART_RE.finditer(path)]


def value_at(data: Any, path: str) -> Any:
    """The value at `path` in nested dicts and lists, or MISSING."""
    for part in path_parts(path):
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return MISSING
        elif not isinstance(data, Mapping) or part not in data:
            return MISSING
        data = data[part]
    return data


# --- The walk -------------------------------------------------------------------------------------------


def diff_capsules(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """One Change per changed leaf between two BaseCapsule dicts, in the order of `before`'s keys."""
    changes: list[Change] = []
    for key in _keys(before, after):
        if key not in IGNORED_KEYS:
            _walk(str(key), before.get(key, MISSING), after.get(key, MISSING), changes)
    return changes


def _keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Any]:
    return [*old, *(key for key in new if key not in old)]


def _walk(path: str, old: Any, new: Any, changes: list[Change]) -> None:
    old, new = _fill_missing(old, new)
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in _keys(old, new):
            _walk(f"{path}.{key}", old.get(key, MISSING), new.get(key, MISSING), changes)
    elif isinstance(old, list) and isinstance(new, list):
        _walk_list(path, old, new, changes)
    elif old is MISSING:
        changes.append(Change(path, None, new, ChangeKind.ADDED))
    elif new is MISSING:
        changes.append(Change(path, old, None, ChangeKind.REMOVED))
    elif not _same_leaf(old, new):
        changes.append(Change(path, old, new, ChangeKind.CHANGED))


def _fill_missing(old: Any, new: Any) -> tuple[Any, Any]:
    """A container on one side and nothing on the other: compare with an empty one, leaf by leaf."""
    if old is MISSING and isinstance(new, Mapping | list):
        return type(new)(), new
    if new is MISSING and isinstance(old, Mapping | list):
        return old, type(old)()
    return old, new


def _walk_list(path: str, old: list[Any], new: list[Any], changes: list[Change]) -> None:
    for index in range(max(len(old), len(new))):
        item_path = f"{path}[{index}]"
        if index >= len(old):
            changes.append(Change(item_path, None, new[index], ChangeKind.ADDED))
        elif index >= len(new):
            changes.append(Change(item_path, old[index], None, ChangeKind.REMOVED))
        else:
            _walk(item_path, old[index], new[index], changes)


def _same_leaf(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    return old == new


# --- Edit types -----------------------------------------------------------------------------------------

_CODE_FIELDS = frozenset({"reference_solution", "boilerplate_code"})
# The database the queries run on. The hidden dataset (same tables, other rows) is data like the visible seed,
# so adding, replacing or removing it is a schema_change too, not a test edit: it has no call or expected output.
_SCHEMA_FIELDS = frozenset({"schema_info", "seed_sql_url", "seed_sql", "dialect", "hidden_seed_sql_url", "hidden_seed_sql"})
_SYNTAX_CATEGORIES = frozenset({"syntax_error", "compile_error"})


def infer_edit_type(change: Change, *, language: str, last_report: Mapping[str, Any] | None = None) -> EditType:
    """The edit type of one change, by the table in the module docstring.

    `language` is the capsule's before the edit (the language the old code is in); `last_report` the judge's
    report the capsule carried before the edit.
    """
    parts = path_parts(change.path)
    head = parts[0] if parts else ""
    if head in ("title", "problem_statement_md"):
        return EditType.STATEMENT_REWRITE
    if head != "config_data" or len(parts) < 2:
        return EditType.OTHER
    field, rest = parts[1], parts[2:]
    if field == "test_cases":
        return _test_case_edit_type(change, rest, language=language, last_report=last_report)
    if field == "hints" and len(rest) == 1:
        return EditType.HINT_ADDED if change.kind == ChangeKind.ADDED else EditType.HINT_CHANGED
    if field in _SCHEMA_FIELDS:
        return EditType.SCHEMA_CHANGE
    if field == "tasks":
        return EditType.TASK_CHANGE
    if field in _CODE_FIELDS and not rest:
        return _code_edit_type(change, language=language, last_report=last_report)
    return EditType.OTHER


def _test_case_edit_type(
    change: Change, rest: list[str | int], *, language: str, last_report: Mapping[str, Any] | None
) -> EditType:
    if len(rest) == 1 and change.kind == ChangeKind.ADDED:
        return EditType.TEST_ADDED
    if len(rest) == 1 and change.kind == ChangeKind.REMOVED:
        return EditType.TEST_REMOVED
    if len(rest) == 2 and rest[1] == "expected_output":
        return EditType.EXPECTED_OUTPUT_FIX
    if len(rest) == 2 and rest[1] == "is_hidden":
        return EditType.VISIBILITY
    if len(rest) == 2 and rest[1] == "test_call":
        return _code_edit_type(change, language=language, last_report=last_report)
    return EditType.OTHER


def _code_edit_type(change: Change, *, language: str, last_report: Mapping[str, Any] | None) -> EditType:
    if last_report and last_report.get("category") in _SYNTAX_CATEGORIES:
        return EditType.SYNTAX_FIX
    if isinstance(change.original, str) and not code_parses(change.original, language):
        return EditType.SYNTAX_FIX
    return EditType.LOGIC_FIX


# --- "Does the old code parse?" -------------------------------------------------------------------------


_OPENERS = {")": "(", "]": "[", "}": "{"}


def code_parses(code: str, language: str) -> bool:
    """Whether `code` in `language` parses: Python for real, the others by the heuristic of the module docstring."""
    if language == "python":
        try:
            ast.parse(code)
        except (SyntaxError, ValueError):  # ValueError: a NUL byte in the source
            return False
        return True
    return _balanced(code, get_language(language).syntax if is_language(language) else C_LIKE)


def _balanced(code: str, lexicon: Syntax) -> bool:
    """Brackets (when the lexicon checks them) and literals closed, outside comments and literals."""
    stack: list[str] = []
    index, length = 0, len(code)
    while index < length:
        skipped = _skip_comment(code, index, lexicon)
        if skipped is None:
            return False  # an unterminated block comment
        if skipped != index:
            index = skipped
            continue
        char = code[index]
        if char in lexicon.quotes:
            index = _end_of_literal(code, index, escapes=char not in lexicon.raw_quotes)
            if index < 0:
                return False
            continue
        if lexicon.check_brackets and char in "([{":
            stack.append(char)
        elif lexicon.check_brackets and char in _OPENERS and (not stack or stack.pop() != _OPENERS[char]):
            return False
        index += 1
    return not stack


def _skip_comment(code: str, index: int, lexicon: Syntax) -> int | None:
    """The index after a comment starting at `index` (or `index` itself); None for an unclosed block comment."""
    for marker in lexicon.line_comments:
        if code.startswith(marker, index) and (not lexicon.comment_needs_word_start or index == 0 or code[index - 1].isspace()):
            end = code.find("\n", index)
            return len(code) if end < 0 else end
    if lexicon.block_comment and code.startswith(lexicon.block_comment[0], index):
        end = code.find(lexicon.block_comment[1], index + len(lexicon.block_comment[0]))
        return None if end < 0 else end + len(lexicon.block_comment[1])
    return index


def _end_of_literal(code: str, start: int, *, escapes: bool) -> int:
    """The index after the literal opened by the quote at `start`; -1 if it is never closed. With `escapes`,
    a backslash makes the next character ordinary."""
    quote, index = code[start], start + 1
    while index < len(code):
        if escapes and code[index] == "\\":
            index += 2
            continue
        if code[index] == quote:
            return index + 1
        index += 1
    return -1
