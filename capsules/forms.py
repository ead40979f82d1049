"""Creator dashboard forms: the capsule list filter and one capsule form per capsule type.

A capsule form only collects what the creator typed and builds the API's BaseCapsule dict from it. The
pydantic schemas (reached through the create/update services) stay the one judge of validity, so most
fields are optional here; the services' error paths (`config_data.test_cases[1].expected_output`) are
mapped back onto the field or table row they came from by `add_service_error` (codecapsule.http).

Table rows (test cases, schema tables, terminal tasks) are a Django formset. Their indices may have gaps:
htmx appends rows with ever-growing indices and the page's script removes rows from the page. Posted data
is therefore renumbered 0..n-1 before the formset reads it, which also makes the management form's counts
irrelevant. Rows left completely blank are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict

from capsules.languages import language_choices, language_label
from capsules.models import Capsule, CapsuleStatus, CapsuleType, Difficulty
from capsules.schemas import (
    LANGUAGES_BY_TYPE,
    SQL_DIALECTS,
    allowed_runtime_tiers,
    base_runtime_tier,
    tier_label,
)
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from codecapsule.http import ServiceErrorsForm, choice_field

# Messages from pydantic that read badly on a form; everything else is shown as the schema wrote it.
_FRIENDLIER = {
    "String should have at least 1 character": "This field is required.",
    "List should have at least 1 item": "Add at least one row.",
}
_ROW_ERROR_PATH = re.compile(r"^config_data\.(?P<key>\w+)\[(?P<index>\d+)\](?:\.(?P<field>\w+)(?P<rest>.*))?$")
_LIST_ITEM = re.compile(r"^\[(\d+)\]$")


def normalize_newlines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in normalize_newlines(text).split("\n") if line.strip()]


def split_columns(text: str) -> list[str]:
    """Columns one per line or comma-separated; commas inside parentheses (`NUMERIC(10,2)`) stay."""
    columns: list[str] = []
    current, depth = "", 0
    for char in normalize_newlines(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char == "\n" or (char == "," and depth == 0):
            columns.append(current)
            current, depth = "", 0
            continue
        current += char
    columns.append(current)
    return [column.strip() for column in columns if column.strip()]


class ExactTextField(forms.CharField):
    """Text kept exactly as typed — code and expected output must keep indentation and trailing newlines —
    except that the CRLF line endings browsers submit become LF."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("strip", False)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_newlines(super().to_python(value) or "")  # never None: empty_value is ""


def code_textarea(*, rows: int, language: str = "") -> forms.Textarea:
    """A monospace textarea that the page's script turns into a CodeMirror editor (data-editor)."""
    return forms.Textarea(
        attrs={
            "rows": rows,
            "class": "code-input",
            "data-editor": "",
            "data-language": language,
            "spellcheck": "false",
            "autocapitalize": "off",
            "autocomplete": "off",
        }
    )


def label_code_editors(form: forms.Form) -> None:
    """CodeMirror names its editable area after the textarea's aria-label, for screen readers."""
    for name, field in form.fields.items():
        if "data-editor" in field.widget.attrs:
            field.widget.attrs["aria-label"] = str(field.label or name.replace("_", " ").capitalize())


def mono_textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "mono", "spellcheck": "false", "autocapitalize": "off"})


# --- The capsule list filter ---------------------------------------------------------------------------


