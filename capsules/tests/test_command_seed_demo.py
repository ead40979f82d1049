"""manage.py seed_demo, and proof that every demo capsule is a real, solvable exercise.

The solvability tests run the demo data with the machine's real interpreters (Debian's python3, node,
javac/java, bash, and Python's sqlite3 module) in a temporary directory, unsandboxed: the data is ours and
trusted. The conventions they follow are documented in capsules/demo_capsules.py.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from capsules.demo_capsules import DEMO_USERNAME, demo_capsules
from capsules.models import Capsule, CapsuleStatus
from capsules.schemas import parse_capsule
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_update

# A demo program that runs longer than this is broken (they all finish in well under a second, javac aside).
RUN_TIMEOUT_SECONDS = 60
DEBIAN_PYTHON = "/usr/bin/python3"  # learner code runs on Debian's python, not the venv's

DEMOS = demo_capsules()


def _demos_of(capsule_type: str) -> list[Any]:
    return [pytest.param(data, id=data["title"]) for data in DEMOS if data["capsule_type"] == capsule_type]


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # The test runner turns DEBUG off; seed_demo is a development command and needs it on.
    settings.DEBUG = True


def run_seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


# --- The command ------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEMO_PASSWORD="correct horse battery")
def test_it_creates_the_demo_creator_with_the_configured_password():
    output = run_seed_demo()

    demo = User.objects.get(username=DEMO_USERNAME)
    assert demo.check_password("correct horse battery")
    assert not demo.is_staff and not demo.is_superuser  # staff users are made with createsuperuser
    assert f"demo user '{DEMO_USERNAME}': created" in output


@pytest.mark.django_db
def test_it_loads_at_least_six_published_public_capsules_covering_every_type():
    output = run_seed_demo()

    capsules = Capsule.objects.filter(creator__username=DEMO_USERNAME)
    assert capsules.count() == len(DEMOS) >= 6
    assert set(capsules.values_list("capsule_type", flat=True)) == {"CODE", "DATABASE", "TERMINAL"}
    assert all(c.status == CapsuleStatus.PUBLISHED and c.is_public for c in capsules)
    # publishing them is honest: the judge ran every one of them in the sandbox and passed it
    failing = {c.title: c.validation_report.get("message") for c in capsules if not c.validation_report["passed"]}
    assert failing == {}
    assert f"demo capsules: created {len(DEMOS)}, updated 0, unchanged 0" in output


@pytest.mark.django_db
def test_it_stores_the_demo_seed_sql_in_storage_and_exports_it_again():
    run_seed_demo()

    for capsule in Capsule.objects.filter(creator__username=DEMO_USERNAME, capsule_type="DATABASE"):
        assert "seed_sql" not in capsule.config_data and "hidden_seed_sql" not in capsule.config_data
        assert capsule.config_data["hidden_seed_sql_url"] != capsule.config_data["seed_sql_url"]
        exported = capsule_base_dict(capsule, include_seed_sql=True)["config_data"]
        assert "CREATE TABLE" in exported["seed_sql"] and "CREATE TABLE" in exported["hidden_seed_sql"]
        # judged on both datasets, as a new capsule: no warning, and the hidden result kept for grading
        assert capsule.validation_report["hidden_expected_result"]["rows"] and capsule.validation_report["warnings"] == []


@pytest.mark.django_db
def test_a_demo_capsule_saved_before_hidden_datasets_existed_gets_its_hidden_dataset():
    run_seed_demo()
    capsule = Capsule.objects.get(creator__username=DEMO_USERNAME, title="Books to reorder")
    older = {key: value for key, value in capsule.config_data.items() if key != "hidden_seed_sql_url"}
    Capsule.objects.filter(pk=capsule.pk).update(config_data=older)

    output = run_seed_demo()

    capsule.refresh_from_db()
    assert capsule.config_data["hidden_seed_sql_url"]
    assert capsule.status == CapsuleStatus.PUBLISHED and capsule.validation_report["warnings"] == []
    assert "created 0, updated 1" in output


@pytest.mark.django_db
def test_running_it_twice_changes_nothing_and_creates_no_duplicates():
    run_seed_demo()
    demo = User.objects.get(username=DEMO_USERNAME)
    before = {c.pk: (c.updated_at, c.status, c.config_data) for c in Capsule.objects.all()}
    password_hash = demo.password

    output = run_seed_demo()

    after = {c.pk: (c.updated_at, c.status, c.config_data) for c in Capsule.objects.all()}
    assert after == before
    assert User.objects.filter(username=DEMO_USERNAME).count() == 1
    assert User.objects.get(username=DEMO_USERNAME).password == password_hash
    assert f"demo capsules: created 0, updated 0, unchanged {len(DEMOS)}" in output
    assert f"demo user '{DEMO_USERNAME}': unchanged" in output


@pytest.mark.django_db
def test_it_puts_back_a_demo_capsule_someone_broke_and_republishes_it():
    run_seed_demo()
    demo = User.objects.get(username=DEMO_USERNAME)
    capsule = Capsule.objects.get(creator=demo, title=DEMOS[0]["title"])
    assert capsule.runtime_tier == "sandbox-python"  # DEMOS[0] is Python: the broken reference below is too
    edited = capsule_base_dict(capsule)
    edited["config_data"]["reference_solution"] = "def broken(:\n    pass\n"
    capsule_update(capsule=capsule, actor=demo, data=edited)
    broken = Capsule.objects.get(pk=capsule.pk)
    assert broken.status == CapsuleStatus.DRAFT  # the service's rule: the judge fails the new content
    assert broken.validation_report["category"] == "syntax_error"

    output = run_seed_demo()

    capsule.refresh_from_db()
    assert capsule.config_data["reference_solution"] == DEMOS[0]["config_data"]["reference_solution"]
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert capsule.validation_report["passed"] is True  # judged again when it was put back
    assert "created 0, updated 1" in output


@pytest.mark.django_db
def test_it_puts_back_a_demo_capsule_someone_edited_that_stayed_published():
    run_seed_demo()
    demo = User.objects.get(username=DEMO_USERNAME)
    capsule = Capsule.objects.get(creator=demo, title=DEMOS[0]["title"])
    edited = capsule_base_dict(capsule)
    edited["problem_statement_md"] = "Someone rewrote this."
    capsule_update(capsule=capsule, actor=demo, data=edited)
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.PUBLISHED  # the judge still passes it

    output = run_seed_demo()

    capsule.refresh_from_db()
    assert capsule.problem_statement_md == DEMOS[0]["problem_statement_md"]
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert "created 0, updated 1" in output


@pytest.mark.django_db
@override_settings(DEMO_PASSWORD="new-demo-password")
def test_it_resets_the_demo_password_when_the_setting_changed():
    User.objects.create_user(DEMO_USERNAME, password="old-password")

    output = run_seed_demo()

    assert User.objects.get(username=DEMO_USERNAME).check_password("new-demo-password")
    assert "password reset to DEMO_PASSWORD" in output


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match=r"only runs with DEBUG on \(DJANGO_DEBUG=1\)"):
        call_command("seed_demo")

    assert not User.objects.filter(username=DEMO_USERNAME).exists()
    assert not Capsule.objects.exists()


# --- The demo data is real ----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [pytest.param(d, id=d["title"]) for d in DEMOS])
def test_every_demo_capsule_passes_schema_validation(data):
    parse_capsule(data)


def test_demo_titles_are_unique_because_seed_demo_keys_on_them():
    titles = [data["title"] for data in DEMOS]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("data", _demos_of("CODE"))
def test_every_demo_code_capsule_has_a_visible_and_a_hidden_test(data):
    hidden = [test["is_hidden"] for test in data["config_data"]["test_cases"]]
    assert True in hidden and False in hidden


def _require(program: str) -> str:
    path = shutil.which(program) if not program.startswith("/") else (program if Path(program).exists() else None)
    if path is None:
        pytest.fail(f"{program} is missing: scripts/system-packages.txt installs it (run make test)")
    return path


def _run(argv: list[str], cwd: Path, script: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, input=script, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False
    )


def _code_outputs(language: str, code: str, test_calls: list[str], workdir: Path) -> list[str | None]:
    """What each test prints with `code` as the learner's program; None when it does not run cleanly."""
    outputs: list[str | None] = []
    for index, test_call in enumerate(test_calls):
        case_dir = workdir / f"case{index}"
        case_dir.mkdir()
        if language == "python":
            (case_dir / "main.py").write_text(f"{code}\n{test_call}\n")
            result = _run([_require(DEBIAN_PYTHON), "-I", "main.py"], case_dir)
        elif language == "javascript":
            (case_dir / "main.js").write_text(f"{code}\n{test_call}\n")
            result = _run([_require("node"), "main.js"], case_dir)
        elif language == "java":
            main = (
                f"{code}\n\npublic class Main {{\n    public static void main(String[] args) {{\n"
                f"        {test_call}\n    }}\n}}\n"
            )
            (case_dir / "Main.java").write_text(main)
            compiled = _run([_require("javac"), "Main.java"], case_dir)
            if compiled.returncode != 0:
                outputs.append(None)
                continue
            result = _run([_require("java"), "-cp", ".", "Main"], case_dir)
        else:
            raise AssertionError(f"no runner for {language}")
        outputs.append(result.stdout if result.returncode == 0 else None)
    return outputs


