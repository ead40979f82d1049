"""Hostile programs in JavaScript, Bash, Java, Go and C# (Python has test_hostile_python.py).

One job per language holds every attack as a separate test, so each language compiles once: every test
must end with a clear verdict within its limit, the tests after an attack must still run normally, no
process of the job's uid may survive the job, and the next job must pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from judges.limits import limits_for
from judges.runtimes import JobResult, TestSpec, Verdict, get_code_runtime
from judges.sandbox import Sandbox, processes_of_uid

SECRET = "sk-test-must-not-leak"
ANY_FAILURE = {Verdict.TLE, Verdict.RE, Verdict.MLE}


@dataclass(frozen=True)
class Attack:
    name: str
    call: str
    verdicts: set[Verdict]
    stdout: str | None = None  # exact stdout (trimmed) when the attack prints what it observed


NETWORK_OUT = "refused\nunreachable"
SECRETS_OUT = "no shadow\nno project"


# --- JavaScript -----------------------------------------------------------------------------------

JS_SOURCE = "const fs = require('fs');\nconst cp = require('child_process');\nconst net = require('net');\n"
JS_ATTACKS = [
    # The shell returns at once and the bomb goes on in the background until the harness kills it.
    Attack("fork bomb", "cp.execSync(':(){ :|:& };:', { shell: '/bin/bash', stdio: 'ignore' }); for (;;) {}", {Verdict.TLE}),
    Attack("memory bomb", "const a = []; for (;;) a.push(new Array(1e6).fill(1));", {Verdict.MLE}),
    Attack("endless loop", "for (;;) {}", {Verdict.TLE}),
    Attack("sleep", "setTimeout(() => {}, 60000);", {Verdict.TLE}),
    Attack("gigabyte of output", "const s = 'x'.repeat(1 << 20); for (let i = 0; i < 1024; i++) process.stdout.write(s);", {Verdict.OLE}),
    Attack(
        "fill the disk",
        "const b = Buffer.alloc(1 << 20); const fd = fs.openSync('big', 'w'); for (;;) fs.writeSync(fd, b);",
        {Verdict.OLE, Verdict.RE},
    ),
    Attack(
        "network",
        "const tries = [['127.0.0.1', 5432], ['1.1.1.1', 80]]; const names = {ECONNREFUSED: 'refused', ENETUNREACH: 'unreachable'};"
        " (async () => { for (const [h, p] of tries) await new Promise(ok => net.connect(p, h).on('connect', () => {"
        " console.log('connected'); ok(); })"
        ".on('error', e => { console.log(names[e.code] || e.code); ok(); })); })();",
        {Verdict.AC},
        NETWORK_OUT,
    ),
    Attack(
        "secrets",
        "for (const [p, label] of [['/etc/shadow', 'shadow'], ['PROJECT/codecapsule/settings.py', 'project']]) { try { fs.readFileSync(p);"
        " console.log('read ' + label); } catch (e) { console.log('no ' + label); } }",
        {Verdict.AC},
        SECRETS_OUT,
    ),
    Attack(
        "environment",
        "let seen = JSON.stringify(process.env); for (const p of fs.readdirSync('/proc').filter(d => /^\\d+$/.test(d))) { try {"
        " seen += fs.readFileSync(`/proc/${p}/environ`, 'latin1'); } catch (e) {} }"
        " console.log(seen.includes('SECRET') ? 'leak' : 'clean');",
        {Verdict.AC},
        "clean",
    ),
    Attack(
        "write outside",
        "for (const p of ['/usr/x', '/etc/x', '/x']) { try { fs.writeFileSync(p, 'x'); console.log('wrote'); } catch (e) {"
        " console.log(e.code); } }",
        {Verdict.AC},
        "EROFS\nEROFS\nEROFS",
    ),
    Attack(
        "plant a symlink",
        "fs.symlinkSync('/etc/passwd', 'main.js.planted'); try { fs.unlinkSync('main.js'); } catch (e) {}"
        " fs.symlinkSync('/etc/passwd', 'main.js'); console.log('planted');",
        {Verdict.AC},
        "planted",
    ),
    Attack(
        "background process",
        "cp.spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore' }).unref(); console.log('left one behind');",
        {Verdict.AC},
        "left one behind",
    ),
    Attack(
        "kill the parent",
        "for (const s of ['SIGKILL', 'SIGTERM', 'SIGSTOP']) { try { process.kill(process.ppid, s); } catch (e) {} } console.log('alive');",
        {Verdict.AC},
        "alive",
    ),
]

# --- Bash -----------------------------------------------------------------------------------------

BASH_ATTACKS = [
    Attack("fork bomb", ":(){ :|:& };:", ANY_FAILURE | {Verdict.AC}),
    Attack("memory bomb", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done", {Verdict.MLE, Verdict.RE}),
    Attack("endless loop", "while :; do :; done", {Verdict.TLE}),
    Attack("sleep", "sleep 60", {Verdict.TLE}),
    Attack("gigabyte of output", "head -c 1073741824 /dev/zero | tr '\\0' x", {Verdict.OLE}),
    Attack("fill the disk", "yes > big", {Verdict.OLE}),
    Attack("fill the disk with files", "for i in $(seq 1000); do head -c 1048576 /dev/zero > /tmp/f$i || exit 1; done", {Verdict.RE}),
    Attack(
        "network",
        "(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null || echo refused; (exec 3<>/dev/tcp/1.1.1.1/80) 2>/dev/null || echo unreachable",
        {Verdict.AC},
        NETWORK_OUT,
    ),
    Attack(
        "secrets",
        "cat /etc/shadow 2>/dev/null || echo no shadow; cat PROJECT/codecapsule/settings.py 2>/dev/null || echo no project",
        {Verdict.AC},
        SECRETS_OUT,
    ),
    Attack("environment", "(env; cat /proc/*/environ) 2>/dev/null | grep -q SECRET && echo leak || echo clean", {Verdict.AC}, "clean"),
    Attack(
        "write outside",
        "for p in /usr/x /etc/x /x; do touch $p 2>/dev/null && echo wrote || echo refused; done",
        {Verdict.AC},
        "refused\nrefused\nrefused",
    ),
    Attack(
        "plant a symlink",
        "ln -s /etc/passwd main.sh.planted && rm -f main.sh && ln -s /etc/passwd main.sh && echo planted",
        {Verdict.AC},
        "planted",
    ),
    Attack("background process", "setsid sh -c 'sleep 30' & disown; nohup sleep 30 >/dev/null 2>&1 & echo left", {Verdict.AC}, "left"),
    Attack("kill the parent", "kill -9 $PPID 1 2>/dev/null; kill -STOP 1 2>/dev/null; echo alive", {Verdict.AC}, "alive"),
]

# --- Java -----------------------------------------------------------------------------------------

JAVA_SOURCE = """
import java.io.*;
import java.nio.file.*;
import java.util.*;

