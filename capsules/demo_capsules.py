"""The demo course that `manage.py seed_demo` loads: real, solvable exercises in the BaseCapsule shape.

capsules/tests/test_command_seed_demo.py runs every one of them with real interpreters: each reference
passes every test, each boilerplate fails at least one, and each terminal check fails before its
solution ran and passes after. Keep it that way when editing.

How the judge runs these (the conventions the demo data is written against):

* CODE, python / javascript — a test's program is the learner's code, a newline, then `test_call`,
  run as one file (`python3 main.py`, `node main.js`). `test_call` prints a value; `expected_output` is
  exactly what it prints, e.g. `print(find_largest([1, 5, 2]))` → `"5\\n"`.
* CODE, java — the learner's code declares non-public top-level classes (here `class Solution` with
  static methods). A test's program is the learner's code followed by

      public class Main {
          public static void main(String[] args) {
              <test_call>
          }
      }

  compiled as Main.java; `test_call` is one or more statements, e.g.
  `System.out.println(Solution.reverseWords("a b"));` → `"b a\\n"`.
* DATABASE, sqlite — `seed_sql` runs on an empty database; the learner's query and the reference query
  then run on it, and the result rows (in order, as the statement asks for a sort) must be equal. The same
  again on the hidden dataset (`hidden_seed_sql`: the same tables, other rows, never shown to learners), on
  which the reference's result differs and the usual wrong queries fail.
* TERMINAL, bash — `setup_script` runs once in an empty workspace directory; the tasks are then done in
  order in that same directory (the current directory of every script). A task's `validation_script`
  prints `pass` and exits 0 when the task is done, and prints `fail` and exits 1 otherwise;
  `solution_commands` complete the task.
"""

from __future__ import annotations

import copy
from typing import Any

DEMO_USERNAME = "demo"

_PY_COUNT_VOWELS: dict[str, Any] = {
    "title": "Count the vowels",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "easy",
    "is_public": True,
    "problem_statement_md": """\
Write a function `count_vowels(text)` that returns **how many vowels** a piece of text contains.

* The vowels are `a`, `e`, `i`, `o` and `u`.
* Upper and lower case both count: `"A"` is a vowel too.
* Every other character (consonants, digits, spaces, punctuation) is ignored.

### Examples

| call | result |
|------|--------|
| `count_vowels("hello")` | `2` |
| `count_vowels("Sky")` | `0` |
| `count_vowels("AEIOU xyz")` | `5` |
""",
    "config_data": {
        "boilerplate_code": "def count_vowels(text):\n    # Count the vowels in text and return the number.\n    return 0\n",
        "reference_solution": (
            "def count_vowels(text):\n"
            "    return sum(1 for character in text.lower() if character in \"aeiou\")\n"
        ),
        "hints": [
            "Loop over the characters of the text and keep a counter.",
            "`text.lower()` lets you compare against lower-case vowels only.",
            "`character in \"aeiou\"` tells you whether a character is a vowel.",
        ],
        "test_cases": [
            {"description": "a short word", "test_call": "print(count_vowels(\"hello\"))", "expected_output": "2\n", "is_hidden": False},
            {"description": "no vowels at all", "test_call": "print(count_vowels(\"Sky\"))", "expected_output": "0\n", "is_hidden": False},
            {"description": "capital vowels count too", "test_call": "print(count_vowels(\"AEIOU xyz\"))",
             "expected_output": "5\n", "is_hidden": False},
            {"description": "a whole sentence", "test_call": "print(count_vowels(\"The quick brown fox jumps over the lazy dog!\"))",
             "expected_output": "11\n", "is_hidden": True},
            {"description": "y is not a vowel", "test_call": "print(count_vowels(\"rhythm & blues\"))",
             "expected_output": "2\n", "is_hidden": True},
        ],
    },
}

