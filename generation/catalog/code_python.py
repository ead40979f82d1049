"""Catalog blueprints: CODE capsules in Python.

Judge convention (judges/runtimes/python.py): a test is the learner's code, a newline, then `test_call`,
run as one fresh program; `test_call` prints what it checks and `expected_output` is exactly that output.
Every boilerplate runs but fails at least one test; every reference passes all of them.
"""

from __future__ import annotations

from typing import Any


def _test(description: str, call: str, expected: str, *, hidden: bool = False) -> dict[str, Any]:
    return {"description": description, "test_call": call, "expected_output": expected, "is_hidden": hidden}


COUNT_WORDS: dict[str, Any] = {
    "title": "Count the words in a sentence",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "easy",
    "problem_statement_md": """\
A text editor shows a live word count under the page. Write the function behind it:
`count_words(sentence)` returns **how many words** the text contains.

* A word is a run of characters without whitespace between them.
* Words may be separated by several spaces, tabs or newlines.
* Leading and trailing whitespace does not create extra words; empty text has `0` words.

### Examples

| call | result |
|------|--------|
| `count_words("hello world")` | `2` |
| `count_words("  spaced   out  ")` | `2` |
| `count_words("")` | `0` |

### Constraints

* `sentence` is a `str` of at most 10 000 characters.
""",
    "config_data": {
        "boilerplate_code": "def count_words(sentence):\n    # Return the number of words in sentence.\n    return 0\n",
        "reference_solution": "def count_words(sentence):\n    return len(sentence.split())\n",
        "hints": [
            "Python strings can cut themselves into a list of words.",
            "`sentence.split()` with no argument splits on any run of whitespace and drops empty pieces.",
            "The answer is the length of that list: `len(...)`.",
        ],
        "test_cases": [
            _test("two words", 'print(count_words("hello world"))', "2\n"),
            _test("extra spaces around and between words", 'print(count_words("  spaced   out  "))', "2\n"),
            _test("empty text", 'print(count_words(""))', "0\n"),
            _test("a pangram", 'print(count_words("The quick brown fox jumps over the lazy dog"))', "9\n", hidden=True),
            _test("tabs and newlines separate words too", 'print(count_words("one\\ttwo\\nthree"))', "3\n", hidden=True),
        ],
    },
    "topics": ["string", "text", "word", "count words", "sentence", "split", "whitespace", "word count"],
    "idea": {
        "learning_objectives": [
            "Split a string into words with str.split()",
            "Use len() to count the items of a list",
        ],
        "concepts": ["strings", "str.split", "lists", "len"],
        "description": (
            "Learners write count_words(sentence), the function behind an editor's live word count. They "
            "discover that str.split() without arguments handles any amount of whitespace, so the whole task "
            "is splitting the text and counting the pieces, including the edge case of empty text."
        ),
        "difficulty_rationale": "Easy: one string method and len(); no loops or data structures to design.",
    },
}

SUM_EVEN: dict[str, Any] = {
    "title": "Sum of the even numbers",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "easy",
    "problem_statement_md": """\
Write `sum_even(numbers)` that returns the **sum of the even numbers** in a list of integers.

* A number is even when dividing it by 2 leaves no remainder (`-4` and `0` are even).
* Odd numbers are skipped.
* An empty list, or a list without even numbers, sums to `0`.

### Examples

```python
sum_even([1, 2, 3, 4])   # 6
sum_even([7, 9])         # 0
sum_even([-2, 3, 5])     # -2
```

### Constraints

* `numbers` is a list of at most 10 000 integers.
""",
    "config_data": {
        "boilerplate_code": "def sum_even(numbers):\n    # Add up only the even numbers.\n    return sum(numbers)\n",
        "reference_solution": (
            "def sum_even(numbers):\n"
            "    total = 0\n"
            "    for number in numbers:\n"
            "        if number % 2 == 0:\n"
            "            total += number\n"
            "    return total\n"
        ),
        "hints": [
            "Loop over the list and keep a running total that starts at 0.",
            "`number % 2 == 0` is true exactly for even numbers.",
        ],
        "test_cases": [
            _test("a mixed list", "print(sum_even([1, 2, 3, 4]))", "6\n"),
            _test("no even numbers", "print(sum_even([7, 9]))", "0\n"),
            _test("an empty list", "print(sum_even([]))", "0\n", hidden=True),
            _test("negative even numbers count", "print(sum_even([-2, 3, 5]))", "-2\n"),
            _test("only even numbers", "print(sum_even([10, 20, 30]))", "60\n", hidden=True),
        ],
    },
    "topics": ["list", "loop", "sum", "even", "odd", "numbers", "modulo", "filter", "total"],
    "idea": {
        "learning_objectives": [
            "Loop over a list with for",
            "Test a condition with the modulo operator",
            "Accumulate a running total",
        ],
        "concepts": ["lists", "for loops", "modulo operator", "accumulator"],
        "description": (
            "Learners write sum_even(numbers), which adds up only the even integers of a list. The exercise "
            "practises the accumulator pattern: loop over the items, test each with % 2, and add the ones "
            "that pass, with negative numbers and empty lists as edge cases."
        ),
        "difficulty_rationale": "Easy: a single loop with one condition, the first pattern every learner meets.",
    },
}

