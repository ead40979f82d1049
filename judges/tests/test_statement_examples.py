"""The statement-example extractor (judges/validators/examples.py): what counts as an example call, its result,
and how examples are matched against visible tests. No sandbox: pure text."""

from __future__ import annotations

import pytest

from capsules.schemas import TestCase
from judges.validators.examples import example_problems, exercise_functions, normalized_call, statement_examples

NAMES = {"count_vowels"}


def examples(statement: str, names: set[str] = NAMES) -> list[tuple[str, str | None]]:
    return [(example.call, example.result) for example in statement_examples(statement, names)]


def case(call: str, expected: str, *, hidden: bool = False, description: str = "a test") -> TestCase:
    return TestCase(description=description, test_call=call, expected_output=expected, is_hidden=hidden)


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        # inline code spans, with and without a result after them in prose
        ('`count_vowels("AEIOU xyz")` → `5`', [('count_vowels("AEIOU xyz")', "5")]),
        ('`count_vowels("hi")` returns `1`.', [('count_vowels("hi")', "1")]),
        ('`count_vowels("hi")` returns 1.', [('count_vowels("hi")', "1")]),
        ('`count_vowels("hi")` is `1`', [('count_vowels("hi")', "1")]),
        ('Calling `count_vowels("hi")` returns the number of vowels.', [('count_vowels("hi")', None)]),
        ('`count_vowels("hi")` is called once per line.', [('count_vowels("hi")', None)]),
        ('`count_vowels("hi") == 1`', [('count_vowels("hi")', "1")]),
        ('`count_vowels("hi") -> 1`', [('count_vowels("hi")', "1")]),
        ("`count_vowels('hi')` gives `1`", [("count_vowels('hi')", "1")]),
        # fenced blocks: arrows, comments, REPL sessions, calls inside print
        (
            '```python\ncount_vowels("hello")  # → 2\nprint(count_vowels("Sky"))  # -> 0\n```',
            [('count_vowels("hello")', "2"), ('count_vowels("Sky")', "0")],
        ),
        ('```\ncount_vowels("a") => 1   # one vowel\n```', [('count_vowels("a")', "1")]),
        (
            '```\ncount_vowels("ab")   # 1\ncount_vowels("b")  # ValueError: no vowel\n```',
            [('count_vowels("ab")', "1"), ('count_vowels("b")', None)],
        ),
        ('```\n>>> count_vowels("hello")\n2\n>>> count_vowels("")\n0\n```', [('count_vowels("hello")', "2"), ('count_vowels("")', "0")]),
        ('    count_vowels("xyz")\n', [('count_vowels("xyz")', None)]),
        # tables: the next cell is the result
        (
            '| call | result |\n|---|---|\n| `count_vowels("hello")` | `2` |\n| `count_vowels("Sky")` | 0 (none) |',
            [('count_vowels("hello")', "2"), ('count_vowels("Sky")', "0")],
        ),
        # signatures and prose are not examples
        ("Write `count_vowels(text)` that counts vowels.", []),
        ("Write `count_vowels(text: str) -> int`.", []),
        ("Implement `count_vowels()`.", []),
        ('count_vowels("hello") in plain prose is not code', []),
        ('```python\ndef count_vowels(text):\n    ...\n```', []),
        ('`other("hello")` is another function', []),
        ('`my_count_vowels("x")` only ends like it', []),
        # repeated examples are listed once
        ('`count_vowels("a")` → `1` and again `count_vowels("a")` → `1`', [('count_vowels("a")', "1")]),
    ],
)
def test_examples_are_read_from_code_only(statement, found):
    assert examples(statement) == found


def test_qualified_calls_and_literal_arrays_are_examples():
    assert examples('`Solution.reverseWords("a b")` returns `"b a"`', {"reverseWords"}) == [('Solution.reverseWords("a b")', '"b a"')]
    assert examples("`Sum([]int{1, 2, 3})` is `6`", {"Sum"}) == [("Sum([]int{1, 2, 3})", "6")]
    assert examples("`chunk([1, 2, 3], size)`", {"chunk"}) == []  # `size` is a variable: not an example