def _normalized(output: str | None) -> str | None:
    """The judge's default comparison: line endings and trailing whitespace do not count."""
    if output is None:
        return None
    return "\n".join(line.rstrip() for line in output.replace("\r\n", "\n").split("\n")).rstrip()


@pytest.mark.parametrize("data", _demos_of("CODE"))
def test_demo_code_capsule_reference_passes_every_test_and_boilerplate_fails_one(data, tmp_path):
    config = data["config_data"]
    language = data["runtime_config"]["language"]
    calls = [test["test_call"] for test in config["test_cases"]]
    expected = [_normalized(test["expected_output"]) for test in config["test_cases"]]
    # expected_output is written exactly as printed, trailing newline included
    assert all(test["expected_output"].endswith("\n") for test in config["test_cases"])

    (tmp_path / "reference").mkdir()
    (tmp_path / "boilerplate").mkdir()
    reference = [_normalized(o) for o in _code_outputs(language, config["reference_solution"], calls, tmp_path / "reference")]
    boilerplate = [_normalized(o) for o in _code_outputs(language, config["boilerplate_code"], calls, tmp_path / "boilerplate")]

    assert reference == expected
    assert any(got != want for got, want in zip(boilerplate, expected, strict=True))


def _query(seed_sql: str, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(seed_sql)
        cursor = connection.execute(query)
        return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("data", _demos_of("DATABASE"))
@pytest.mark.parametrize("seed_key", ["seed_sql", "hidden_seed_sql"])
def test_demo_database_capsule_seed_matches_its_schema_and_the_boilerplate_gives_another_answer(data, seed_key):
    config = data["config_data"]
    connection = sqlite3.connect(":memory:")
    connection.executescript(config[seed_key])
    for table in config["schema_info"]:
        actual = [row[1] for row in connection.execute(f"PRAGMA table_info({table['table_name']})")]
        assert actual == [column.split(" (")[0] for column in table["columns"]], table["table_name"]
        assert connection.execute(f"SELECT COUNT(*) FROM {table['table_name']}").fetchone()[0] > 0
    assert len(config["schema_info"]) == connection.execute("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0]
    connection.close()

    reference = _query(config[seed_key], config["reference_solution"])
    boilerplate = _query(config[seed_key], config["boilerplate_code"])

    assert reference[1], "the reference must return rows"
    assert boilerplate != reference


@pytest.mark.parametrize("data", _demos_of("DATABASE"))
def test_demo_database_capsule_reference_gives_another_answer_on_its_hidden_dataset(data):
    config = data["config_data"]

    assert _query(config["hidden_seed_sql"], config["reference_solution"]) != _query(config["seed_sql"], config["reference_solution"])


# Queries a learner plausibly writes instead of the reference. Some give the right rows on the visible data (the
# boundary year, the name tie-break); on the hidden dataset every one of them gives another answer.
_WRONG_QUERIES = {
    "Revenue per customer": {
        "inner joins": (
            "SELECT c.name, COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS total_cents FROM customers AS c "
            "JOIN orders AS o ON o.customer_id = c.id JOIN order_items AS oi ON oi.order_id = o.id "
            "GROUP BY c.id, c.name ORDER BY total_cents DESC, c.name;"
        ),
        "inner join to the items": (
            "SELECT c.name, COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS total_cents FROM customers AS c "
            "LEFT JOIN orders AS o ON o.customer_id = c.id JOIN order_items AS oi ON oi.order_id = o.id "
            "GROUP BY c.id, c.name ORDER BY total_cents DESC, c.name;"
        ),
        "no COALESCE": (
            "SELECT c.name, SUM(oi.quantity * oi.unit_price_cents) AS total_cents FROM customers AS c "
            "LEFT JOIN orders AS o ON o.customer_id = c.id LEFT JOIN order_items AS oi ON oi.order_id = o.id "
            "GROUP BY c.id, c.name ORDER BY total_cents DESC, c.name;"
        ),
        "quantity left out": (
            "SELECT c.name, COALESCE(SUM(oi.unit_price_cents), 0) AS total_cents FROM customers AS c "
            "LEFT JOIN orders AS o ON o.customer_id = c.id LEFT JOIN order_items AS oi ON oi.order_id = o.id "
            "GROUP BY c.id, c.name ORDER BY total_cents DESC, c.name;"
        ),
        "no name tie-break": (
            "SELECT c.name, COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS total_cents FROM customers AS c "
            "LEFT JOIN orders AS o ON o.customer_id = c.id LEFT JOIN order_items AS oi ON oi.order_id = o.id "
            "GROUP BY c.id, c.name ORDER BY total_cents DESC;"
        ),
    },
    "Books to reorder": {
        "1970 included": "SELECT title, author FROM books WHERE copies_available = 0 AND published_year >= 1970 ORDER BY published_year;",
        "in stock too": "SELECT title, author FROM books WHERE published_year > 1970 ORDER BY published_year;",
        "no ORDER BY": "SELECT title, author FROM books WHERE copies_available = 0 AND published_year > 1970;",
        "sorted by title": "SELECT title, author FROM books WHERE copies_available = 0 AND published_year > 1970 ORDER BY title;",
    },
}


def test_every_demo_database_capsule_has_wrong_queries_to_check_its_hidden_dataset_with():
    assert sorted(_WRONG_QUERIES) == sorted(data["title"] for data in DEMOS if data["capsule_type"] == "DATABASE")


@pytest.mark.parametrize(
    ("title", "query"),
    [pytest.param(title, query, id=f"{title}: {name}") for title, queries in _WRONG_QUERIES.items() for name, query in queries.items()],
)
def test_a_typical_wrong_query_gives_another_answer_on_the_demos_hidden_dataset(title, query):
    # Every demo query sorts its whole result, so comparing the rows in order is the judge's comparison here.
    config = next(d for d in DEMOS if d["title"] == title)["config_data"]

    assert _query(config["hidden_seed_sql"], query)[1] != _query(config["hidden_seed_sql"], config["reference_solution"])[1]


def test_the_revenue_demo_has_the_answer_a_person_would_compute():
    data = next(d for d in DEMOS if d["title"] == "Revenue per customer")
    columns, rows = _query(data["config_data"]["seed_sql"], data["config_data"]["reference_solution"])

    assert columns == ["name", "total_cents"]
    # Grace 159.00; Ada 89.00 + 2×4.50 + 3×3.00 = 107.00; Linus 4.50 + 29.00; Margaret has not ordered.
    assert rows == [("Grace Hopper", 15900), ("Ada Lovelace", 10700), ("Linus Torvalds", 3350), ("Margaret Hamilton", 0)]


def test_the_revenue_demos_hidden_dataset_has_the_answer_a_person_would_compute():
    data = next(d for d in DEMOS if d["title"] == "Revenue per customer")
    _, rows = _query(data["config_data"]["hidden_seed_sql"], data["config_data"]["reference_solution"])

    # Tim 159.00 + 3×4.50 + 5×3.00; Alan 89.00 + 45.00; Katherine 2×29.00; Barbara's order has no items, Hedy and
    # Dennis never ordered: three customers at 0, sorted by name.
    assert rows == [
        ("Tim Berners-Lee", 18750),
        ("Alan Kay", 13400),
        ("Katherine Johnson", 5800),
        ("Barbara Liskov", 0),
        ("Dennis Ritchie", 0),
        ("Hedy Lamarr", 0),
    ]


def test_the_books_demo_has_the_answer_a_person_would_compute():
    data = next(d for d in DEMOS if d["title"] == "Books to reorder")
    _, rows = _query(data["config_data"]["seed_sql"], data["config_data"]["reference_solution"])

    assert rows == [
        ("The Dispossessed", "Ursula K. Le Guin"),
        ("Neuromancer", "William Gibson"),
        ("Hyperion", "Dan Simmons"),
        ("Snow Crash", "Neal Stephenson"),
    ]


def test_the_books_demos_hidden_dataset_has_the_answer_a_person_would_compute():
    data = next(d for d in DEMOS if d["title"] == "Books to reorder")
    _, rows = _query(data["config_data"]["hidden_seed_sql"], data["config_data"]["reference_solution"])

    # Ringworld (1970) is not after 1970; The Handmaid's Tale and Gateway have copies.
    assert rows == [
        ("The Forever War", "Joe Haldeman"),
        ("Kindred", "Octavia E. Butler"),
        ("Parable of the Sower", "Octavia E. Butler"),
        ("Blindsight", "Peter Watts"),
    ]


@pytest.mark.parametrize("data", _demos_of("TERMINAL"))
def test_demo_terminal_capsule_checks_fail_before_and_pass_after_each_solution(data, tmp_path):
    bash = _require("bash")
    config = data["config_data"]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    setup = _run([bash, "-e"], workspace, config.get("setup_script", ""))
    assert setup.returncode == 0, setup.stderr

    for task in config["tasks"]:
        before = _run([bash], workspace, task["validation_script"])
        assert (before.returncode, before.stdout.strip()) == (1, "fail"), f"{task['task_id']} passes before its solution"

        solved = _run([bash, "-e"], workspace, task["solution_commands"])
        assert solved.returncode == 0, f"{task['task_id']}: {solved.stderr}"

        after = _run([bash], workspace, task["validation_script"])
        assert (after.returncode, after.stdout.strip()) == (0, "pass"), f"{task['task_id']}: {after.stderr}"