public class Attacks {
    public static void network() {
        String[][] tries = {{"127.0.0.1", "5432", "refused"}, {"1.1.1.1", "80", "unreachable"}};
        for (String[] t : tries) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(t[0], Integer.parseInt(t[1])), 1000);
                System.out.println("connected");
            } catch (IOException e) {
                System.out.println(t[2]);
            }
        }
    }
    public static void read(String path, String label) {
        try { Files.readAllBytes(Paths.get(path)); System.out.println("read " + label); }
        catch (IOException e) { System.out.println("no " + label); }
    }
    public static void spawn(String... cmd) throws Exception { new ProcessBuilder(cmd).inheritIO().start(); }
}
"""
JAVA_ATTACKS = [
    Attack("fork bomb", "for (;;) { try { Attacks.spawn(\"sleep\", \"30\"); } catch (Throwable e) { } }", ANY_FAILURE),
    Attack("thread bomb", "for (;;) new Thread(() -> { try { Thread.sleep(60000); } catch (Exception e) { } }).start();", ANY_FAILURE),
    Attack("memory bomb", "List<long[]> l = new ArrayList<>(); for (;;) l.add(new long[1 << 20]);", {Verdict.MLE}),
    Attack("endless loop", "for (;;) { }", {Verdict.TLE}),
    Attack("sleep", "Thread.sleep(60000);", {Verdict.TLE}),
    Attack("gigabyte of output", "String s = \"x\".repeat(1 << 20); for (int i = 0; i < 1024; i++) System.out.print(s);", {Verdict.OLE}),
    Attack(
        "fill the disk",
        "try (OutputStream o = new FileOutputStream(\"big\")) { byte[] b = new byte[1 << 20]; for (;;) o.write(b); }",
        {Verdict.OLE, Verdict.RE},
    ),
    Attack("network", "Attacks.network();", {Verdict.AC}, NETWORK_OUT),
    Attack(
        "secrets",
        'Attacks.read("/etc/shadow", "shadow"); Attacks.read("PROJECT/codecapsule/settings.py", "project");',
        {Verdict.AC},
        SECRETS_OUT,
    ),
    Attack(
        "environment",
        'String seen = System.getenv().toString(); for (File p : new File("/proc").listFiles()) { try {'
        ' seen += new String(Files.readAllBytes(Paths.get(p.getPath(), "environ"))); } catch (Exception e) { } }'
        ' System.out.println(seen.contains("SECRET") ? "leak" : "clean");',
        {Verdict.AC},
        "clean",
    ),
    Attack(
        "write outside",
        'for (String p : new String[]{"/usr/x", "/etc/x", "/x"}) { try { Files.writeString(Paths.get(p), "x");'
        ' System.out.println("wrote"); } catch (IOException e) { System.out.println("refused"); } }',
        {Verdict.AC},
        "refused\nrefused\nrefused",
    ),
    Attack("background process", 'Attacks.spawn("setsid", "sleep", "30"); System.out.println("left");', {Verdict.AC}, "left"),
    Attack(
        "kill the parent",
        'new ProcessBuilder("kill", "-9", "1").start().waitFor();'
        ' ProcessHandle.current().parent().ifPresent(ProcessHandle::destroyForcibly); System.out.println("alive");',
        {Verdict.AC},
        "alive",
    ),
]

# --- Go -------------------------------------------------------------------------------------------

GO_SOURCE = """
import (
    "fmt"
    "net"
    "os"
    "os/exec"
    "strings"
    "syscall"
    "time"
)