_PY_BALANCED: dict[str, Any] = {
    "title": "Balanced brackets",
    "capsule_type": "CODE",
    "runtime_config": {"language": "python"},
    "difficulty": "medium",
    "is_public": True,
    "problem_statement_md": """\
Editors highlight a missing bracket the moment you type. Write the check they use:
`is_balanced(text)` returns `True` when every bracket in `text` is closed **in the right order**,
and `False` otherwise.

* The brackets are `()`, `[]` and `{}`.
* Any other character is ignored.
* An empty string is balanced.

```text
is_balanced("([]{})")    → True
is_balanced("([)]")      → False   # ] closes ( — wrong order
is_balanced("((")        → False   # never closed
```
""",
    "config_data": {
        "boilerplate_code": "def is_balanced(text):\n    # Return True when every bracket is closed in the right order.\n    pass\n",
        "reference_solution": (
            "def is_balanced(text):\n"
            "    pairs = {\")\": \"(\", \"]\": \"[\", \"}\": \"{\"}\n"
            "    stack = []\n"
            "    for character in text:\n"
            "        if character in \"([{\":\n"
            "            stack.append(character)\n"
            "        elif character in pairs:\n"
            "            if not stack or stack.pop() != pairs[character]:\n"
            "                return False\n"
            "    return not stack\n"
        ),
        "hints": [
            "Counting brackets is not enough: `([)]` has matching counts but is not balanced.",
            "Keep a stack (a Python list) of the brackets that are still open.",
            "On a closing bracket, the most recently opened bracket must be its partner.",
            "At the end, the stack must be empty.",
        ],
        "test_cases": [
            {"description": "nested brackets", "test_call": "print(is_balanced(\"([]{})\"))",
             "expected_output": "True\n", "is_hidden": False},
            {"description": "closed in the wrong order", "test_call": "print(is_balanced(\"([)]\"))",
             "expected_output": "False\n", "is_hidden": False},
            {"description": "other characters are ignored", "test_call": "print(is_balanced(\"def f(x): return [x, {1: 2}]\"))",
             "expected_output": "True\n", "is_hidden": False},
            {"description": "never closed", "test_call": "print(is_balanced(\"((\"))", "expected_output": "False\n", "is_hidden": False},
            {"description": "a closing bracket first", "test_call": "print(is_balanced(\"]\"))",
             "expected_output": "False\n", "is_hidden": True},
            {"description": "the empty string", "test_call": "print(is_balanced(\"\"))", "expected_output": "True\n", "is_hidden": True},
        ],
    },
}

_JS_CHUNK: dict[str, Any] = {
    "title": "Split an array into chunks",
    "capsule_type": "CODE",
    "runtime_config": {"language": "javascript"},
    "difficulty": "easy",
    "is_public": True,
    "problem_statement_md": """\
A photo gallery shows its pictures in rows of a fixed size. Write `chunk(items, size)` that splits an
array into consecutive groups of `size` elements.

* The last group holds whatever is left, so it may be shorter.
* An empty array gives an empty array.
* `size` is always a positive integer.

```js
chunk([1, 2, 3, 4, 5], 2)  // [[1, 2], [3, 4], [5]]
chunk(["a", "b"], 5)       // [["a", "b"]]
```
""",
    "config_data": {
        "boilerplate_code": "function chunk(items, size) {\n  // Return an array of arrays, each at most `size` long.\n  return [];\n}\n",
        "reference_solution": (
            "function chunk(items, size) {\n"
            "  const groups = [];\n"
            "  for (let start = 0; start < items.length; start += size) {\n"
            "    groups.push(items.slice(start, start + size));\n"
            "  }\n"
            "  return groups;\n"
            "}\n"
        ),
        "hints": [
            "Walk through the array in steps of `size`.",
            "`items.slice(start, end)` copies a part of an array; `end` may run past the last index.",
        ],
        "test_cases": [
            {"description": "a short last group", "test_call": "console.log(JSON.stringify(chunk([1, 2, 3, 4, 5], 2)));",
             "expected_output": "[[1,2],[3,4],[5]]\n", "is_hidden": False},
            {"description": "size larger than the array", "test_call": "console.log(JSON.stringify(chunk([\"a\", \"b\"], 5)));",
             "expected_output": "[[\"a\",\"b\"]]\n", "is_hidden": False},
            {"description": "an empty array", "test_call": "console.log(JSON.stringify(chunk([], 3)));",
             "expected_output": "[]\n", "is_hidden": True},
            {"description": "groups of one", "test_call": "console.log(JSON.stringify(chunk([7, 8, 9], 1)));",
             "expected_output": "[[7],[8],[9]]\n", "is_hidden": True},
        ],
    },
}