class CapsuleFilterForm(forms.Form):
    """GET filters of the capsule list. An unknown value is ignored rather than reported."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search titles",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by title", "autocomplete": "off"}),
    )
    type = forms.ChoiceField(required=False, label="Type", choices=[("", "All types"), *CapsuleType.choices])
    language = forms.ChoiceField(required=False, label="Language", choices=[("", "All languages"), *language_choices()])
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "All statuses"), *CapsuleStatus.choices])
    difficulty = forms.ChoiceField(
        required=False, label="Difficulty", choices=[("", "All difficulties"), *Difficulty.choices]
    )

    def selector_filters(self) -> dict[str, str]:
        """Keyword arguments for selectors.capsule_list."""
        cleaned = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "capsule_type": cleaned.get("type", ""),
            "language": cleaned.get("language", ""),
            "status": cleaned.get("status", ""),
            "difficulty": cleaned.get("difficulty", ""),
            "search": cleaned.get("q", ""),
        }

    def is_filtered(self) -> bool:
        return any(self.selector_filters().values())


# --- Table rows ----------------------------------------------------------------------------------------


class RowForm(forms.Form):
    """One table row. Every field is optional: a blank row is ignored, a half-filled one is reported by the
    schema on the cell that is missing."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        label_code_editors(self)

    def is_blank(self) -> bool:
        """Nothing typed in the row's visible cells (what a hidden field carries over does not make a row)."""
        cleaned = getattr(self, "cleaned_data", {})
        return all(
            not str(value).strip()
            for name, value in cleaned.items()
            if not isinstance(value, bool) and not self.fields[name].widget.is_hidden
        )

    def row_data(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def initial_from(item: Mapping[str, Any]) -> dict[str, Any]:
        return dict(item)


class TestCaseRowForm(RowForm):
    __test__ = False  # not a pytest test class

    description = ExactTextField(widget=forms.TextInput(attrs={"autocomplete": "off"}))
    test_call = ExactTextField(label="Test call", widget=mono_textarea(2))
    expected_output = ExactTextField(label="Expected output", widget=mono_textarea(2))
    is_hidden = forms.BooleanField(required=False, label="Hidden")
    # Left to the schema's limit (300 characters) so that its message lands on this cell like every other.
    failure_message = forms.CharField(
        required=False, label="Hint on failure",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional: shown when this test fails"}),
    )  # fmt: skip
    # How the output is compared (trim/exact/numeric, with a tolerance) is set through the API or imports; the
    # table carries it through an edit unchanged rather than dropping it, and the schema checks it as always.
    compare = forms.CharField(required=False, widget=forms.HiddenInput)
    tolerance = forms.CharField(required=False, widget=forms.HiddenInput)

    def row_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        row = {
            "description": cleaned["description"],
            "test_call": cleaned["test_call"],
            "expected_output": cleaned["expected_output"],
            "is_hidden": cleaned["is_hidden"],
        }
        for key in ("compare", "tolerance"):
            if cleaned[key].strip():
                row[key] = cleaned[key].strip()
        return _with_failure_message(row, cleaned["failure_message"])


class SchemaTableRowForm(RowForm):
    table_name = forms.CharField(required=False, label="Table name", widget=forms.TextInput(attrs={"class": "mono"}))
    columns = ExactTextField(
        widget=mono_textarea(3), help_text="One per line or comma-separated, e.g. id (INTEGER)."
    )

    def row_data(self) -> dict[str, Any]:
        return {"table_name": self.cleaned_data["table_name"], "columns": split_columns(self.cleaned_data["columns"])}

    @staticmethod
    def initial_from(item: Mapping[str, Any]) -> dict[str, Any]:
        return {"table_name": item.get("table_name", ""), "columns": "\n".join(item.get("columns", []))}


class TaskRowForm(RowForm):
    task_id = forms.CharField(required=False, label="Task ID", widget=forms.TextInput(attrs={"class": "mono"}))
    description = ExactTextField(widget=forms.Textarea(attrs={"rows": 3}))
    validation_script = ExactTextField(label="Validation script", widget=code_textarea(rows=3, language="bash"))
    solution_commands = ExactTextField(label="Solution commands", widget=code_textarea(rows=3, language="bash"))
    failure_message = forms.CharField(
        required=False, label="Hint on failure",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional: shown when the check fails"}),
    )  # fmt: skip

    def row_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        row = {
            "task_id": cleaned["task_id"],
            "description": cleaned["description"],
            "validation_script": cleaned["validation_script"],
            "solution_commands": cleaned["solution_commands"],
        }
        return _with_failure_message(row, cleaned["failure_message"])


def _with_failure_message(row: dict[str, Any], message: str) -> dict[str, Any]:
    """A row's optional hint for learners who fail it; a blank cell leaves it out (capsules/schemas.py)."""
    return {**row, "failure_message": message} if message.strip() else row


# --- The capsule forms ---------------------------------------------------------------------------------


class ErrorItem(NamedTuple):
    """One line of the error summary at the top of the form; `anchor` is the id of the field to jump to."""

    label: str
    message: str
    anchor: str


class RowAction(NamedTuple):
    add: bool = False
    remove: int | None = None


def _row_action(data: QueryDict | None) -> RowAction | None:
    """The no-JavaScript "Add row" / "Remove" submit buttons re-render the form instead of saving it."""
    if data is None:
        return None
    if "add_row" in data:
        return RowAction(add=True)
    if "remove_row" in data:
        try:
            return RowAction(remove=int(data.get("remove_row", "")))
        except ValueError:
            return RowAction()
    return None


def renumber_rows(data: QueryDict, prefix: str, action: RowAction | None = None) -> QueryDict:
    """Posted data with the `prefix-N-field` rows renumbered 0..n-1 (gaps closed, one removed or one blank
    row added as `action` says) and a management form that matches."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-(\w+)$")
    rows: dict[int, list[tuple[str, list[str]]]] = {}
    renumbered = QueryDict(mutable=True)
    for key, values in data.lists():
        match = pattern.match(key)
        if match is None:
            renumbered.setlist(key, values)
        else:
            rows.setdefault(int(match[1]), []).append((match[2], values))
    removed = action.remove if action else None
    kept = [index for index in sorted(rows) if index != removed]
    for new_index, old_index in enumerate(kept):
        for field, values in rows[old_index]:
            renumbered.setlist(f"{prefix}-{new_index}-{field}", values)
    renumbered[f"{prefix}-TOTAL_FORMS"] = str(len(kept) + (1 if action and action.add else 0))
    renumbered[f"{prefix}-INITIAL_FORMS"] = "0"
    return renumbered


class CapsuleForm(ServiceErrorsForm):
    """The fields every capsule type shares. Subclasses add their config fields and one table of rows."""

    capsule_type: ClassVar[str]
    kind: ClassVar[str]  # what creators call it: "coding problem"
    rows_key: ClassVar[str]  # the config_data list the table edits, also the formset prefix
    rows_formset: ClassVar[type[BaseFormSet]]
    row_noun: ClassVar[str]  # "Test case": labels "Test case 2, expected output"
    rows_title: ClassVar[str]

    title = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"})
    )
    problem_statement_md = ExactTextField(
        label="Problem statement",
        widget=forms.Textarea(attrs={"rows": 10, "required": True}),
        help_text="Markdown: the exercise as learners read it.",
    )
    language = forms.ChoiceField(required=False)
    runtime_tier = forms.ChoiceField(
        required=False,
        label="Runtime tier",
        help_text=(
            "Where Run happens: our sandbox with standard or larger (extended) limits, or the learner's browser "
            "(wasm-python, browser-javascript, wasm-sqlite: instant, no server job). Submit is always graded on our server."
        ),
    )
    difficulty = forms.ChoiceField(required=False, choices=Difficulty.choices)
    is_public = forms.BooleanField(
        required=False,
        label="Public",
        help_text="Anyone can read and embed a public capsule once a moderator has published it.",
    )
    hints = ExactTextField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="One hint per line, revealed to learners in this order."
    )

    def __init__(self, data: QueryDict | None = None, *, capsule: Capsule | None = None):
        self.capsule = capsule
        self.row_action = _row_action(data)
        if data is not None:
            data = renumber_rows(data, self.rows_key, self.row_action)
        config: Mapping[str, Any] = capsule.config_data if capsule else {}
        super().__init__(data, initial=self._initial(capsule, config))
        rows_initial = [self.rows_formset.form.initial_from(item) for item in config.get(self.rows_key, [])]
        # A new capsule starts with one empty row to fill in.
        initial_rows = None if data is not None else (rows_initial or [{}])
        self.rows = self.rows_formset(data, initial=initial_rows, prefix=self.rows_key)
        self.rows_errors: list[str] = []
        self._row_positions: list[int] = []
        languages = LANGUAGES_BY_TYPE[self.capsule_type]
        choice_field(self, "language").choices = [(code, language_label(code)) for code in languages]
        choice_field(self, "runtime_tier").choices = [("", "Default for the language"), *self._tier_choices()]
        label_code_editors(self)

    # --- Initial values ---

    def _initial(self, capsule: Capsule | None, config: Mapping[str, Any]) -> dict[str, Any]:
        if capsule is None:
            return {
                "language": LANGUAGES_BY_TYPE[self.capsule_type][0],
                "difficulty": Difficulty.MEDIUM,
                **self._config_initial(config),
            }
        # A capsule on its language's default tier shows "Default", so changing the language keeps working.
        default_tier = base_runtime_tier(capsule.language, config.get("dialect"))
        return {
            "title": capsule.title,
            "problem_statement_md": capsule.problem_statement_md,
            "language": capsule.language,
            "runtime_tier": "" if capsule.runtime_tier == default_tier else capsule.runtime_tier,
            "difficulty": capsule.difficulty,
            "is_public": capsule.is_public,
            "hints": "\n".join(config.get("hints", [])),
            **self._config_initial(config),
        }

    def _config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def _tier_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (language_label(code), [(tier, tier_label(tier)) for tier in allowed_runtime_tiers(code)])
            for code in LANGUAGES_BY_TYPE[self.capsule_type]
        ]

    # --- Submitting ---

    @property
    def ready_to_save(self) -> bool:
        """Posted by the Save button (not by an Add/Remove row button) and well-formed enough to try."""
        return self.is_bound and self.row_action is None and self.is_valid()

    def is_valid(self) -> bool:
        return super().is_valid() and self.rows.is_valid()

    def capsule_data(self) -> dict[str, Any]:
        """The API's BaseCapsule dict for capsule_create / capsule_update. Call after is_valid()."""
        cleaned = self.cleaned_data
        rows: list[dict[str, Any]] = []
        self._row_positions = []
        for position, row in enumerate(self.rows.forms):
            if not row.is_blank():
                rows.append(row.row_data())
                self._row_positions.append(position)
        config = {"hints": split_lines(cleaned["hints"]), **self._config_data(cleaned), self.rows_key: rows}
        return {
            "title": cleaned["title"],
            "capsule_type": self.capsule_type,
            "problem_statement_md": cleaned["problem_statement_md"],
            "runtime_config": {"language": cleaned["language"], "runtime_tier": cleaned["runtime_tier"] or None},
            "difficulty": cleaned["difficulty"] or Difficulty.MEDIUM,
            "is_public": cleaned["is_public"],
            "config_data": config,
        }

    def _config_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # --- Errors ---

    def friendlier_message(self, path: str, message: str) -> str:
        return _FRIENDLIER.get(message, message)

    def place_service_error(self, path: str, message: str) -> bool:
        """A schema path lands on the form field or table cell it names, or above the table."""
        if (name := self._field_for_path(path, message)) is not None:
            self.add_error(name, message)
        elif (match := _ROW_ERROR_PATH.match(path)) and match["key"] == self.rows_key:
            self._add_row_error(int(match["index"]), match["field"], match["rest"] or "", message)
        elif path == f"config_data.{self.rows_key}" or self._is_rows_error(path, message):
            self.rows_errors.append(message)
        else:
            return False
        return True

    def _field_for_path(self, path: str, message: str) -> str | None:
        top_level = {
            "title": "title",
            "problem_statement_md": "problem_statement_md",
            "runtime_config": "language",
            "runtime_config.language": "language",
            "runtime_config.runtime_tier": "runtime_tier",
            "difficulty": "difficulty",
            "is_public": "is_public",
        }
        if path in top_level:
            return top_level[path]
        if path.startswith("config_data."):
            name = re.split(r"[.\[]", path.removeprefix("config_data."), maxsplit=1)[0]
            if name in self.fields:
                return name
        return None

    def _is_rows_error(self, path: str, message: str) -> bool:
        return False

    def _add_row_error(self, index: int, field: str | None, rest: str, message: str) -> None:
        if index >= len(self._row_positions):
            self.rows_errors.append(f"{self.row_noun} {index + 1}: {message}")
            return
        row = self.rows.forms[self._row_positions[index]]
        if field not in row.fields:
            row.add_error(None, message if field is None else f"{field}: {message}")
            return
        if item := _LIST_ITEM.match(rest):  # e.g. columns[2]: the textarea shows one item per line
            message = f"Line {int(item[1]) + 1}: {message}"
        row.add_error(field, message)

    def error_summary(self) -> list[ErrorItem]:
        """Every error on the page, in page order, each linking to its field."""
        if not self.is_bound:
            return []
        items = [ErrorItem("", str(message), "") for message in self.non_field_errors()]
        for name in self.fields:
            for message in self.errors.get(name, []):
                items.append(ErrorItem(str(self[name].label), str(message), self[name].auto_id))
        rows_anchor = f"{self.rows_key}-table"
        items.extend(ErrorItem(self.rows_title, message, rows_anchor) for message in self.rows_errors)
        for position, row in enumerate(self.rows.forms):
            row_label = f"{self.row_noun} {position + 1}"
            first_field = row[next(iter(row.fields))].auto_id
            items.extend(ErrorItem(row_label, message, first_field) for message in row.non_field_errors())
            for name in row.fields:
                for message in row.errors.get(name, []):
                    items.append(ErrorItem(f"{row_label}, {row[name].label.lower()}", message, row[name].auto_id))
        return items

    # --- Rows added by htmx ---

    @classmethod
    def next_row_index(cls, params: Mapping[str, str]) -> int:
        """The index for a row appended by htmx: the page sends its management form's TOTAL_FORMS."""
        try:
            index = int(params.get(f"{cls.rows_key}-TOTAL_FORMS", "0"))
        except ValueError:
            index = 0
        return min(max(index, 0), cls.rows_formset.absolute_max - 1)

    @classmethod
    def blank_row(cls, index: int) -> RowForm:
        return cls.rows_formset.form(
            prefix=f"{cls.rows_key}-{index}", empty_permitted=True, use_required_attribute=False
        )


class CodeCapsuleForm(CapsuleForm):
    capsule_type = CapsuleType.CODE
    kind = "coding problem"
    rows_key = "test_cases"
    rows_formset = formset_factory(TestCaseRowForm, extra=0)
    row_noun = "Test case"
    rows_title = "Test cases"

    boilerplate_code = ExactTextField(
        label="Boilerplate", widget=code_textarea(rows=8), help_text="The starting code learners see."
    )
    reference_solution = ExactTextField(
        label="Reference solution", widget=code_textarea(rows=10), help_text="Never shown to learners."
    )

    field_order = [
        "title",
        "problem_statement_md",
        "language",
        "runtime_tier",
        "difficulty",
        "is_public",
        "boilerplate_code",
        "reference_solution",
        "hints",
    ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("boilerplate_code", "reference_solution"):
            self.fields[name].widget.attrs.update(
                {"data-language": self["language"].value() or "", "data-language-from": "id_language"}
            )

    def _config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "boilerplate_code": config.get("boilerplate_code", ""),
            "reference_solution": config.get("reference_solution", ""),
        }

    def _config_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"boilerplate_code": cleaned["boilerplate_code"], "reference_solution": cleaned["reference_solution"]}


