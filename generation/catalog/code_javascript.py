"""Catalog blueprints: CODE capsules in JavaScript (Node.js, CommonJS).

Judge convention (judges/runtimes/javascript.py): a test is the learner's code, a line with `;`, then
`test_call`, run as one script; `test_call` prints with console.log. Arrays and objects are printed with
JSON.stringify so the output does not depend on Node's inspection format.
"""

from __future__ import annotations

from typing import Any


def _test(description: str, call: str, expected: str, *, hidden: bool = False) -> dict[str, Any]:
    return {"description": description, "test_call": call, "expected_output": expected, "is_hidden": hidden}


TITLE_CASE: dict[str, Any] = {
    "title": "Capitalize every word",
    "capsule_type": "CODE",
    "runtime_config": {"language": "javascript"},
    "difficulty": "easy",
    "problem_statement_md": """\
Blog headlines look better in title case. Write `titleCase(sentence)` that returns the sentence with the
**first letter of every word in upper case** and the rest of each word in lower case.

* Words are separated by spaces; keep every space exactly where it was (two spaces stay two spaces).
* An empty string stays empty.

### Examples

```js
titleCase("hello world")        // "Hello World"
titleCase("jAVAsCRIPT is FUN")  // "Javascript Is Fun"
titleCase("  two  spaces")      // "  Two  Spaces"
```
""",
    "config_data": {
        "boilerplate_code": (
            "function titleCase(sentence) {\n"
            "  // Upper-case the first letter of every word, lower-case the rest.\n"
            "  return sentence;\n"
            "}\n"
        ),
        "reference_solution": (
            "function titleCase(sentence) {\n"
            "  return sentence\n"
            "    .split(\" \")\n"
            "    .map((word) => (word ? word[0].toUpperCase() + word.slice(1).toLowerCase() : word))\n"
            "    .join(\" \");\n"
            "}\n"
        ),
        "hints": [
            "`sentence.split(\" \")` gives the words; empty strings in the result stand for extra spaces.",
            "`word[0].toUpperCase() + word.slice(1).toLowerCase()` rewrites one word (check that it is not empty).",
            "`.map(...)` rewrites every word and `.join(\" \")` puts the sentence back together.",
        ],
        "test_cases": [
            _test("two lower-case words", 'console.log(titleCase("hello world"));', "Hello World\n"),
            _test("mixed case is fixed", 'console.log(titleCase("jAVAsCRIPT is FUN"));', "Javascript Is Fun\n"),
            _test("an empty string", 'console.log("[" + titleCase("") + "]");', "[]\n", hidden=True),
            _test("a one-letter word", 'console.log(titleCase("a"));', "A\n", hidden=True),
            _test("spaces are kept", 'console.log("[" + titleCase("  two  spaces") + "]");', "[  Two  Spaces]\n"),
        ],
    },
    "topics": ["string", "text", "capitalize", "title case", "uppercase", "words", "headline", "map", "split", "join"],
    "idea": {
        "learning_objectives": [
            "Split a string into words and join them back",
            "Change letter case with toUpperCase and toLowerCase",
            "Transform every element of an array with map",
        ],
        "concepts": ["strings", "split/join", "Array.prototype.map", "string indexing and slice"],
        "description": (
            "Learners write titleCase(sentence) for blog headlines: every word gets an upper-case first letter "
            "and lower-case rest. They split on spaces, rewrite each word with map, and join again, learning "
            "that empty pieces from split preserve the original spacing."
        ),
        "difficulty_rationale": "Easy: one chain of string and array methods, no algorithmic decisions.",
    },
}