func Network() {
    for _, t := range [][]string{{"127.0.0.1:5432", "refused"}, {"1.1.1.1:80", "unreachable"}} {
        if c, err := net.DialTimeout("tcp", t[0], time.Second); err == nil {
            c.Close()
            fmt.Println("connected")
        } else {
            fmt.Println(t[1])
        }
    }
}

func Read(path, label string) {
    if _, err := os.ReadFile(path); err == nil {
        fmt.Println("read " + label)
    } else {
        fmt.Println("no " + label)
    }
}

func Environment() {
    seen := strings.Join(os.Environ(), " ")
    entries, _ := os.ReadDir("/proc")
    for _, e := range entries {
        data, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
        seen += string(data)
    }
    if strings.Contains(seen, "SECRET") {
        fmt.Println("leak")
    } else {
        fmt.Println("clean")
    }
}

func Spawn(name string, args ...string) error { return exec.Command(name, args...).Start() }

func KillParent() {
    syscall.Kill(os.Getppid(), syscall.SIGKILL)
    syscall.Kill(1, syscall.SIGSTOP)
    fmt.Println("alive")
}
"""
GO_ATTACKS = [
    Attack("fork bomb", 'for { Spawn("sleep", "30") }', ANY_FAILURE),
    Attack("memory bomb", "var s [][]byte; for { b := make([]byte, 1<<20); b[0] = 1; s = append(s, b) }", {Verdict.MLE}),
    Attack("endless loop", "for { }", {Verdict.TLE}),
    Attack("sleep", "time.Sleep(time.Minute)", {Verdict.TLE}),
    Attack("gigabyte of output", 's := strings.Repeat("x", 1<<20); for i := 0; i < 1024; i++ { fmt.Print(s) }', {Verdict.OLE}),
    Attack(
        "fill the disk",
        'f, _ := os.Create("big"); b := make([]byte, 1<<20); for { if _, err := f.Write(b); err != nil { panic(err) } }',
        {Verdict.OLE, Verdict.RE},
    ),
    Attack("network", "Network()", {Verdict.AC}, NETWORK_OUT),
    Attack("secrets", 'Read("/etc/shadow", "shadow"); Read("PROJECT/codecapsule/settings.py", "project")', {Verdict.AC}, SECRETS_OUT),
    Attack("environment", "Environment()", {Verdict.AC}, "clean"),
    Attack(
        "write outside",
        'for _, p := range []string{"/usr/x", "/etc/x", "/x"} { if os.WriteFile(p, []byte("x"), 0o644) == nil { fmt.Println("wrote") }'
        ' else { fmt.Println("refused") } }',
        {Verdict.AC},
        "refused\nrefused\nrefused",
    ),
    Attack("background process", 'Spawn("setsid", "sleep", "30"); fmt.Println("left")', {Verdict.AC}, "left"),
    Attack("kill the parent", "KillParent()", {Verdict.AC}, "alive"),
]

# --- C# -------------------------------------------------------------------------------------------

CSHARP_SOURCE = """
using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;

