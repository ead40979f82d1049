"""AgentAttribution: which agent wrote the value a creator corrected."""

from __future__ import annotations

import copy
from typing import Any

from capsules.tests.samples import capsule_data
from feedback.edits.attribution import AgentAttribution

EXPECTED = "config_data.test_cases[0].expected_output"


def coder_draft() -> dict[str, Any]:
    # Agents' drafts leave out what the save path fills in (the runtime tier).
    return capsule_data("CODE")


def debugger_fix(draft: dict[str, Any], expected_output: str) -> dict[str, Any]:
    fixed = copy.deepcopy(draft)
    fixed["config_data"]["test_cases"][0]["expected_output"] = expected_output
    return fixed


def test_without_drafts_no_agent_is_known():
    assert AgentAttribution([]).agent_for("title", "Find the largest number") is None


def test_a_value_only_the_coder_wrote_is_the_coders():
    attribution = AgentAttribution([("coder", coder_draft())])
    assert attribution.agent_for("title", "Find the largest number") == "coder"


def test_a_value_a_debugger_heal_rewrote_is_the_debuggers_and_the_rest_stays_the_coders():
    first = debugger_fix(coder_draft(), "6\n")
    attribution = AgentAttribution([("coder", first), ("debugger", debugger_fix(first, "5\n"))])
    assert attribution.agent_for(EXPECTED, "5\n") == "debugger"
    assert attribution.agent_for("config_data.reference_solution", coder_draft()["config_data"]["reference_solution"]) == "coder"


def test_a_value_that_is_not_the_last_drafts_came_from_a_person_and_no_agent_is_named():
    attribution = AgentAttribution([("coder", coder_draft())])
    assert attribution.agent_for("title", "A title the creator wrote earlier") is None


def test_values_are_compared_as_the_save_path_stores_them():
    # The draft has no runtime tier and no is_hidden on its tests; the stored capsule has both.
    draft = coder_draft()
    del draft["config_data"]["test_cases"][0]["is_hidden"]
    attribution = AgentAttribution([("coder", draft)])
    assert attribution.agent_for("runtime_config.runtime_tier", "sandbox-python") == "coder"
    assert attribution.agent_for("config_data.test_cases[0].is_hidden", False) == "coder"


def test_an_item_the_creator_added_is_put_down_to_the_agent_that_wrote_the_list():
    attribution = AgentAttribution([("coder", coder_draft())])
    assert attribution.agent_for("config_data.test_cases[2]", None) == "coder"


def test_a_regenerated_draft_makes_the_coder_the_author_again_of_what_it_changed():
    first = debugger_fix(coder_draft(), "6\n")
    healed = debugger_fix(first, "7\n")
    regenerated = debugger_fix(healed, "5\n")
    attribution = AgentAttribution([("coder", first), ("debugger", healed), ("coder", regenerated)])
    assert attribution.agent_for(EXPECTED, "5\n") == "coder"
