"""C# CODE capsules on Mono (Debian's mono-mcs + mono-runtime): `mcs` once, `mono` once per test.

Mono 6.8 is the C# that Debian 12 packages (the .NET SDK is not in Debian); `mcs` accepts C# 7.

Convention (what the Coder agent must produce):

* The learner's code is one C# file of top-level types (and its own `using`s), usually
  `public class Solution { public static int Add(int a, int b) { ... } }`. A `Main` in it is allowed:
  the generated class is chosen as the entry point (`-main:CapsuleMain`).
* A test's `test_call` is one or more C# statements, run as the body of a static method of a generated
  class, so it calls the learner's code by its class name and prints what it checks:

      test_call:  Console.WriteLine(Solution.Add(2, 3));      expected_output: "5\\n"

  The generated file has `using System; System.Collections.Generic; System.Linq; System.Text;`.

Each test runs `mono capsule.exe <i>`: a fresh process (~15 ms), so static state never crosses tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judges.limits import Limits
from judges.runtimes.base import CodeRuntime, TestSpec
from judges.sandbox import Sandbox

MCS = "/usr/bin/mcs"
MONO = "/usr/bin/mono"
MAIN_CLASS = "CapsuleMain"


def generated_main(tests: Sequence[TestSpec]) -> str:
    cases = "\n".join(f"            case {index}: Test{index}(); break;" for index in range(len(tests)))
    methods = "\n".join(
        f"    // test {index + 1}\n    static void Test{index}() {{\n{test.test_call}\n    }}\n" for index, test in enumerate(tests)
    )
    return (
        "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Text;\n\n"
        f"public static class {MAIN_CLASS} {{\n"
        "    public static int Main(string[] args) {\n"
        "        switch (int.Parse(args[0])) {\n"
        f"{cases}\n"
        '            default: throw new ArgumentException("unknown test " + args[0]);\n'
        "        }\n"
        "        Console.Out.Flush();\n"
        "        return 0;\n"
        "    }\n\n"
        f"{methods}}}\n"
    )


class CSharpRuntime(CodeRuntime):
    language = "csharp"
    memory_markers = ("System.OutOfMemoryException", "Out of memory")

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment() | {
            "MONO_GC_PARAMS": f"max-heap-size={limits.heap_mb}m",
            "MONO_DISABLE_SHARED_AREA": "1",
            "MONO_ENV_OPTIONS": "",
        }

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        mcs = [MCS, "-nologo", "-warn:1", f"-main:{MAIN_CLASS}", "-r:System.Numerics.dll", "-out:capsule.exe"]
        return {
            "files": {"solution.cs": source, "capsule_main.cs": generated_main(tests)},
            "compile": {"argv": [*mcs, "solution.cs", "capsule_main.cs"]},
            "runs": [{"argv": [MONO, "capsule.exe", str(index)]} for index in range(len(tests))],
        }


runtime = CSharpRuntime()
