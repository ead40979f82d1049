"""JavaScript CODE capsules on Node.js (/usr/bin/node): one process per program, a fresh V8 context per test.

A test is the learner's code followed by its `test_call`, run as a CommonJS script (`require` works,
ES module `import`/`export` syntax does not):

    source:     function sum(xs) { return xs.reduce((a, b) => a + b, 0); }
    test_call:  console.log(sum([1, 2]))        expected_output: "3\\n"

The program's tests run in one Node process, javascript_runner.js (the harness's "Runners"): it compiles the
source once (a SyntaxError is the program's compile error), then runs it again for each test in a new
context, followed by the test's call, so no global or patched built-in crosses tests. A Node start costs
~40 ms in the sandbox: one per program, not one per test (and one more after a test that ended in an
uncaught error or process.exit, whose leftovers are not run into the next test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judges.limits import MB, Limits
from judges.runtimes.base import CodeRuntime, TestSpec
from judges.sandbox import Sandbox

NODE = "/usr/bin/node"


class JavaScriptRuntime(CodeRuntime):
    language = "javascript"
    compile_is_syntax_check = True
    memory_markers = ("JavaScript heap out of memory", "Reached heap limit", "Array buffer allocation failed")

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment() | {"NODE_DISABLE_COLORS": "1", "NO_COLOR": "1"}

    def compile_limits(self, limits: Limits) -> dict[str, Any]:
        # The runner's start (Node's, then the syntax check) is no compiler: the run budget, with a generous clock.
        return {
            "cpu": limits.cpu_seconds,
            "wall": max(limits.wall_seconds, 10.0),
            "as": limits.address_space_mb * MB,
            "output": limits.output_bytes,
        }

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        node = [NODE, f"--max-old-space-size={limits.heap_mb}"]
        return {
            "files": {"solution.js": source},
            "runner": {
                "argv": [*node, f"{box.judge_dir}/javascript_runner.js", "solution.js"],
                "tests": [test.test_call for test in tests],
                "compiles": True,
            },
        }


runtime = JavaScriptRuntime()
