"""The offline catalog: its data is complete and real, and the matcher picks the blueprint the prompt is about.

The proof tests run every blueprint through the judge's own gate (`judges.validate`) in the sandbox, exactly
as a generated capsule is judged: the reference passes every test, the boilerplate does not, DATABASE
schema_info matches the seed, every TERMINAL check fails before and passes after its solution. A missing
sandbox or toolchain fails these tests; it never skips them.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import judges
from capsules.schemas import LANGUAGES_BY_TYPE, parse_capsule
from generation import catalog
from generation.catalog import (
    DIFFICULTIES,
    Blueprint,
    CatalogError,
    blueprint_by_title,
    catalog_blueprints,
    loader,
    pick_blueprint,
    rank_blueprints,
    terms_of,
)
from generation.catalog.loader import EXERCISES_DIR, SECTIONS, exercise_files, load_exercises, read_exercises
from judges.runtimes import SQL_ENGINES, TestSpec, Verdict, run_code_tests
from judges.sql_compare import results_match

# Parametrized from the raw data, so a broken blueprint fails its own test instead of the collection.
RAW_BLUEPRINTS: list[dict[str, Any]] = [raw for _, raw in read_exercises()]
ALL = [pytest.param(raw["title"], id=raw["title"]) for raw in RAW_BLUEPRINTS]
CODE = [pytest.param(raw["title"], id=raw["title"]) for raw in RAW_BLUEPRINTS if raw["capsule_type"] == "CODE"]
DATABASE = [pytest.param(raw["title"], id=raw["title"]) for raw in RAW_BLUEPRINTS if raw["capsule_type"] == "DATABASE"]
CELLS = [
    (capsule_type, language, difficulty)
    for capsule_type, languages in LANGUAGES_BY_TYPE.items()
    for language in languages
    for difficulty in DIFFICULTIES
]


def blueprint(title: str) -> Blueprint:
    found = blueprint_by_title(title)
    assert found is not None, f"no blueprint titled {title!r}"
    return found


@pytest.fixture
def fresh_catalog() -> Iterator[None]:
    """Reload the catalog around a test that changes its data (the loader caches it)."""
    catalog.catalog_blueprints.cache_clear()
    catalog._inverse_document_frequency.cache_clear()
    yield
    catalog.catalog_blueprints.cache_clear()
    catalog._inverse_document_frequency.cache_clear()


# --- The data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ALL)
def test_every_blueprint_parses_as_a_capsule(title):
    draft = parse_capsule(blueprint(title).capsule_data())

    assert draft.title == title


def test_the_catalog_holds_at_least_thirty_blueprints():
    assert len(catalog_blueprints()) == len(RAW_BLUEPRINTS) >= 30


@pytest.mark.parametrize(("capsule_type", "language", "difficulty"), CELLS, ids=["-".join(cell) for cell in CELLS])
def test_the_catalog_covers_every_type_language_and_difficulty_the_form_allows(capsule_type, language, difficulty):
    matching = [
        bp for bp in catalog_blueprints()
        if (bp.capsule_type, bp.language, bp.difficulty) == (capsule_type, language, difficulty)
    ]  # fmt: skip

    assert matching, f"no {difficulty} {capsule_type} blueprint in {language}"


def test_python_and_sql_have_more_than_one_blueprint_per_difficulty():
    cells = Counter((bp.language, bp.difficulty) for bp in catalog_blueprints())

    for language in ("python", "sql"):
        assert all(cells[(language, difficulty)] >= 2 for difficulty in DIFFICULTIES), cells


def test_titles_are_unique():
    titles = [bp.title.casefold() for bp in catalog_blueprints()]

    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("title", ALL)
def test_every_blueprint_has_topics_and_an_idea_for_the_pedagogist(title):
    bp = blueprint(title)

    assert bp.topics and all(topic.strip() for topic in bp.topics)
    assert bp.idea.title == bp.title
    assert len(bp.idea.learning_objectives) >= 2 and bp.idea.concepts
    assert len(bp.idea.description) > 100 and bp.idea.difficulty_rationale.lower().startswith(bp.difficulty)


@pytest.mark.parametrize("title", CODE)
def test_every_code_blueprint_has_four_tests_both_visible_and_hidden_and_progressive_hints(title):
    config = blueprint(title).capsule_data()["config_data"]
    hidden = [test["is_hidden"] for test in config["test_cases"]]

    assert len(hidden) >= 4 and True in hidden and False in hidden
    assert 2 <= len(config["hints"]) <= 3


def test_every_database_blueprint_runs_on_sqlite_with_a_starting_query_and_a_hidden_dataset():
    for bp in catalog_blueprints():
        if bp.capsule_type == "DATABASE":
            config = bp.capsule_data()["config_data"]
            assert config["dialect"] == "sqlite" and config["boilerplate_code"].strip() and "CREATE TABLE" in config["seed_sql"]
            assert "CREATE TABLE" in config["hidden_seed_sql"] and config["hidden_seed_sql"] != config["seed_sql"]


def test_every_terminal_blueprint_has_two_to_four_tasks_and_a_setup_script():
    for bp in catalog_blueprints():
        if bp.capsule_type == "TERMINAL":
            config = bp.capsule_data()["config_data"]
            assert 2 <= len(config["tasks"]) <= 4 and config["setup_script"].strip()


def test_capsule_data_is_a_fresh_copy_each_time():
    bp = blueprint("Count the words in a sentence")
    first = bp.capsule_data()
    first["config_data"]["test_cases"].clear()

    assert len(bp.capsule_data()["config_data"]["test_cases"]) == 5
    assert "topics" not in first and "idea" not in first  # catalog metadata is not part of the capsule


def write_exercise(root: Path, source: str, data: Any) -> Path:
    path = root / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_a_broken_blueprint_fails_loudly_when_the_catalog_loads(fresh_catalog, monkeypatch, tmp_path):
    broken = copy.deepcopy(RAW_BLUEPRINTS[0])
    del broken["config_data"]["reference_solution"]
    write_exercise(tmp_path, "python/01-count-words.yaml", broken)
    monkeypatch.setattr(loader, "EXERCISES_DIR", tmp_path)

    message = r"python/01-count-words\.yaml \('Count the words in a sentence'\): config_data\.reference_solution: Field required"
    with pytest.raises(CatalogError, match=message):
        catalog_blueprints()


def test_a_title_used_twice_fails_loudly_when_the_catalog_loads(fresh_catalog, monkeypatch, tmp_path):
    write_exercise(tmp_path, "python/01-count-words.yaml", RAW_BLUEPRINTS[0])
    write_exercise(tmp_path, "python/02-count-words-again.yaml", RAW_BLUEPRINTS[0])
    monkeypatch.setattr(loader, "EXERCISES_DIR", tmp_path)

    with pytest.raises(CatalogError, match=r"python/02-count-words-again\.yaml .*title already used in python/01-count-words\.yaml"):
        catalog_blueprints()


def test_every_exercise_file_loads_in_catalog_order():
    exercises = load_exercises()

    assert [exercise.source for exercise in exercises] == [path.relative_to(EXERCISES_DIR).as_posix() for path in exercise_files()]
    assert [exercise.draft.title for exercise in exercises] == [bp.title for bp in catalog_blueprints()]
    assert sorted({exercise.source.split("/")[0] for exercise in exercises}) == sorted(SECTIONS)
    languages = [SECTIONS.index(bp.language) for bp in catalog_blueprints()]
    assert languages == sorted(languages)  # Python first, Bash last


def test_multi_line_code_keeps_its_tabs_and_final_newline():
    reference = blueprint("Caesar cipher").capsule_data()["config_data"]["reference_solution"]

    assert "\n\toffset := (int(r-base) + shift) % 26\n" in reference and reference.endswith("}\n")


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (lambda raw: raw["idea"].__setitem__("concepts", []), r"idea\.concepts: List should have at least 1 item"),
        (lambda raw: raw["topics"].__setitem__(2, "  "), r"topics\[2\]: must not be blank"),
        (lambda raw: raw["idea"].__setitem__("title", "Another title"), r"idea\.title: Extra inputs are not permitted"),
        (lambda raw: raw.pop("difficulty"), r"difficulty: Field required"),
        (lambda raw: raw.__setitem__("topic", ["typo"]), r"topic: Extra inputs are not permitted"),
        (lambda raw: raw["config_data"]["test_cases"][1].pop("test_call"), r"config_data\.test_cases\[1\]\.test_call: Field required"),
        (
            lambda raw: raw["runtime_config"].__setitem__("language", "javascript"),
            r"runtime_config\.language: 'javascript' does not belong in python/",
        ),
    ],
    ids=["empty concepts", "blank topic", "idea with a title", "no difficulty", "unknown key", "test without call", "wrong directory"],
)
def test_a_bad_exercise_file_is_reported_with_its_name_and_field_path(tmp_path, change, reported):
    raw = copy.deepcopy(RAW_BLUEPRINTS[0])
    change(raw)
    write_exercise(tmp_path, "python/01-count-words.yaml", raw)

    with pytest.raises(
        CatalogError, match=r"catalog exercise python/01-count-words\.yaml \('Count the words in a sentence'\): .*" + reported
    ):
        load_exercises(tmp_path)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    raw = copy.deepcopy(RAW_BLUEPRINTS[0])
    del raw["topics"]
    del raw["config_data"]["reference_solution"]
    write_exercise(tmp_path, "python/01-count-words.yaml", raw)

    with pytest.raises(CatalogError, match=r"topics: Field required; config_data\.reference_solution: Field required"):
        load_exercises(tmp_path)


def test_a_file_that_is_not_yaml_is_reported_with_its_name_and_line(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "01-broken.yaml").write_text("title: Broken\ntopics: [unclosed\n", encoding="utf-8")

    with pytest.raises(CatalogError, match=r"catalog exercise sql/01-broken\.yaml: not YAML: line 3, column 1: expected ',' or '\]'"):
        load_exercises(tmp_path)


def test_a_file_that_is_not_a_mapping_is_reported(tmp_path):
    write_exercise(tmp_path, "go/01-list.yaml", ["title", "topics"])

    with pytest.raises(CatalogError, match=r"catalog exercise go/01-list\.yaml: expected a mapping of fields, got list"):
        load_exercises(tmp_path)


@pytest.mark.parametrize(
    ("stray", "reported"),
    [
        ("python/01-count-words.yml", r"python: not an exercise file \(\.yaml\): 01-count-words\.yml"),
        ("pyton/01-count-words.yaml", r"not a language directory of the catalog: pyton"),
    ],
)
def test_a_file_the_loader_would_skip_is_an_error_not_a_missing_exercise(tmp_path, stray, reported):
    write_exercise(tmp_path, stray, RAW_BLUEPRINTS[0])

    with pytest.raises(CatalogError, match=reported):
        load_exercises(tmp_path)


# --- Every blueprint is proven by the judge ---------------------------------------------------------------


@pytest.mark.parametrize("title", ALL)
def test_every_blueprint_passes_the_judges_gate(title):
    report = judges.validate(parse_capsule(blueprint(title).capsule_data()))

    assert report.passed, f"{report.category}: {report.message}"
    assert report.warnings == []
    if report.capsule_type == "DATABASE":  # judged as a new capsule: on its visible and its hidden dataset
        assert report.hidden_expected_result is not None and report.hidden_expected_result != report.expected_result


# Queries a learner plausibly writes instead of the reference, per DATABASE blueprint. Several of them return the
# right rows on the visible data (a missing tie-break, a missing ROUND, an off-by-one boundary): the hidden
# dataset is what catches them.
WRONG_QUERIES: dict[str, dict[str, str]] = {
    "Products under budget": {
        "no stock filter": "SELECT name, price_cents FROM products WHERE price_cents < 2000 ORDER BY price_cents, name;",
        "<= 2000": "SELECT name, price_cents FROM products WHERE in_stock = 1 AND price_cents <= 2000 ORDER BY price_cents, name;",
        "no tie-break": "SELECT name, price_cents FROM products WHERE in_stock = 1 AND price_cents < 2000 ORDER BY price_cents;",
    },
    "The three newest top-rated movies": {
        "> 8.0": "SELECT title, release_year, rating FROM movies WHERE rating > 8.0 ORDER BY release_year DESC, rating DESC LIMIT 3;",
        "no rating tie-break": "SELECT title, release_year, rating FROM movies WHERE rating >= 8.0 ORDER BY release_year DESC LIMIT 3;",
        "no filter": "SELECT title, release_year, rating FROM movies ORDER BY release_year DESC, rating DESC LIMIT 3;",
    },
    "Headcount and average salary per department": {
        "inner join": (
            "SELECT d.name AS department, COUNT(e.id) AS headcount, ROUND(AVG(e.salary)) AS average_salary FROM departments AS d"
            " JOIN employees AS e ON e.department_id = d.id GROUP BY d.id, d.name ORDER BY headcount DESC, department;"
        ),
        "COUNT(*)": (
            "SELECT d.name AS department, COUNT(*) AS headcount, ROUND(AVG(e.salary)) AS average_salary"
            " FROM departments AS d LEFT JOIN employees AS e ON e.department_id = d.id GROUP BY d.id, d.name"
            " ORDER BY headcount DESC, department;"
        ),
        "no ROUND": (
            "SELECT d.name AS department, COUNT(e.id) AS headcount, AVG(e.salary) AS average_salary FROM departments AS d"
            " LEFT JOIN employees AS e ON e.department_id = d.id GROUP BY d.id, d.name ORDER BY headcount DESC, department;"
        ),
        "no name tie-break": (
            "SELECT d.name AS department, COUNT(e.id) AS headcount, ROUND(AVG(e.salary)) AS average_salary"
            " FROM departments AS d LEFT JOIN employees AS e ON e.department_id = d.id GROUP BY d.id, d.name ORDER BY headcount DESC;"
        ),
    },
    "Members who never borrowed a book": {
        "no ORDER BY": "SELECT m.name, m.joined_on FROM members AS m LEFT JOIN loans AS l ON l.member_id = m.id WHERE l.id IS NULL;",
        "sorted by name": (
            "SELECT m.name, m.joined_on FROM members AS m LEFT JOIN loans AS l ON l.member_id = m.id WHERE l.id IS NULL"
            " ORDER BY m.name;"
        ),
        "loan ids for member ids": "SELECT name, joined_on FROM members WHERE id NOT IN (SELECT id FROM loans) ORDER BY joined_on;",
        "no open loan": (
            "SELECT m.name, m.joined_on FROM members AS m LEFT JOIN loans AS l ON l.member_id = m.id AND l.returned_on IS NULL"
            " WHERE l.id IS NULL ORDER BY m.joined_on;"
        ),
    },
    "Running total of daily sales per store": {
        "no PARTITION BY": (
            "WITH daily AS (SELECT store_id, sold_on, SUM(amount_cents) AS day_total FROM sales GROUP BY store_id, sold_on)"
            " SELECT st.city, d.sold_on, d.day_total, SUM(d.day_total) OVER (ORDER BY d.sold_on) AS running_total FROM daily AS d"
            " JOIN stores AS st ON st.id = d.store_id ORDER BY st.city, d.sold_on;"
        ),
        "sorted by store id": (
            "WITH daily AS (SELECT store_id, sold_on, SUM(amount_cents) AS day_total FROM sales GROUP BY store_id, sold_on)"
            " SELECT st.city, d.sold_on, d.day_total, SUM(d.day_total) OVER (PARTITION BY d.store_id"
            " ORDER BY d.sold_on) AS running_total FROM daily AS d JOIN stores AS st ON st.id = d.store_id"
            " ORDER BY d.store_id, d.sold_on;"
        ),
        "sales not added up per day": (
            "SELECT st.city, s.sold_on, s.amount_cents AS day_total, SUM(s.amount_cents) OVER (PARTITION BY s.store_id"
            " ORDER BY s.sold_on) AS running_total FROM sales AS s JOIN stores AS st ON st.id = s.store_id ORDER BY st.city, s.sold_on;"
        ),
    },
    "Top earners in every department": {
        "GROUP BY with MAX": (
            "SELECT d.name AS department, e.name, MAX(e.salary) AS salary FROM employees AS e"
            " JOIN departments AS d ON d.id = e.department_id GROUP BY d.id ORDER BY department, e.name;"
        ),
        "ROW_NUMBER": (
            "SELECT department, name, salary"
            " FROM (SELECT d.name AS department, e.name, e.salary, ROW_NUMBER() OVER (PARTITION BY e.department_id"
            " ORDER BY e.salary DESC) AS r FROM employees AS e JOIN departments AS d ON d.id = e.department_id) WHERE r = 1"
            " ORDER BY department, name;"
        ),
        "no PARTITION BY": (
            "SELECT department, name, salary"
            " FROM (SELECT d.name AS department, e.name, e.salary, RANK() OVER (ORDER BY e.salary DESC) AS r FROM employees AS e"
            " JOIN departments AS d ON d.id = e.department_id) WHERE r = 1 ORDER BY department, name;"
        ),
        "no name tie-break": (
            "SELECT department, name, salary"
            " FROM (SELECT d.name AS department, e.name, e.salary, RANK() OVER (PARTITION BY e.department_id"
            " ORDER BY e.salary DESC) AS r FROM employees AS e JOIN departments AS d ON d.id = e.department_id) WHERE r = 1"
            " ORDER BY department;"
        ),
    },
}


def test_every_database_blueprint_has_wrong_queries_to_check_its_hidden_dataset_with():
    assert sorted(WRONG_QUERIES) == sorted(raw["title"] for raw in RAW_BLUEPRINTS if raw["capsule_type"] == "DATABASE")


@pytest.mark.parametrize("title", DATABASE)
def test_every_database_blueprints_hidden_dataset_fails_the_typical_wrong_queries(title):
    # One sandbox job per blueprint: the hidden dataset seeded once, the reference and each wrong query on a copy.
    config = blueprint(title).capsule_data()["config_data"]
    wrong = WRONG_QUERIES[title]

    batch = SQL_ENGINES["sqlite"](config["hidden_seed_sql"], [config["reference_solution"], *wrong.values()], None)

    reference, *answers = batch.results
    assert reference.ok and reference.row_count > 0, reference.error
    passing = [
        name for name, answer in zip(wrong, answers, strict=True) if answer.ok and results_match(expected=reference, actual=answer).matches
    ]
    assert passing == [], f"wrong queries that pass on the hidden dataset: {passing}"


@pytest.mark.parametrize("title", CODE)
def test_every_code_boilerplate_compiles_and_runs_but_gives_a_wrong_answer(title):
    # The gate only asks that the boilerplate fail a test; a catalog boilerplate must also be a working start.
    bp = blueprint(title)
    config = bp.capsule_data()["config_data"]
    specs = [TestSpec(test_call=test["test_call"], expected_output=test["expected_output"]) for test in config["test_cases"]]

    job = run_code_tests(bp.language, config["boilerplate_code"], specs)

    assert job.compiled, job.compile.message if job.compile else ""
    assert Verdict.WA in job.verdicts, job.verdicts


# --- The matcher ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capsule_type", "language", "difficulty", "prompt", "expected"),
    [
        ("CODE", "python", "easy", "a function that counts words in a sentence", "Count the words in a sentence"),
        ("CODE", "python", "easy", "Check whether a number is prime", "Is it a prime number?"),
        ("CODE", "python", "medium", "count how often each word appears, using a dictionary", "Word frequencies"),
        ("CODE", "python", "medium", "recursion on nested lists", "Flatten a nested list"),
        ("CODE", "python", "medium", "object-oriented programming with classes", "A bank account class"),
        ("CODE", "python", "medium", "sorting with key functions", "Rank the players on a leaderboard"),
        ("CODE", "python", "medium", "searching a sorted array quickly", "Binary search in a sorted list"),
        ("CODE", "python", "hard", "find the shortest route through a maze", "Shortest path through a maze"),
        ("CODE", "python", "hard", "write a parser for math expressions", "Evaluate an arithmetic expression"),
        ("CODE", "javascript", "medium", "convert Roman numerals", "Roman numerals to numbers"),
        ("CODE", "csharp", "medium", "use a hash map to find a pair of numbers", "Two numbers that add up to a target"),
        ("CODE", "go", "medium", "encrypt a message", "Caesar cipher"),
        ("DATABASE", "sql", "medium", "customers who never placed an order", "Members who never borrowed a book"),
        ("DATABASE", "sql", "medium", "count employees per department with GROUP BY", "Headcount and average salary per department"),
        ("DATABASE", "sql", "hard", "window functions: running totals", "Running total of daily sales per store"),
        ("DATABASE", "sql", "hard", "the highest paid employee in each department", "Top earners in every department"),
        ("DATABASE", "sql", "easy", "top 3 movies by rating", "The three newest top-rated movies"),
        ("TERMINAL", "bash", "medium", "text processing with awk on a CSV file", "Sales report from a CSV file"),
        ("TERMINAL", "bash", "medium", "compress a directory into an archive", "Back up a folder with tar"),
        ("TERMINAL", "bash", "hard", "use sed to edit configuration files", "Edit a configuration file with sed and awk"),
        ("TERMINAL", "bash", "hard", "clean up old logs with find and tar", "Rotate old log files"),
        ("TERMINAL", "bash", "easy", "file permissions and chmod", "Lock down file permissions"),
    ],
)
def test_it_picks_the_blueprint_the_prompt_is_about(capsule_type, language, difficulty, prompt, expected):
    picked = pick_blueprint(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)

    assert picked.title == expected
    assert (picked.capsule_type, picked.language, picked.difficulty) == (capsule_type, language, difficulty)


def test_synonyms_match_words_the_topics_do_not_use():
    # "array" is a list, "text" a string, "hash" a dict: each prompt names none of the topics' own words.
    assert terms_of("arrays") == terms_of("list") and terms_of("text") == terms_of("strings") == terms_of("characters")
    assert terms_of("hash") == terms_of("dictionaries") == terms_of("maps")

    picked = pick_blueprint(capsule_type="CODE", language="python", difficulty="easy", prompt="add up the even values of an array")

    assert picked.title == "Sum of the even numbers"


def test_stemming_makes_word_forms_meet():
    assert terms_of("counting words") == terms_of("counts word") == ["count", "word"]
    assert terms_of("parsing") == terms_of("parse") == terms_of("parser")
    assert terms_of("Sorted") == terms_of("sorting") == terms_of("sort")


def test_exclude_titles_skips_blueprints_already_used():
    request = dict(capsule_type="CODE", language="python", difficulty="easy", prompt="count the words in a sentence")

    first = pick_blueprint(**request)
    second = pick_blueprint(**request, exclude_titles=[first.title])

    assert first.title == "Count the words in a sentence"
    # The next exercise that still fits the topic, one difficulty away, rather than an unrelated easy one.
    assert second.title == "Word frequencies" and second.difficulty == "medium"


def test_it_falls_back_to_the_nearest_difficulty_when_the_cell_is_used_up():
    easy_go = [bp.title for bp in catalog_blueprints() if bp.language == "go" and bp.difficulty == "easy"]

    picked = pick_blueprint(capsule_type="CODE", language="go", difficulty="easy", prompt="", exclude_titles=easy_go)

    assert picked.difficulty == "medium"


def test_both_neighbours_of_medium_are_equally_near_and_the_topic_decides():
    medium_java = [bp.title for bp in catalog_blueprints() if bp.language == "java" and bp.difficulty == "medium"]
    request = dict(capsule_type="CODE", language="java", difficulty="medium", exclude_titles=medium_java)

    assert pick_blueprint(**request, prompt="merge overlapping intervals").difficulty == "hard"
    assert pick_blueprint(**request, prompt="palindrome strings").difficulty == "easy"


def test_when_every_blueprint_is_excluded_it_repeats_one_rather_than_fail():
    go_titles = [bp.title for bp in catalog_blueprints() if bp.language == "go"]

    picked = pick_blueprint(capsule_type="CODE", language="go", difficulty="hard", prompt="", exclude_titles=go_titles)

    assert picked.language == "go" and picked.difficulty == "hard"


def test_ties_are_broken_by_title_so_the_pick_is_deterministic():
    ranked = rank_blueprints(capsule_type="CODE", language="python", difficulty="medium", prompt="nothing relevant here")

    medium = [bp.title for bp, score in ranked if bp.difficulty == "medium"]
    assert all(score == 0 for _, score in ranked)
    assert medium == sorted(medium)
    assert pick_blueprint(capsule_type="CODE", language="python", difficulty="medium", prompt="").title == medium[0]


def test_it_refuses_a_combination_the_creation_form_does_not_allow():
    with pytest.raises(ValueError, match="not a DATABASE language"):
        pick_blueprint(capsule_type="DATABASE", language="python", difficulty="easy", prompt="")
    with pytest.raises(ValueError, match="unknown difficulty"):
        pick_blueprint(capsule_type="CODE", language="python", difficulty="expert", prompt="")
    with pytest.raises(ValueError, match="unknown capsule type"):
        pick_blueprint(capsule_type="VIDEO", language="python", difficulty="easy", prompt="")


def test_blueprint_by_title_ignores_case_and_returns_none_for_unknown_titles():
    assert blueprint_by_title("  caesar CIPHER ") is blueprint("Caesar cipher")
    assert blueprint_by_title("No such exercise") is None