public static class Attacks {
    public static void Network() {
        var tries = new[] { new[] { "127.0.0.1", "5432", "refused" }, new[] { "1.1.1.1", "80", "unreachable" } };
        foreach (var t in tries) {
            try { using (var c = new TcpClient()) { c.Connect(t[0], int.Parse(t[1])); Console.WriteLine("connected"); } }
            catch (SocketException) { Console.WriteLine(t[2]); }
        }
    }
    public static void Read(string path, string label) {
        try { File.ReadAllBytes(path); Console.WriteLine("read " + label); }
        catch (Exception) { Console.WriteLine("no " + label); }
    }
    public static void Environment2() {
        var seen = string.Join(" ", Environment.GetEnvironmentVariables().Values.Cast<object>());
        foreach (var d in Directory.GetDirectories("/proc")) { try { seen += File.ReadAllText(d + "/environ"); } catch (Exception) { } }
        Console.WriteLine(seen.Contains("SECRET") ? "leak" : "clean");
    }
    public static void Spawn(string name, string args) {
        Process.Start(new ProcessStartInfo(name, args) { UseShellExecute = false });
    }
}
"""
CSHARP_SOURCE = "using System.Linq;\n" + CSHARP_SOURCE
CSHARP_ATTACKS = [
    Attack("fork bomb", 'for (;;) { try { Attacks.Spawn("sleep", "30"); } catch (Exception) { } }', ANY_FAILURE),
    Attack("memory bomb", "var l = new List<byte[]>(); for (;;) { var b = new byte[1 << 20]; b[0] = 1; l.Add(b); }", {Verdict.MLE}),
    Attack("endless loop", "for (;;) { }", {Verdict.TLE}),
    Attack("sleep", "System.Threading.Thread.Sleep(60000);", {Verdict.TLE}),
    Attack("gigabyte of output", 'var s = new string(\'x\', 1 << 20); for (int i = 0; i < 1024; i++) Console.Write(s);', {Verdict.OLE}),
    Attack(
        "fill the disk",
        'using (var f = System.IO.File.Create("big")) { var b = new byte[1 << 20]; for (;;) f.Write(b, 0, b.Length); }',
        {Verdict.OLE, Verdict.RE},
    ),
    Attack("network", "Attacks.Network();", {Verdict.AC}, NETWORK_OUT),
    Attack(
        "secrets",
        'Attacks.Read("/etc/shadow", "shadow"); Attacks.Read("PROJECT/codecapsule/settings.py", "project");',
        {Verdict.AC},
        SECRETS_OUT,
    ),
    Attack("environment", "Attacks.Environment2();", {Verdict.AC}, "clean"),
    Attack(
        "write outside",
        'foreach (var p in new[] { "/usr/x", "/etc/x", "/x" }) { try { System.IO.File.WriteAllText(p, "x"); Console.WriteLine("wrote"); }'
        ' catch (Exception) { Console.WriteLine("refused"); } }',
        {Verdict.AC},
        "refused\nrefused\nrefused",
    ),
    Attack("background process", 'Attacks.Spawn("setsid", "sleep 30"); Console.WriteLine("left");', {Verdict.AC}, "left"),
    Attack(
        "kill the parent",
        'System.Diagnostics.Process.Start("kill", "-9 1").WaitForExit(); Console.WriteLine("alive");',
        {Verdict.AC},
        "alive",
    ),
]

LANGUAGES = {
    "javascript": (JS_SOURCE, JS_ATTACKS, {"wall_seconds": 1.5, "cpu_seconds": 1.0}),
    # A small address space, so the memory bomb goes off before string copying uses up the CPU time.
    "bash": ("", BASH_ATTACKS, {"wall_seconds": 1.5, "cpu_seconds": 1.0, "address_space_mb": 96}),
    "java": (JAVA_SOURCE, JAVA_ATTACKS, {"wall_seconds": 1.5, "cpu_seconds": 1.0}),
    "go": (GO_SOURCE, GO_ATTACKS, {"wall_seconds": 1.5, "cpu_seconds": 1.0}),
    "csharp": (CSHARP_SOURCE, CSHARP_ATTACKS, {"wall_seconds": 1.5, "cpu_seconds": 1.0}),
}
# Every attack is followed by a plain test: it must still run normally.
CANARY = {
    "javascript": "console.log('ok')",
    "bash": "echo ok",
    "java": 'System.out.println("ok");',
    "go": 'fmt.Println("ok")',
    "csharp": 'Console.WriteLine("ok");',
}


def _project() -> str:
    from django.conf import settings

    return str(settings.BASE_DIR)


@pytest.fixture(scope="module", params=list(LANGUAGES))
def attacked(request):
    """(language, attacks, JobResult, seconds, leftover processes) for one job holding every attack."""
    import os

    language = request.param
    source, attacks, overrides = LANGUAGES[language]
    limits = limits_for(language).replace(processes=64, **overrides)
    tests = []
    for attack in attacks:
        tests.append(TestSpec(test_call=attack.call.replace("PROJECT", _project())))
        tests.append(TestSpec(test_call=CANARY[language], expected_output="ok"))
    os.environ["CODECAPSULE_FAKE_SECRET"] = SECRET  # in the server's environment for the whole job
    started = time.monotonic()
    try:
        with Sandbox.open(limits) as box:
            result: JobResult = get_code_runtime(language).run(source, tests, box=box)
            leftovers = processes_of_uid(box.slot.uid) if box.slot.uid is not None else []
    finally:
        del os.environ["CODECAPSULE_FAKE_SECRET"]
    return language, attacks, result, time.monotonic() - started, leftovers, limits


def test_every_attack_ends_with_a_clear_verdict_within_its_limit(attacked):
    language, attacks, result, seconds, _, limits = attacked
    assert result.compiled, result.compile
    assert result.sandboxed
    problems = []
    for position, attack in enumerate(attacks):
        test = result.tests[2 * position]
        if test.verdict not in attack.verdicts:
            problems.append(f"{attack.name}: {test.verdict} ({test.message}) {test.stderr[-300:]!r}")
        elif attack.stdout is not None and test.stdout.strip() != attack.stdout:
            problems.append(f"{attack.name}: printed {test.stdout!r}")
        if test.wall_seconds > limits.wall_seconds + 1.0:
            problems.append(f"{attack.name}: ran {test.wall_seconds:.1f} s")
    assert not problems, f"{language}: " + "; ".join(problems)
    assert seconds < limits.job_deadline_seconds(len(result.tests), compiles=1)


def test_the_test_after_every_attack_runs_normally(attacked):
    language, attacks, result, *_ = attacked
    canaries = [(attack.name, result.tests[2 * position + 1]) for position, attack in enumerate(attacks)]
    broken = [f"after {name}: {test.verdict} {test.message}" for name, test in canaries if test.verdict is not Verdict.AC]
    assert not broken, f"{language}: " + "; ".join(broken)


def test_no_process_outlives_the_job(attacked):
    language, *_, leftovers, _ = attacked
    assert leftovers == [], f"{language}: processes of the job's uid survived: {leftovers}"


def test_the_next_job_runs_normally(attacked):
    language, *_, limits = attacked
    result = get_code_runtime(language).run(LANGUAGES[language][0], [TestSpec(test_call=CANARY[language], expected_output="ok")], limits)
    assert result.passed, result