_JAVA_REVERSE_WORDS: dict[str, Any] = {
    "title": "Reverse the words of a sentence",
    "capsule_type": "CODE",
    "runtime_config": {"language": "java"},
    "difficulty": "medium",
    "is_public": True,
    "problem_statement_md": """\
Complete `Solution.reverseWords(String sentence)`: it returns the words of the sentence in reverse
order, separated by **single** spaces.

* Words are separated by one or more spaces.
* Leading and trailing spaces are dropped.
* The letters inside a word stay as they are.

| input | output |
|-------|--------|
| `"the sky is blue"` | `"blue is sky the"` |
| `"  hello   world  "` | `"world hello"` |
""",
    "config_data": {
        "boilerplate_code": (
            "class Solution {\n"
            "    static String reverseWords(String sentence) {\n"
            "        // Return the words in reverse order, joined by single spaces.\n"
            "        return sentence;\n"
            "    }\n"
            "}\n"
        ),
        "reference_solution": (
            "import java.util.ArrayList;\n"
            "import java.util.Arrays;\n"
            "import java.util.Collections;\n"
            "import java.util.List;\n"
            "\n"
            "class Solution {\n"
            "    static String reverseWords(String sentence) {\n"
            "        String trimmed = sentence.trim();\n"
            "        if (trimmed.isEmpty()) {\n"
            "            return \"\";\n"
            "        }\n"
            "        List<String> words = new ArrayList<>(Arrays.asList(trimmed.split(\"\\\\s+\")));\n"
            "        Collections.reverse(words);\n"
            "        return String.join(\" \", words);\n"
            "    }\n"
            "}\n"
        ),
        "hints": [
            "`sentence.trim()` removes the spaces at both ends.",
            "`split(\"\\\\s+\")` splits on runs of whitespace.",
            "`Collections.reverse` and `String.join(\" \", words)` finish the job.",
        ],
        "test_cases": [
            {"description": "a simple sentence",
             "test_call": "System.out.println(Solution.reverseWords(\"the sky is blue\"));",
             "expected_output": "blue is sky the\n", "is_hidden": False},
            {"description": "extra spaces are dropped",
             "test_call": "System.out.println(\"[\" + Solution.reverseWords(\"  hello   world  \") + \"]\");",
             "expected_output": "[world hello]\n", "is_hidden": False},
            {"description": "a single word",
             "test_call": "System.out.println(\"[\" + Solution.reverseWords(\"one\") + \"]\");",
             "expected_output": "[one]\n", "is_hidden": True},
            {"description": "punctuation stays inside its word",
             "test_call": "System.out.println(Solution.reverseWords(\"Hello, brave new world!\"));",
             "expected_output": "world! new brave Hello,\n", "is_hidden": True},
        ],
    },
}

_SHOP_SEED_SQL = """\
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    ordered_on TEXT NOT NULL
);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL
);
INSERT INTO customers (id, name, country) VALUES
    (1, 'Ada Lovelace', 'UK'),
    (2, 'Grace Hopper', 'US'),
    (3, 'Linus Torvalds', 'FI'),
    (4, 'Margaret Hamilton', 'US');
INSERT INTO orders (id, customer_id, ordered_on) VALUES
    (1, 1, '2024-01-15'),
    (2, 2, '2024-01-20'),
    (3, 1, '2024-02-03'),
    (4, 3, '2024-02-11');
INSERT INTO order_items (order_id, product, quantity, unit_price_cents) VALUES
    (1, 'Mechanical keyboard', 1, 8900),
    (1, 'USB cable', 2, 450),
    (2, 'Monitor', 1, 15900),
    (3, 'Notebook', 3, 300),
    (4, 'USB cable', 1, 450),
    (4, 'Laptop stand', 1, 2900);
"""

