"""The capsule pages' judge: Check without saving (htmx and plain form), the honest save banner, the whole
report on the capsule page, Markdown hints, the learner preview and the capsule's own embed code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from capsules.models import Capsule
from capsules.tests.test_views_edit import edit_url, page_post

pytestmark = pytest.mark.django_db


def detail_url(capsule: Capsule) -> str:
    return reverse("capsules:detail", args=[capsule.pk])


def stored(capsule: Capsule) -> tuple[Any, ...]:
    fresh = Capsule.objects.get(pk=capsule.pk)
    return fresh.status, fresh.validation_report, fresh.updated_at, fresh.config_data, fresh.title


BROKEN = {
    # a syntax error in the reference, and both tests visible: two problems at once
    "reference_solution": "def find_largest(numbers)\r\n    return max(numbers)\r\n",
    "test_cases-1-is_hidden": None,
}


# --- Check without saving ---------------------------------------------------------------------------------


def test_the_edit_form_has_a_check_button_that_posts_with_htmx_and_without_javascript(client, owner, make_capsule):
    capsule = make_capsule(owner)
    client.force_login(owner)
    page = client.get(edit_url(capsule)).content.decode()
    button = re.search(r'<button type="submit" name="check" value="1"[^>]*>', page)
    assert button is not None
    assert f'hx-post="{edit_url(capsule)}"' in button.group() and 'hx-target="#check-result"' in button.group()
    assert '<div id="check-result" aria-live="polite"></div>' in page


def test_htmx_check_shows_every_problem_and_every_test_and_saves_nothing(client, owner, make_capsule):
    from feedback.models import CreatorEdit

    capsule = make_capsule(owner)
    client.force_login(owner)
    before = stored(capsule)
    data = page_post(client, edit_url(capsule), title="Renamed but unsaved", check="1", **BROKEN)

    response = client.post(edit_url(capsule), data, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section id="check-result"') and "<html" not in fragment
    assert "2 problems: saving it now would keep it a draft." in fragment
    assert re.findall(r'data-problem="(\w+)"', fragment) == ["missing_hidden_test", "syntax_error"]
    # every test with its call, expected and actual output
    assert re.findall(r'data-check-test="(\w+)"', fragment) == ["CE", "CE"]
    assert "print(find_largest([1, 5, 2]))" in fragment and "print(find_largest([-3, -1, -7]))" in fragment
    assert stored(capsule) == before
    assert not CreatorEdit.objects.filter(capsule_id=capsule.pk).exists()


def test_a_check_without_javascript_returns_the_whole_page_with_the_form_as_posted(client, owner, make_capsule):
    capsule = make_capsule(owner)
    client.force_login(owner)
    before = stored(capsule)
    data = page_post(client, edit_url(capsule), title="Still unsaved", check="1")

    response = client.post(edit_url(capsule), data)

    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert 'data-check-verdict="pass"' in page and "Passes: saving it would make it validated." in page
    assert 'value="Still unsaved"' in page  # the form keeps what was typed
    assert stored(capsule) == before


def test_a_check_of_an_invalid_form_lists_the_form_errors_and_judges_nothing(client, owner, make_capsule, monkeypatch):
    from capsules import services

    capsule = make_capsule(owner)
    client.force_login(owner)
    monkeypatch.setattr(services, "judge_capsule", lambda *a, **k: pytest.fail("an invalid form is not judged"))
    data = page_post(client, edit_url(capsule), title="", check="1")

    fragment = client.post(edit_url(capsule), data, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-check-verdict="not-checked"' in fragment
    assert "Title" in fragment


def test_a_check_on_the_new_capsule_page_creates_nothing(client, owner):
    client.force_login(owner)
    url = reverse("capsules:new") + "?type=CODE"
    data = page_post(
        client, url, title="Add two numbers", problem_statement_md="Write `add(a, b)`: `add(1, 2)` → `3`.",
        boilerplate_code="def add(a, b):\r\n    return 0\r\n", reference_solution="def add(a, b):\r\n    return a + b\r\n",
        check="1",
        **{"test_cases-0-description": "small", "test_cases-0-test_call": "print(add(2, 2))", "test_cases-0-expected_output": "4"},
    )  # fmt: skip

    fragment = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()

    assert re.findall(r'data-problem="(\w+)"', fragment) == ["missing_hidden_test", "statement_example_untested"]
    assert "add(1, 2)" in fragment
    assert not Capsule.objects.exists()


def test_a_check_while_a_judgement_is_in_flight_is_refused_and_says_why(client, owner, make_capsule):
    from django.core.cache import cache

    from codecapsule.admission import CREATOR_MESSAGE, KEY_PREFIX

    capsule = make_capsule(owner)
    client.force_login(owner)
    cache.add(f"{KEY_PREFIX}:creator:{owner.pk}", 1, timeout=60)
    data = page_post(client, edit_url(capsule), check="1")

    fragment = client.post(edit_url(capsule), data, HTTP_HX_REQUEST="true").content.decode()

    assert CREATOR_MESSAGE.split(".")[0] in fragment and 'data-check-verdict="not-checked"' in fragment


# --- Saving honestly ----------------------------------------------------------------------------------------


def test_a_save_the_judge_refuses_is_a_warning_counting_the_problems_listed_on_the_capsule_page(client, owner, make_capsule):
    capsule = make_capsule(owner)
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), **BROKEN)

    response = client.post(edit_url(capsule), data, follow=True)

    page = response.content.decode()
    assert '<p class="message message--warning">Saved as draft — 2 problems: see them below.</p>' in page
    assert "message--success" not in page
    assert re.findall(r'data-problem="(\w+)"', page) == ["missing_hidden_test", "syntax_error"]
    assert Capsule.objects.get(pk=capsule.pk).status == "draft"


def test_a_save_the_judge_passes_says_it_was_validated(client, owner, make_capsule):
    capsule = make_capsule(owner, status="draft")
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), title="Largest number")

    page = client.post(edit_url(capsule), data, follow=True).content.decode()

    assert "message--success" in page and "Saved “Largest number” — validated: the judge ran it and it passes." in page


def test_a_report_stored_before_problems_were_listed_shows_its_one_problem(client, owner, make_capsule):
    capsule = make_capsule(owner, status="draft")
    Capsule.objects.filter(pk=capsule.pk).update(
        validation_report={"passed": False, "category": "wrong_output", "message": "Test 1 printed 1.", "steps": []}
    )
    client.force_login(owner)
    page = client.get(detail_url(capsule)).content.decode()
    assert re.findall(r'data-problem="(\w+)"', page) == ["wrong_output"] and "Test 1 printed 1." in page


# --- Markdown, preview and embed code ------------------------------------------------------------------------


def test_hints_are_rendered_as_markdown_and_sanitised(client, owner, make_capsule):
    capsule = make_capsule(owner)
    config = dict(capsule.config_data, hints=["Use `max()` here.", "<script>alert(1)</script> **bold**"])
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)
    client.force_login(owner)
    page = client.get(detail_url(capsule)).content.decode()
    assert "<code>max()</code>" in page and "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page and "`max()`" not in page


def test_the_owner_gets_the_preview_link_and_the_embed_code_with_a_note_while_learners_cannot_see_it(client, owner, make_capsule, settings):
    capsule = make_capsule(owner, status="draft")
    client.force_login(owner)
    page = client.get(detail_url(capsule)).content.decode()

    embed_path = reverse("playlists:embed_capsule", args=[capsule.pk])
    assert f'href="{embed_path}" target="_blank" rel="noopener" data-preview-link' in page
    assert f"&lt;iframe src=&quot;{settings.SITE_URL}{embed_path}&quot;" in page
    assert f"{settings.SITE_URL}/oembed?url=" in page
    assert "data-embed-not-visible" in page


def test_a_published_public_capsule_has_no_not_visible_note(client, owner, make_capsule):
    capsule = make_capsule(owner, status="published", is_public=True)
    client.force_login(owner)
    page = client.get(detail_url(capsule)).content.decode()
    assert "data-embed-card" in page and "data-embed-not-visible" not in page


def test_other_readers_get_neither_the_embed_card_nor_the_preview_link(client, owner, other_creator, make_capsule):
    capsule = make_capsule(owner, status="published", is_public=True)
    client.force_login(other_creator)
    page = client.get(detail_url(capsule)).content.decode()
    assert "data-embed-card" not in page and "data-preview-link" not in page


def test_the_preview_shows_the_owner_a_draft_as_learners_see_it_and_nobody_else(client, owner, other_creator, make_capsule):
    capsule = make_capsule(owner, status="draft")
    preview = reverse("playlists:embed_capsule", args=[capsule.pk])
    client.force_login(owner)
    response = client.get(preview)
    page = response.content.decode()
    assert response.status_code == 200 and capsule.title in page
    # the learner's view: no reference solution, no hidden test
    assert "return max(numbers)" not in page and "[-3, -1, -7]" not in page
    assert "no-store" in response["Cache-Control"]
    client.force_login(other_creator)
    assert "return max(numbers)" not in client.get(preview).content.decode()
    assert capsule.title not in client.get(preview).content.decode()