IS_PRIME: dict[str, Any] = {
    "title": "Is it a prime number?",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "easy",
    "problem_statement_md": """\
A **prime number** is a whole number greater than 1 whose only divisors are 1 and itself.
Write `is_prime(n)` that returns `True` when `n` is prime and `False` otherwise.

### Examples

| call | result |
|------|--------|
| `is_prime(2)` | `True` |
| `is_prime(17)` | `True` |
| `is_prime(21)` | `False` (3 × 7) |
| `is_prime(1)` | `False` |

### Constraints

* `0 <= n <= 1 000 000`. Checking divisors up to the square root of `n` is fast enough.
""",
    "config_data": {
        "boilerplate_code": "def is_prime(n):\n    # Return True when n is a prime number.\n    return n % 2 == 1\n",
        "reference_solution": (
            "def is_prime(n):\n"
            "    if n < 2:\n"
            "        return False\n"
            "    divisor = 2\n"
            "    while divisor * divisor <= n:\n"
            "        if n % divisor == 0:\n"
            "            return False\n"
            "        divisor += 1\n"
            "    return True\n"
        ),
        "hints": [
            "Numbers below 2 are never prime.",
            "Try every divisor from 2 upwards: if one divides n evenly (`n % d == 0`), n is not prime.",
            "You can stop once `d * d > n`: a larger divisor would pair with a smaller one you already tried.",
        ],
        "test_cases": [
            _test("the smallest prime", "print(is_prime(2))", "True\n"),
            _test("one is not prime", "print(is_prime(1))", "False\n"),
            _test("an odd number that is not prime", "print(is_prime(21))", "False\n"),
            _test("a prime from the examples", "print(is_prime(17))", "True\n"),
            _test("zero", "print(is_prime(0))", "False\n", hidden=True),
            _test("a larger prime", "print(is_prime(97))", "True\n", hidden=True),
            _test("a square of a prime", "print(is_prime(49))", "False\n", hidden=True),
            _test("a big prime", "print(is_prime(999983))", "True\n", hidden=True),
        ],
    },
    "topics": ["math", "prime", "number", "divisor", "divisible", "modulo", "loop", "integer"],
    "idea": {
        "learning_objectives": [
            "Test divisibility with the modulo operator",
            "Stop a loop early with return",
            "Handle edge cases (0 and 1) before the main loop",
        ],
        "concepts": ["math", "while loops", "modulo operator", "early return"],
        "description": (
            "Learners write is_prime(n) by trial division. They check the edge cases below 2, look for a "
            "divisor with %, and learn why trying divisors up to the square root is enough, which keeps the "
            "check fast for numbers near a million."
        ),
        "difficulty_rationale": "Easy: one loop and one condition; the square-root bound is offered as a hint.",
    },
}

