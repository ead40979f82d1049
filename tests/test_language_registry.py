"""The language registry (capsules/languages.py) is the one list of languages: every part of the product reads it,
and each language brings exactly its runtime module, its prompt file and its editor mode."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from capsules.languages import LANGUAGES, get_language, language_choices, languages_of
from capsules.models import Capsule, CapsuleType
from capsules.schemas import LANGUAGES_BY_TYPE, base_runtime_tier
from feedback.edits.diff import code_parses
from generation.catalog import catalog_blueprints
from generation.catalog.loader import EXERCISES_DIR
from generation.catalog.topics import GENERIC_WORDS
from generation.models import GenerationJob
from generation.prompts import rules_for
from judges.limits import Limits, limits_for
from judges.runtimes import CODE_RUNTIMES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_every_language_has_its_three_files_and_catalog_exercises(language):
    if language.capsule_type != CapsuleType.DATABASE:  # SQL is judged by its dialects' engines
        assert (ROOT / "judges" / "runtimes" / f"{language.code}.py").is_file()
        assert CODE_RUNTIMES[language.code].language == language.code
    assert (ROOT / "generation" / "prompts" / "languages" / f"{language.code}.md").is_file()
    assert (ROOT / "static" / "src" / "languages" / f"{language.code}.js").is_file()
    assert any((EXERCISES_DIR / language.code).glob("*.yaml"))
    assert language.code in {blueprint.capsule_data()["runtime_config"]["language"] for blueprint in catalog_blueprints()}


def test_choices_schema_and_forms_read_the_registry():
    codes = [language.code for language in LANGUAGES]
    assert [code for code, _ in language_choices()] == codes
    # Model fields take the registry's choices through a callable, so a new language needs no migration.
    for model in (Capsule, GenerationJob):
        assert [code for code, _ in model._meta.get_field("language").choices] == codes
    assert LANGUAGES_BY_TYPE[CapsuleType.CODE] == ("python", "javascript", "java", "csharp", "go")
    assert LANGUAGES_BY_TYPE[CapsuleType.DATABASE] == languages_of("DATABASE") == ("sql",)
    assert base_runtime_tier("csharp") == "sandbox-dotnet"
    assert base_runtime_tier("sql", "postgresql") == "sandbox-postgresql"


def test_prompts_name_the_registry_runtime():
    rules = rules_for(capsule_type="CODE", language="go", difficulty="easy")
    assert rules["language_name"] == get_language("go").runtime_name == "Go 1.19"


def test_language_words_are_not_topic_words():
    for word in ("golang", "csharp", "js", "postgresql", "python"):
        assert word in GENERIC_WORDS


def test_edit_classifier_uses_each_language_syntax():
    assert code_parses("x = '}' // )", "javascript")  # the bracket is in a string, the paren in a comment
    assert not code_parses("func f() {", "go")
    assert code_parses("case $x in start) echo hi;; esac", "bash")  # bash: brackets are not checked
    assert not code_parses("SELECT 'open", "sql")


def test_judge_limits_are_limits_fields_and_reach_the_judge():
    fields = {field.name for field in dataclasses.fields(Limits)}
    for language in LANGUAGES:
        assert set(language.judge_limits) <= fields, language.code
    java = get_language("java").judge_limits
    assert settings.JUDGE_LANGUAGE_LIMITS["java"] == {name: limit.default for name, limit in java.items()}
    assert limits_for("java").address_space_mb == java["address_space_mb"].default
    assert limits_for("python").address_space_mb == settings.JUDGE_ADDRESS_SPACE_MB


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings; print(settings.JUDGE_LANGUAGE_LIMITS['java'])"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "codecapsule.settings", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def test_an_operator_overrides_a_language_limit_by_its_environment_name():
    done = _settings_in_subprocess({"JUDGE_JAVA_ADDRESS_SPACE_MB": "3072", "JUDGE_JAVA_PROCESSES": "200"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'address_space_mb': 3072, 'processes': 200}"

    refused = _settings_in_subprocess({"JUDGE_JAVA_ADDRESS_SPACE_MB": "100"})
    assert refused.returncode != 0
    assert "JUDGE_JAVA_ADDRESS_SPACE_MB must be at least 1536; got 100" in refused.stderr