# Three customers tied at 0 and inserted against name order — one with an order that has no items, two who
# never ordered — and quantities above 1, so that a missing LEFT JOIN, COALESCE, quantity or name tie-break fails.
_SHOP_HIDDEN_SEED_SQL = """\
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    ordered_on TEXT NOT NULL
);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL
);
INSERT INTO customers (id, name, country) VALUES
    (1, 'Katherine Johnson', 'US'),
    (2, 'Tim Berners-Lee', 'UK'),
    (3, 'Hedy Lamarr', 'AT'),
    (4, 'Alan Kay', 'US'),
    (5, 'Barbara Liskov', 'US'),
    (6, 'Dennis Ritchie', 'US');
INSERT INTO orders (id, customer_id, ordered_on) VALUES
    (1, 2, '2024-03-02'),
    (2, 1, '2024-03-05'),
    (3, 4, '2024-03-09'),
    (4, 2, '2024-03-15'),
    (5, 5, '2024-03-20'),
    (6, 4, '2024-03-28');
INSERT INTO order_items (id, order_id, product, quantity, unit_price_cents) VALUES
    (1, 1, 'Monitor', 1, 15900),
    (2, 1, 'USB cable', 3, 450),
    (3, 2, 'Laptop stand', 2, 2900),
    (4, 3, 'Mechanical keyboard', 1, 8900),
    (5, 4, 'Notebook', 5, 300),
    (6, 6, 'Webcam', 1, 4500);
"""

_DB_REVENUE: dict[str, Any] = {
    "title": "Revenue per customer",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "medium",
    "is_public": True,
    "problem_statement_md": """\
The shop wants to know what each customer has spent so far.

Write a query that returns **every customer** — including those who have not ordered anything yet —
with two columns:

* `name` — the customer's name
* `total_cents` — the sum of `quantity × unit_price_cents` over all their order items (`0` when they
  have no orders)

Sort by `total_cents`, highest first; customers with the same total are sorted by `name`.
""",
    "config_data": {
        "boilerplate_code": "SELECT c.name, 0 AS total_cents\nFROM customers AS c;\n",
        "reference_solution": (
            "SELECT c.name,\n"
            "       COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS total_cents\n"
            "FROM customers AS c\n"
            "LEFT JOIN orders AS o ON o.customer_id = c.id\n"
            "LEFT JOIN order_items AS oi ON oi.order_id = o.id\n"
            "GROUP BY c.id, c.name\n"
            "ORDER BY total_cents DESC, c.name;\n"
        ),
        "hints": [
            "An order's items are in order_items; join customers → orders → order_items.",
            "A plain JOIN drops customers without orders. Which join keeps them?",
            "GROUP BY the customer and SUM(quantity * unit_price_cents).",
            "SUM over no rows is NULL; COALESCE(…, 0) turns it into 0.",
        ],
        "schema_info": [
            {"table_name": "customers", "columns": ["id (INTEGER)", "name (TEXT)", "country (TEXT)"]},
            {"table_name": "orders", "columns": ["id (INTEGER)", "customer_id (INTEGER)", "ordered_on (TEXT)"]},
            {
                "table_name": "order_items",
                "columns": ["id (INTEGER)", "order_id (INTEGER)", "product (TEXT)", "quantity (INTEGER)", "unit_price_cents (INTEGER)"],
            },
        ],
        "dialect": "sqlite",
        "seed_sql": _SHOP_SEED_SQL,
        "hidden_seed_sql": _SHOP_HIDDEN_SEED_SQL,
    },
}

_LIBRARY_SEED_SQL = """\
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    published_year INTEGER NOT NULL,
    copies_available INTEGER NOT NULL
);
INSERT INTO books (title, author, published_year, copies_available) VALUES
    ('Dune', 'Frank Herbert', 1965, 2),
    ('Neuromancer', 'William Gibson', 1984, 0),
    ('The Left Hand of Darkness', 'Ursula K. Le Guin', 1969, 1),
    ('Snow Crash', 'Neal Stephenson', 1992, 0),
    ('Foundation', 'Isaac Asimov', 1951, 3),
    ('Hyperion', 'Dan Simmons', 1989, 0),
    ('The Dispossessed', 'Ursula K. Le Guin', 1974, 0);
"""

# A book from exactly 1970 with no copies, books after 1970 that are in stock, and the answer inserted out of
# year order (and out of title order); no two answers share a year, since the reference sorts by year alone.
_LIBRARY_HIDDEN_SEED_SQL = """\
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    published_year INTEGER NOT NULL,
    copies_available INTEGER NOT NULL
);
INSERT INTO books (id, title, author, published_year, copies_available) VALUES
    (1, 'Kindred', 'Octavia E. Butler', 1979, 0),
    (2, 'Ringworld', 'Larry Niven', 1970, 0),
    (3, 'The Handmaid''s Tale', 'Margaret Atwood', 1985, 2),
    (4, 'Solaris', 'Stanislaw Lem', 1961, 0),
    (5, 'The Forever War', 'Joe Haldeman', 1974, 0),
    (6, 'Parable of the Sower', 'Octavia E. Butler', 1993, 0),
    (7, 'Cat''s Cradle', 'Kurt Vonnegut', 1963, 1),
    (8, 'Blindsight', 'Peter Watts', 2006, 0),
    (9, 'Gateway', 'Frederik Pohl', 1977, 3);
"""

