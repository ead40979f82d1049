"""Java CODE capsules on OpenJDK 17 (Debian's openjdk-17-jdk-headless): a warm javac, then one JVM per program.

Convention (what the Coder agent must produce):

* The learner's code is one compilation unit of top-level types, without a `package` line; usually
  `class Solution { static int add(int a, int b) { ... } }` (`public` is fine: the file is named after
  the public type). It may have its own `import`s and even a `main`.
* A test's `test_call` is one or more Java statements, run as the body of a static method of a
  generated class, so it calls the learner's code by its class name and prints what it checks:

      test_call:  System.out.println(Solution.add(2, 3));      expected_output: "5\\n"

  The generated class imports java.util.*, java.util.function.*, java.util.stream.*, java.io.*,
  java.nio.file.* and java.math.*; the method `throws Throwable`, so checked exceptions need no try.

The generated `CapsuleMain` holds every test as `test<i>()` and runs the one named by its argument. The warm
javac of this server process (javac_server.py) compiles it with the learner's file (an error in either is the
program's CE) and the class files go into the job, where one JVM runs every test (jvm/CapsuleRunner.java, the
harness's "Runners"), each through a class loader of its own, so static state never crosses tests. When the
warm javac is busy with another request, the job runs javac itself first, as a compile step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from judges.limits import Limits
from judges.runtimes.base import CodeRuntime, TestSpec, encoded
from judges.runtimes.javac_server import RUNNER_CLASS, Compiled, compile_java
from judges.sandbox import Sandbox

JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
MAIN_CLASS = "CapsuleMain"
_PUBLIC_TYPE = re.compile(
    r"^\s*public\s+(?:(?:final|abstract|sealed|non-sealed|strictfp|static)\s+)*(?:class|interface|enum|record|@interface)\s+([A-Za-z_$][\w$]*)",
    re.M,
)
# Start-up flags for short programs: one serial GC thread, C1 only, class-data sharing, no perf file in
# /tmp; the reservations are sized so the JVM starts under RLIMIT_AS (JUDGE_JAVA_ADDRESS_SPACE_MB).
_JVM_FLAGS = [
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:-UsePerfData",
    "-Xshare:auto",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:ReservedCodeCacheSize=48m",
    "-XX:MaxMetaspaceSize=192m",
    "-Xss8m",
    "-Dfile.encoding=UTF-8",
    "-Dsun.stdout.encoding=UTF-8",
    "-Dsun.stderr.encoding=UTF-8",
]


def learner_file_name(source: str) -> str:
    match = _PUBLIC_TYPE.search(source)
    name = match.group(1) if match else "Solution"
    return f"{MAIN_CLASS}_{name}.java" if name == MAIN_CLASS else f"{name}.java"


def generated_main(tests: Sequence[TestSpec]) -> str:
    cases = "\n".join(f"            case {index} -> test{index}();" for index in range(len(tests)))
    methods = "\n".join(
        f"    // test {index + 1}\n    static void test{index}() throws Throwable {{\n{test.test_call}\n    }}\n"
        for index, test in enumerate(tests)
    )
    return (
        "import java.util.*;\nimport java.util.function.*;\nimport java.util.stream.*;\n"
        "import java.io.*;\nimport java.nio.file.*;\nimport java.math.*;\n\n"
        f"public class {MAIN_CLASS} {{\n"
        "    public static void main(String[] args) throws Throwable {\n"
        "        switch (Integer.parseInt(args[0])) {\n"
        f"{cases}\n"
        "            default -> throw new IllegalArgumentException(args[0]);\n"
        "        }\n"
        "        System.out.flush();\n"
        "    }\n\n"
        f"{methods}}}\n"
    )


class JavaRuntime(CodeRuntime):
    language = "java"
    memory_markers = ("java.lang.OutOfMemoryError",)

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment() | {"JAVA_HOME": JAVA_HOME}

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        sources = {learner_file_name(source): source, f"{MAIN_CLASS}.java": generated_main(tests)}
        runner = {
            "argv": [
                f"{JAVA_HOME}/bin/java",
                *_JVM_FLAGS,
                f"-Xmx{limits.heap_mb}m",
                "-cp",
                box.judge_dir,
                RUNNER_CLASS,
                "classes",
                MAIN_CLASS,
            ],
            "tests": [str(index) for index in range(len(tests))],
        }
        compiled = compile_java(sources, JAVAC_OPTIONS, limits.compile_wall_seconds)
        if compiled is None:  # the warm javac is busy: the job compiles first
            javac_jvm = [f"-J{flag}" for flag in _JVM_FLAGS if not flag.startswith("-Xss")] + ["-J-Xmx512m"]
            javac = [f"{JAVA_HOME}/bin/javac", *javac_jvm, *JAVAC_OPTIONS, "-d", "classes"]
            return {"files": sources, "compile": {"argv": [*javac, *sources]}, "runner": runner}
        if compiled.status != 0:
            return {"compiled": compile_report(compiled, limits)}
        return {
            "files": {f"classes/{path}": data for path, data in compiled.classes.items()},
            "compiled": compile_report(compiled, limits),
            "runner": runner,
        }


JAVAC_OPTIONS = ["-encoding", "UTF-8", "-proc:none", "-nowarn"]


def compile_report(compiled: Compiled, limits: Limits) -> dict[str, Any]:
    """The warm javac's answer as the harness reports a compile step (harness.py, "Protocol")."""
    return {
        "exit_code": compiled.status,
        "signal": None,
        "cpu": compiled.wall,
        "wall": compiled.wall,
        "stdout": encoded(""),
        "stderr": encoded(compiled.messages[: limits.output_bytes]),
        "stdout_truncated": False,
        "stderr_truncated": len(compiled.messages) > limits.output_bytes,
        "timed_out": compiled.timed_out,
        "memory_error": False,
        "spawn_failed": False,
        "oom_killed": False,
        "budget_cut": False,
        "limit_hit": compiled.timed_out,
    }


runtime = JavaRuntime()