WORD_FREQUENCIES: dict[str, Any] = {
    "title": "Word frequencies",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "problem_statement_md": """\
A tag cloud needs to know how often each word appears in a text. Write `word_frequencies(text)` that
returns a **dictionary** mapping each word to the number of times it occurs.

* Words are separated by whitespace.
* Case does not matter: `"The"` and `"the"` are the same word; the keys are lower case.
* Punctuation at the start or end of a word is removed (`"fish,"` counts as `"fish"`); an apostrophe
  inside a word stays (`"it's"`). A "word" made only of punctuation (such as `--`) is not counted.

### Example

```python
word_frequencies("One fish, two fish; red fish.")
# {'one': 1, 'fish': 3, 'two': 1, 'red': 1}
```

The tests print `sorted(result.items())`, so the order of your keys does not matter.

### Constraints

* `text` has at most 100 000 characters.
""",
    "config_data": {
        "boilerplate_code": (
            "def word_frequencies(text):\n"
            "    # Return a dict: word (lower case, no surrounding punctuation) -> count.\n"
            "    return {}\n"
        ),
        "reference_solution": (
            "import string\n"
            "\n"
            "\n"
            "def word_frequencies(text):\n"
            "    counts = {}\n"
            "    for raw in text.split():\n"
            "        word = raw.strip(string.punctuation).lower()\n"
            "        if word:\n"
            "            counts[word] = counts.get(word, 0) + 1\n"
            "    return counts\n"
        ),
        "hints": [
            "Split the text into words, then clean each word before counting it.",
            "`string.punctuation` lists the punctuation characters; `word.strip(string.punctuation)` removes them from both ends.",
            "`counts[word] = counts.get(word, 0) + 1` adds one whether or not the word was seen before.",
        ],
        "test_cases": [
            _test(
                "a repeated word",
                'print(sorted(word_frequencies("the cat and the hat").items()))',
                "[('and', 1), ('cat', 1), ('hat', 1), ('the', 2)]\n",
            ),
            _test(
                "punctuation is stripped",
                'print(sorted(word_frequencies("One fish, two fish; red fish.").items()))',
                "[('fish', 3), ('one', 1), ('red', 1), ('two', 1)]\n",
            ),
            _test("empty text", 'print(sorted(word_frequencies("").items()))', "[]\n", hidden=True),
            _test(
                "case is ignored",
                'print(sorted(word_frequencies("Hello, hello! HELLO?").items()))',
                "[('hello', 3)]\n",
                hidden=True,
            ),
            _test(
                "apostrophes inside words stay, lone punctuation is skipped",
                "print(sorted(word_frequencies(\"It's -- it's\").items()))",
                "[(\"it's\", 2)]\n",
                hidden=True,
            ),
        ],
    },
    "topics": [
        "dictionary", "dict", "word frequency", "count words", "word", "text", "string", "counting",
        "punctuation", "histogram", "tag cloud",
    ],
    "idea": {
        "learning_objectives": [
            "Count occurrences with a dictionary",
            "Normalize words (case, surrounding punctuation) before comparing them",
            "Use dict.get with a default value",
        ],
        "concepts": ["dictionaries", "string normalization", "str.strip", "counting pattern"],
        "description": (
            "Learners build word_frequencies(text), the counting step behind a tag cloud. They split the "
            "text, normalize each word to lower case without surrounding punctuation, skip pieces that are "
            "only punctuation, and count with a dictionary, the classic get-with-default pattern."
        ),
        "difficulty_rationale": (
            "Medium: combines string cleaning with a dictionary as a counter and several edge cases "
            "(case, punctuation, apostrophes)."
        ),
    },
}