_DB_OUT_OF_STOCK: dict[str, Any] = {
    "title": "Books to reorder",
    "capsule_type": "DATABASE",
    "runtime_config": {"language": "sql"},
    "difficulty": "easy",
    "is_public": True,
    "problem_statement_md": """\
The library reorders every book that has **no copies available** and was published **after 1970**.

Return the `title` and `author` of those books, oldest publication first.
""",
    "config_data": {
        "boilerplate_code": "SELECT title, author\nFROM books;\n",
        "reference_solution": (
            "SELECT title, author\n"
            "FROM books\n"
            "WHERE copies_available = 0 AND published_year > 1970\n"
            "ORDER BY published_year;\n"
        ),
        "hints": [
            "Two conditions in a WHERE clause are combined with AND.",
            "\"Oldest first\" is ascending order: ORDER BY published_year.",
        ],
        "schema_info": [
            {
                "table_name": "books",
                "columns": ["id (INTEGER)", "title (TEXT)", "author (TEXT)", "published_year (INTEGER)", "copies_available (INTEGER)"],
            }
        ],
        "dialect": "sqlite",
        "seed_sql": _LIBRARY_SEED_SQL,
        "hidden_seed_sql": _LIBRARY_HIDDEN_SEED_SQL,
    },
}

_BASH_TIDY_DOWNLOADS: dict[str, Any] = {
    "title": "Tidy up a downloads folder",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "easy",
    "is_public": True,
    "problem_statement_md": """\
Your `downloads/` folder is a mess of pictures and documents. Sort it out from the shell.

1. Create two folders next to `downloads/`: `images/` and `documents/`.
2. Move every `.jpg` and `.png` file from `downloads/` into `images/`.
3. Move every `.pdf` and `.txt` file from `downloads/` into `documents/`.

Use `ls` to look around at any time.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`mkdir` accepts several names at once.",
            "`mv` moves files; a glob like `downloads/*.jpg` matches every JPEG.",
            "`mv downloads/*.pdf downloads/*.txt documents/` moves two kinds of files at once.",
        ],
        "setup_script": (
            "mkdir -p downloads\n"
            "touch downloads/beach.jpg downloads/cat.png downloads/diagram.png\n"
            "printf 'milk\\neggs\\n' > downloads/shopping.txt\n"
            "printf '%%PDF-1.4\\n' > downloads/invoice.pdf\n"
        ),
        "tasks": [
            {
                "task_id": "make-folders",
                "description": "Create the folders images/ and documents/.",
                "validation_script": "if [ -d images ] && [ -d documents ]; then echo pass; else echo fail; exit 1; fi",
                "solution_commands": "mkdir images documents",
            },
            {
                "task_id": "move-images",
                "description": "Move every .jpg and .png file from downloads/ into images/.",
                "validation_script": (
                    "if [ -f images/beach.jpg ] && [ -f images/cat.png ] && [ -f images/diagram.png ] "
                    "&& [ -z \"$(find downloads -maxdepth 1 \\( -name '*.jpg' -o -name '*.png' \\))\" ]; "
                    "then echo pass; else echo fail; exit 1; fi"
                ),
                "solution_commands": "mv downloads/*.jpg downloads/*.png images/",
            },
            {
                "task_id": "move-documents",
                "description": "Move every .pdf and .txt file from downloads/ into documents/.",
                "validation_script": (
                    "if [ -f documents/invoice.pdf ] && [ -f documents/shopping.txt ] "
                    "&& [ -z \"$(find downloads -maxdepth 1 \\( -name '*.pdf' -o -name '*.txt' \\))\" ]; "
                    "then echo pass; else echo fail; exit 1; fi"
                ),
                "solution_commands": "mv downloads/*.pdf downloads/*.txt documents/",
            },
        ],
    },
}

_BASH_LOG_DETECTIVE: dict[str, Any] = {
    "title": "Log file detective",
    "capsule_type": "TERMINAL",
    "runtime_config": {"language": "bash"},
    "difficulty": "medium",
    "is_public": True,
    "problem_statement_md": """\
The web server wrote `server.log`. Each line looks like

```text
2024-03-01T10:00:00 ERROR 10.0.0.7 payment timeout
```

(time, level, client IP, message). Answer three questions with shell tools and save each answer in a file.

1. How many lines have the level `ERROR`? Write just the number to `error_count.txt`.
2. Which client IPs caused an `ERROR`? Write each IP **once**, sorted, one per line, to `error_ips.txt`.
3. Write a script `errors_today.sh` that prints the `ERROR` lines of any log file given as its first
   argument (`./errors_today.sh server.log`), and make it executable.
""",
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": [
            "`grep -c PATTERN FILE` counts matching lines.",
            "`awk '{print $3}'` prints the third column; `sort -u` sorts and removes duplicates.",
            "A script starts with `#!/bin/bash`; `\"$1\"` is its first argument; `chmod +x` makes it executable.",
        ],
        "setup_script": (
            "cat > server.log <<'LOG'\n"
            "2024-03-01T10:00:00 INFO 10.0.0.5 GET /\n"
            "2024-03-01T10:00:02 ERROR 10.0.0.7 payment timeout\n"
            "2024-03-01T10:00:03 INFO 10.0.0.9 GET /cart\n"
            "2024-03-01T10:00:05 WARN 10.0.0.5 slow response\n"
            "2024-03-01T10:00:07 ERROR 10.0.0.3 database unavailable\n"
            "2024-03-01T10:00:11 ERROR 10.0.0.7 payment timeout\n"
            "2024-03-01T10:00:13 INFO 10.0.0.3 GET /\n"
            "LOG\n"
        ),
        "tasks": [
            {
                "task_id": "count-errors",
                "description": "Write the number of ERROR lines in server.log to error_count.txt.",
                "validation_script": (
                    "if [ -f error_count.txt ] && [ \"$(tr -d '[:space:]' < error_count.txt)\" = \"3\" ]; "
                    "then echo pass; else echo fail; exit 1; fi"
                ),
                "solution_commands": "grep -c ' ERROR ' server.log > error_count.txt",
            },
            {
                "task_id": "error-ips",
                "description": "Write the IPs that caused an ERROR, once each and sorted, to error_ips.txt.",
                "validation_script": (
                    "if [ -f error_ips.txt ] && [ \"$(cat error_ips.txt)\" = \"$(printf '10.0.0.3\\n10.0.0.7')\" ]; "
                    "then echo pass; else echo fail; exit 1; fi"
                ),
                "solution_commands": "grep ' ERROR ' server.log | awk '{print $3}' | sort -u > error_ips.txt",
            },
            {
                "task_id": "error-script",
                "description": (
                    "Create an executable errors_today.sh that prints the ERROR lines of the log file named by its first argument."
                ),
                "validation_script": (
                    "printf 'x INFO 1.1.1.1 ok\\nx ERROR 2.2.2.2 boom\\n' > .check.log; "
                    "if [ -x errors_today.sh ] && [ \"$(./errors_today.sh .check.log)\" = \"x ERROR 2.2.2.2 boom\" ]; "
                    "then rm -f .check.log; echo pass; else rm -f .check.log; echo fail; exit 1; fi"
                ),
                "solution_commands": (
                    "printf '#!/bin/bash\\ngrep \" ERROR \" \"$1\"\\n' > errors_today.sh\n"
                    "chmod +x errors_today.sh"
                ),
            },
        ],
    },
}

_DEMO_CAPSULES: tuple[dict[str, Any], ...] = (
    _PY_COUNT_VOWELS,
    _PY_BALANCED,
    _JS_CHUNK,
    _JAVA_REVERSE_WORDS,
    _DB_OUT_OF_STOCK,
    _DB_REVENUE,
    _BASH_TIDY_DOWNLOADS,
    _BASH_LOG_DETECTIVE,
)


def demo_capsules() -> list[dict[str, Any]]:
    """Fresh copies of the demo capsules (callers may change them freely)."""
    return copy.deepcopy(list(_DEMO_CAPSULES))
