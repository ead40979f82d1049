"""Hidden stays hidden, in all five CODE languages, as an anonymous learner through the embed's Run
and Submit and through the attempts API.

The learner's program (tests/hostile/spies.py) reads every file it can reach, every process's command line and
environment, its parent's and the sandbox's first process's /proc entries and its own memory, and prints every
place the exercise's function is called. Before the judge ran the hidden tests in a job of their own, this printed
them: Java, Go and C# read the generated main file in their work directory, and Python found the hidden calls in
the memory of the interpreter it was forked from. Now no answer may carry a hidden call, a hidden expected output,
a hidden test's description or the reference solution — while the same search visibly finds the visible test's
call (the proof that it looked where hidden ones would have been).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pytest

from capsules.models import Capsule
from tests.hostile import spies
from tests.hostile.conftest import leaks


@dataclass(frozen=True)
class Language:
    name: str
    reference: str
    boilerplate: str
    call: str  # how a test calls the function, with {} for the argument
    spy: str

    def test_cases(self) -> list[dict]:
        def case(argument: str, *, hidden: bool, description: str) -> dict:
            return {
                "description": description,
                "test_call": self.call.format(f'"{argument}"'),
                "expected_output": argument.upper() + "!\n",
                "is_hidden": hidden,
            }

        return [
            case("hello", hidden=False, description="says hello"),
            case("zebra-quartz-one", hidden=True, description="description-marker-mango one"),
            case("zebra-quartz-two", hidden=True, description="description-marker-mango two"),
        ]


LANGUAGES = [
    Language(
        "python",
        'def shout(text):\n    # reference-marker-kiwi\n    return text.upper() + "!"\n',
        "def shout(text):\n    pass\n",
        "print(shout({}))",
        spies.PYTHON,
    ),
    Language(
        "javascript",
        'function shout(text) {\n  // reference-marker-kiwi\n  return text.toUpperCase() + "!";\n}\n',
        "function shout(text) {\n}\n",
        "console.log(shout({}))",
        spies.JAVASCRIPT,
    ),
    Language(
        "java",
        (
            'public class Solution {\n    // reference-marker-kiwi\n'
            '    public static String shout(String text) { return text.toUpperCase() + "!"; }\n}\n'
        ),
        'public class Solution {\n    public static String shout(String text) { return ""; }\n}\n',
        "System.out.println(Solution.shout({}));",
        spies.JAVA,
    ),
    Language(
        "go",
        (
            'package main\n\nimport "strings"\n\n// reference-marker-kiwi\n'
            'func Shout(text string) string { return strings.ToUpper(text) + "!" }\n'
        ),
        'package main\n\nfunc Shout(text string) string { return "" }\n',
        "fmt.Println(Shout({}))",
        spies.GO,
    ),
    Language(
        "csharp",
        (
            'public class Solution {\n    // reference-marker-kiwi\n'
            '    public static string Shout(string text) { return text.ToUpper() + "!"; }\n}\n'
        ),
        'public class Solution {\n    public static string Shout(string text) { return ""; }\n}\n',
        "Console.WriteLine(Solution.Shout({}));",
        spies.CSHARP,
    ),
]


@pytest.fixture(params=LANGUAGES, ids=lambda language: language.name)
def exercise(request, owner, publish):
    language: Language = request.param
    capsule = Capsule.objects.create(
        title=f"Shout ({language.name})", capsule_type="CODE", problem_statement_md="Return the text in capitals with a `!`.",
        language=language.name, runtime_tier="sandbox", creator=owner,
        config_data={"boilerplate_code": language.boilerplate, "reference_solution": language.reference, "hints": [],
                     "test_cases": language.test_cases()},
    )  # fmt: skip
    capsule, course = publish(capsule)
    return language, capsule, course


def visible_call_found(text: str) -> bool:
    """The spy printed where the visible test calls the function (it prints the bytes around each call):
    `shout("hello")` or `Shout("hello")`, as shown in a page (escaped) or in JSON (quotes escaped)."""
    text = html.unescape(text).lower().replace('\\"', '"')
    return 'shout("hello")' in text


def test_run_shows_the_spys_findings_and_none_is_hidden(learner, exercise):
    language, _capsule, course = exercise
    answer = learner.embed(course, "run", language.spy)

    assert "SPY-DONE" in html.unescape(answer), "the spy ran and its output is shown"
    assert visible_call_found(answer), "the spy finds the visible test's call"
    assert leaks(answer) == []


def test_submit_runs_the_hidden_tests_and_says_only_pass_or_fail(learner, exercise):
    language, _capsule, course = exercise
    answer = learner.embed(course, "submit", language.spy)

    assert "All 3 tests pass." not in answer  # the spy's printing fails the visible test
    assert visible_call_found(answer)
    assert leaks(answer) == []
    # The hidden tests were judged, and said to have failed, with nothing more.
    assert answer.count("Hidden test") >= 2


def test_the_attempts_api_carries_nothing_hidden(learner, exercise):
    language, capsule, _course = exercise
    answer = learner.attempt(capsule, language.spy)

    hidden = [test for test in answer["tests"] if test["is_hidden"]]
    assert [set(test) for test in hidden] == [{"index", "is_hidden", "verdict", "passed", "verdict_label"}] * 2
    # Judged (not skipped): the spy's printing makes them wrong answers, and that is all the learner learns.
    assert [test["verdict"] for test in hidden] == ["WA", "WA"]
    assert visible_call_found(json.dumps(answer))
    assert leaks(str(answer)) == []