DIALECT_CHOICES = [("sqlite", "SQLite"), ("postgresql", "PostgreSQL")]


class DatabaseCapsuleForm(CapsuleForm):
    capsule_type = CapsuleType.DATABASE
    kind = "SQL exercise"
    rows_key = "schema_info"
    rows_formset = formset_factory(SchemaTableRowForm, extra=0)
    row_noun = "Table"
    rows_title = "Schema tables"

    dialect = forms.ChoiceField(
        required=False,
        label="SQL dialect",
        choices=DIALECT_CHOICES,
        help_text="The database engine that runs the seed SQL and the learner's query.",
    )
    seed_sql = ExactTextField(
        label="Seed SQL",
        widget=code_textarea(rows=10),
        help_text="Creates and fills the tables before every run. Never shown to learners.",
    )
    hidden_seed_sql = ExactTextField(
        label="Hidden dataset (seed SQL)",
        widget=code_textarea(rows=10),
        help_text=(
            "The same tables and columns as the seed SQL, filled with other rows. Submissions are graded on it "
            "too, so a query that just lists the visible answer fails. Learners never see it. Required for "
            "new capsules; choose rows on which the reference query returns a different result."
        ),
    )
    boilerplate_code = ExactTextField(label="Starting query", widget=code_textarea(rows=4))
    reference_solution = ExactTextField(
        label="Reference query", widget=code_textarea(rows=6), help_text="Its result is the expected answer."
    )

    field_order = [
        "title",
        "problem_statement_md",
        "language",
        "dialect",
        "runtime_tier",
        "difficulty",
        "is_public",
        "seed_sql",
        "hidden_seed_sql",
        "boilerplate_code",
        "reference_solution",
        "hints",
    ]

    def __init__(self, *args: Any, **kwargs: Any):
        self.seed_sql_missing = False
        self.hidden_seed_sql_missing = False
        super().__init__(*args, **kwargs)
        dialect = self["dialect"].value() or "sqlite"
        for name in ("seed_sql", "hidden_seed_sql", "boilerplate_code", "reference_solution"):
            self.fields[name].widget.attrs.update({"data-language": dialect, "data-language-from": "id_dialect"})

    def _tier_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        # A tier of every dialect (the seed's server-sql) is listed once, after the dialects' own tiers.
        labels = dict(DIALECT_CHOICES)
        per_dialect = {dialect: allowed_runtime_tiers("sql", dialect) for dialect in SQL_DIALECTS}
        shared = [tier for tier in per_dialect["sqlite"] if all(tier in tiers for tiers in per_dialect.values())]
        groups = [
            (labels[dialect], [(tier, tier_label(tier)) for tier in tiers if tier not in shared])
            for dialect, tiers in per_dialect.items()
        ]
        return [*groups, ("Any dialect", [(tier, tier_label(tier)) for tier in shared])]

    def _stored_sql(self, url: str) -> str | None:
        """The stored SQL a URL names: "" for no URL, None when it is missing from storage."""
        if not url:
            return ""
        try:
            return seed_sql_read(url=url)
        except SeedSqlMissing:
            return None

    def _config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        seed_sql = self._stored_sql(config.get("seed_sql_url", ""))
        hidden_seed_sql = self._stored_sql(config.get("hidden_seed_sql_url", ""))
        self.seed_sql_missing = seed_sql is None
        self.hidden_seed_sql_missing = hidden_seed_sql is None
        return {
            "dialect": config.get("dialect", "sqlite"),
            "seed_sql": seed_sql or "",
            "hidden_seed_sql": hidden_seed_sql or "",
            "boilerplate_code": config.get("boilerplate_code", ""),
            "reference_solution": config.get("reference_solution", ""),
        }

    def _config_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        config = {
            "dialect": cleaned["dialect"] or "sqlite",
            "boilerplate_code": cleaned["boilerplate_code"],
            "reference_solution": cleaned["reference_solution"],
        }
        # The service stores the text and saves only its URL; blank means "none": the schema reports a missing
        # seed, the judge a missing hidden dataset (a new capsule fails; a saved one keeps passing, with a warning).
        if cleaned["seed_sql"].strip():
            config["seed_sql"] = cleaned["seed_sql"]
        if cleaned["hidden_seed_sql"].strip():
            config["hidden_seed_sql"] = cleaned["hidden_seed_sql"]
        return config

    def _field_for_path(self, path: str, message: str) -> str | None:
        # The schema's "provide seed_sql or seed_sql_url" check is about the whole config; it belongs here.
        if path == "config_data.seed_sql_url" or (path == "config_data" and "seed_sql" in message):
            return "seed_sql"
        if path == "config_data.hidden_seed_sql_url":
            return "hidden_seed_sql"
        return super()._field_for_path(path, message)


