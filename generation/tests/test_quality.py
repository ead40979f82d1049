"""The quality score (generation/quality.py): measured signals in, a number in [0, 1] out, never a constant."""

from __future__ import annotations

import pytest

import judges
from generation.catalog import pick_blueprint
from generation.quality import QualitySignals, components, quality_score, signals_from


def code(*, heals: int = 0, checks: int = 6, hidden: int = 3, seconds: float = 0.1, max_heals: int = 3) -> QualitySignals:
    return QualitySignals(capsule_type="CODE", heals=heals, max_heals=max_heals, checks=checks, hidden=hidden, judge_seconds=seconds)


def test_a_thorough_capsule_right_the_first_time_scores_close_to_one():
    assert quality_score(code()) == pytest.approx(0.999, abs=0.001)


def test_the_formula_is_the_documented_weighted_mean():
    signals = code(heals=1, checks=4, hidden=1, seconds=5.0)
    heals = 1 - 1 / 4
    coverage = 4 / 6
    hidden = (1 / 4) / 0.3
    runtime = 1 / (1 + 5 / 10)

    assert components(signals) == pytest.approx({"heals": heals, "coverage": coverage, "hidden": hidden, "runtime": runtime})
    assert quality_score(signals) == round(0.40 * heals + 0.25 * coverage + 0.20 * hidden + 0.15 * runtime, 3)


def test_every_heal_lowers_the_score():
    scores = [quality_score(code(heals=heals)) for heals in range(4)]

    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4
    assert scores[3] > 0  # it still passed the judge


def test_more_checks_raise_the_score_up_to_the_target():
    scores = [quality_score(code(checks=n, hidden=n // 2)) for n in (2, 4, 6, 10)]

    assert scores[0] < scores[1] < scores[2] and scores[2] == scores[3]


def test_too_few_or_too_many_hidden_tests_lower_the_score():
    balanced = quality_score(code(checks=10, hidden=5))

    assert quality_score(code(checks=10, hidden=1)) < balanced
    assert quality_score(code(checks=10, hidden=9)) < balanced
    assert quality_score(code(checks=10, hidden=3)) == quality_score(code(checks=10, hidden=7)) == balanced


def test_a_slower_judgement_lowers_the_score():
    assert quality_score(code(seconds=0.1)) > quality_score(code(seconds=3)) > quality_score(code(seconds=30))


def test_types_without_hidden_checks_renormalize_over_the_other_components():
    terminal = QualitySignals(capsule_type="TERMINAL", heals=0, max_heals=3, checks=3, hidden=None, judge_seconds=0.0)
    database = QualitySignals(capsule_type="DATABASE", heals=2, max_heals=3, checks=5, hidden=None, judge_seconds=0.0)

    assert "hidden" not in components(terminal)
    assert quality_score(terminal) == 1.0
    assert quality_score(database) == round((0.40 * 0.5 + 0.25 + 0.15) / 0.80, 3)


@pytest.mark.parametrize(
    "signals",
    [
        code(heals=3, checks=1, hidden=0, seconds=1000),
        code(heals=0, checks=0, hidden=0, seconds=0),
        code(heals=5, checks=100, hidden=100, seconds=-1, max_heals=0),
        QualitySignals(capsule_type="DATABASE", heals=0, max_heals=3, checks=0, hidden=None, judge_seconds=0),
    ],
)
def test_the_score_stays_between_zero_and_one(signals):
    assert 0.0 <= quality_score(signals) <= 1.0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("capsule_type", "language", "checks_of"),
    [
        ("CODE", "python", lambda data: len(data["config_data"]["test_cases"])),
        ("TERMINAL", "bash", lambda data: len(data["config_data"]["tasks"])),
        ("DATABASE", "sql", None),
    ],
)
def test_signals_are_read_from_the_judges_passing_report(capsule_type, language, checks_of):
    data = pick_blueprint(capsule_type=capsule_type, language=language, difficulty="easy", prompt="").capsule_data()
    report = judges.validate(data).model_dump(mode="json")
    assert report["passed"]

    signals = signals_from(report, capsule_type=capsule_type, heals=1, max_heals=3, judge_seconds=report["seconds"])

    assert signals.heals == 1 and signals.judge_seconds == report["seconds"]
    if capsule_type == "CODE":
        assert signals.checks == checks_of(data)
        assert signals.hidden == sum(test["is_hidden"] for test in data["config_data"]["test_cases"])
    elif capsule_type == "TERMINAL":
        assert signals.checks == checks_of(data) and signals.hidden is None
    else:
        assert signals.checks == len(report["expected_result"]["rows"]) > 0 and signals.hidden is None
    assert 0 < quality_score(signals) < 1
