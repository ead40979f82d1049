"""The browser-run engines (static/src/runners/) agree with the server judge's conventions.

node-run.mjs runs a job with the same core modules the browser's Web Workers use (Pyodide, the JavaScript runner,
sql.js), in Node.js; these tests check its verdicts, outputs and messages. Pyodide takes seconds to start, so the
Python checks share one job of many tests (module-scoped). The engines come from node_modules (`make`, npm ci).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node") or "/usr/bin/node"
RUNNER = ROOT / "static" / "src" / "runners" / "node-run.mjs"

def run_job(job: dict[str, Any], *, env: dict[str, str] | None = None, timeout: float = 120) -> dict[str, Any]:
    done = subprocess.run(
        [NODE, str(RUNNER)], input=json.dumps(job), capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


PY_SOURCE = """\
import math
counter = 0

def area(r):
    global counter
    counter += 1
    return math.pi * r * r

def div(a, b):
    return a // b
"""

PY_TESTS: list[dict[str, Any]] = [
    {"test_call": "print(round(area(1), 5))", "expected_output": "3.14159"},  # 0 AC
    {"test_call": "print(area(1))", "expected_output": "3.14159", "compare": "numeric", "tolerance": 1e-5},  # 1 AC
    {"test_call": "print(area(1))", "expected_output": "3.14", "compare": "numeric", "tolerance": 1e-6},  # 2 WA
    {"test_call": "print(div(7, 2))", "expected_output": "4"},  # 3 WA
    {"test_call": "print(div(1, 0))", "expected_output": "0"},  # 4 RE
    {"test_call": "print(counter); area(2); print(counter)", "expected_output": "0\n1"},  # 5 fresh namespace
    {"test_call": "print('counter' in globals(), __name__)", "expected_output": "True __main__"},  # 6
    {"test_call": "leaked = 1"},  # 7
    {"test_call": "print('leaked' in globals())", "expected_output": "False"},  # 8 nothing crosses tests
    {"test_call": "print(input())"},  # 9 stdin is empty
    {"test_call": "import sys; print('bye'); sys.exit(0)", "expected_output": "bye"},  # 10 clean exit
    {"test_call": "import sys; sys.exit(3)"},  # 11 RE status 3
    {"test_call": "print('x' * 5000)"},  # 12 OLE (output_bytes 1024)
    {"test_call": "print(div(1,"},  # 13 a test call that does not compile: RE
    {"test_call": "print('a  \\r\\n\\n')", "expected_output": "a"},  # 14 trim
    {"test_call": "while True: pass"},  # 15 TLE
    {"test_call": "print('never')"},  # 16 NR
]


@pytest.fixture(scope="module")
def python_run() -> dict[str, Any]:
    return run_job({"engine": "python", "source": PY_SOURCE, "tests": PY_TESTS, "limits": {"wall_seconds": 1.5, "output_bytes": 1024}})


def test_python_verdicts_follow_the_server_rules(python_run):
    assert python_run["engine_version"].startswith("Python 3.11.")
    verdicts = [test["verdict"] for test in python_run["tests"]]
    assert verdicts == [
        "AC", "AC", "WA", "WA", "RE", "AC", "AC", "AC", "AC", "RE", "AC", "RE", "OLE", "RE", "AC", "TLE", "NR",
    ]  # fmt: skip
    assert python_run["stopped"] == "limit"


def test_python_messages_match_the_server(python_run):
    tests = python_run["tests"]
    assert tests[2]["message"] == "Wrong output: value 1: expected 3.14 (tolerance 1e-06), got 3.141592653589793."
    assert tests[3]["message"] == "Wrong output: line 1: expected '4', got '3'."
    assert tests[4]["message"] == "The program exited with status 1: ZeroDivisionError: integer division or modulo by zero"
    assert tests[4]["stderr"].startswith('Traceback (most recent call last):\n  File "<test 5>", line 1, in <module>\n')
    assert 'File "solution.py", line 10, in div' in tests[4]["stderr"]
    assert "harness" not in tests[4]["stderr"]
    assert tests[9]["message"] == "The program exited with status 1: EOFError: EOF when reading a line"
    assert tests[11]["message"] == "The program exited with status 3."
    assert tests[12]["message"] == "The program wrote more than 1024 bytes to standard output and was stopped."
    assert len(tests[12]["stdout"]) == 1024
    assert tests[13]["message"].endswith("SyntaxError: '(' was never closed")
    assert tests[15]["message"] == "The program did not finish within 1.5 s (wall clock) and was stopped."
    assert tests[16]["message"] == "Not run: an earlier test ran out of time or memory, so the rest were not run."


def test_python_runs_each_test_in_a_fresh_main_module(python_run):
    tests = python_run["tests"]
    assert tests[5]["stdout"] == "0\n1\n"  # the global counter starts again
    assert tests[8]["stdout"] == "False\n"  # a global of the test before is gone
    assert tests[10]["stdout"] == "bye\n"


def test_python_syntax_error_is_a_compile_error_for_every_test():
    result = run_job({"engine": "python", "source": "def f(:\n    pass\n", "tests": [{"test_call": "f()"}, {"test_call": "f()"}]})
    assert [test["verdict"] for test in result["tests"]] == ["CE", "CE"]
    assert result["tests"][0]["message"] == 'Compilation failed: File "solution.py", line 1'
    assert "SyntaxError: invalid syntax" in result["tests"][0]["compile_error"]


# --- JavaScript ------------------------------------------------------------------------------------------------

JS_VALUES = [
    "[1, 2, 3]",
    "{ a: 1, b: 'two', c: [1, 2, { d: 3 }] }",
    "['it\\'s', 'plain', 'say \"hi\"']",
    "Array.from({ length: 40 }, (_, i) => i * i)",
    "Array.from({ length: 120 }, (_, i) => i)",
    "{ nested: { deeper: { deepest: { gone: 1 } } } }",
    "[undefined, null, NaN, -0, 10n, true]",
    "new Map([['a', 1], ['b', [2, 3]]])",
    "new Set(['x', 'y'])",
    "Object.assign(Object.create(null), { z: 1 })",
    "{ 'needs-quotes': 1, ok: 2 }",
    "[function named() {}, () => {}, class Shape {}]",
    "Array.from({ length: 8 }, (_, i) => ({ id: i, name: 'item' + i }))",
    "[[1, [2, [3, [4]]]]]",
    "'%s has %d items', 'cart', 3",
    "'top-level string', 42, 'more'",
]


def test_javascript_console_log_formats_like_node():
    source = "class Point { constructor(x, y) { this.x = x; this.y = y; } }\n"
    calls = [f"console.log({value})" for value in JS_VALUES] + ["console.log(new Point(1, 2), [new Point(3, 4)])"]
    result = run_job({"engine": "javascript", "source": source, "tests": [{"test_call": call} for call in calls]})
    assert result["engine_version"].startswith("Node.js v")
    expected = subprocess.run([NODE, "-e", source + "\n".join(calls)], capture_output=True, text=True, check=True, timeout=30).stdout
    got = "".join(test["stdout"] for test in result["tests"])
    assert [test["verdict"] for test in result["tests"]] == ["AC"] * len(calls)
    assert got == expected


def test_javascript_conventions():
    source = (
        "const square = (n) => n * n;\nlet calls = 0;\nfunction f(n) { calls++; if (n < 0) throw new RangeError('negative'); return n; }\n"
    )
    tests = [
        {"test_call": "console.log(square(4))", "expected_output": "16"},  # const of the source is visible
        {"test_call": "console.log(square(5))", "expected_output": "24"},  # WA
        {"test_call": "console.log(calls); f(1); console.log(calls); globalThis.leak = 1", "expected_output": "0\n1"},
        {"test_call": "console.log(typeof leak)", "expected_output": "undefined"},  # fresh context
        {"test_call": "f(-1)"},  # RE
        {"test_call": "setTimeout(() => console.log('later'), 20); console.log('now')", "expected_output": "now\nlater"},
        {"test_call": "process.exit(4)"},
        {"test_call": "Promise.reject(new Error('nope'))"},
        {"test_call": "for (;;) {}"},  # TLE
        {"test_call": "console.log(1)"},  # NR
    ]
    result = run_job({"engine": "javascript", "source": source, "tests": tests, "limits": {"wall_seconds": 1}})
    verdicts = [test["verdict"] for test in result["tests"]]
    assert verdicts == ["AC", "WA", "AC", "AC", "RE", "AC", "RE", "RE", "TLE", "NR"]
    by_index = result["tests"]
    assert by_index[1]["message"] == "Wrong output: line 1: expected '24', got '25'."
    assert "RangeError: negative\n    at f (/home/learner/solution.js:3:" in by_index[4]["stderr"]
    assert by_index[6]["message"] == "The program exited with status 4."
    assert "Error: nope" in by_index[7]["stderr"]


def test_javascript_syntax_error_is_a_compile_error():
    result = run_job({"engine": "javascript", "source": "function f( {", "tests": [{"test_call": "f()"}]})
    assert result["tests"][0]["verdict"] == "CE"
    assert result["tests"][0]["message"] == "Compilation failed: /home/learner/solution.js:1"
    assert "SyntaxError" in result["tests"][0]["compile_error"]


# --- SQLite ----------------------------------------------------------------------------------------------------

SEED = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, balance REAL, avatar BLOB);
INSERT INTO customers VALUES (1, 'Ada', 10.5, x'cafe'), (2, 'Bob', NULL, NULL), (3, 'Cy', -2.25, NULL);
"""


