"""Go CODE capsules (Debian's golang-go, Go 1.19): `go build` once, the binary once per test.

Convention (what the Coder agent must produce):

* The learner's code is one Go file of package `main` (the `package main` line may be left out) with
  functions and types, and its own imports. A `func main()` in it is renamed `capsuleLearnerMain`:
  the generated entry point is the program's main.
* A test's `test_call` is one or more Go statements, run as the body of a generated function in the
  same package, so it calls the learner's functions directly and prints what it checks:

      test_call:  fmt.Println(Add(2, 3))      expected_output: "5\\n"

  The generated file imports `fmt` and `os`, plus any of strings, strconv, sort, math, errors, bytes,
  unicode, reflect and time that the test calls mention as `pkg.`.

Build: GOPATH mode, CGO off, caches in the sandbox's /tmp (a cold build of a small program is ~0.3 s;
a cache shared between jobs could be poisoned by one of them). Each test then runs the binary with the
test's index: a fresh process (~2 ms), so no package state crosses tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from judges.limits import Limits
from judges.runtimes.base import CodeRuntime, TestSpec
from judges.sandbox import Sandbox

GO = "/usr/lib/go-1.19/bin/go"
BINARY = "capsule-program"
_AUTO_IMPORTS = ("strings", "strconv", "sort", "math", "errors", "bytes", "unicode", "reflect", "time")
_PACKAGE = re.compile(r"^\s*package\s+\w+", re.M)
_LEARNER_MAIN = re.compile(r"^func\s+main\s*\(\s*\)", re.M)


def learner_file(source: str) -> str:
    source = _LEARNER_MAIN.sub("func capsuleLearnerMain()", source)
    if not _PACKAGE.search(source):
        source = "package main\n\n" + source
    return source


def generated_main(tests: Sequence[TestSpec]) -> str:
    calls = "\n".join(test.test_call for test in tests)
    extra = [name for name in _AUTO_IMPORTS if re.search(rf"\b{name}\.", calls)]
    imports = "\n".join(f'\t"{name}"' for name in ["fmt", "os", *extra])
    keep = "\n".join(f"var _ = {name}.{symbol}" for name, symbol in _IMPORT_ANCHORS.items() if name in ["fmt", "os", *extra])
    cases = "\n".join(f'\tcase "{index}":\n\t\tcapsuleTest{index}()' for index in range(len(tests)))
    functions = "\n".join(f"// test {index + 1}\nfunc capsuleTest{index}() {{\n{test.test_call}\n}}\n" for index, test in enumerate(tests))
    return (
        f"package main\n\nimport (\n{imports}\n)\n\n{keep}\n\n"
        f"func main() {{\n\tswitch os.Args[1] {{\n{cases}\n\tdefault:\n\t\tpanic(\"unknown test \" + os.Args[1])\n\t}}\n}}\n\n{functions}"
    )


# One exported symbol per auto-imported package, so an import the tests do not use still compiles.
_IMPORT_ANCHORS = {
    "fmt": "Sprint",
    "os": "Exit",
    "strings": "Join",
    "strconv": "Itoa",
    "sort": "Ints",
    "math": "Abs",
    "errors": "New",
    "bytes": "Equal",
    "unicode": "IsDigit",
    "reflect": "DeepEqual",
    "time": "Now",
}


class GoRuntime(CodeRuntime):
    language = "go"
    memory_markers = ("runtime: out of memory", "fatal error: out of memory", "cannot allocate memory")

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment() | {
            "GOCACHE": f"{box.tmp}/go-cache",
            "GOPATH": f"{box.tmp}/go",
            "GO111MODULE": "off",
            "CGO_ENABLED": "0",
            "GOFLAGS": "",
            "GOTOOLCHAIN": "local",
            "GOTELEMETRY": "off",
            # The GC works harder as the heap nears the cap; RLIMIT_AS is the hard limit.
            "GOMEMLIMIT": f"{limits.heap_mb}MiB",
        }

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        return {
            "files": {"solution.go": learner_file(source), "capsule_main.go": generated_main(tests)},
            "compile": {"argv": [GO, "build", "-o", BINARY, "solution.go", "capsule_main.go"]},
            "runs": [{"argv": [f"./{BINARY}", str(index)]} for index in range(len(tests))],
        }


runtime = GoRuntime()
