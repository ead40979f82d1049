"""Catalog blueprints: CODE capsules in Go (1.19).

Judge convention (judges/runtimes/go.py): the learner's code is one file of package main with functions
(no main needed); a test's `test_call` is Go statements in a generated function of the same package that
call the learner's functions directly and print with fmt.Println. The boilerplates import nothing they do
not use, because Go refuses to compile unused imports.
"""

from __future__ import annotations

from typing import Any


def _test(description: str, call: str, expected: str, *, hidden: bool = False) -> dict[str, Any]:
    return {"description": description, "test_call": call, "expected_output": expected, "is_hidden": hidden}


SUM_DIGITS: dict[str, Any] = {
    "title": "Sum of the digits",
    "capsule_type": "CODE",
    "runtime_config": {"language": "go"},
    "difficulty": "easy",
    "problem_statement_md": """\
Write `SumDigits(n int) int` that returns the **sum of the decimal digits** of `n`.

* For a negative number, use its digits without the sign: `SumDigits(-45)` is `9`.
* `SumDigits(0)` is `0`.

### Examples

| call | result |
|------|--------|
| `SumDigits(123)` | `6` |
| `SumDigits(9999)` | `36` |
| `SumDigits(-45)` | `9` |

### Constraints

* `n` fits in an `int` and is greater than the smallest `int` (so `-n` does not overflow).
* Use arithmetic (`%` and `/`), not string conversion.
""",
    "config_data": {
        "boilerplate_code": (
            "package main\n"
            "\n"
            "// SumDigits returns the sum of the decimal digits of n.\n"
            "func SumDigits(n int) int {\n"
            "\treturn 0\n"
            "}\n"
        ),
        "reference_solution": (
            "package main\n"
            "\n"
            "// SumDigits returns the sum of the decimal digits of n.\n"
            "func SumDigits(n int) int {\n"
            "\tif n < 0 {\n"
            "\t\tn = -n\n"
            "\t}\n"
            "\tsum := 0\n"
            "\tfor n > 0 {\n"
            "\t\tsum += n % 10\n"
            "\t\tn /= 10\n"
            "\t}\n"
            "\treturn sum\n"
            "}\n"
        ),
        "hints": [
            "`n % 10` is the last digit of n; `n / 10` drops it.",
            "Repeat both steps in a `for n > 0` loop, adding each last digit to a sum.",
            "Turn a negative n positive first.",
        ],
        "test_cases": [
            _test("three digits", "fmt.Println(SumDigits(123))", "6\n"),
            _test("a single digit", "fmt.Println(SumDigits(7))", "7\n"),
            _test("zero", "fmt.Println(SumDigits(0))", "0\n"),
            _test("all nines", "fmt.Println(SumDigits(9999))", "36\n"),
            _test("a negative number", "fmt.Println(SumDigits(-45))", "9\n"),
            _test("another negative number", "fmt.Println(SumDigits(-908))", "17\n", hidden=True),
            _test("zeros inside the number", "fmt.Println(SumDigits(1000001))", "2\n", hidden=True),
        ],
    },
    "topics": ["math", "digits", "sum", "integer", "modulo", "division", "loop", "number"],
    "idea": {
        "learning_objectives": [
            "Extract digits with % and / on integers",
            "Write a condition-only for loop in Go",
        ],
        "concepts": ["integer arithmetic", "for loops", "modulo operator", "Go functions"],
        "description": (
            "Learners write SumDigits(n) in Go, peeling off the last digit with % 10 and dropping it with / 10 "
            "until nothing is left. Negative numbers and zero are the edge cases, and the exercise introduces "
            "Go's single loop keyword used as a while loop."
        ),
        "difficulty_rationale": "Easy: one loop with two arithmetic operations.",
    },
}

