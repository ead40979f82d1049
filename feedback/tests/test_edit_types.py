"""infer_edit_type: one test per rule of the table in feedback/edits/diff.py, and the "does the old code parse" check."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.edits.diff import Change, ChangeKind, code_parses, infer_edit_type
from feedback.models import EditType

WORKING = "def find_largest(numbers):\n    return max(numbers)\n"
BROKEN = "def find_largest(numbers)\n    return max(numbers)\n"


def edit_type(
    path: str,
    original: Any = "old",
    corrected: Any = "new",
    kind: ChangeKind = ChangeKind.CHANGED,
    *,
    language: str = "python",
    last_report: dict[str, Any] | None = None,
) -> EditType:
    return infer_edit_type(Change(path, original, corrected, kind), language=language, last_report=last_report)


# Rules 1-2: tests added or removed


def test_rule_1_an_added_test_is_test_added():
    assert edit_type("config_data.test_cases[2]", None, {"description": "x"}, ChangeKind.ADDED) == EditType.TEST_ADDED


def test_rule_2_a_removed_test_is_test_removed():
    assert edit_type("config_data.test_cases[0]", {"description": "x"}, None, ChangeKind.REMOVED) == EditType.TEST_REMOVED


# Rule 3b: test visibility


@pytest.mark.parametrize(("original", "corrected"), [(False, True), (True, False)])
def test_rule_3b_making_a_test_hidden_or_visible_is_visibility(original, corrected):
    assert edit_type("config_data.test_cases[3].is_hidden", original, corrected) == EditType.VISIBILITY
    assert EditType.VISIBILITY.label == "Test visibility"


def test_rule_3b_only_a_tests_own_is_hidden_is_visibility():
    assert edit_type("config_data.is_hidden", False, True) == EditType.OTHER
    assert edit_type("config_data.test_cases[0].description", "is_hidden", "x") == EditType.OTHER


# Rule 3: expected outputs


def test_rule_3_a_changed_expected_output_is_an_expected_output_fix():
    assert edit_type("config_data.test_cases[1].expected_output", "5", "5\n") == EditType.EXPECTED_OUTPUT_FIX


# Rules 4-5: hints


def test_rule_4_an_added_hint_is_hint_added():
    assert edit_type("config_data.hints[2]", None, "Try max().", ChangeKind.ADDED) == EditType.HINT_ADDED


def test_rule_5_a_changed_hint_is_hint_changed():
    assert edit_type("config_data.hints[0]", "Use a loop.", "Use max().") == EditType.HINT_CHANGED


def test_rule_5_a_removed_hint_is_hint_changed_too():
    assert edit_type("config_data.hints[1]", "Try max().", None, ChangeKind.REMOVED) == EditType.HINT_CHANGED


# Rule 6: the statement


@pytest.mark.parametrize("path", ["title", "problem_statement_md"])
def test_rule_6_a_changed_title_or_statement_is_a_statement_rewrite(path):
    assert edit_type(path) == EditType.STATEMENT_REWRITE


# Rule 7: the database schema


@pytest.mark.parametrize(
    "path",
    [
        "config_data.schema_info[0].columns[1]",
        "config_data.schema_info[1]",
        "config_data.seed_sql_url",
        "config_data.seed_sql",
        "config_data.dialect",
    ],
)
def test_rule_7_schema_seed_sql_and_dialect_changes_are_schema_changes(path):
    assert edit_type(path, language="sql") == EditType.SCHEMA_CHANGE


@pytest.mark.parametrize(
    ("original", "corrected", "kind"),
    [
        pytest.param(None, "/media/seed_sql/bbb.sql", ChangeKind.ADDED, id="added"),
        pytest.param("/media/seed_sql/aaa.sql", "/media/seed_sql/bbb.sql", ChangeKind.CHANGED, id="replaced"),
        pytest.param("/media/seed_sql/aaa.sql", None, ChangeKind.REMOVED, id="removed"),
    ],
)
def test_rule_7_adding_replacing_or_removing_the_hidden_dataset_is_a_schema_change(original, corrected, kind):
    # Data the queries run on, like the visible seed: not a test edit, it has no call or expected output.
    assert edit_type("config_data.hidden_seed_sql_url", original, corrected, kind, language="sql") == EditType.SCHEMA_CHANGE
    assert edit_type("config_data.hidden_seed_sql", language="sql") == EditType.SCHEMA_CHANGE


# Rule 8: terminal tasks


@pytest.mark.parametrize(
    "path", ["config_data.tasks[0].validation_script", "config_data.tasks[1].solution_commands", "config_data.tasks[2]"]
)
def test_rule_8_any_change_to_a_task_is_a_task_change(path):
    assert edit_type(path, language="bash") == EditType.TASK_CHANGE


# Rules 9-10: code


@pytest.mark.parametrize("path", ["config_data.reference_solution", "config_data.boilerplate_code"])
def test_rule_9_code_that_did_not_parse_before_is_a_syntax_fix(path):
    assert edit_type(path, BROKEN, WORKING) == EditType.SYNTAX_FIX


def test_rule_9_a_test_call_that_did_not_parse_before_is_a_syntax_fix():
    broken, fixed = "print(find_largest([1, 5, 2])", "print(find_largest([1, 5, 2]))"
    assert edit_type("config_data.test_cases[0].test_call", broken, fixed) == EditType.SYNTAX_FIX


def test_rule_9_code_the_judge_last_reported_as_a_syntax_error_is_a_syntax_fix():
    report = {"passed": False, "category": "syntax_error"}
    assert edit_type("config_data.reference_solution", WORKING, WORKING + "\n", last_report=report) == EditType.SYNTAX_FIX


def test_rule_9_code_the_judge_last_reported_as_a_compile_error_is_a_syntax_fix():
    report = {"passed": False, "category": "compile_error"}
    change = edit_type("config_data.reference_solution", "class A {}", "class A { }", language="java", last_report=report)
    assert change == EditType.SYNTAX_FIX


def test_rule_9_uses_the_heuristic_for_languages_other_than_python():
    broken_js = "function findLargest(numbers) {\n  return Math.max(...numbers;\n}\n"
    assert edit_type("config_data.reference_solution", broken_js, "fixed", language="javascript") == EditType.SYNTAX_FIX


def test_rule_10_code_that_parsed_and_was_judged_otherwise_is_a_logic_fix():
    report = {"passed": False, "category": "wrong_output"}
    fixed = "def find_largest(n):\n    return sorted(n)[-1]\n"
    assert edit_type("config_data.reference_solution", WORKING, fixed, last_report=report) == EditType.LOGIC_FIX


def test_rule_10_a_test_call_that_parsed_is_a_logic_fix():
    assert edit_type("config_data.test_cases[0].test_call", "print(find_largest([1]))", "print(find_largest([1, 2]))") == EditType.LOGIC_FIX


def test_rule_10_code_added_where_there_was_none_is_a_logic_fix():
    assert edit_type("config_data.boilerplate_code", None, "SELECT 1;", ChangeKind.ADDED, language="sql") == EditType.LOGIC_FIX


# Rule 11: everything else


@pytest.mark.parametrize(
    "path",
    [
        "difficulty",
        "capsule_type",
        "runtime_config.language",
        "runtime_config.runtime_tier",
        "config_data.test_cases[0].description",
        "config_data.test_cases[0].compare",
        "config_data.setup_script",
        "config_data.environment_config.disk_image_url",
        "config_data.hints",  # the list itself replaced by something that is not a list
    ],
)
def test_rule_11_anything_else_is_other(path):
    assert edit_type(path) == EditType.OTHER


def test_rule_11_a_test_replaced_by_something_that_is_not_a_test_is_other():
    assert edit_type("config_data.test_cases[0]", {"description": "x"}, "x") == EditType.OTHER


# --- Does it parse? -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", WORKING),
        ("python", "print(find_largest([1, 5, 2]))"),
        ("javascript", "function f(a) { return `${a}]`; } // )\n"),
        ("java", "class A { char c = '}'; String s = \"(\"; /* ] */ }"),
        ("csharp", "public static int F(int[] a) => a.Max(); // {"),
        ("go", "func f() string { return `\\` }"),
        ("sql", "SELECT name FROM customers WHERE path = 'C:\\' -- (\nORDER BY name;"),
        ("sql", "SELECT 'O''Brien' FROM t /* ( */;"),
        ("bash", "case \"$1\" in start) echo \"it's\";; esac # don't"),
        ("bash", "echo ${#names[@]}"),
    ],
)
def test_code_that_parses(language, code):
    assert code_parses(code, language)


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", BROKEN),
        ("python", "x = 'unterminated\n"),
        ("python", "a\x00b"),
        ("javascript", "function f() { return [1, 2; }"),
        ("javascript", "const s = \"unterminated;"),
        ("java", "class A { void f() { }"),
        ("csharp", "int F() { return (1 + 2; }"),
        ("go", "func f() { fmt.Println(\"hi\") "),
        ("sql", "SELECT name FROM customers WHERE city = 'Berlin;"),
        ("sql", "SELECT (1 + 2 FROM t"),
        ("sql", "SELECT 1 /* never closed"),
        ("bash", "echo 'unterminated"),
        ("bash", "echo \"unterminated\\\""),
    ],
)
def test_code_that_does_not_parse(language, code):
    assert not code_parses(code, language)
