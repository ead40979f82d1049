"""LearnerCapsuleSerializer: what a learner may see of a capsule, per type.

Every private value is planted with a marker string; none may appear anywhere in the output, and the
private keys may not appear at all.
"""

from __future__ import annotations

import json

import pytest

from capsules.api import CapsuleSerializer, LearnerCapsuleSerializer
from capsules.models import Capsule
from capsules.schemas import learner_safe_config
from capsules.seed_sql import seed_sql_read
from capsules.tests.samples import capsule_data

SECRET = "SECRET-7f3a"


def secret_code_capsule() -> dict:
    data = capsule_data("CODE")
    data["config_data"]["reference_solution"] = f"def find_largest(numbers):\n    return max(numbers)  # {SECRET}\n"
    data["config_data"]["test_cases"].append(
        {
            "description": f"hidden description {SECRET}",
            "test_call": f"print(find_largest([{SECRET!r} and 9]))",
            "expected_output": f"{SECRET}-expected\n",
            "is_hidden": True,
        }
    )
    return data


def secret_database_capsule() -> dict:
    data = capsule_data("DATABASE")
    data["config_data"]["reference_solution"] = f"SELECT name FROM customers WHERE city = 'Berlin' /* {SECRET} */;"
    data["config_data"]["seed_sql"] += f"INSERT INTO customers (name, city) VALUES ('{SECRET}', 'Oslo');\n"
    data["config_data"]["hidden_seed_sql"] += f"INSERT INTO customers (id, name, city) VALUES (6, 'hidden {SECRET}', 'Oslo');\n"
    return data


def secret_terminal_capsule() -> dict:
    data = capsule_data("TERMINAL")
    data["config_data"]["setup_script"] = f"echo {SECRET} > .setup"
    for task in data["config_data"]["tasks"]:
        task["validation_script"] += f" # {SECRET}"
        task["solution_commands"] += f" # {SECRET}"
    return data


SECRET_CAPSULES = {
    "CODE": secret_code_capsule,
    "DATABASE": secret_database_capsule,
    "TERMINAL": secret_terminal_capsule,
}
PRIVATE_KEYS = {
    "reference_solution", "seed_sql", "seed_sql_url", "hidden_seed_sql", "hidden_seed_sql_url",
    "validation_script", "solution_commands", "setup_script",
}  # fmt: skip


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for child in value.values() for key in all_keys(child)}
    if isinstance(value, list):
        return {key for child in value for key in all_keys(child)}
    return set()


@pytest.fixture
def secret_capsule(owner, make_capsule):
    def make(capsule_type: str) -> Capsule:
        data = SECRET_CAPSULES[capsule_type]()
        data.pop("capsule_type")
        data["is_public"] = True
        return make_capsule(owner, capsule_type, status="published", **data)

    return make


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_planted_secrets_are_really_in_the_capsule(secret_capsule, capsule_type):
    # Guards the tests below: a marker that never reached the capsule would prove nothing.
    capsule = secret_capsule(capsule_type)

    assert SECRET in json.dumps(CapsuleSerializer(capsule).data)
    if capsule_type == "DATABASE":  # the seed SQL itself moved into storage, named by seed_sql_url
        assert SECRET in seed_sql_read(url=capsule.config_data["seed_sql_url"])
        assert f"hidden {SECRET}" in seed_sql_read(url=capsule.config_data["hidden_seed_sql_url"])


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_no_private_value_appears_in_the_learner_output(secret_capsule, capsule_type):
    capsule = secret_capsule(capsule_type)

    output = json.dumps(LearnerCapsuleSerializer(capsule).data)

    assert SECRET not in output


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_no_private_key_appears_in_the_learner_output(secret_capsule, capsule_type):
    capsule = secret_capsule(capsule_type)

    assert not all_keys(LearnerCapsuleSerializer(capsule).data) & PRIVATE_KEYS


def test_a_code_learner_sees_visible_tests_and_only_a_verdict_slot_for_hidden_ones(secret_capsule):
    capsule = secret_capsule("CODE")

    tests = LearnerCapsuleSerializer(capsule).data["config_data"]["test_cases"]

    visible = [test for test in tests if not test["is_hidden"]]
    hidden = [test for test in tests if test["is_hidden"]]
    assert visible[0] == capsule.config_data["test_cases"][0]
    assert len(hidden) == 2
    assert all(set(test) == {"description", "is_hidden"} for test in hidden)


def test_a_database_learner_sees_the_schema_and_not_the_seed_sql_url(secret_capsule):
    capsule = secret_capsule("DATABASE")

    output = LearnerCapsuleSerializer(capsule).data

    assert output["config_data"]["schema_info"] == capsule.config_data["schema_info"]
    assert capsule.config_data["seed_sql_url"] not in json.dumps(output)


def test_a_database_learner_never_gets_the_hidden_dataset_nor_its_url(secret_capsule):
    capsule = secret_capsule("DATABASE")
    url = capsule.config_data["hidden_seed_sql_url"]
    # Even a config that still carries the hidden dataset's text inline (as a write does) is cut down to the
    # allow-list: learner_safe_config is the one rule, whatever it is given.
    inline = capsule.config_data | {"hidden_seed_sql": seed_sql_read(url=url)}

    for config in (capsule.config_data, inline):
        output = json.dumps(learner_safe_config("DATABASE", config))
        assert "hidden" not in output and url not in output and SECRET not in output
    assert set(learner_safe_config("DATABASE", inline)) == {"boilerplate_code", "hints", "schema_info", "dialect"}


def test_a_terminal_learner_sees_each_task_without_its_scripts(secret_capsule):
    capsule = secret_capsule("TERMINAL")

    tasks = LearnerCapsuleSerializer(capsule).data["config_data"]["tasks"]

    assert tasks == [
        {"task_id": "create-file", "description": "Create hello.txt containing hello"},
        {"task_id": "make-dir", "description": "Create a directory called notes"},
    ]


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_learner_output_has_the_same_keys_as_the_creators(secret_capsule, capsule_type):
    capsule = secret_capsule(capsule_type)

    assert set(LearnerCapsuleSerializer(capsule).data) == set(CapsuleSerializer(capsule).data)


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
@pytest.mark.parametrize("who", ["anonymous", "other_creator"])
def test_the_api_serves_other_readers_nothing_private(secret_capsule, api_client, other_creator, capsule_type, who):
    capsule = secret_capsule(capsule_type)
    if who == "other_creator":
        api_client.force_authenticate(other_creator)

    detail = api_client.get(f"/api/capsules/{capsule.pk}").content.decode()
    listing = api_client.get("/api/capsules/").content.decode()

    for body in (detail, listing):
        assert SECRET not in body
        assert "seed_sql" not in body
        assert "reference_solution" not in body


def test_the_creator_still_reads_every_private_value(secret_capsule, owner_api):
    capsule = secret_capsule("TERMINAL")

    body = owner_api.get(f"/api/capsules/{capsule.pk}").json()

    assert body["config_data"] == capsule.config_data