GROUP_BY: dict[str, Any] = {
    "title": "Group records by a key",
    "capsule_type": "CODE",
    "runtime_config": {"language": "javascript"},
    "difficulty": "medium",
    "problem_statement_md": """\
A dashboard lists users by city. Write `groupBy(items, key)` that groups an array of objects by the value
of one of their properties.

* The result is a plain object: each distinct value of `item[key]` maps to an **array of the items** that
  have it.
* Items keep their original order inside each group; groups appear in the order their value is first met.
* An empty array gives an empty object `{}`.
* Do not change the input array or its objects.

### Example

```js
groupBy(
  [{ name: "Ada", city: "London" }, { name: "Alan", city: "Wilmslow" }, { name: "Charles", city: "London" }],
  "city",
)
// {
//   London: [{ name: "Ada", city: "London" }, { name: "Charles", city: "London" }],
//   Wilmslow: [{ name: "Alan", city: "Wilmslow" }],
// }
```

The tests print the result with `JSON.stringify`.
""",
    "config_data": {
        "boilerplate_code": (
            "function groupBy(items, key) {\n"
            "  // Return an object: each value of item[key] -> the array of items with that value.\n"
            "  return {};\n"
            "}\n"
        ),
        "reference_solution": (
            "function groupBy(items, key) {\n"
            "  const groups = {};\n"
            "  for (const item of items) {\n"
            "    const value = item[key];\n"
            "    if (!Object.prototype.hasOwnProperty.call(groups, value)) {\n"
            "      groups[value] = [];\n"
            "    }\n"
            "    groups[value].push(item);\n"
            "  }\n"
            "  return groups;\n"
            "}\n"
        ),
        "hints": [
            "`item[key]` reads a property whose name is stored in a variable.",
            "Start with an empty object; create the group's array the first time you meet its value.",
            "Push each item into the array of its group: `groups[value].push(item)`.",
        ],
        "test_cases": [
            _test(
                "people by city",
                "const people = [\n"
                '  { name: "Ada", city: "London" },\n'
                '  { name: "Alan", city: "Wilmslow" },\n'
                '  { name: "Charles", city: "London" },\n'
                "];\n"
                'console.log(JSON.stringify(groupBy(people, "city")));',
                '{"London":[{"name":"Ada","city":"London"},{"name":"Charles","city":"London"}],'
                '"Wilmslow":[{"name":"Alan","city":"Wilmslow"}]}\n',
            ),
            _test("an empty array", 'console.log(JSON.stringify(groupBy([], "city")));', "{}\n"),
            _test(
                "one group only",
                'console.log(JSON.stringify(groupBy([{ t: "x", n: 1 }, { t: "x", n: 2 }], "t")));',
                '{"x":[{"t":"x","n":1},{"t":"x","n":2}]}\n',
                hidden=True,
            ),
            _test(
                "grouping by a different key",
                "const tasks = [\n"
                '  { id: 1, status: "done" },\n'
                '  { id: 2, status: "todo" },\n'
                '  { id: 3, status: "doing" },\n'
                '  { id: 4, status: "todo" },\n'
                "];\n"
                'const byStatus = groupBy(tasks, "status");\n'
                "console.log(Object.keys(byStatus).join(\",\"));\n"
                "console.log(byStatus.todo.map((task) => task.id).join(\",\"));",
                "done,todo,doing\n2,4\n",
                hidden=True,
            ),
            _test(
                "the input is left unchanged",
                'const input = [{ k: "a" }, { k: "b" }];\ngroupBy(input, "k");\nconsole.log(JSON.stringify(input));',
                '[{"k":"a"},{"k":"b"}]\n',
                hidden=True,
            ),
        ],
    },
    "topics": ["object", "map", "dictionary", "group", "group by", "array", "records", "key", "hash"],
    "idea": {
        "learning_objectives": [
            "Use a plain object as a dictionary with dynamic keys",
            "Read a property whose name is held in a variable",
            "Build nested data (an object of arrays) in one pass",
        ],
        "concepts": ["objects as maps", "bracket property access", "arrays", "for...of loops"],
        "description": (
            "Learners implement groupBy(items, key), the helper behind every 'users by city' dashboard. In one "
            "pass over the array they read item[key], create a group the first time a value appears and push "
            "each item into it, keeping the order of groups and items and leaving the input untouched."
        ),
        "difficulty_rationale": "Medium: dynamic keys, nested structures and ordering rules in one small function.",
    },
}

