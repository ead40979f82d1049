"""The quality score of a generated capsule: a number in [0, 1] from what the pipeline measured.

Signals (all measured on the job, none guessed):

    h  heals     Debugger/regeneration attempts the capsule needed before it passed (0 .. H = max heals)
    n  checks    CODE: test cases; TERMINAL: tasks; DATABASE: rows of the reference query's result
    k  hidden    CODE only: hidden tests (r = k / n is the hidden-test ratio)
    t  seconds   how long the judge took to prove the final capsule (its passing judgement)

Components, each in [0, 1]:

    heals     H_c = 1 - h / (H + 1)
              a capsule right the first time scores 1; each heal costs an equal share, and one that needed
              every allowed heal keeps 1/(H+1): it passed, but the model struggled with it.
    coverage  C = min(1, n / N_type)     N_CODE = 6 tests, N_TERMINAL = 3 tasks, N_DATABASE = 5 rows
              more checks pin the behaviour down (and a result of one row accepts many wrong queries).
    hidden    R = min(1, r / 0.3)                 when r < 0.3
              R = 1                               when 0.3 <= r <= 0.7
              R = max(0, (1 - r) / 0.3)           when r > 0.7
              enough hidden tests stop hard-coding; too many leave learners without examples. CODE only.
    runtime   S = 1 / (1 + t / 10 s)
              learners wait for the same judge on every attempt: 0.1 s scores 0.99, 10 s scores 0.5.

Score: the weighted mean of the components that apply to the type,

    Q = (0.40 H_c + 0.25 C + 0.20 R + 0.15 S) / (sum of the weights used)

so CODE uses all four and DATABASE / TERMINAL renormalize over heals, coverage and runtime. Q is rounded to
3 decimals. The weights put first-time correctness first (it predicts how trustworthy the capsule is),
then how thoroughly it is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Checks that count as "fully covered", per type (the catalog's hand-written capsules have about this many).
COVERAGE_TARGETS = {"CODE": 6, "TERMINAL": 3, "DATABASE": 5}
# The band of hidden-test ratios that scores 1.
HIDDEN_RATIO_BAND = (0.3, 0.7)
# Judge seconds at which the runtime component is 0.5.
RUNTIME_HALF_SCORE_SECONDS = 10.0
WEIGHTS = {"heals": 0.40, "coverage": 0.25, "hidden": 0.20, "runtime": 0.15}


@dataclass(frozen=True)
class QualitySignals:
    capsule_type: str
    heals: int
    max_heals: int
    checks: int
    hidden: int | None  # None: the type has no hidden checks
    judge_seconds: float


def signals_from(report: Mapping[str, Any], *, capsule_type: str, heals: int, max_heals: int, judge_seconds: float) -> QualitySignals:
    """The signals of a capsule from its passing ValidationReport (JSON form) and the job's counters."""
    hidden: int | None = None
    if capsule_type == "CODE":
        tests = report.get("tests") or []
        checks = len(tests)
        hidden = sum(1 for test in tests if test.get("is_hidden"))
    elif capsule_type == "TERMINAL":
        checks = len(report.get("tasks") or [])
    else:
        expected = report.get("expected_result") or {}
        checks = len(expected.get("rows") or [])
    return QualitySignals(
        capsule_type=capsule_type,
        heals=heals,
        max_heals=max_heals,
        checks=checks,
        hidden=hidden,
        judge_seconds=judge_seconds,
    )


def components(signals: QualitySignals) -> dict[str, float]:
    """Each component in [0, 1]; `hidden` only for types that have hidden checks."""
    heals = min(max(signals.heals, 0), max(signals.max_heals, 0))
    parts = {
        "heals": 1.0 - heals / (max(signals.max_heals, 0) + 1),
        "coverage": min(1.0, max(signals.checks, 0) / COVERAGE_TARGETS.get(signals.capsule_type, 1)),
        "runtime": 1.0 / (1.0 + max(signals.judge_seconds, 0.0) / RUNTIME_HALF_SCORE_SECONDS),
    }
    if signals.hidden is not None:
        ratio = signals.hidden / signals.checks if signals.checks else 0.0
        low, high = HIDDEN_RATIO_BAND
        if ratio < low:
            parts["hidden"] = ratio / low
        elif ratio <= high:
            parts["hidden"] = 1.0
        else:
            parts["hidden"] = max(0.0, (1.0 - ratio) / (1.0 - high))
    return parts


def quality_score(signals: QualitySignals) -> float:
    """Q in [0, 1] (see the module docstring for the formula)."""
    parts = components(signals)
    total_weight = sum(WEIGHTS[name] for name in parts)
    score = sum(WEIGHTS[name] * value for name, value in parts.items()) / total_weight
    return round(min(1.0, max(0.0, score)), 3)


__all__ = ["COVERAGE_TARGETS", "WEIGHTS", "QualitySignals", "components", "quality_score", "signals_from"]