def test_no_function_names_means_no_examples():
    assert statement_examples('`count_vowels("x")`', set()) == []


def test_calls_compare_without_spacing_qualifier_or_quote_style():
    assert normalized_call("Solution.chunk([1, 2],  3)") == normalized_call("chunk([1,2],3)")
    assert normalized_call("f('a b')") == normalized_call('f("a b")')
    assert normalized_call('f("a b")') != normalized_call('f("ab")')  # spaces inside strings count


def test_the_exercise_function_is_called_by_visible_tests_and_defined_by_the_reference():
    tests = [case('print(count_vowels("a"))', "1\n"), case('console.log(JSON.stringify(chunk([1], 1)));', "[[1]]\n")]
    assert exercise_functions(tests, "def count_vowels(text):\n    return 0\n") == {"count_vowels"}
    assert exercise_functions(tests, "function chunk(a, n) { console.log('x'); }") == {"chunk"}


REFERENCE = "def count_vowels(text):\n    return sum(c in 'aeiou' for c in text.lower())\n"


def test_every_example_made_by_a_visible_test_with_its_result_passes():
    statement = '| call | result |\n|--|--|\n| `count_vowels("hello")` | `2` |\n| `count_vowels("Sky")` | `0` |'
    tests = [
        case('print(count_vowels("hello"))', "2\n"),
        case('print(count_vowels( "Sky" ))', "0\n"),
        case('print(count_vowels("AEIOU"))', "5\n", hidden=True),
    ]
    assert example_problems(statement, tests, REFERENCE) == (2, [])


def test_an_example_only_a_hidden_test_makes_is_untested():
    tests = [case('print(count_vowels("hello"))', "2\n"), case('print(count_vowels("AEIOU xyz"))', "5\n", hidden=True)]
    shown, problems = example_problems('`count_vowels("AEIOU xyz")` → `5`', tests, REFERENCE)
    assert shown == 1
    assert [problem.category for problem in problems] == ["statement_example_untested"]
    assert 'count_vowels("AEIOU xyz")' in problems[0].message and "only a hidden test" in problems[0].message


def test_an_example_no_test_makes_is_untested():
    tests = [case('print(count_vowels("hello"))', "2\n")]
    _, problems = example_problems('```\ncount_vowels("xyz")  # → 0\n```', tests, REFERENCE)
    assert [problem.category for problem in problems] == ["statement_example_untested"]
    assert "only a hidden test" not in problems[0].message


def test_an_example_whose_result_differs_from_the_visible_test_is_a_mismatch_naming_both():
    tests = [case('print(count_vowels("hello"))', "2\n", description="a short word")]
    _, problems = example_problems('`count_vowels("hello")` returns `3`', tests, REFERENCE)
    assert [(problem.category, problem.test_index) for problem in problems] == [("statement_example_mismatch", 0)]
    assert "visible test 1 (a short word) expects '2'" in problems[0].message


@pytest.mark.parametrize(
    ("call", "expected", "shown"),
    [
        ('print(count_vowels("a"))', "hello\n", '"hello"'),  # quotes around a string result
        ('console.log(JSON.stringify(count_vowels("a")));', "[[1,2],[3]]\n", "[[1, 2], [3]]"),  # spacing
        ('print(count_vowels("a"))', "['a', 'b']\n", '["a", "b"]'),  # quote style
    ],
)
def test_results_compare_without_spacing_or_quotes(call, expected, shown):
    _, problems = example_problems(f'`count_vowels("a")` → `{shown}`', [case(call, expected)], REFERENCE)
    assert problems == []


def test_a_result_is_not_compared_when_the_test_prints_something_else_than_the_value():
    tests = [case('print("[" + count_vowels("a") + "]")', "[1]\n")]
    assert example_problems('`count_vowels("a")` → `1`', tests, REFERENCE) == (1, [])


def test_an_example_without_a_result_only_needs_its_visible_test():
    tests = [case('print(count_vowels("a"))', "1\n")]
    assert example_problems('For example `count_vowels("a")`.', tests, REFERENCE) == (1, [])

