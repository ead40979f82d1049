"""Java, Go and C# CODE jobs: the test-call conventions, one compile per language for the whole module."""

from __future__ import annotations

import pytest

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, run_code_batch, run_code_tests

JAVA = """
import java.util.*;

public class Solution {
    static int counter = 0;
    public static int add(int a, int b) { counter++; return a + b; }
    public static List<Integer> evens(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i += 2) out.add(i);
        return out;
    }
    public static void main(String[] args) { System.out.println("learner main"); }
}
"""
JAVA_TESTS = [
    TestSpec(test_call="System.out.println(Solution.add(2, 3));", expected_output="5\n"),
    TestSpec(test_call="System.out.println(Solution.add(2, 2));", expected_output="5\n"),
    TestSpec(test_call="Solution.add(1, 1); System.out.println(Solution.counter);", expected_output="1"),
    TestSpec(test_call="System.out.println(Solution.evens(5));", expected_output="[0, 2, 4]"),
    TestSpec(test_call="Object o = null; o.toString();"),
    TestSpec(
        test_call="List<Integer> xs = new ArrayList<>(List.of(3, 1, 2)); Collections.sort(xs); System.out.print(xs);",
        expected_output="[1, 2, 3]",
    ),
]

GO = """
import "strings"

var counter = 0

func Add(a, b int) int { counter++; return a + b }

func Shout(s string) string { return strings.ToUpper(s) + "!" }

func main() { println("learner main") }
"""
GO_TESTS = [
    TestSpec(test_call="fmt.Println(Add(2, 3))", expected_output="5\n"),
    TestSpec(test_call="fmt.Println(Add(2, 2))", expected_output="5\n"),
    TestSpec(test_call="Add(1, 1); fmt.Println(counter)", expected_output="1"),
    TestSpec(test_call="fmt.Println(Shout(strings.Repeat(\"a\", 2)))", expected_output="AA!"),
    TestSpec(test_call="var xs []int; fmt.Println(xs[3])"),
    TestSpec(test_call="xs := []int{3, 1, 2}; sort.Ints(xs); fmt.Print(xs)", expected_output="[1 2 3]"),
]

CSHARP = """
using System.Collections.Generic;

public class Solution {
    public static int Counter = 0;
    public static int Add(int a, int b) { Counter++; return a + b; }
    public static List<int> Evens(int n) { var l = new List<int>(); for (int i = 0; i < n; i += 2) l.Add(i); return l; }
    public static void Main() { System.Console.WriteLine("learner main"); }
}
"""
CSHARP_TESTS = [
    TestSpec(test_call="Console.WriteLine(Solution.Add(2, 3));", expected_output="5\n"),
    TestSpec(test_call="Console.WriteLine(Solution.Add(2, 2));", expected_output="5\n"),
    TestSpec(test_call="Solution.Add(1, 1); Console.WriteLine(Solution.Counter);", expected_output="1"),
    TestSpec(test_call='Console.WriteLine(string.Join(",", Solution.Evens(5)));', expected_output="0,2,4"),
    TestSpec(test_call="object o = null; o.ToString();"),
    TestSpec(test_call='var xs = new List<int>{3, 1, 2}; Console.Write(string.Join(" ", xs.OrderBy(x => x)));', expected_output="1 2 3"),
]

EXPECTED = [Verdict.AC, Verdict.WA, Verdict.AC, Verdict.AC, Verdict.RE, Verdict.AC]
CASES = {"java": (JAVA, JAVA_TESTS), "go": (GO, GO_TESTS), "csharp": (CSHARP, CSHARP_TESTS)}


@pytest.fixture(scope="module")
def results():
    return {
        language: run_code_tests(language, source, tests, limits_for(language).replace(wall_seconds=5.0, cpu_seconds=2.0))
        for language, (source, tests) in CASES.items()
    }


@pytest.mark.parametrize("language", CASES)
def test_it_compiles_once_and_judges_every_test(results, language):
    result = results[language]
    assert result.compile is not None and result.compile.ok, result.compile
    assert result.verdicts == EXPECTED, [(t.verdict, t.message, t.stderr[:300]) for t in result.tests]


def test_java_reports_the_exception(results):
    assert "java.lang.NullPointerException" in results["java"].tests[4].stderr


def test_go_reports_the_panic(results):
    test = results["go"].tests[4]
    assert "index out of range" in test.stderr and test.exit_code == 2


def test_csharp_reports_the_exception(results):
    assert "NullReferenceException" in results["csharp"].tests[4].stderr


@pytest.mark.parametrize(
    ("language", "source", "call", "needle"),
    [
        ("java", "public class Solution { static int f() { return 1 } }", "System.out.println(Solution.f());", "';' expected"),
        ("java", "public class Solution { static int f() { return 1; } }", "System.out.println(Solution.g());", "cannot find symbol"),
        ("go", "func F() int { return 1 ", "fmt.Println(F())", "syntax error"),
        ("csharp", "public class Solution { public static int F() { return 1 } }", "Console.WriteLine(Solution.F());", "error CS1525"),
    ],
)
def test_a_compile_error_is_ce_for_every_test_with_the_compiler_message(language, source, call, needle):
    result = run_code_tests(language, source, [TestSpec(test_call=call), TestSpec(test_call=call)], limits_for(language))
    assert result.verdicts == [Verdict.CE, Verdict.CE]
    assert needle in result.compile.stderr + result.compile.stdout, result.compile


def test_a_batch_compiles_each_program_in_its_own_directory():
    tests = [TestSpec(test_call="fmt.Println(Add(2, 3))", expected_output="5")]
    spy = (
        'import "os"\n\n'
        'func Add(a, b int) int { _, err := os.Stat("../program-0/solution.go"); if err == nil { return -1 }; return a + b }\n'
    )
    reference, broken, snooping = run_code_batch(
        "go",
        [("func Add(a, b int) int { return a + b }", tests), ("func Add(a, b int) int { return a + }", tests), (spy, tests)],
        limits_for("go"),
    )
    assert reference.passed
    assert broken.verdicts == [Verdict.CE]
    assert snooping.passed  # the first program's directory was removed before the third one ran


def test_files_a_test_writes_are_gone_for_the_next_test_but_the_build_stays():
    source = (
        'import "os"\n\nfunc Visit() int { entries, _ := os.ReadDir("."); os.WriteFile("mark", []byte("x"), 0o644); return len(entries) }\n'
    )
    result = run_code_tests(
        "go", source, [TestSpec(test_call="fmt.Println(Visit())", expected_output="3") for _ in range(3)], limits_for("go")
    )
    assert result.passed, [t.stdout for t in result.tests]  # solution.go, capsule_main.go, the binary