ROMAN_NUMERALS: dict[str, Any] = {
    "title": "Roman numerals to numbers",
    "capsule_type": "CODE",
    "runtime_config": {"language": "javascript"},
    "difficulty": "medium",
    "problem_statement_md": """\
Write `romanToInt(roman)` that converts a Roman numeral to a number.

| symbol | I | V | X | L | C | D | M |
|--------|---|---|---|---|---|---|---|
| value  | 1 | 5 | 10 | 50 | 100 | 500 | 1000 |

Symbols are normally written from largest to smallest and added up (`"LVIII"` = 50 + 5 + 3 = `58`).
When a smaller symbol stands **before** a larger one, it is subtracted instead: `"IV"` = `4`,
`"IX"` = `9`, `"XC"` = `90`, `"CM"` = `900`.

### Examples

```js
romanToInt("III")      // 3
romanToInt("MCMXCIV")  // 1994  (M + CM + XC + IV)
```

### Constraints

* The input is a valid Roman numeral from 1 to 3999, in upper case.
""",
    "config_data": {
        "boilerplate_code": (
            "function romanToInt(roman) {\n"
            "  // Convert the Roman numeral to a number.\n"
            "  return 0;\n"
            "}\n"
        ),
        "reference_solution": (
            "const VALUES = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };\n"
            "\n"
            "function romanToInt(roman) {\n"
            "  let total = 0;\n"
            "  for (let i = 0; i < roman.length; i++) {\n"
            "    const value = VALUES[roman[i]];\n"
            "    const next = i + 1 < roman.length ? VALUES[roman[i + 1]] : 0;\n"
            "    total += value < next ? -value : value;\n"
            "  }\n"
            "  return total;\n"
            "}\n"
        ),
        "hints": [
            "Keep the symbol values in an object: `{ I: 1, V: 5, ... }`.",
            "Walk through the symbols and compare each one with the symbol after it.",
            "A symbol smaller than its right neighbour is subtracted; every other symbol is added.",
        ],
        "test_cases": [
            _test("additive only", 'console.log(romanToInt("III"));', "3\n"),
            _test("one subtraction", 'console.log(romanToInt("IV"));', "4\n"),
            _test("several subtractions", 'console.log(romanToInt("MCMXCIV"));', "1994\n"),
            _test("large to small", 'console.log(romanToInt("LVIII"));', "58\n", hidden=True),
            _test("nine", 'console.log(romanToInt("IX"));', "9\n", hidden=True),
            _test("the largest numeral", 'console.log(romanToInt("MMMCMXCIX"));', "3999\n", hidden=True),
            _test("a year", 'console.log(romanToInt("MMXXIV"));', "2024\n", hidden=True),
        ],
    },
    "topics": ["roman numerals", "conversion", "string", "map", "lookup table", "object", "parse", "number"],
    "idea": {
        "learning_objectives": [
            "Use an object as a lookup table",
            "Look ahead one element while looping over a string",
            "Turn the subtractive rule into a simple comparison",
        ],
        "concepts": ["lookup tables", "loops with index", "conditional expressions"],
        "description": (
            "Learners convert Roman numerals to numbers with romanToInt(roman). A lookup object gives each "
            "symbol's value, and comparing each symbol with its right neighbour decides whether it is added "
            "or subtracted, which handles IV, IX, XC and CM without special cases."
        ),
        "difficulty_rationale": "Medium: a lookup table plus a look-ahead rule that needs some thought to get right.",
    },
}

