"""Python 3 CODE capsules: Debian's /usr/bin/python3, one warm interpreter, one fork per test.

A test is the learner's code followed by its `test_call`, run as a fresh `__main__` module:

    source:     def find_largest(numbers):
                    return max(numbers)
    test_call:  print(find_largest([1, 5, 2]))      expected_output: "5\\n"

Why fork per test: one sandboxed interpreter start costs ~13 ms, a fork from a warm one ~1 ms
. The harness compiles the source once (a SyntaxError is the job's CE), imports ahead the
standard-library modules the source imports, then forks per test; each child gets a new `__main__`, so
no global state crosses tests, and files a test writes are removed before the next one. The interpreter
runs with -I -S: no site-packages, no user site, no PYTHON* variables, stdlib only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judges.limits import Limits
from judges.runtimes.base import CodeRuntime, TestSpec
from judges.sandbox import Sandbox


class PythonRuntime(CodeRuntime):
    language = "python"
    compile_is_syntax_check = True
    mode = "python"
    # The harness reports MemoryError itself (memory_error); these cover errors raised while printing it.
    memory_markers = ("MemoryError",)

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        return {"source": source, "filename": "solution.py", "calls": [test.test_call for test in tests]}


runtime = PythonRuntime()
