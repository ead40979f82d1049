"""JavaScript CODE capsules on Node.js (Debian's `nodejs`), one process per test.

A test is the learner's code followed by its `test_call`, run as one CommonJS script (`require` works,
ES module `import`/`export` syntax does not):

    source:     function sum(xs) { return xs.reduce((a, b) => a + b, 0); }
    test_call:  console.log(sum([1, 2]))        expected_output: "3\\n"

Compile step: `node --check solution.js` (a SyntaxError in the learner's code is the job's CE).
Each test then runs as `node main.js`, where main.js (written just before the run, removed after) is
the source, a line with `;`, and the call. Node cannot fork, so a test is a fresh process (~30 ms in the
sandbox); a worker-thread pool would be faster but shares one heap between tests.
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
    memory_markers = ("JavaScript heap out of memory", "Reached heap limit", "Array buffer allocation failed")

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment() | {"NODE_DISABLE_COLORS": "1", "NO_COLOR": "1"}

    def compile_limits(self, limits: Limits) -> dict[str, Any]:
        # node --check is an interpreter start, not a compiler: the run budget, with a generous clock.
        return {"cpu": limits.cpu_seconds, "wall": max(limits.wall_seconds, 10.0), "as": limits.address_space_mb * MB, "output": limits.output_bytes}

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        node = [NODE, f"--max-old-space-size={limits.heap_mb}"]
        return {
            "files": {"solution.js": source},
            "compile": {"argv": [*node, "--check", "solution.js"]},
            "runs": [{"argv": [*node, "main.js"], "files": {"main.js": f"{source}\n;\n{test.test_call}\n"}} for test in tests],
        }


runtime = JavaScriptRuntime()
