"""Valid capsule bodies in the API's BaseCapsule shape, one per type, for tests to start from."""

from __future__ import annotations

import copy
from typing import Any

_CODE = {
    "title": "Find the largest number",
    "capsule_type": "CODE",
    "problem_statement_md": "Write `find_largest(numbers)` that returns the largest number in a non-empty list.",
    "runtime_config": {"language": "python"},
    "difficulty": "easy",
    "is_public": False,
    "config_data": {
        "boilerplate_code": "def find_largest(numbers):\n    pass\n",
        "reference_solution": "def find_largest(numbers):\n    return max(numbers)\n",
        "hints": ["Python has a built-in for this.", "Try max()."],
        "test_cases": [
            {
                "description": "three numbers",
                "test_call": "print(find_largest([1, 5, 2]))",
                "expected_output": "5\n",
                "is_hidden": False,
            },
            {
                "description": "negative numbers",
                "test_call": "print(find_largest([-3, -1, -7]))",
                "expected_output": "-1\n",
                "is_hidden": True,
            },
        ],
    },
}

_DATABASE = {
    "title": "Customers from Berlin",
    "capsule_type": "DATABASE",
    "problem_statement_md": "List the names of customers who live in Berlin, alphabetically.",
    "runtime_config": {"language": "sql"},
    "difficulty": "easy",
    "is_public": False,
    "config_data": {
        "boilerplate_code": "SELECT name FROM customers;",
        "reference_solution": "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name;",
        "hints": ["Filter with WHERE.", "Sort with ORDER BY."],
        "schema_info": [{"table_name": "customers", "columns": ["id (INTEGER)", "name (TEXT)", "city (TEXT)"]}],
        "dialect": "sqlite",
        "seed_sql": (
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"
            "INSERT INTO customers (name, city) VALUES ('Ada', 'Berlin'), ('Linus', 'Helsinki'), ('Grace', 'Berlin');\n"
        ),
        # The same table, other rows: the reference returns Alan, Barbara, Ken here. Explicit ids, so that the
        # same text also seeds PostgreSQL (where INTEGER PRIMARY KEY does not number rows by itself).
        "hidden_seed_sql": (
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"
            "INSERT INTO customers (id, name, city) VALUES (1, 'Ken', 'Berlin'), (2, 'Edsger', 'Amsterdam'), "
            "(3, 'Barbara', 'Berlin'), (4, 'Alan', 'Berlin'), (5, 'Margaret', 'Boston');\n"
        ),
    },
}

_TERMINAL = {
    "title": "Make a greeting file",
    "capsule_type": "TERMINAL",
    "problem_statement_md": "Create `hello.txt` containing the word `hello`, then make a `notes` directory.",
    "runtime_config": {"language": "bash"},
    "difficulty": "easy",
    "is_public": False,
    "config_data": {
        "environment_config": {"disk_image_url": ""},
        "hints": ["Use echo and a redirect.", "mkdir makes directories."],
        "setup_script": "",
        "tasks": [
            {
                "task_id": "create-file",
                "description": "Create hello.txt containing hello",
                "validation_script": "grep -qx hello hello.txt && echo pass || echo fail",
                "solution_commands": "echo hello > hello.txt",
            },
            {
                "task_id": "make-dir",
                "description": "Create a directory called notes",
                "validation_script": "test -d notes",
                "solution_commands": "mkdir notes",
            },
        ],
    },
}

SAMPLES = {"CODE": _CODE, "DATABASE": _DATABASE, "TERMINAL": _TERMINAL}


def capsule_data(capsule_type: str = "CODE", **overrides: Any) -> dict[str, Any]:
    """A fresh deep copy of a valid body; top-level keys can be overridden."""
    data = copy.deepcopy(SAMPLES[capsule_type])
    data.update(overrides)
    return data
