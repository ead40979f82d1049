"""Runtime tiers: the seed's vocabulary (wasm-python, server-sql, wasm-linux) is accepted on every write path
beside ours (sandbox-<runtime>[-extended]), stored as given, and judged with the standard limits."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from capsules.forms import CodeCapsuleForm, DatabaseCapsuleForm
from capsules.models import Capsule, CapsuleStatus
from capsules.schemas import CapsuleValidationError, allowed_runtime_tiers, describe_tier, parse_capsule
from capsules.tests.samples import capsule_data
from capsules.tests.test_admin import form_body
from capsules.tests.test_forms import code_post
from judges.grading import _limits
from judges.limits import limits_for

pytestmark = pytest.mark.django_db

SEED_TIER_OF = {"CODE": "wasm-python", "DATABASE": "server-sql", "TERMINAL": "wasm-linux"}


def with_tier(capsule_type: str, tier: str, **overrides) -> dict:
    data = capsule_data(capsule_type, **overrides)
    data["runtime_config"] = {**data["runtime_config"], "runtime_tier": tier}
    return data


# --- The rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_seed_tier_of_each_type_is_accepted_and_kept_as_given(capsule_type):
    draft = parse_capsule(with_tier(capsule_type, SEED_TIER_OF[capsule_type]))

    assert draft.runtime_tier == SEED_TIER_OF[capsule_type]


def test_server_sql_is_a_tier_of_both_dialects():
    assert "server-sql" in allowed_runtime_tiers("sql", "sqlite")
    assert "server-sql" in allowed_runtime_tiers("sql", "postgresql")


def test_a_seed_tier_of_another_language_is_refused_naming_the_tiers_allowed():
    data = capsule_data("CODE")
    data["runtime_config"] = {"language": "javascript", "runtime_tier": "wasm-python"}

    with pytest.raises(CapsuleValidationError) as caught:
        parse_capsule(data)

    assert caught.value.errors == {
        "runtime_config.runtime_tier": (
            "'wasm-python' is not a tier for javascript; allowed: sandbox-node, sandbox-node-extended, browser-javascript"
        )
    }


def test_tiers_say_where_run_happens():
    assert "Run happens in the learner's browser" in describe_tier("wasm-python")
    assert "Submit is graded on our server" in describe_tier("wasm-sqlite")
    assert "runs in the server sandbox until a browser Linux exists" in describe_tier("wasm-linux")
    assert "larger" in describe_tier("sandbox-python-extended")


def test_a_seed_tier_is_judged_with_the_standard_limits(owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "wasm-python"})

    assert _limits(capsule, "python") == limits_for("python", extended=False)


# --- API -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_api_creates_a_capsule_on_the_seed_tier_and_returns_it(owner_api, capsule_type):
    response = owner_api.post("/api/capsules/", with_tier(capsule_type, SEED_TIER_OF[capsule_type]), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["runtime_config"]["runtime_tier"] == SEED_TIER_OF[capsule_type]
    assert response.json()["status"] == CapsuleStatus.VALIDATED


def test_a_patch_of_other_fields_keeps_a_seed_tier(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "wasm-python"})

    response = owner_api.patch(f"/api/capsules/{capsule.pk}", {"title": "Renamed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["runtime_config"] == {"language": "python", "runtime_tier": "wasm-python"}


def test_changing_the_language_away_from_a_seed_tier_moves_to_the_new_default(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "wasm-python"})

    response = owner_api.patch(f"/api/capsules/{capsule.pk}", {"runtime_config": {"language": "javascript"}}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["runtime_config"] == {"language": "javascript", "runtime_tier": "sandbox-node"}


# --- Dashboard form, admin, import -----------------------------------------------------------------


def test_the_dashboard_form_offers_the_browser_tiers_with_what_they_mean_and_saves_one(owner):
    choices = dict(choice for _, group in CodeCapsuleForm().fields["runtime_tier"].choices[1:] for choice in group)
    assert choices["wasm-python"] == "wasm-python (Run in the browser)"
    assert choices["browser-javascript"] == "browser-javascript (Run in the browser)"

    form = CodeCapsuleForm(code_post(runtime_tier="wasm-python"))

    assert form.ready_to_save, form.errors
    assert form.capsule_data()["runtime_config"]["runtime_tier"] == "wasm-python"


def test_the_database_form_lists_server_sql_once_for_every_dialect():
    tiers = [tier for _, group in DatabaseCapsuleForm().fields["runtime_tier"].choices[1:] for tier, _ in group]

    assert tiers.count("server-sql") == 1
    assert {"sandbox-sqlite", "sandbox-postgresql-extended", "server-sql"} <= set(tiers)


def test_the_admin_add_form_accepts_a_seed_tier(staff):
    client = Client()
    client.force_login(staff)

    response = client.post(reverse("admin:capsules_capsule_add"), form_body(with_tier("TERMINAL", "wasm-linux")))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Capsule.objects.get().runtime_tier == "wasm-linux"


def test_import_accepts_records_exported_from_the_seed_with_its_tiers(owner, tmp_path):
    path = tmp_path / "seed.jsonl"
    path.write_text("".join(json.dumps(with_tier(kind, tier)) + "\n" for kind, tier in SEED_TIER_OF.items()))

    out = StringIO()
    call_command("import_capsules", str(path), "--owner", owner.username, stdout=out, stderr=StringIO())

    assert out.getvalue().strip() == "imported 3, updated 0, rejected 0"
    assert sorted(Capsule.objects.values_list("runtime_tier", flat=True)) == sorted(SEED_TIER_OF.values())


def test_the_capsule_page_says_what_its_tier_means(owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "wasm-python"})
    client = Client()
    client.force_login(owner)

    html = client.get(reverse("capsules:detail", kwargs={"capsule_id": capsule.pk})).content.decode()

    assert "wasm-python" in html
    assert "Run happens in the learner&#x27;s browser (Python 3.11 in WebAssembly" in html


def test_the_capsule_page_tells_its_creator_that_run_in_the_browser_agrees_with_the_judge(owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "wasm-python"})
    client = Client()
    client.force_login(owner)

    html = client.get(reverse("capsules:detail", kwargs={"capsule_id": capsule.pk})).content.decode()

    assert capsule.status == "validated"
    assert re.search(r"Run in the learner’s browser \(Python 3\.11\.\d+\) gives the judge’s results on all 1 visible test\.", html)
