"""diff_capsules: one change per changed leaf between two BaseCapsule dicts; the path helpers it uses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from capsules.selectors import capsule_base_dict
from capsules.tests.samples import capsule_data
from feedback.edits.diff import (
    CONTENT_KEYS,
    IGNORED_KEYS,
    MISSING,
    Change,
    ChangeKind,
    diff_capsules,
    is_valid_path,
    path_parts,
    value_at,
)


def stored(capsule_type: str = "CODE") -> dict[str, Any]:
    """A capsule as capsule_base_dict shows it (read-only keys included)."""
    data = capsule_data(capsule_type)
    data["runtime_config"]["runtime_tier"] = "sandbox-python"
    return {
        "id": "0b0c6f3e-5a4e-4c38-9d59-2f1f4d1d6a01",
        "creator_id": "1",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        "status": "validated",
        **data,
    }


def edited(before: dict[str, Any], edit: Any) -> dict[str, Any]:
    after = copy.deepcopy(before)
    edit(after)
    return after


# --- Leaves ---------------------------------------------------------------------------------------------


def test_identical_capsules_have_no_changes():
    before = stored()
    assert diff_capsules(before, copy.deepcopy(before)) == []


def test_a_changed_top_level_value_is_one_change_with_both_values():
    before = stored()
    after = edited(before, lambda c: c.update(title="Find the maximum"))
    assert diff_capsules(before, after) == [
        Change("title", "Find the largest number", "Find the maximum", ChangeKind.CHANGED)
    ]


def test_a_changed_nested_leaf_is_named_by_its_full_path():
    before = stored()
    after = edited(before, lambda c: c["config_data"]["test_cases"][1].update(expected_output="-1"))
    assert diff_capsules(before, after) == [
        Change("config_data.test_cases[1].expected_output", "-1\n", "-1", ChangeKind.CHANGED)
    ]


def test_each_changed_leaf_is_its_own_change_and_unchanged_leaves_give_nothing():
    before = stored()

    def edit(capsule: dict[str, Any]) -> None:
        capsule["problem_statement_md"] = "Return the largest number."
        capsule["config_data"]["reference_solution"] = "def find_largest(n):\n    return sorted(n)[-1]\n"
        capsule["config_data"]["test_cases"][0]["is_hidden"] = True

    paths = [change.path for change in diff_capsules(before, edited(before, edit))]
    assert paths == ["problem_statement_md", "config_data.reference_solution", "config_data.test_cases[0].is_hidden"]


def test_runtime_config_changes_are_leaves_of_their_own():
    before = stored()
    after = edited(before, lambda c: c["runtime_config"].update(runtime_tier="sandbox-python-extended"))
    assert diff_capsules(before, after) == [
        Change("runtime_config.runtime_tier", "sandbox-python", "sandbox-python-extended", ChangeKind.CHANGED)
    ]


@pytest.mark.parametrize("key", sorted(IGNORED_KEYS))
def test_read_only_and_visibility_keys_are_ignored(key):
    before = stored()
    before["is_public"] = False
    after = edited(before, lambda c: c.update({key: True if key == "is_public" else "something else"}))
    assert diff_capsules(before, after) == []


def test_the_ignored_and_content_keys_cover_every_key_of_the_base_capsule_shape(owner, make_capsule):
    # A key added to capsule_base_dict later must be placed on purpose: content (captured) or not.
    keys = set(capsule_base_dict(make_capsule(owner)))
    assert keys == IGNORED_KEYS | CONTENT_KEYS
    assert not IGNORED_KEYS & CONTENT_KEYS


def test_a_boolean_is_not_equal_to_a_number():
    before = {"config_data": {"flag": False}}
    after = {"config_data": {"flag": 0}}
    assert diff_capsules(before, after) == [Change("config_data.flag", False, 0, ChangeKind.CHANGED)]


def test_an_integer_and_the_same_float_are_equal():
    before = {"config_data": {"test_cases": [{"tolerance": 1}]}}
    after = {"config_data": {"test_cases": [{"tolerance": 1.0}]}}
    assert diff_capsules(before, after) == []


def test_a_value_whose_type_changes_is_one_leaf_with_both_whole_values():
    before = {"config_data": {"environment_config": {"disk_image_url": ""}}}
    after = {"config_data": {"environment_config": "none"}}
    assert diff_capsules(before, after) == [
        Change("config_data.environment_config", {"disk_image_url": ""}, "none", ChangeKind.CHANGED)
    ]


# --- Keys present on one side ---------------------------------------------------------------------------


def test_a_key_that_appears_is_added_with_no_original():
    before = stored()
    after = edited(before, lambda c: c["config_data"]["test_cases"][0].update(compare="exact"))
    assert diff_capsules(before, after) == [
        Change("config_data.test_cases[0].compare", None, "exact", ChangeKind.ADDED)
    ]


def test_a_key_that_disappears_is_removed_with_no_correction():
    before = stored()
    after = edited(before, lambda c: c["config_data"].pop("boilerplate_code"))
    assert diff_capsules(before, after) == [
        Change("config_data.boilerplate_code", "def find_largest(numbers):\n    pass\n", None, ChangeKind.REMOVED)
    ]


def test_a_dict_that_appears_comes_out_leaf_by_leaf():
    before = {"config_data": {"hints": []}}
    after = {"config_data": {"hints": [], "environment_config": {"disk_image_url": "https://example.com/d.img"}}}
    assert diff_capsules(before, after) == [
        Change("config_data.environment_config.disk_image_url", None, "https://example.com/d.img", ChangeKind.ADDED)
    ]


def test_a_list_that_appears_comes_out_item_by_item():
    before = {"config_data": {}}
    after = {"config_data": {"hints": ["one", "two"]}}
    assert diff_capsules(before, after) == [
        Change("config_data.hints[0]", None, "one", ChangeKind.ADDED),
        Change("config_data.hints[1]", None, "two", ChangeKind.ADDED),
    ]


# --- Lists by index -------------------------------------------------------------------------------------


def test_a_test_added_at_the_end_is_one_added_entry_holding_the_whole_test():
    before = stored()
    new_test = {"description": "one number", "test_call": "print(find_largest([7]))", "expected_output": "7\n", "is_hidden": False}
    after = edited(before, lambda c: c["config_data"]["test_cases"].append(new_test))
    assert diff_capsules(before, after) == [Change("config_data.test_cases[2]", None, new_test, ChangeKind.ADDED)]


def test_a_removed_last_test_is_one_removed_entry_that_keeps_the_whole_test():
    before = stored()
    removed = before["config_data"]["test_cases"][1]
    after = edited(before, lambda c: c["config_data"]["test_cases"].pop())
    assert diff_capsules(before, after) == [Change("config_data.test_cases[1]", removed, None, ChangeKind.REMOVED)]


def test_list_items_are_matched_by_index_so_removing_the_first_shifts_the_rest():
    before = {"config_data": {"hints": ["a", "b", "c"]}}
    after = {"config_data": {"hints": ["b", "c"]}}
    assert diff_capsules(before, after) == [
        Change("config_data.hints[0]", "a", "b", ChangeKind.CHANGED),
        Change("config_data.hints[1]", "b", "c", ChangeKind.CHANGED),
        Change("config_data.hints[2]", "c", None, ChangeKind.REMOVED),
    ]


def test_a_changed_hint_is_a_change_at_its_index():
    before = stored()
    after = edited(before, lambda c: c["config_data"]["hints"].__setitem__(1, "Use max()."))
    assert diff_capsules(before, after) == [Change("config_data.hints[1]", "Try max().", "Use max().", ChangeKind.CHANGED)]


def test_terminal_tasks_are_matched_by_index_and_walked_to_their_leaves():
    before = stored("TERMINAL")
    after = edited(before, lambda c: c["config_data"]["tasks"][1].update(validation_script="test -d notes && echo pass"))
    assert diff_capsules(before, after) == [
        Change("config_data.tasks[1].validation_script", "test -d notes", "test -d notes && echo pass", ChangeKind.CHANGED)
    ]


def test_schema_info_columns_are_matched_by_index_too():
    before = stored("DATABASE")

    def edit(capsule: dict[str, Any]) -> None:
        capsule["config_data"]["schema_info"][0]["columns"].append("country (TEXT)")

    assert diff_capsules(before, edited(before, edit)) == [
        Change("config_data.schema_info[0].columns[3]", None, "country (TEXT)", ChangeKind.ADDED)
    ]


def test_a_changed_seed_sql_url_is_a_leaf():
    before = {"config_data": {"seed_sql_url": "/media/seed_sql/aaa.sql"}}
    after = {"config_data": {"seed_sql_url": "/media/seed_sql/bbb.sql"}}
    assert diff_capsules(before, after) == [
        Change("config_data.seed_sql_url", "/media/seed_sql/aaa.sql", "/media/seed_sql/bbb.sql", ChangeKind.CHANGED)
    ]


# --- Paths ----------------------------------------------------------------------------------------------


def test_path_parts_splits_names_and_indexes():
    assert path_parts("config_data.test_cases[2].expected_output") == ["config_data", "test_cases", 2, "expected_output"]
    assert path_parts("title") == ["title"]


@pytest.mark.parametrize("path", ["title", "config_data.hints[0]", "config_data.schema_info[0].columns[12]"])
def test_well_formed_paths_are_valid(path):
    assert is_valid_path(path)


@pytest.mark.parametrize("path", ["", ".title", "config_data..hints", "config_data.hints[x]", "hints[0", "a b", "config_data.[0]"])
def test_malformed_paths_are_not_valid(path):
    assert not is_valid_path(path)


def test_value_at_follows_a_path_and_says_missing_when_it_leads_nowhere():
    capsule = stored()
    assert value_at(capsule, "config_data.test_cases[1].expected_output") == "-1\n"
    assert value_at(capsule, "config_data.test_cases[5].expected_output") is MISSING
    assert value_at(capsule, "config_data.nothing") is MISSING
    assert value_at(capsule, "title[0]") is MISSING
