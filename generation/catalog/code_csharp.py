"""Catalog blueprints: CODE capsules in C# (Mono's mcs, C# 7).

Judge convention (judges/runtimes/csharp.py): the learner's code is top-level types, usually
`public class Solution` with public static methods; a test's `test_call` is statements in a generated
static method (System, System.Collections.Generic, System.Linq and System.Text imported) that call
`Solution.Method(...)` and print with Console.WriteLine.
"""

from __future__ import annotations

from typing import Any


def _test(description: str, call: str, expected: str, *, hidden: bool = False) -> dict[str, Any]:
    return {"description": description, "test_call": call, "expected_output": expected, "is_hidden": hidden}


FIZZ_BUZZ: dict[str, Any] = {
    "title": "FizzBuzz",
    "capsule_type": "CODE",
    "runtime_config": {"language": "csharp"},
    "difficulty": "easy",
    "problem_statement_md": """\
The classic counting game: complete `Solution.FizzBuzz(int n)` so that it returns what a player says for
the number `n`.

* `"FizzBuzz"` when `n` is divisible by both 3 and 5,
* `"Fizz"` when `n` is divisible by 3 only,
* `"Buzz"` when `n` is divisible by 5 only,
* otherwise the number itself as text (`"7"`).

### Examples

| call | result |
|------|--------|
| `FizzBuzz(3)` | `"Fizz"` |
| `FizzBuzz(10)` | `"Buzz"` |
| `FizzBuzz(30)` | `"FizzBuzz"` |
| `FizzBuzz(7)` | `"7"` |

### Constraints

* `1 <= n <= 1 000 000`
""",
    "config_data": {
        "boilerplate_code": (
            "public class Solution\n"
            "{\n"
            "    public static string FizzBuzz(int n)\n"
            "    {\n"
            "        // Return \"Fizz\", \"Buzz\", \"FizzBuzz\" or the number as text.\n"
            "        return n.ToString();\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "public class Solution\n"
            "{\n"
            "    public static string FizzBuzz(int n)\n"
            "    {\n"
            "        if (n % 15 == 0) return \"FizzBuzz\";\n"
            "        if (n % 3 == 0) return \"Fizz\";\n"
            "        if (n % 5 == 0) return \"Buzz\";\n"
            "        return n.ToString();\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "`n % 3 == 0` is true when n is divisible by 3.",
            "Check \"divisible by both\" first: otherwise 15 would already have returned \"Fizz\".",
        ],
        "test_cases": [
            _test("divisible by 3", "Console.WriteLine(Solution.FizzBuzz(3));", "Fizz\n"),
            _test("divisible by 5", "Console.WriteLine(Solution.FizzBuzz(10));", "Buzz\n"),
            _test("divisible by both", "Console.WriteLine(Solution.FizzBuzz(30));", "FizzBuzz\n"),
            _test("neither", "Console.WriteLine(Solution.FizzBuzz(7));", "7\n"),
            _test("a larger multiple of three", "Console.WriteLine(Solution.FizzBuzz(99));", "Fizz\n", hidden=True),
            _test(
                "the first fifteen numbers",
                "var said = new List<string>();\nfor (int i = 1; i <= 15; i++) said.Add(Solution.FizzBuzz(i));\n"
                "Console.WriteLine(string.Join(\" \", said));",
                "1 2 Fizz 4 Buzz Fizz 7 8 Fizz Buzz 11 Fizz 13 14 FizzBuzz\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["fizzbuzz", "conditionals", "if else", "modulo", "divisible", "loop", "numbers", "game"],
    "idea": {
        "learning_objectives": [
            "Branch with if statements",
            "Test divisibility with the % operator",
            "Order conditions from most to least specific",
        ],
        "concepts": ["conditionals", "modulo operator", "strings", "ToString"],
        "description": (
            "Learners implement the classic FizzBuzz rule for one number in Solution.FizzBuzz(n). The "
            "exercise is about conditionals: testing divisibility with % and realising that the combined "
            "case must be checked before the single ones."
        ),
        "difficulty_rationale": "Easy: a handful of if statements with one ordering pitfall.",
    },
}

TWO_SUM: dict[str, Any] = {
    "title": "Two numbers that add up to a target",
    "capsule_type": "CODE",
    "runtime_config": {"language": "csharp"},
    "difficulty": "medium",
    "problem_statement_md": """\
Complete `Solution.TwoSum(int[] numbers, int target)`: it returns the **indexes of the two numbers** that
add up to `target`, as an array `{i, j}` with `i < j`, or an **empty array** when no pair exists.

* A number cannot be used twice with itself (its index appears once), but two equal numbers at different
  indexes may form the pair.
* Every test has at most one valid pair.

### Examples

| numbers | target | result |
|---------|--------|--------|
| `{2, 7, 11, 15}` | `9` | `{0, 1}` |
| `{3, 2, 4}` | `6` | `{1, 2}` |
| `{1, 2, 3}` | `7` | `{}` |

### Constraints

* Up to 100 000 numbers: checking every pair is too slow. Aim for one pass with a dictionary.
""",
    "config_data": {
        "boilerplate_code": (
            "public class Solution\n"
            "{\n"
            "    public static int[] TwoSum(int[] numbers, int target)\n"
            "    {\n"
            "        // Return {i, j} with numbers[i] + numbers[j] == target and i < j, or an empty array.\n"
            "        return new int[0];\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "using System.Collections.Generic;\n"
            "\n"
            "public class Solution\n"
            "{\n"
            "    public static int[] TwoSum(int[] numbers, int target)\n"
            "    {\n"
            "        var seen = new Dictionary<int, int>(); // value -> index\n"
            "        for (int j = 0; j < numbers.Length; j++)\n"
            "        {\n"
            "            int i;\n"
            "            if (seen.TryGetValue(target - numbers[j], out i))\n"
            "            {\n"
            "                return new[] { i, j };\n"
            "            }\n"
            "            if (!seen.ContainsKey(numbers[j]))\n"
            "            {\n"
            "                seen[numbers[j]] = j;\n"
            "            }\n"
            "        }\n"
            "        return new int[0];\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "For each number, the partner you need is `target - number`.",
            "Remember the numbers you have already passed in a `Dictionary<int, int>` (value → index).",
            "`seen.TryGetValue(target - numbers[j], out i)` finds the partner in constant time; add the current number only after checking.",
        ],
        "test_cases": [
            _test(
                "the first two numbers",
                "Console.WriteLine(string.Join(\",\", Solution.TwoSum(new[] { 2, 7, 11, 15 }, 9)));",
                "0,1\n",
            ),
            _test(
                "a pair further on",
                "Console.WriteLine(string.Join(\",\", Solution.TwoSum(new[] { 3, 2, 4 }, 6)));",
                "1,2\n",
            ),
            _test(
                "equal numbers",
                "Console.WriteLine(string.Join(\",\", Solution.TwoSum(new[] { 3, 3 }, 6)));",
                "0,1\n",
                hidden=True,
            ),
            _test(
                "no pair",
                "var pair = Solution.TwoSum(new[] { 1, 2, 3 }, 7);\nConsole.WriteLine(pair.Length == 0 ? \"none\" : string.Join(\",\", pair));",
                "none\n",
                hidden=True,
            ),
            _test(
                "negative numbers",
                "Console.WriteLine(string.Join(\",\", Solution.TwoSum(new[] { -4, 10, 8, -1 }, 4)));",
                "0,2\n",
                hidden=True,
            ),
            _test(
                "a long array",
                "var numbers = Enumerable.Range(0, 100000).ToArray();\n"
                "Console.WriteLine(string.Join(\",\", Solution.TwoSum(numbers, 199997)));",
                "99998,99999\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["dictionary", "hash map", "map", "two sum", "array", "search", "pair", "target", "lookup"],
    "idea": {
        "learning_objectives": [
            "Trade memory for speed with a Dictionary",
            "Look up complements in constant time",
            "Reason about index order and duplicates",
        ],
        "concepts": ["Dictionary<TKey, TValue>", "TryGetValue", "arrays", "time complexity"],
        "description": (
            "Learners solve the two-sum problem in Solution.TwoSum(numbers, target). Instead of checking every "
            "pair, they walk the array once, look up each number's complement in a Dictionary of values seen "
            "so far, and return the two indexes; a 100 000-element test makes the linear approach necessary."
        ),
        "difficulty_rationale": "Medium: the hash-map insight plus care with duplicates and index order.",
    },
}

TASK_ORDER: dict[str, Any] = {
    "title": "Order tasks by their dependencies",
    "capsule_type": "CODE",
    "runtime_config": {"language": "csharp"},
    "difficulty": "hard",
    "problem_statement_md": """\
A build tool must run tasks so that every task runs **after all the tasks it depends on**. Complete
`Solution.Order(string[] tasks, string[][] dependencies)`:

* `tasks` names every task once.
* Each dependency is a pair `{before, after}`: `before` must run earlier than `after`.
* Return the tasks in a valid order as a `List<string>`. When several tasks are ready to run at the same
  time, take them in **alphabetical order** (ordinal comparison), so the answer is unique.
* When the dependencies contain a cycle, no order exists: return an **empty** list.

### Example

```text
tasks:        compile, test, lint, package
dependencies: {compile, test}, {lint, test}, {test, package}
order:        compile lint test package
```

`compile` and `lint` are both ready first; alphabetical order puts `compile` before `lint`.

### Constraints

* At most 10 000 tasks and 50 000 dependencies.
""",
    "config_data": {
        "boilerplate_code": (
            "using System.Collections.Generic;\n"
            "\n"
            "public class Solution\n"
            "{\n"
            "    public static List<string> Order(string[] tasks, string[][] dependencies)\n"
            "    {\n"
            "        // Return the tasks so that every dependency runs first; empty when there is a cycle.\n"
            "        return new List<string>(tasks);\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "using System;\n"
            "using System.Collections.Generic;\n"
            "\n"
            "public class Solution\n"
            "{\n"
            "    public static List<string> Order(string[] tasks, string[][] dependencies)\n"
            "    {\n"
            "        var waitingOn = new Dictionary<string, int>();\n"
            "        var unlocks = new Dictionary<string, List<string>>();\n"
            "        foreach (var task in tasks)\n"
            "        {\n"
            "            waitingOn[task] = 0;\n"
            "            unlocks[task] = new List<string>();\n"
            "        }\n"
            "        foreach (var pair in dependencies)\n"
            "        {\n"
            "            unlocks[pair[0]].Add(pair[1]);\n"
            "            waitingOn[pair[1]]++;\n"
            "        }\n"
            "        var ready = new SortedSet<string>(StringComparer.Ordinal);\n"
            "        foreach (var task in tasks)\n"
            "        {\n"
            "            if (waitingOn[task] == 0) ready.Add(task);\n"
            "        }\n"
            "        var order = new List<string>();\n"
            "        while (ready.Count > 0)\n"
            "        {\n"
            "            var next = ready.Min;\n"
            "            ready.Remove(next);\n"
            "            order.Add(next);\n"
            "            foreach (var follower in unlocks[next])\n"
            "            {\n"
            "                waitingOn[follower]--;\n"
            "                if (waitingOn[follower] == 0) ready.Add(follower);\n"
            "            }\n"
            "        }\n"
            "        return order.Count == tasks.Length ? order : new List<string>();\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "Count, for every task, how many tasks it still waits on; the tasks waiting on nothing are ready.",
            "Repeatedly take the alphabetically smallest ready task (a `SortedSet<string>` with `StringComparer.Ordinal` keeps them sorted) and release the tasks that depended on it.",
            "If you run out of ready tasks before every task is placed, the remaining ones form a cycle.",
        ],
        "test_cases": [
            _test(
                "the example",
                "var tasks = new[] { \"compile\", \"test\", \"lint\", \"package\" };\n"
                "var deps = new[] { new[] { \"compile\", \"test\" }, new[] { \"lint\", \"test\" }, new[] { \"test\", \"package\" } };\n"
                "Console.WriteLine(string.Join(\" \", Solution.Order(tasks, deps)));",
                "compile lint test package\n",
            ),
            _test(
                "a chain given backwards",
                "var tasks = new[] { \"c\", \"b\", \"a\" };\n"
                "var deps = new[] { new[] { \"c\", \"b\" }, new[] { \"b\", \"a\" } };\n"
                "Console.WriteLine(string.Join(\" \", Solution.Order(tasks, deps)));",
                "c b a\n",
            ),
            _test(
                "no dependencies: alphabetical",
                "var tasks = new[] { \"zip\", \"docs\", \"build\" };\n"
                "Console.WriteLine(string.Join(\" \", Solution.Order(tasks, new string[0][])));",
                "build docs zip\n",
                hidden=True,
            ),
            _test(
                "a cycle",
                "var tasks = new[] { \"a\", \"b\", \"c\" };\n"
                "var deps = new[] { new[] { \"a\", \"b\" }, new[] { \"b\", \"c\" }, new[] { \"c\", \"b\" } };\n"
                "var order = Solution.Order(tasks, deps);\n"
                "Console.WriteLine(order.Count == 0 ? \"cycle\" : string.Join(\" \", order));",
                "cycle\n",
                hidden=True,
            ),
            _test(
                "a task released late still waits its turn",
                "var tasks = new[] { \"deploy\", \"build\", \"assets\", \"migrate\" };\n"
                "var deps = new[] { new[] { \"build\", \"deploy\" }, new[] { \"assets\", \"deploy\" }, new[] { \"build\", \"migrate\" } };\n"
                "Console.WriteLine(string.Join(\" \", Solution.Order(tasks, deps)));",
                "assets build deploy migrate\n",
                hidden=True,
            ),
            _test(
                "a long chain",
                "int n = 10000;\n"
                "var tasks = Enumerable.Range(0, n).Select(i => \"t\" + i.ToString(\"D5\")).Reverse().ToArray();\n"
                "var deps = Enumerable.Range(0, n - 1).Select(i => new[] { \"t\" + (i + 1).ToString(\"D5\"), \"t\" + i.ToString(\"D5\") }).ToArray();\n"
                "var order = Solution.Order(tasks, deps);\n"
                "Console.WriteLine(order.Count + \" \" + order[0] + \" \" + order[n - 1]);",
                "10000 t09999 t00000\n",
                hidden=True,
            ),
        ],
    },
    "topics": [
        "graph", "topological sort", "dependencies", "ordering", "scheduling", "build", "cycle detection",
        "sorted set", "algorithm", "dag",
    ],
    "idea": {
        "learning_objectives": [
            "Model dependencies as a directed graph",
            "Implement Kahn's topological sort with in-degree counts",
            "Detect cycles and break ties deterministically",
        ],
        "concepts": ["directed graphs", "topological sorting", "Dictionary", "SortedSet", "cycle detection"],
        "description": (
            "Learners write the scheduler of a build tool: Solution.Order(tasks, dependencies) returns an "
            "order in which every task follows its prerequisites. They count unmet dependencies per task, "
            "repeatedly run the alphabetically first ready task, release its followers, and report a cycle "
            "when tasks remain that never become ready."
        ),
        "difficulty_rationale": (
            "Hard: a graph algorithm (topological sort) with cycle detection and a deterministic tie-break, "
            "plus a 10 000-task test that needs an efficient implementation."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [FIZZ_BUZZ, TWO_SUM, TASK_ORDER]