CAESAR: dict[str, Any] = {
    "title": "Caesar cipher",
    "capsule_type": "CODE",
    "runtime_config": {"language": "go"},
    "difficulty": "medium",
    "problem_statement_md": """\
Julius Caesar hid messages by shifting every letter a fixed number of places down the alphabet. Write
`Encrypt(text string, shift int) string` that does the same.

* Letters `a`–`z` and `A`–`Z` move `shift` places and **wrap around** (`z` shifted by 1 is `a`); their
  case is kept.
* Every other character (spaces, digits, punctuation, non-ASCII letters) stays as it is.
* `shift` may be negative (shift back) or larger than 26.

### Examples

| call | result |
|------|--------|
| `Encrypt("abc", 1)` | `"bcd"` |
| `Encrypt("Hello, World!", 3)` | `"Khoor, Zruog!"` |
| `Encrypt("bcd", -1)` | `"abc"` |

### Constraints

* `text` is valid UTF-8 of at most 100 000 bytes; `-1000 <= shift <= 1000`.
""",
    "config_data": {
        "boilerplate_code": (
            "package main\n"
            "\n"
            "// Encrypt shifts every ASCII letter of text by shift places, wrapping around the alphabet.\n"
            "func Encrypt(text string, shift int) string {\n"
            "\treturn text\n"
            "}\n"
        ),
        "reference_solution": (
            "package main\n"
            "\n"
            "import \"strings\"\n"
            "\n"
            "func rotate(r rune, base rune, shift int) rune {\n"
            "\toffset := (int(r-base) + shift) % 26\n"
            "\tif offset < 0 {\n"
            "\t\toffset += 26\n"
            "\t}\n"
            "\treturn base + rune(offset)\n"
            "}\n"
            "\n"
            "// Encrypt shifts every ASCII letter of text by shift places, wrapping around the alphabet.\n"
            "func Encrypt(text string, shift int) string {\n"
            "\tvar out strings.Builder\n"
            "\tfor _, r := range text {\n"
            "\t\tswitch {\n"
            "\t\tcase r >= 'a' && r <= 'z':\n"
            "\t\t\tout.WriteRune(rotate(r, 'a', shift))\n"
            "\t\tcase r >= 'A' && r <= 'Z':\n"
            "\t\t\tout.WriteRune(rotate(r, 'A', shift))\n"
            "\t\tdefault:\n"
            "\t\t\tout.WriteRune(r)\n"
            "\t\t}\n"
            "\t}\n"
            "\treturn out.String()\n"
            "}\n"
        ),
        "hints": [
            "`for _, r := range text` walks through the text rune by rune.",
            "For a lower-case letter, `r - 'a'` is its position 0–25; add the shift and take `% 26`.",
            "In Go, `%` of a negative number is negative: add 26 when the result is below zero. Build the result with a `strings.Builder`.",
        ],
        "test_cases": [
            _test("a simple shift", 'fmt.Println(Encrypt("abc", 1))', "bcd\n"),
            _test("case and punctuation", 'fmt.Println(Encrypt("Hello, World!", 3))', "Khoor, Zruog!\n"),
            _test("wrapping around", 'fmt.Println(Encrypt("xyz XYZ", 3))', "abc ABC\n", hidden=True),
            _test("a negative shift", 'fmt.Println(Encrypt("bcd", -1))', "abc\n"),
            _test("a shift larger than the alphabet", 'fmt.Println(Encrypt("Go 1.19", 27))', "Hp 1.19\n", hidden=True),
            _test("non-ASCII letters stay", 'fmt.Println(Encrypt("café", 1))', "dbgé\n", hidden=True),
            _test(
                "decrypting undoes encrypting",
                'secret := Encrypt("Attack at dawn", 13)\nfmt.Println(secret)\nfmt.Println(Encrypt(secret, -13))',
                "Nggnpx ng qnja\nAttack at dawn\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["string", "text", "cipher", "caesar", "encryption", "runes", "characters", "modulo", "strings builder"],
    "idea": {
        "learning_objectives": [
            "Iterate over a Go string as runes",
            "Use modular arithmetic to wrap around an alphabet",
            "Build strings efficiently with strings.Builder",
        ],
        "concepts": ["runes", "range over strings", "modular arithmetic", "strings.Builder", "switch"],
        "description": (
            "Learners implement the Caesar cipher in Go with Encrypt(text, shift). Ranging over the string "
            "gives runes, letters are rotated with arithmetic modulo 26 (including Go's negative remainders), "
            "case is preserved, and every other character, even non-ASCII, passes through unchanged."
        ),
        "difficulty_rationale": "Medium: combines rune handling, modular arithmetic with negative shifts and string building.",
    },
}

LONGEST_INCREASING: dict[str, Any] = {
    "title": "Longest increasing subsequence",
    "capsule_type": "CODE",
    "runtime_config": {"language": "go"},
    "difficulty": "hard",
    "problem_statement_md": """\
A **subsequence** keeps some elements of a sequence in their original order (not necessarily next to
each other). Write `LongestIncreasing(nums []int) int` that returns the **length of the longest strictly
increasing subsequence** of `nums`.

### Examples

| nums | result | one longest subsequence |
|------|--------|-------------------------|
| `[10, 9, 2, 5, 3, 7, 101, 18]` | `4` | `2, 3, 7, 18` |
| `[5, 5, 5]` | `1` | `5` (equal values do not increase) |
| `[]` | `0` | |

### Constraints

* Up to 2 500 numbers: trying every subsequence is impossible, but an O(n²) dynamic programme is fast
  enough (an O(n log n) solution exists too).
""",
    "config_data": {
        "boilerplate_code": (
            "package main\n"
            "\n"
            "// LongestIncreasing returns the length of the longest strictly increasing subsequence.\n"
            "func LongestIncreasing(nums []int) int {\n"
            "\treturn len(nums)\n"
            "}\n"
        ),
        "reference_solution": (
            "package main\n"
            "\n"
            "// LongestIncreasing returns the length of the longest strictly increasing subsequence.\n"
            "// best[i] is the length of the longest increasing subsequence that ends at nums[i].\n"
            "func LongestIncreasing(nums []int) int {\n"
            "\tbest := make([]int, len(nums))\n"
            "\tlongest := 0\n"
            "\tfor i := range nums {\n"
            "\t\tbest[i] = 1\n"
            "\t\tfor j := 0; j < i; j++ {\n"
            "\t\t\tif nums[j] < nums[i] && best[j]+1 > best[i] {\n"
            "\t\t\t\tbest[i] = best[j] + 1\n"
            "\t\t\t}\n"
            "\t\t}\n"
            "\t\tif best[i] > longest {\n"
            "\t\t\tlongest = best[i]\n"
            "\t\t}\n"
            "\t}\n"
            "\treturn longest\n"
            "}\n"
        ),
        "hints": [
            "Ask a smaller question for every position i: how long is the longest increasing subsequence that ends exactly at nums[i]?",
            "That length is 1 plus the best length among earlier positions j with nums[j] < nums[i] (or just 1).",
            "Store the answers in a slice `best` and return its maximum (0 for an empty input).",
        ],
        "test_cases": [
            _test("the example", "fmt.Println(LongestIncreasing([]int{10, 9, 2, 5, 3, 7, 101, 18}))", "4\n"),
            _test("equal values", "fmt.Println(LongestIncreasing([]int{5, 5, 5}))", "1\n"),
            _test("an empty slice", "fmt.Println(LongestIncreasing([]int{}))", "0\n", hidden=True),
            _test("already increasing", "fmt.Println(LongestIncreasing([]int{1, 2, 3, 4}))", "4\n", hidden=True),
            _test("a dip in the middle", "fmt.Println(LongestIncreasing([]int{4, 10, 4, 3, 8, 9}))", "3\n", hidden=True),
            _test("decreasing", "fmt.Println(LongestIncreasing([]int{9, 7, 5, 3, -1}))", "1\n", hidden=True),
            _test(
                "a long zigzag",
                "nums := make([]int, 0, 2500)\n"
                "for i := 0; i < 1250; i++ {\n\tnums = append(nums, i, i-1)\n}\n"
                "fmt.Println(LongestIncreasing(nums))",
                "1250\n",
                hidden=True,
            ),
        ],
    },
    "topics": [
        "dynamic programming", "dp", "subsequence", "slice", "array", "algorithm", "optimization",
        "longest increasing subsequence", "sequence",
    ],
    "idea": {
        "learning_objectives": [
            "Define a dynamic-programming state (best length ending at each index)",
            "Derive the recurrence from smaller subproblems",
            "Work with Go slices and nested loops",
        ],
        "concepts": ["dynamic programming", "slices", "nested loops", "subsequences"],
        "description": (
            "Learners compute the length of the longest strictly increasing subsequence with "
            "LongestIncreasing(nums). They define best[i] as the longest run ending at nums[i], fill it from "
            "earlier positions with smaller values, and take the maximum, learning the core move of dynamic "
            "programming on a 2 500-element input where brute force is hopeless."
        ),
        "difficulty_rationale": "Hard: a dynamic-programming algorithm whose state and recurrence learners must invent.",
    },
}

BLUEPRINTS: list[dict[str, Any]] = [SUM_DIGITS, CAESAR, LONGEST_INCREASING]
