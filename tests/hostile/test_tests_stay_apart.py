"""Tests stay apart where one process runs them all (the harness's runners: Node, the JVM).

Starting a process per test was what made JavaScript and Java slow, so their tests now share one process per
program. What a test does must still never reach the next one: a learner's code that sets globals, patches
built-ins or static state, leaves timers or processes behind, writes files, exits or crashes in one test gets the
next test exactly as if it ran alone. Each scenario is a test that leaves something behind, then a test that
looks for it and prints what it finds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, get_code_runtime


@dataclass(frozen=True)
class Step:
    call: str
    expected: str | None  # None: only its verdict counts
    verdict: Verdict = Verdict.AC


JS_SOURCE = """
const fs = require('fs');
const cp = require('child_process');
let calls = 0;
function count() { calls += 1; return calls; }
function sleeping() { return fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => { try { return fs.readFileSync(`/proc/${p}/cmdline`, 'latin1').startsWith('sleep'); } catch (e) { return false; } }).length; }
"""  # noqa: E501 - a program's source: one function a line, as the tests read it

JS_STEPS = [
    # Globals, patched built-ins and the program's own state.
    Step(
        "globalThis.leak = 'A'; var leakVar = 'A'; Array.prototype.includes = () => true; Math.max = () => -1;"
        " JSON.stringify = () => 'patched'; count(); count(); console.log('left')",
        "left",
    ),
    Step(
        "console.log(typeof leak, typeof leakVar, [1].includes(2), Math.max(1, 2), JSON.stringify([1]), count())",
        "undefined undefined false 2 [1] 1",
    ),
    # Timers that would outlive the test: an unref'd interval does not keep a program alive, so it ends with it.
    Step(
        "setInterval(() => console.log('interval of the test before'), 30).unref(); setTimeout(() => console.log('waited for'), 5)",
        "waited for",
    ),
    Step("setTimeout(() => console.log('quiet'), 80)", "quiet"),
    # Files in the work directory and /tmp, and a process left running.
    Step(
        "fs.writeFileSync('note.txt', 'x'); fs.writeFileSync('/tmp/note.txt', 'x');"
        " cp.spawn('sleep', ['30'], { detached: true, stdio: 'ignore' }).unref(); console.log(sleeping())",
        "1",
    ),
    Step("console.log(fs.existsSync('note.txt'), fs.existsSync('/tmp/note.txt'), sleeping())", "false false 0"),
    # Ending the process, and an error thrown later by a timer: the next test runs as usual.
    Step("console.log('bye'); process.exit(0); console.log('never')", "bye"),
    Step("console.log(count())", "1"),
    Step("setTimeout(() => { throw new Error('thrown later'); }, 1); setTimeout(() => console.log('never printed'), 30)", None, Verdict.RE),
    Step("setTimeout(() => console.log(count()), 50)", "1"),
    Step("Promise.reject(new Error('nobody catches this'))", None, Verdict.RE),
    Step("process.exitCode = 4; console.log('set an exit code')", None, Verdict.RE),
    Step("console.log('clean', process.exitCode === undefined)", "clean true"),
]

JAVA_SOURCE = """
import java.io.*;
import java.nio.file.*;
import java.util.*;

class Solution {
    static int calls = 0;
    static final List<String> seen = new ArrayList<>();
    static int count() { return ++calls; }
    static void later(boolean daemon, int millis, String text) {
        Thread thread = new Thread(() -> { try { Thread.sleep(millis); } catch (InterruptedException e) { } System.out.println(text); });
        thread.setDaemon(daemon);
        thread.start();
    }
    static void every(int millis, String text) {
        Thread thread = new Thread(() -> { for (;;) { try { Thread.sleep(millis); } catch (InterruptedException e) { return; } System.out.println(text); } });
        thread.setDaemon(true);
        thread.start();
    }
}
"""  # noqa: E501 - a program's source: one statement a line, as the tests read it

JAVA_STEPS = [
    # Static state, system properties and the standard streams.
    Step(
        'Solution.count(); Solution.count(); Solution.seen.add("x"); System.setProperty("leak", "A"); System.out.println("left");'
        " System.setOut(new PrintStream(OutputStream.nullOutputStream()));",
        "left",
    ),
    Step('System.out.println(Solution.count() + " " + Solution.seen.size() + " " + System.getProperty("leak"));', "1 0 null"),
    # Threads: one a program would wait for, one that would die with it.
    Step('Solution.later(false, 30, "waited for");', "waited for"),
    Step('Solution.every(10, "thread of the test before"); System.out.println("started");', "started"),
    Step('Thread.sleep(60); System.out.println("quiet");', "quiet"),
    # Files in the work directory and /tmp.
    Step(
        'Files.writeString(Path.of("note.txt"), "x"); Files.writeString(Path.of("/tmp/note.txt"), "x"); System.out.println("wrote");',
        "wrote",
    ),
    Step('System.out.println(Files.exists(Path.of("note.txt")) + " " + Files.exists(Path.of("/tmp/note.txt")));', "false false"),
    # Ending the JVM, and an uncaught exception: the next test runs as usual.
    Step('System.out.println("bye"); System.exit(0);', "bye"),
    Step("System.out.println(Solution.count());", "1"),
    Step('throw new IllegalStateException("thrown by a test");', None, Verdict.RE),
    Step("System.out.println(Solution.count());", "1"),
]

LANGUAGES = {"javascript": (JS_SOURCE, JS_STEPS), "java": (JAVA_SOURCE, JAVA_STEPS)}
ERRORS = {"javascript": "thrown later", "java": "thrown by a test"}


@pytest.fixture(scope="module", params=list(LANGUAGES))
def judged(request):
    language = request.param
    source, steps = LANGUAGES[language]
    tests = [TestSpec(test_call=step.call, expected_output=step.expected) for step in steps]
    limits = limits_for(language).replace(wall_seconds=3.0)
    return language, steps, get_code_runtime(language).run(source, tests, limits)


def test_each_test_gets_a_world_of_its_own(judged):
    language, steps, result = judged
    assert result.compiled, result.compile
    problems = [
        f"test {index + 1} ({step.call[:60]}…): {test.verdict} {test.message} stdout={test.stdout!r} stderr={test.stderr[-200:]!r}"
        for index, (step, test) in enumerate(zip(steps, result.tests, strict=True))
        if test.verdict is not step.verdict
    ]
    assert not problems, f"{language}:\n" + "\n".join(problems)


def test_an_error_in_a_test_is_reported_like_a_program_s(judged):
    language, steps, result = judged
    thrown = next(index for index, step in enumerate(steps) if ERRORS[language] in step.call)
    assert ERRORS[language] in result.tests[thrown].stderr
    assert "never printed" not in result.tests[thrown].stdout + result.tests[thrown + 1].stdout
    assert "CapsuleRunner" not in result.tests[thrown].stderr and "javascript_runner" not in result.tests[thrown].stderr
