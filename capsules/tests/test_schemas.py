"""parse_capsule: the one validation path every write goes through."""

from __future__ import annotations

import pytest

from capsules.schemas import CapsuleValidationError, learner_safe_config, parse_capsule
from capsules.tests.samples import capsule_data


def errors_of(data) -> dict[str, str]:
    with pytest.raises(CapsuleValidationError) as caught:
        parse_capsule(data)
    return caught.value.errors


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_it_accepts_a_valid_capsule_of_each_type(capsule_type):
    draft = parse_capsule(capsule_data(capsule_type))
    assert draft.capsule_type == capsule_type
    assert draft.title == capsule_data(capsule_type)["title"]


@pytest.mark.parametrize(
    ("language", "tier"),
    [
        ("python", "sandbox-python"),
        ("javascript", "sandbox-node"),
        ("java", "sandbox-jvm"),
        ("csharp", "sandbox-dotnet"),
        ("go", "sandbox-go"),
    ],
)
def test_runtime_tier_defaults_from_the_language(language, tier):
    assert parse_capsule(capsule_data(runtime_config={"language": language})).runtime_tier == tier


def test_runtime_tier_of_sql_follows_the_dialect():
    data = capsule_data("DATABASE")
    data["config_data"]["dialect"] = "postgresql"
    assert parse_capsule(data).runtime_tier == "sandbox-postgresql"
    assert parse_capsule(capsule_data("TERMINAL")).runtime_tier == "sandbox-bash"


def test_runtime_tier_can_be_overridden_with_an_allowed_tier():
    draft = parse_capsule(capsule_data(runtime_config={"language": "java", "runtime_tier": "sandbox-jvm-extended"}))
    assert draft.runtime_tier == "sandbox-jvm-extended"


def test_it_rejects_a_tier_of_another_language():
    errors = errors_of(capsule_data(runtime_config={"language": "python", "runtime_tier": "sandbox-jvm"}))
    assert "runtime_config.runtime_tier" in errors
    assert "sandbox-python" in errors["runtime_config.runtime_tier"]


def test_a_missing_expected_output_is_reported_by_its_path():
    data = capsule_data()
    del data["config_data"]["test_cases"][1]["expected_output"]
    assert errors_of(data) == {"config_data.test_cases[1].expected_output": "Field required"}


def test_an_unknown_capsule_type_names_the_allowed_values():
    data = capsule_data()
    data["capsule_type"] = "QUIZ"
    errors = errors_of(data)
    assert "'CODE', 'DATABASE' or 'TERMINAL'" in errors["capsule_type"]


def test_a_language_of_another_type_names_the_allowed_languages():
    errors = errors_of(capsule_data(runtime_config={"language": "sql"}))
    assert errors["runtime_config.language"] == "'sql' is not a CODE language; allowed: python, javascript, java, csharp, go"


def test_unknown_config_keys_are_refused_so_typos_are_caught():
    data = capsule_data()
    data["config_data"]["test_cases"][0]["expected_ouput"] = "5"
    assert errors_of(data)["config_data.test_cases[0].expected_ouput"] == "Extra inputs are not permitted"


def test_a_code_capsule_needs_a_test_case_and_a_reference():
    data = capsule_data()
    data["config_data"]["test_cases"] = []
    data["config_data"]["reference_solution"] = ""
    errors = errors_of(data)
    assert "config_data.test_cases" in errors
    assert "config_data.reference_solution" in errors


def test_a_database_capsule_needs_seed_sql():
    data = capsule_data("DATABASE")
    del data["config_data"]["seed_sql"]
    assert "seed_sql" in errors_of(data)["config_data"]


def test_a_database_capsule_rejects_an_unknown_dialect_and_a_bad_table_name():
    data = capsule_data("DATABASE")
    data["config_data"]["dialect"] = "oracle"
    data["config_data"]["schema_info"][0]["table_name"] = "drop table;"
    errors = errors_of(data)
    assert "'sqlite' or 'postgresql'" in errors["config_data.dialect"]
    assert "config_data.schema_info[0].table_name" in errors


def test_a_terminal_capsule_needs_solution_commands_and_unique_task_ids():
    data = capsule_data("TERMINAL")
    del data["config_data"]["tasks"][0]["solution_commands"]
    assert errors_of(data) == {"config_data.tasks[0].solution_commands": "Field required"}
    data = capsule_data("TERMINAL")
    data["config_data"]["tasks"][1]["task_id"] = "create-file"
    assert errors_of(data) == {"config_data": "task_id 'create-file' is used twice"}


def test_config_data_over_the_size_limit_is_refused(settings):
    settings.CAPSULE_CONFIG_MAX_BYTES = 2048
    data = capsule_data()
    data["config_data"]["hints"] = ["x" * 3000]
    assert "limit is 2048 bytes" in errors_of(data)["config_data"]


def test_title_and_statement_are_required():
    errors = errors_of(capsule_data(title="  ", problem_statement_md=""))
    assert set(errors) == {"title", "problem_statement_md"}


def test_a_body_that_is_not_an_object_is_refused():
    assert errors_of(["not", "an", "object"]) == {"__all__": "expected a JSON object"}


class TestLearnerSafeConfig:
    def secrets_of(self, capsule_type: str) -> list[str]:
        config = capsule_data(capsule_type)["config_data"]
        if capsule_type == "CODE":
            hidden = [t for t in config["test_cases"] if t["is_hidden"]]
            return (
                [config["reference_solution"]]
                + [t["test_call"] for t in hidden]
                + [t["expected_output"] for t in hidden]
                + [t["description"] for t in hidden]
            )
        if capsule_type == "DATABASE":
            return [config["reference_solution"], config["seed_sql"], "INSERT INTO"]
        return [t["validation_script"] for t in config["tasks"]] + [t["solution_commands"] for t in config["tasks"]]

    @pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
    def test_no_secret_value_appears_in_the_learner_view(self, capsule_type):
        config = capsule_data(capsule_type)["config_data"]
        text = repr(learner_safe_config(capsule_type, config))
        for secret in self.secrets_of(capsule_type):
            assert secret not in text

    def test_visible_tests_keep_their_call_and_expected_output(self):
        safe = learner_safe_config("CODE", capsule_data()["config_data"])
        assert safe["test_cases"][0]["test_call"] == "print(find_largest([1, 5, 2]))"
        assert safe["test_cases"][1] == {"description": "Hidden test", "is_hidden": True}