FLATTEN: dict[str, Any] = {
    "title": "Flatten a nested list",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "problem_statement_md": """\
Write `flatten(items)` that takes a list whose elements may themselves be lists — nested to **any
depth** — and returns one flat list of all the non-list values, in the order they appear.

### Examples

```python
flatten([1, [2, 3], [4, [5, [6]]]])   # [1, 2, 3, 4, 5, 6]
flatten([["a"], "b", [[["c"]]]])      # ['a', 'b', 'c']
flatten([[[]]])                       # []
```

### Constraints

* Only `list` values are nested; strings, numbers and other values are kept as they are.
* Nesting is at most 100 levels deep.
* Return a new list; do not change the argument.
""",
    "config_data": {
        "boilerplate_code": "def flatten(items):\n    # Return one flat list of every non-list value, in order.\n    return list(items)\n",
        "reference_solution": (
            "def flatten(items):\n"
            "    flat = []\n"
            "    for item in items:\n"
            "        if isinstance(item, list):\n"
            "            flat.extend(flatten(item))\n"
            "        else:\n"
            "            flat.append(item)\n"
            "    return flat\n"
        ),
        "hints": [
            "`isinstance(item, list)` tells you whether an element is itself a list.",
            "A nested list is the same problem again, only smaller: call `flatten` on it.",
            "Collect the results of the recursive call with `extend`, plain values with `append`.",
        ],
        "test_cases": [
            _test("several levels", "print(flatten([1, [2, 3], [4, [5, [6]]]]))", "[1, 2, 3, 4, 5, 6]\n"),
            _test("strings are not lists", 'print(flatten([["a"], "b", [[["c"]]]]))', "['a', 'b', 'c']\n"),
            _test("an empty list", "print(flatten([]))", "[]\n", hidden=True),
            _test("only an empty list inside", "print(flatten([[[]]]))", "[]\n"),
            _test("only empty lists inside", "print(flatten([[[]], []]))", "[]\n", hidden=True),
            _test(
                "the argument is left unchanged",
                "data = [1, [2, [3]]]\nresult = flatten(data)\nprint(result, data)",
                "[1, 2, 3] [1, [2, [3]]]\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["recursion", "recursive", "nested list", "list", "flatten", "tree", "depth"],
    "idea": {
        "learning_objectives": [
            "Recognize a problem that contains smaller copies of itself",
            "Write a recursive function with a base case",
            "Tell lists from other values with isinstance",
        ],
        "concepts": ["recursion", "lists", "isinstance", "extend vs append"],
        "description": (
            "Learners write flatten(items), which turns a list nested to any depth into one flat list. "
            "Because a nested list is the same problem again, the natural solution is recursive: plain values "
            "are appended, sub-lists are flattened by a recursive call, and the input is never modified."
        ),
        "difficulty_rationale": "Medium: the code is short but needs recursive thinking and a clear base case.",
    },
}

BANK_ACCOUNT: dict[str, Any] = {
    "title": "A bank account class",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "problem_statement_md": """\
Model a simple bank account as a class.

`BankAccount(owner, balance=0)` stores the owner's name and the starting balance (in whole euros) in the
attributes `owner` and `balance`. Complete its methods:

* `deposit(amount)` adds `amount` to the balance.
* `withdraw(amount)` takes `amount` from the balance. When the balance is too small, it raises
  `ValueError("insufficient funds")` and the balance stays unchanged.
* Both methods raise `ValueError("amount must be positive")` when `amount <= 0`.
* `str(account)` is `"<owner>: <balance>"`, for example `"Ada: 70"`.

### Example

```python
account = BankAccount("Ada")
account.deposit(100)
account.withdraw(30)
print(account)          # Ada: 70
account.withdraw(500)   # ValueError: insufficient funds
```
""",
    "config_data": {
        "boilerplate_code": (
            "class BankAccount:\n"
            "    def __init__(self, owner, balance=0):\n"
            "        self.owner = owner\n"
            "        self.balance = balance\n"
            "\n"
            "    def deposit(self, amount):\n"
            "        # Add amount to the balance.\n"
            "        pass\n"
            "\n"
            "    def withdraw(self, amount):\n"
            "        # Take amount from the balance; refuse when there is not enough money.\n"
            "        pass\n"
            "\n"
            "    def __str__(self):\n"
            "        return self.owner\n"
        ),
        "reference_solution": (
            "class BankAccount:\n"
            "    def __init__(self, owner, balance=0):\n"
            "        self.owner = owner\n"
            "        self.balance = balance\n"
            "\n"
            "    def _check(self, amount):\n"
            "        if amount <= 0:\n"
            "            raise ValueError(\"amount must be positive\")\n"
            "\n"
            "    def deposit(self, amount):\n"
            "        self._check(amount)\n"
            "        self.balance += amount\n"
            "\n"
            "    def withdraw(self, amount):\n"
            "        self._check(amount)\n"
            "        if amount > self.balance:\n"
            "            raise ValueError(\"insufficient funds\")\n"
            "        self.balance -= amount\n"
            "\n"
            "    def __str__(self):\n"
            "        return f\"{self.owner}: {self.balance}\"\n"
        ),
        "hints": [
            "Methods change the object through `self`: `self.balance += amount`.",
            "Check the amount first and `raise ValueError(\"...\")` before changing anything.",
            "`__str__` returns the text that `print(account)` shows; an f-string builds it.",
        ],
        "test_cases": [
            _test(
                "deposit then withdraw",
                'account = BankAccount("Ada")\naccount.deposit(100)\naccount.withdraw(30)\nprint(account.balance)',
                "70\n",
            ),
            _test("the text form", 'account = BankAccount("Grace", 25)\nprint(account)', "Grace: 25\n"),
            _test(
                "the example from the statement",
                'account = BankAccount("Ada")\naccount.deposit(100)\naccount.withdraw(30)\nprint(account)\n'
                "try:\n    account.withdraw(500)\nexcept ValueError as error:\n    print(error)\n"
                "print(account.balance)",
                "Ada: 70\ninsufficient funds\n70\n",
            ),
            _test(
                "withdrawing too much is refused",
                'account = BankAccount("Ada", 50)\n'
                "try:\n    account.withdraw(80)\nexcept ValueError as error:\n    print(error)\n"
                "print(account.balance)",
                "insufficient funds\n50\n",
                hidden=True,
            ),
            _test(
                "non-positive amounts are refused",
                'account = BankAccount("Linus", 10)\n'
                "for action in (account.deposit, account.withdraw):\n"
                "    try:\n        action(0)\n    except ValueError as error:\n        print(error)\n"
                "print(account)",
                "amount must be positive\namount must be positive\nLinus: 10\n",
                hidden=True,
            ),
            _test(
                "withdrawing the whole balance is allowed",
                'account = BankAccount("Margaret", 40)\naccount.withdraw(40)\naccount.deposit(5)\nprint(account)',
                "Margaret: 5\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["class", "object", "oop", "object oriented", "method", "bank account", "exception", "attribute", "balance"],
    "idea": {
        "learning_objectives": [
            "Define a class with an initializer and instance attributes",
            "Write methods that change an object's state",
            "Raise exceptions to refuse invalid operations",
            "Give an object a readable text form with __str__",
        ],
        "concepts": ["classes", "methods", "self", "exceptions", "__str__"],
        "description": (
            "Learners complete a BankAccount class with deposit and withdraw methods that guard the balance: "
            "invalid amounts and overdrafts raise ValueError and leave the state untouched. A __str__ method "
            "makes accounts printable, tying together state, behaviour and error handling."
        ),
        "difficulty_rationale": "Medium: several object-oriented ideas at once (state, methods, exceptions, dunder methods).",
    },
}

LEADERBOARD: dict[str, Any] = {
    "title": "Rank the players on a leaderboard",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "problem_statement_md": """\
A quiz game shows a leaderboard after every round. Write `leaderboard(scores)`: it takes a dictionary
mapping each player's name to their score and returns the leaderboard as a **list of lines**
`"<rank>. <name> - <score>"`.

* Higher scores come first; players with the **same score** are listed alphabetically by name.
* Players with the same score share the same rank, and the next rank skips ahead, as in sports:
  ranks go `1, 1, 3, 4`, not `1, 1, 2, 3`.
* An empty dictionary gives an empty list. Do not change the dictionary.

### Example

```python
leaderboard({"ada": 5, "bob": 9, "cy": 9, "dan": 1})
# ['1. bob - 9', '1. cy - 9', '3. ada - 5', '4. dan - 1']
```

### Constraints

* At most 100 000 players; scores are integers.
""",
    "config_data": {
        "boilerplate_code": (
            "def leaderboard(scores):\n"
            "    # Return lines \"<rank>. <name> - <score>\": best score first, ties by name, shared ranks.\n"
            "    return [f\"{rank}. {name} - {score}\" for rank, (name, score) in enumerate(scores.items(), start=1)]\n"
        ),
        "reference_solution": (
            "def leaderboard(scores):\n"
            "    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))\n"
            "    lines = []\n"
            "    rank = 0\n"
            "    for position, (name, score) in enumerate(ordered, start=1):\n"
            "        if position == 1 or score != ordered[position - 2][1]:\n"
            "            rank = position\n"
            "        lines.append(f\"{rank}. {name} - {score}\")\n"
            "    return lines\n"
        ),
        "hints": [
            "`sorted(scores.items(), key=...)` sorts the (name, score) pairs; the key decides the order.",
            "A key that returns the tuple `(-score, name)` sorts by score descending, then by name ascending.",
            "Walk the sorted list with `enumerate(..., start=1)`: the rank is the position, unless the score equals the previous player's, then it stays the same.",
        ],
        "test_cases": [
            _test(
                "different scores",
                'print("\\n".join(leaderboard({"ada": 30, "bob": 50, "cy": 40})))',
                "1. bob - 50\n2. cy - 40\n3. ada - 30\n",
            ),
            _test(
                "a tie is sorted by name",
                'print("\\n".join(leaderboard({"zoe": 10, "amy": 10})))',
                "1. amy - 10\n1. zoe - 10\n",
            ),
            _test("no players", "print(leaderboard({}))", "[]\n", hidden=True),
            _test(
                "ranks skip after a tie",
                'print(leaderboard({"ada": 5, "bob": 9, "cy": 9, "dan": 1}))',
                "['1. bob - 9', '1. cy - 9', '3. ada - 5', '4. dan - 1']\n",
            ),
            _test(
                "negative scores and the input is unchanged",
                'scores = {"x": -1, "y": 0, "w": -1}\nprint(leaderboard(scores))\nprint(scores)',
                "['1. y - 0', '2. w - -1', '2. x - -1']\n{'x': -1, 'y': 0, 'w': -1}\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["sorting", "sort", "key function", "lambda", "leaderboard", "ranking", "ties", "tuple", "dictionary", "scores"],
    "idea": {
        "learning_objectives": [
            "Sort with a key function that returns a tuple",
            "Sort descending by one field and ascending by another",
            "Compute competition ranks with ties in one pass",
        ],
        "concepts": ["sorted", "key functions and lambda", "tuples", "enumerate", "dict.items"],
        "description": (
            "Learners build a quiz game's leaderboard with leaderboard(scores). They sort (name, score) pairs "
            "with a tuple key (-score, name) so the best score comes first and ties are alphabetical, then "
            "walk the sorted list to assign sports-style ranks where tied players share a rank and the next "
            "one skips ahead."
        ),
        "difficulty_rationale": "Medium: multi-key sorting with a key function plus a ranking rule that needs care with ties.",
    },
}

BINARY_SEARCH: dict[str, Any] = {
    "title": "Binary search in a sorted list",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "problem_statement_md": """\
Looking for a word in a dictionary, you open it in the middle and discard the half that cannot contain
it. Write `binary_search(items, target)` that does the same: it returns the **index** of `target` in the
sorted sequence `items`, or `-1` when `target` is not there.

* `items` is sorted in ascending order and has no duplicates.
* `items` supports only `len(items)` and reading by index (`items[i]`). The tests count your reads: on a
  sequence of a million elements you may read **at most 25** of them, so scanning from the start (or
  using `in` or `.index`) is not an option.

### Examples

```python
binary_search([1, 3, 5, 7, 9], 7)   # 3
binary_search([1, 3, 5, 7, 9], 4)   # -1
binary_search([], 1)                # -1
```
""",
    "config_data": {
        "boilerplate_code": (
            "def binary_search(items, target):\n"
            "    # Return the index of target in the sorted sequence items, or -1.\n"
            "    return -1\n"
        ),
        "reference_solution": (
            "def binary_search(items, target):\n"
            "    low, high = 0, len(items) - 1\n"
            "    while low <= high:\n"
            "        middle = (low + high) // 2\n"
            "        value = items[middle]\n"
            "        if value == target:\n"
            "            return middle\n"
            "        if value < target:\n"
            "            low = middle + 1\n"
            "        else:\n"
            "            high = middle - 1\n"
            "    return -1\n"
        ),
        "hints": [
            "Keep two indexes, `low` and `high`, that enclose the part of the list where target could still be.",
            "Read the middle element once: if it is too small, the target can only be to its right (`low = middle + 1`), otherwise to its left.",
            "Stop when `low > high`: the range is empty and target is not in the list.",
        ],
        "test_cases": [
            _test("a value in the list", "print(binary_search([1, 3, 5, 7, 9], 7))", "3\n"),
            _test("a value that is missing", "print(binary_search([1, 3, 5, 7, 9], 4))", "-1\n"),
            _test("an empty list", "print(binary_search([], 1))", "-1\n"),
            _test("a single element", "print(binary_search([42], 42))", "0\n", hidden=True),
            _test(
                "the first and the last element",
                "print(binary_search([2, 4, 6, 8], 2), binary_search([2, 4, 6, 8], 8))",
                "0 3\n",
                hidden=True,
            ),
            _test(
                "a million elements, at most 25 reads",
                "class Shelf:\n"
                "    def __init__(self, values):\n"
                "        self.values = values\n"
                "        self.reads = 0\n"
                "    def __len__(self):\n"
                "        return len(self.values)\n"
                "    def __getitem__(self, index):\n"
                "        self.reads += 1\n"
                "        return self.values[index]\n"
                "shelf = Shelf(list(range(0, 2_000_000, 2)))\n"
                "print(binary_search(shelf, 1_999_998), binary_search(shelf, 777_777), shelf.reads <= 50)",
                "999999 -1 True\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["binary search", "search", "searching", "sorted list", "list", "index", "algorithm", "logarithmic", "divide and conquer"],
    "idea": {
        "learning_objectives": [
            "Halve a search range with two indexes",
            "Reason about loop invariants and off-by-one boundaries",
            "Compare logarithmic with linear search",
        ],
        "concepts": ["binary search", "while loops", "integer division", "time complexity"],
        "description": (
            "Learners implement binary_search(items, target) on a sorted sequence. They keep low and high "
            "bounds, read the middle element and discard the half that cannot hold the target; a test on a "
            "million elements counts reads, so only the logarithmic algorithm passes."
        ),
        "difficulty_rationale": "Medium: a classic algorithm that is short but full of off-by-one traps.",
    },
}

EXPRESSION_EVALUATOR: dict[str, Any] = {
    "title": "Evaluate an arithmetic expression",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "hard",
    "problem_statement_md": """\
Write a small calculator: `evaluate(expression)` parses a string such as `"2 * (3 + 4) - 5"` and returns
its value as an `int`. **Do not use `eval`**; parse the text yourself.

The expression contains:

* non-negative integers (`0`, `42`, `1000`),
* the binary operators `+`, `-`, `*` and `/`,
* a unary minus in front of a number or a parenthesis (`-3`, `-(1 + 2)`),
* parentheses, and any number of spaces.

Rules, as in mathematics:

* `*` and `/` bind tighter than `+` and `-`; operators of the same level are applied **left to right**
  (`10 - 4 - 3` is `3`).
* `/` is integer division rounding down, like Python's `//` (`7 / 2` is `3`). No test divides by zero.

### Examples

| expression | value |
|------------|-------|
| `"1 + 2 * 3"` | `7` |
| `"(1 + 2) * 3"` | `9` |
| `"-(2 + 3) * 4"` | `-20` |

### Constraints

* Every expression is valid and at most 1 000 characters long.
""",
    "config_data": {
        "boilerplate_code": (
            "def evaluate(expression):\n"
            "    # Parse the expression and return its integer value (without eval).\n"
            "    return 0\n"
        ),
        "reference_solution": (
            "def tokenize(expression):\n"
            "    tokens = []\n"
            "    position = 0\n"
            "    while position < len(expression):\n"
            "        char = expression[position]\n"
            "        if char.isdigit():\n"
            "            end = position\n"
            "            while end < len(expression) and expression[end].isdigit():\n"
            "                end += 1\n"
            "            tokens.append(int(expression[position:end]))\n"
            "            position = end\n"
            "            continue\n"
            "        if char in \"+-*/()\":\n"
            "            tokens.append(char)\n"
            "        position += 1\n"
            "    return tokens\n"
            "\n"
            "\n"
            "def evaluate(expression):\n"
            "    tokens = tokenize(expression)\n"
            "    position = 0\n"
            "\n"
            "    def peek():\n"
            "        return tokens[position] if position < len(tokens) else None\n"
            "\n"
            "    def take():\n"
            "        nonlocal position\n"
            "        position += 1\n"
            "        return tokens[position - 1]\n"
            "\n"
            "    def expr():\n"
            "        value = term()\n"
            "        while peek() in (\"+\", \"-\"):\n"
            "            if take() == \"+\":\n"
            "                value += term()\n"
            "            else:\n"
            "                value -= term()\n"
            "        return value\n"
            "\n"
            "    def term():\n"
            "        value = factor()\n"
            "        while peek() in (\"*\", \"/\"):\n"
            "            if take() == \"*\":\n"
            "                value *= factor()\n"
            "            else:\n"
            "                value //= factor()\n"
            "        return value\n"
            "\n"
            "    def factor():\n"
            "        token = take()\n"
            "        if token == \"-\":\n"
            "            return -factor()\n"
            "        if token == \"(\":\n"
            "            value = expr()\n"
            "            take()  # the closing parenthesis\n"
            "            return value\n"
            "        return token\n"
            "\n"
            "    return expr()\n"
        ),
        "hints": [
            "First turn the string into tokens: whole numbers and single-character operators, skipping spaces.",
            "Write one function per precedence level: expression (+ and -) calls term (* and /), which calls factor (numbers, unary minus, parentheses).",
            "A parenthesis in factor starts a whole new expression: call the expression function recursively, then skip the `)`.",
        ],
        "test_cases": [
            _test("multiplication binds tighter", 'print(evaluate("1 + 2 * 3"))', "7\n"),
            _test("parentheses first", 'print(evaluate("(1 + 2) * 3"))', "9\n"),
            _test("a single number", 'print(evaluate("42"))', "42\n"),
            _test("subtraction is left to right", 'print(evaluate("10 - 4 - 3"))', "3\n", hidden=True),
            _test("division rounds down", 'print(evaluate("7 / 2"))', "3\n", hidden=True),
            _test("unary minus before a parenthesis", 'print(evaluate("-(2 + 3) * 4"))', "-20\n", hidden=True),
            _test("nested parentheses without spaces", 'print(evaluate("2*(3+(4-1))/3"))', "4\n", hidden=True),
            _test("a long chain", 'print(evaluate("100 / 10 / 5 + 3 * 3 - -2"))', "13\n", hidden=True),
        ],
    },
    "topics": [
        "parsing", "parser", "expression", "calculator", "arithmetic", "tokenizer", "recursion",
        "recursive descent", "operator precedence", "math",
    ],
    "idea": {
        "learning_objectives": [
            "Split a string into tokens",
            "Encode operator precedence and associativity in a grammar",
            "Implement a recursive-descent parser with mutually recursive functions",
        ],
        "concepts": ["tokenizing", "recursive descent parsing", "operator precedence", "recursion", "closures"],
        "description": (
            "Learners build a calculator, evaluate(expression), without eval. They tokenize the text, then "
            "write one function per precedence level (expression, term, factor) so that * and / bind tighter "
            "than + and -, same-level operators associate to the left, and parentheses and unary minus recurse."
        ),
        "difficulty_rationale": (
            "Hard: a real algorithm (recursive-descent parsing) that combines tokenizing, recursion and "
            "precedence rules, with traps such as left associativity and unary minus."
        ),
    },
}

MAZE_BFS: dict[str, Any] = {
    "title": "Shortest path through a maze",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "hard",
    "problem_statement_md": """\
A robot must cross a warehouse floor. The floor is a grid given as a list of equal-length strings:

* `S` is the start and `E` is the exit (each appears exactly once),
* `.` is free floor and `#` is a shelf the robot cannot enter.

The robot moves one cell at a time **up, down, left or right** (never diagonally) and never leaves the
grid. Write `shortest_path(grid)` that returns the **smallest number of moves** from `S` to `E`, or `-1`
when the exit cannot be reached.

### Example

```text
S.#
..#
#.E
```

`shortest_path(["S.#", "..#", "#.E"])` is `4` (down, right, down, right).

### Constraints

* The grid has at most 100 × 100 cells, so trying every path is far too slow: search breadth-first.
""",
    "config_data": {
        "boilerplate_code": (
            "def shortest_path(grid):\n"
            "    # Return the fewest moves from S to E, or -1 when E cannot be reached.\n"
            "    return -1\n"
        ),
        "reference_solution": (
            "from collections import deque\n"
            "\n"
            "\n"
            "def shortest_path(grid):\n"
            "    rows, cols = len(grid), len(grid[0])\n"
            "    start = next((r, c) for r in range(rows) for c in range(cols) if grid[r][c] == \"S\")\n"
            "    queue = deque([(start, 0)])\n"
            "    seen = {start}\n"
            "    while queue:\n"
            "        (row, col), distance = queue.popleft()\n"
            "        if grid[row][col] == \"E\":\n"
            "            return distance\n"
            "        for d_row, d_col in ((1, 0), (-1, 0), (0, 1), (0, -1)):\n"
            "            r, c = row + d_row, col + d_col\n"
            "            if 0 <= r < rows and 0 <= c < cols and grid[r][c] != \"#\" and (r, c) not in seen:\n"
            "                seen.add((r, c))\n"
            "                queue.append(((r, c), distance + 1))\n"
            "    return -1\n"
        ),
        "hints": [
            "Breadth-first search visits cells in order of their distance from the start, so the first time it reaches E is the shortest way.",
            "Keep a queue (`collections.deque`) of (cell, distance) pairs and a set of cells already seen.",
            "For each cell, try the four neighbours; skip those outside the grid, on a shelf, or already seen.",
        ],
        "test_cases": [
            _test("the example", 'print(shortest_path(["S.#", "..#", "#.E"]))', "4\n"),
            _test("a walled-off exit", 'print(shortest_path(["S#E"]))', "-1\n"),
            _test("start next to the exit", 'print(shortest_path(["SE"]))', "1\n", hidden=True),
            _test(
                "a detour around a wall",
                'grid = [\n    "S...",\n    "###.",\n    "E...",\n]\nprint(shortest_path(grid))',
                "8\n",
                hidden=True,
            ),
            _test(
                "the shortest of several routes",
                'grid = [\n    "S....",\n    ".##.#",\n    "....E",\n]\nprint(shortest_path(grid))',
                "6\n",
                hidden=True,
            ),
            _test(
                "a large open floor",
                'grid = ["S" + "." * 99] + ["." * 100] * 98 + ["." * 99 + "E"]\nprint(shortest_path(grid))',
                "198\n",
                hidden=True,
            ),
        ],
    },
    "topics": [
        "graph", "grid", "maze", "shortest path", "bfs", "breadth first search", "search", "queue",
        "path finding", "matrix",
    ],
    "idea": {
        "learning_objectives": [
            "Model a grid as a graph of cells and moves",
            "Implement breadth-first search with a queue and a visited set",
            "Explain why BFS finds the shortest path in an unweighted graph",
        ],
        "concepts": ["graphs", "breadth-first search", "queues (collections.deque)", "sets", "2D grids"],
        "description": (
            "Learners guide a warehouse robot through a grid of shelves with shortest_path(grid). They model "
            "the grid as a graph, explore it breadth-first with a deque and a visited set, and return the "
            "number of moves to the exit or -1, with a 100 × 100 floor that rules out brute force."
        ),
        "difficulty_rationale": (
            "Hard: a graph algorithm (BFS) that needs a queue, a visited set, bounds checks and the insight "
            "that breadth-first order yields shortest distances."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [
    COUNT_WORDS,
    SUM_EVEN,
    IS_PRIME,
    WORD_FREQUENCIES,
    FLATTEN,
    BANK_ACCOUNT,
    LEADERBOARD,
    BINARY_SEARCH,
    EXPRESSION_EVALUATOR,
    MAZE_BFS,
]