def test_sqlite_result_grid():
    result = run_job(
        {
            "engine": "sqlite",
            "seed_sql": SEED,
            "query": "SELECT id, name, balance, avatar FROM customers ORDER BY id",
            "limits": {"max_rows": 2},
        }
    )
    assert result["engine_version"].startswith("SQLite 3.")
    grid = result["result"]
    assert grid["verdict"] == "AC"
    assert grid["columns"] == ["id", "name", "balance", "avatar"]
    assert grid["rows"] == [[1, "Ada", 10.5, "x'cafe'"], [2, "Bob", None, None]]
    assert (grid["row_count"], grid["truncated"], grid["ordered"]) == (3, True, True)


def test_sqlite_last_statement_with_columns_counts():
    query = "INSERT INTO customers (name) VALUES ('Dee'); SELECT count(*) AS n FROM customers; -- done"
    grid = run_job({"engine": "sqlite", "seed_sql": SEED, "query": query})["result"]
    assert (grid["verdict"], grid["columns"], grid["rows"], grid["ordered"]) == ("AC", ["n"], [[4]], False)


def test_sqlite_errors_are_sqlite_messages():
    assert (
        run_job({"engine": "sqlite", "seed_sql": SEED, "query": "SELECT nope FROM customers"})["result"]["error"] == "no such column: nope"
    )
    seed_failed = run_job({"engine": "sqlite", "seed_sql": "CREATE TABL x", "query": "SELECT 1"})["result"]
    assert seed_failed["verdict"] == "RE"
    assert seed_failed["error"] == 'the seed SQL failed: near "TABL": syntax error'


