"""Model overrides (generation.llm.config): another app lends an agent a model without generation importing it
(feedback's fine-tuned Coder). model_for asks them first, then falls back to the settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from generation.llm.config import model_for, register_model_override, unregister_model_override


@pytest.fixture
def registered() -> Iterator[list]:
    """Registers the overrides a test appends to the list; unregisters them afterwards."""
    overrides: list = []
    yield overrides
    for override in overrides:
        unregister_model_override(override)


def add(registered: list, override) -> None:
    registered.append(override)
    register_model_override(override)


def test_an_override_that_names_a_model_wins_over_the_settings(registered, settings):
    settings.LLM_MODEL_CODER = "configured-coder"
    add(registered, lambda agent: "ft:coder" if agent == "coder" else None)

    assert model_for("coder") == "ft:coder"


def test_an_override_that_names_none_leaves_the_settings(registered, settings):
    settings.LLM_MODEL_DEBUGGER = "configured-debugger"
    add(registered, lambda agent: "ft:coder" if agent == "coder" else None)

    assert model_for("debugger") == "configured-debugger"


def test_an_override_that_fails_is_logged_and_skipped(registered, settings, caplog):
    settings.LLM_MODEL_CODER = "configured-coder"

    def broken(agent):
        raise RuntimeError("the database is away")

    add(registered, broken)

    with caplog.at_level(logging.WARNING, logger="generation.llm"):
        assert model_for("coder") == "configured-coder"
    assert "model override" in caplog.text and "the database is away" in caplog.text


def test_registering_the_same_override_twice_keeps_one_and_unregistering_removes_it(registered, settings):
    settings.LLM_MODEL_CODER = "configured-coder"
    calls: list[str] = []

    def counting(agent):
        calls.append(agent)
        return None

    add(registered, counting)
    register_model_override(counting)
    model_for("coder")
    unregister_model_override(counting)
    model_for("coder")

    assert calls == ["coder"]
