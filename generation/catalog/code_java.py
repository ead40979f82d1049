"""Catalog blueprints: CODE capsules in Java (OpenJDK 17).

Judge convention (judges/runtimes/java.py): the learner's code is top-level types without a package,
usually `class Solution` with static methods; a test's `test_call` is statements in a generated static
method (java.util.* and friends imported) that call `Solution.method(...)` and print with
System.out.println.
"""

from __future__ import annotations

from typing import Any


def _test(description: str, call: str, expected: str, *, hidden: bool = False) -> dict[str, Any]:
    return {"description": description, "test_call": call, "expected_output": expected, "is_hidden": hidden}


PALINDROME: dict[str, Any] = {
    "title": "Is it a palindrome?",
    "capsule_type": "CODE",
    "runtime_config": {"language": "java"},
    "difficulty": "easy",
    "problem_statement_md": """\
A **palindrome** reads the same forwards and backwards. Complete `Solution.isPalindrome(String text)`:
it returns `true` when `text` is a palindrome and `false` otherwise.

* Upper and lower case are the same letter (`"Anna"` is a palindrome).
* Only letters and digits matter: spaces and punctuation are ignored.
* The empty string is a palindrome.

### Examples

| call | result |
|------|--------|
| `isPalindrome("racecar")` | `true` |
| `isPalindrome("Hello")` | `false` |
| `isPalindrome("A man, a plan, a canal: Panama")` | `true` |
""",
    "config_data": {
        "boilerplate_code": (
            "class Solution {\n"
            "    static boolean isPalindrome(String text) {\n"
            "        // Return true when text reads the same backwards (ignoring case and non-letters).\n"
            "        return false;\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "class Solution {\n"
            "    static boolean isPalindrome(String text) {\n"
            "        int left = 0;\n"
            "        int right = text.length() - 1;\n"
            "        while (left < right) {\n"
            "            char a = text.charAt(left);\n"
            "            char b = text.charAt(right);\n"
            "            if (!Character.isLetterOrDigit(a)) {\n"
            "                left++;\n"
            "            } else if (!Character.isLetterOrDigit(b)) {\n"
            "                right--;\n"
            "            } else if (Character.toLowerCase(a) != Character.toLowerCase(b)) {\n"
            "                return false;\n"
            "            } else {\n"
            "                left++;\n"
            "                right--;\n"
            "            }\n"
            "        }\n"
            "        return true;\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "Compare the first character with the last, the second with the second-to-last, and so on.",
            "`Character.isLetterOrDigit(c)` tells you which characters to skip.",
            "`Character.toLowerCase(c)` makes the comparison ignore case.",
        ],
        "test_cases": [
            _test("a simple palindrome", 'System.out.println(Solution.isPalindrome("racecar"));', "true\n"),
            _test("not a palindrome", 'System.out.println(Solution.isPalindrome("Hello"));', "false\n"),
            _test(
                "punctuation and case are ignored",
                'System.out.println(Solution.isPalindrome("A man, a plan, a canal: Panama"));',
                "true\n",
            ),
            _test("the empty string", 'System.out.println(Solution.isPalindrome(""));', "true\n", hidden=True),
            _test("two different letters", 'System.out.println(Solution.isPalindrome("ab"));', "false\n", hidden=True),
            _test("digits count", 'System.out.println(Solution.isPalindrome("12 3 21"));', "true\n", hidden=True),
        ],
    },
    "topics": ["string", "text", "palindrome", "reverse", "characters", "two pointers", "char"],
    "idea": {
        "learning_objectives": [
            "Walk through a String with charAt and indexes",
            "Use Character helper methods to classify and normalize characters",
        ],
        "concepts": ["strings", "char", "while loops", "Character.isLetterOrDigit", "Character.toLowerCase"],
        "description": (
            "Learners complete Solution.isPalindrome(text), comparing characters from both ends towards the "
            "middle. Case and punctuation are ignored, so they meet Java's Character helpers and learn to "
            "skip characters while moving two indexes."
        ),
        "difficulty_rationale": "Easy: one loop over a string with simple character checks.",
    },
}

FIRST_UNIQUE: dict[str, Any] = {
    "title": "First unique character",
    "capsule_type": "CODE",
    "runtime_config": {"language": "java"},
    "difficulty": "medium",
    "problem_statement_md": """\
Complete `Solution.firstUnique(String text)`: it returns the **index of the first character that appears
exactly once** in `text`, or `-1` when every character repeats.

* Characters are compared exactly (`'a'` and `'A'` are different).
* Indexes start at 0.

### Examples

| call | result | why |
|------|--------|-----|
| `firstUnique("leetcode")` | `0` | `l` appears once |
| `firstUnique("loveleetcode")` | `2` | `l` and `o` repeat; `v` is the first unique one |
| `firstUnique("aabb")` | `-1` | nothing is unique |

### Constraints

* `text` has at most 100 000 characters: count the characters once instead of comparing every pair.
""",
    "config_data": {
        "boilerplate_code": (
            "class Solution {\n"
            "    static int firstUnique(String text) {\n"
            "        // Return the index of the first character that occurs exactly once, or -1.\n"
            "        return 0;\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "import java.util.HashMap;\n"
            "import java.util.Map;\n"
            "\n"
            "class Solution {\n"
            "    static int firstUnique(String text) {\n"
            "        Map<Character, Integer> counts = new HashMap<>();\n"
            "        for (char c : text.toCharArray()) {\n"
            "            counts.merge(c, 1, Integer::sum);\n"
            "        }\n"
            "        for (int i = 0; i < text.length(); i++) {\n"
            "            if (counts.get(text.charAt(i)) == 1) {\n"
            "                return i;\n"
            "            }\n"
            "        }\n"
            "        return -1;\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "Two passes are enough: one to count every character, one to find the first with count 1.",
            "A `HashMap<Character, Integer>` holds the counts; `counts.merge(c, 1, Integer::sum)` adds one.",
            "In the second pass, loop over the indexes so you can return the position.",
        ],
        "test_cases": [
            _test("the first character is unique", 'System.out.println(Solution.firstUnique("leetcode"));', "0\n"),
            _test("a later character", 'System.out.println(Solution.firstUnique("loveleetcode"));', "2\n"),
            _test("nothing is unique", 'System.out.println(Solution.firstUnique("aabb"));', "-1\n"),
            _test("the empty string", 'System.out.println(Solution.firstUnique(""));', "-1\n", hidden=True),
            _test("case matters", 'System.out.println(Solution.firstUnique("aAa"));', "1\n", hidden=True),
            _test(
                "a long text",
                'String text = "ab".repeat(50000) + "c";\nSystem.out.println(Solution.firstUnique(text));',
                "100000\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["hashmap", "map", "dictionary", "count", "frequency", "string", "characters", "unique", "counting"],
    "idea": {
        "learning_objectives": [
            "Count occurrences with a HashMap",
            "Solve a problem in two linear passes instead of nested loops",
            "Use Map.merge to update counts",
        ],
        "concepts": ["HashMap", "boxing (Character, Integer)", "two-pass algorithms", "time complexity"],
        "description": (
            "Learners complete Solution.firstUnique(text), returning the index of the first character that "
            "occurs exactly once. A first pass counts characters in a HashMap, a second pass finds the first "
            "count of one; a 100 000-character test rewards the linear approach over comparing every pair."
        ),
        "difficulty_rationale": "Medium: combines a map-based counter with a second pass and an efficiency requirement.",
    },
}

MERGE_INTERVALS: dict[str, Any] = {
    "title": "Merge overlapping intervals",
    "capsule_type": "CODE",
    "runtime_config": {"language": "java"},
    "difficulty": "hard",
    "problem_statement_md": """\
A calendar stores busy periods as intervals `[start, end]`. Complete
`Solution.merge(int[][] intervals)`: it returns the intervals with every group of **overlapping**
intervals merged into one, **sorted by start**.

* Two intervals overlap when one starts before (or exactly when) the other ends: `[1, 4]` and `[4, 5]`
  merge into `[1, 5]`.
* The input is not sorted and may be empty; do not change it.
* Each interval has `start <= end`.

### Examples

| input | output |
|-------|--------|
| `[[1, 3], [2, 6], [8, 10], [15, 18]]` | `[[1, 6], [8, 10], [15, 18]]` |
| `[[1, 4], [4, 5]]` | `[[1, 5]]` |
| `[[5, 7], [1, 2]]` | `[[1, 2], [5, 7]]` |

The tests print the result with `Arrays.deepToString`.

### Constraints

* At most 100 000 intervals; values fit in an `int`.
""",
    "config_data": {
        "boilerplate_code": (
            "class Solution {\n"
            "    static int[][] merge(int[][] intervals) {\n"
            "        // Return the merged intervals, sorted by start.\n"
            "        return intervals;\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "import java.util.ArrayList;\n"
            "import java.util.Arrays;\n"
            "import java.util.Comparator;\n"
            "import java.util.List;\n"
            "\n"
            "class Solution {\n"
            "    static int[][] merge(int[][] intervals) {\n"
            "        int[][] sorted = intervals.clone();\n"
            "        Arrays.sort(sorted, Comparator.comparingInt(interval -> interval[0]));\n"
            "        List<int[]> merged = new ArrayList<>();\n"
            "        for (int[] interval : sorted) {\n"
            "            int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);\n"
            "            if (last != null && interval[0] <= last[1]) {\n"
            "                last[1] = Math.max(last[1], interval[1]);\n"
            "            } else {\n"
            "                merged.add(new int[] {interval[0], interval[1]});\n"
            "            }\n"
            "        }\n"
            "        return merged.toArray(new int[0][]);\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "Sort a copy of the intervals by their start: `Arrays.sort(copy, Comparator.comparingInt(i -> i[0]))`.",
            "After sorting, an interval can only overlap the last interval you kept.",
            "If it overlaps, extend the last interval's end with `Math.max`; otherwise start a new one. Copy intervals before changing them.",
        ],
        "test_cases": [
            _test(
                "the example",
                "System.out.println(Arrays.deepToString(Solution.merge(new int[][] {{1, 3}, {2, 6}, {8, 10}, {15, 18}})));",
                "[[1, 6], [8, 10], [15, 18]]\n",
            ),
            _test(
                "touching intervals merge",
                "System.out.println(Arrays.deepToString(Solution.merge(new int[][] {{1, 4}, {4, 5}})));",
                "[[1, 5]]\n",
            ),
            _test(
                "unsorted input",
                "System.out.println(Arrays.deepToString(Solution.merge(new int[][] {{5, 7}, {1, 2}})));",
                "[[1, 2], [5, 7]]\n",
                hidden=True,
            ),
            _test(
                "an empty calendar",
                "System.out.println(Arrays.deepToString(Solution.merge(new int[0][])));",
                "[]\n",
                hidden=True,
            ),
            _test(
                "one interval contains the others",
                "System.out.println(Arrays.deepToString(Solution.merge(new int[][] {{2, 3}, {1, 10}, {4, 5}, {11, 12}})));",
                "[[1, 10], [11, 12]]\n",
                hidden=True,
            ),
            _test(
                "the input is left unchanged",
                "int[][] input = {{3, 4}, {1, 3}};\nSolution.merge(input);\nSystem.out.println(Arrays.deepToString(input));",
                "[[3, 4], [1, 3]]\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["sorting", "sort", "intervals", "arrays", "merge", "calendar", "comparator", "greedy", "algorithm"],
    "idea": {
        "learning_objectives": [
            "Sort arrays of arrays with a Comparator",
            "Apply a greedy sweep over sorted data",
            "Avoid mutating input data by copying",
        ],
        "concepts": ["sorting", "Comparator", "2D arrays", "ArrayList", "greedy algorithms"],
        "description": (
            "Learners complete Solution.merge(intervals) for a calendar's busy periods. Sorting a copy by start "
            "time reduces the problem to a single sweep where each interval either extends the last merged "
            "interval or starts a new one; edge cases cover touching, nested, unsorted and empty input."
        ),
        "difficulty_rationale": (
            "Hard: needs the sort-then-sweep insight, custom comparators, 2D arrays and careful handling of "
            "containment and aliasing."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [PALINDROME, FIRST_UNIQUE, MERGE_INTERVALS]