class TerminalCapsuleForm(CapsuleForm):
    capsule_type = CapsuleType.TERMINAL
    kind = "terminal task"
    rows_key = "tasks"
    rows_formset = formset_factory(TaskRowForm, extra=0)
    row_noun = "Task"
    rows_title = "Tasks"

    setup_script = ExactTextField(
        label="Setup script",
        widget=code_textarea(rows=6, language="bash"),
        help_text="Runs once in a fresh workspace before the learner starts. Never shown to learners.",
    )

    field_order = [
        "title",
        "problem_statement_md",
        "language",
        "runtime_tier",
        "difficulty",
        "is_public",
        "setup_script",
        "hints",
    ]

    def _config_initial(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"setup_script": config.get("setup_script", "")}

    def _config_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        # Not editable here (the judge uses its own sandbox image); kept so a save does not drop it.
        environment = dict(self.capsule.config_data.get("environment_config", {})) if self.capsule else {}
        return {"environment_config": {"disk_image_url": "", **environment}, "setup_script": cleaned["setup_script"]}

    def _is_rows_error(self, path: str, message: str) -> bool:
        return path == "config_data" and "task_id" in message  # "task_id 'x' is used twice"


CAPSULE_FORMS: dict[str, type[CapsuleForm]] = {
    CapsuleType.CODE: CodeCapsuleForm,
    CapsuleType.DATABASE: DatabaseCapsuleForm,
    CapsuleType.TERMINAL: TerminalCapsuleForm,
}