LRU_CACHE: dict[str, Any] = {
    "title": "Least recently used cache",
    "capsule_type": "CODE",
    "runtime_config": {"language": "javascript"},
    "difficulty": "hard",
    "problem_statement_md": """\
Web servers keep recent results in a small cache and throw away what has not been used for the longest
time. Implement such a cache as a class `LRUCache`.

* `new LRUCache(capacity)` creates an empty cache holding at most `capacity` entries (`capacity >= 1`).
* `get(key)` returns the value stored for `key`, or `-1` when the key is not in the cache. A successful
  `get` makes the key the **most recently used**.
* `put(key, value)` stores the value (replacing an old value of the same key) and makes the key the most
  recently used. If the cache now holds more than `capacity` entries, the **least recently used** entry
  is removed.

Both operations should take constant time on average.

### Example

```js
const cache = new LRUCache(2);
cache.put("a", 1);
cache.put("b", 2);
cache.get("a");     // 1 — "a" is now the most recently used
cache.put("c", 3);  // the cache is over capacity: "b" is evicted
cache.get("b");     // -1
```
""",
    "config_data": {
        "boilerplate_code": (
            "class LRUCache {\n"
            "  constructor(capacity) {\n"
            "    this.capacity = capacity;\n"
            "  }\n"
            "\n"
            "  get(key) {\n"
            "    // Return the value for key (and mark it as recently used), or -1.\n"
            "    return -1;\n"
            "  }\n"
            "\n"
            "  put(key, value) {\n"
            "    // Store the value; evict the least recently used key when over capacity.\n"
            "  }\n"
            "}\n"
        ),
        "reference_solution": (
            "class LRUCache {\n"
            "  constructor(capacity) {\n"
            "    this.capacity = capacity;\n"
            "    this.entries = new Map(); // iteration order = least to most recently used\n"
            "  }\n"
            "\n"
            "  get(key) {\n"
            "    if (!this.entries.has(key)) {\n"
            "      return -1;\n"
            "    }\n"
            "    const value = this.entries.get(key);\n"
            "    this.entries.delete(key);\n"
            "    this.entries.set(key, value);\n"
            "    return value;\n"
            "  }\n"
            "\n"
            "  put(key, value) {\n"
            "    this.entries.delete(key);\n"
            "    this.entries.set(key, value);\n"
            "    if (this.entries.size > this.capacity) {\n"
            "      const oldest = this.entries.keys().next().value;\n"
            "      this.entries.delete(oldest);\n"
            "    }\n"
            "  }\n"
            "}\n"
        ),
        "hints": [
            "A `Map` remembers the order in which keys were inserted, and deleting a key is constant time.",
            "To mark a key as recently used, delete it and set it again: it moves to the end of the Map.",
            "The least recently used key is then the first one: `this.entries.keys().next().value`.",
        ],
        "test_cases": [
            _test(
                "the example",
                'const cache = new LRUCache(2);\ncache.put("a", 1);\ncache.put("b", 2);\n'
                'console.log(cache.get("a"));\ncache.put("c", 3);\n'
                'console.log(cache.get("b"));\nconsole.log(cache.get("c"));',
                "1\n-1\n3\n",
            ),
            _test("an empty cache", 'const cache = new LRUCache(3);\nconsole.log(cache.get("missing"));', "-1\n"),
            _test(
                "capacity one",
                'const cache = new LRUCache(1);\ncache.put("x", 10);\ncache.put("y", 20);\n'
                'console.log(cache.get("x"), cache.get("y"));',
                "-1 20\n",
                hidden=True,
            ),
            _test(
                "putting an existing key updates and refreshes it",
                'const cache = new LRUCache(2);\ncache.put("a", 1);\ncache.put("b", 2);\ncache.put("a", 10);\n'
                'cache.put("c", 3);\nconsole.log(cache.get("a"), cache.get("b"), cache.get("c"));',
                "10 -1 3\n",
                hidden=True,
            ),
            _test(
                "a get refreshes the key",
                "const cache = new LRUCache(3);\n"
                'cache.put("a", 1);\ncache.put("b", 2);\ncache.put("c", 3);\ncache.get("a");\ncache.put("d", 4);\n'
                'console.log(["a", "b", "c", "d"].map((key) => cache.get(key)).join(","));',
                "1,-1,3,4\n",
                hidden=True,
            ),
            _test(
                "many operations",
                "const cache = new LRUCache(100);\n"
                "for (let i = 0; i < 20000; i++) {\n  cache.put(i, i * 2);\n  cache.get(i - 50);\n}\n"
                "console.log(cache.get(19999), cache.get(19850), cache.get(19900));",
                "39998 -1 39800\n",
                hidden=True,
            ),
        ],
    },
    "topics": ["cache", "lru", "class", "map", "hash map", "data structure", "eviction", "design", "object oriented"],
    "idea": {
        "learning_objectives": [
            "Design a class with a clear invariant (entries ordered by recency)",
            "Use Map's insertion order to get constant-time recency updates",
            "Implement an eviction policy",
        ],
        "concepts": ["classes", "Map", "iterators", "data-structure design", "amortized constant time"],
        "description": (
            "Learners build an LRUCache class with get and put, as used in front of slow services. They keep "
            "the entries in a Map ordered from least to most recently used, refresh a key by deleting and "
            "re-inserting it, and evict the first key when the cache overflows, all in constant time."
        ),
        "difficulty_rationale": (
            "Hard: a data-structure design problem where recency, updates and eviction interact, and the "
            "efficient solution relies on a non-obvious property of Map."
        ),
    },
}

BLUEPRINTS: list[dict[str, Any]] = [TITLE_CASE, GROUP_BY, ROMAN_NUMERALS, LRU_CACHE]