def test_sqlite_query_over_the_wall_clock_is_tle():
    query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    grid = run_job({"engine": "sqlite", "seed_sql": "", "query": query, "limits": {"wall_seconds": 1}})["result"]
    assert (grid["verdict"], grid["error"]) == ("TLE", "The query did not finish within 1 s.")


def test_engines_dir_can_replace_node_modules(tmp_path):
    engines = tmp_path / "engines" / "sqljs-test"
    engines.mkdir(parents=True)
    (tmp_path / "engines" / "engines.json").write_text(json.dumps({"sqljs": "sqljs-test"}))
    for name in ("sql-wasm.js", "sql-wasm.wasm"):
        shutil.copy(ROOT / "node_modules" / "sql.js" / "dist" / name, engines / name)
    result = run_job(
        {"engine": "sqlite", "seed_sql": SEED, "query": "SELECT name FROM customers WHERE id = 1"},
        env={"CODECAPSULE_ENGINES_DIR": str(tmp_path / "engines")},
    )
    assert result["result"]["rows"] == [["Ada"]]


REALS = ["1.0", "-2.0", "0.5", "1e-05", "0.0001", "1e+16", "1e15", "123.456", "0.1 + 0.2", "9e999", "-9e999", "5e-324", "-0.0", "2.5e-300"]


def test_sqlite_reals_stay_floats_and_read_as_python_shows_them():
    # The server's grid shows Python's str() of each value: an INTEGER as 1, a REAL as 1.0, 1e-05, 1e+16, inf.
    query = "SELECT " + ", ".join(REALS) + ", 1, 9007199254740993, '1.0'"
    grid = run_job({"engine": "sqlite", "seed_sql": "", "query": query})["result"]
    row = grid["rows"][0]
    expected = sqlite3.connect(":memory:").execute(query).fetchone()
    assert [str(value) for value in row] == [str(value) for value in expected]
    assert [type(value) for value in row] == [type(value) for value in expected]
    assert [str(value) for value in row[:6]] == ["1.0", "-2.0", "0.5", "1e-05", "0.0001", "1e+16"]


def test_python_float_repr_in_javascript_matches_python():
    values = [1.0, 0.1, 1 / 3, 2.0**60, 1e16, 9999999999999998.0, 1e-4, 1e-5, 123456789.125, 1.5e300, 5e-324, -0.0, -1e22]
    script = (
        "import { pythonFloatRepr } from './sqlite-core.js';\n"
        f"for (const x of {json.dumps(values)}.concat([-0, Infinity, -Infinity, NaN])) console.log(pythonFloatRepr(x));\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script], cwd=RUNNER.parent, capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.splitlines() == [repr(value) for value in [*values, -0.0, math.inf, -math.inf, math.nan]]
