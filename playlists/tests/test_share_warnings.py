"""The builder and the share page agree on what learners see (the same count, each hidden step with why), the
share page warns when it is not served from SITE_URL (and in DEBUG builds the code from where it is served),
and a start step the course does not have is refused with a form error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from playlists.models import Playlist
from playlists.services import playlist_create
from playlists.tests.test_share_view import logged_in
from playlists.views.builder import EmbedOrigin, _origin, embed_code, reach_summary

pytestmark = pytest.mark.django_db

REASON = "The statement gives the answer away"
THEIR_REASON = "Their secret moderation note"


@pytest.fixture
def site(settings) -> str:
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    return settings.SITE_URL


@pytest.fixture
def four_steps(owner, other_creator, quick_capsules) -> Playlist:
    """Four steps: two the learners see, the owner's own flagged capsule, another creator's flagged one."""
    first, mine, last = quick_capsules(owner, 3)
    (theirs,) = quick_capsules(other_creator, 1, prefix="Theirs", status="published", is_public=True)
    playlist = playlist_create(creator=owner, title="Python 101", items=[{"capsule_id": c.pk} for c in (first, mine, theirs, last)])
    Capsule.objects.filter(pk=mine.pk).update(status="flagged", moderation_reason=REASON)
    Capsule.objects.filter(pk=theirs.pk).update(status="rejected", moderation_reason=THEIR_REASON)
    return playlist


def share(client: Client, playlist: Playlist, **params: str):
    return client.get(reverse("playlists:share", args=[playlist.pk]), params)


# --- The builder and the share page agree ---------------------------------------------------------


def test_reach_summary_counts_the_steps_learners_see():
    assert reach_summary(4, 4) == "4 steps"
    assert reach_summary(1, 1) == "1 step"
    assert reach_summary(3, 4) == "3 of 4 steps reach learners"
    assert reach_summary(0, 1) == "0 of 1 step reaches learners"


def test_builder_and_share_page_show_the_same_count_and_each_hidden_step_with_why(site, owner, four_steps):
    client = logged_in(owner)

    builder = client.get(reverse("playlists:edit", args=[four_steps.pk]))
    page = share(client, four_steps)

    builder_html, share_html = builder.content.decode(), page.content.decode()
    assert builder.context["step_summary"] == page.context["step_summary"] == "2 of 4 steps reach learners"
    assert "<span data-step-count>2 of 4 steps reach learners</span>" in builder_html
    assert "<span data-step-summary>2 of 4 steps reach learners</span>" in share_html
    # The builder: each hidden step tagged, the owner's own with the moderator's reason.
    assert builder_html.count("Hidden from learners: Hidden by moderation") == 2
    assert f"Flagged by moderation: {REASON}" in builder_html
    assert "<span data-hidden-count>2 steps</span>" in builder_html
    # The share page: the same two, by their position in the builder, and the start step counts the other two.
    skipped = [(s.position, s.title, s.hidden_reason, s.moderation_reason) for s in page.context["skipped_steps"]]
    assert skipped == [(2, "Step 2", "moderated", REASON), (3, "Theirs 1", "moderated", "")]
    assert "2 steps hidden from learners" in share_html
    assert f"Step 2 in the builder, “Step 2”: Hidden by moderation — {REASON}" in share_html
    assert "Step 3 in the builder, “Theirs 1”: Hidden by moderation</li>" in share_html
    assert page.context["total_steps"] == 2 and 'max="2"' in share_html


def test_another_creators_moderation_reason_never_reaches_the_course_owner(site, owner, four_steps):
    client = logged_in(owner)

    for url in (reverse("playlists:edit", args=[four_steps.pk]), reverse("playlists:share", args=[four_steps.pk])):
        assert THEIR_REASON not in client.get(url).content.decode()


def test_a_course_without_hidden_steps_says_nothing_about_them(site, owner, course):
    client = logged_in(owner)

    builder = client.get(reverse("playlists:edit", args=[course.pk])).content.decode()
    page = share(client, course).content.decode()

    assert "<span data-step-count>3 steps</span>" in builder
    assert "<span data-step-summary>3 steps</span>" in page
    assert "data-skipped-steps" not in page and "hidden from learners" not in page


def test_the_pool_marks_a_capsule_learners_would_not_see(site, owner, quick_capsules):
    """builder.js copies these onto a step dragged in, so the count is right before any save."""
    quick_capsules(owner, 1, prefix="Draft", status="draft")

    html = logged_in(owner).get(reverse("playlists:new")).content.decode()

    assert 'data-hidden-reason="unproven" data-hidden-label="Not validated yet"' in html


# --- Where the embed code points --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("HTTP://Example.COM:80/x", "http://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
    ],
)
def test_origins_are_compared_without_default_ports_or_case(url, origin):
    assert _origin(url) == origin


def test_served_from_site_url_there_is_no_warning(site, owner, course):
    response = logged_in(owner).get(reverse("playlists:share", args=[course.pk]), HTTP_HOST="127.0.0.1:8000")

    assert response.context["origin_warning"] == ""
    assert "data-origin-warning" not in response.content.decode()


def test_served_from_another_port_the_page_warns_and_keeps_site_url(site, owner, course):
    response = logged_in(owner).get(reverse("playlists:share", args=[course.pk]), HTTP_HOST="127.0.0.1:8001")

    html = response.content.decode()
    assert "This page is served from http://127.0.0.1:8001 but embed codes point at http://127.0.0.1:8000 (SITE_URL)." in html
    assert "they see a broken frame" in html
    assert response.context["code"] == embed_code(course)
    assert 'src="http://127.0.0.1:8000/embed/playlist/' in response.context["code"]
    assert 'data-site-url="http://127.0.0.1:8000"' in html


def test_in_debug_the_code_is_built_from_the_serving_origin(site, settings, owner, course):
    settings.DEBUG = True

    response = logged_in(owner).get(reverse("playlists:share", args=[course.pk]), HTTP_HOST="127.0.0.1:8001")

    html = response.content.decode()
    code = response.context["code"]
    assert "This page is served from http://127.0.0.1:8001 but embed codes point at http://127.0.0.1:8000 (SITE_URL)." in html
    assert "In development (DEBUG) the code below uses http://127.0.0.1:8001" in html
    assert code == embed_code(course, site_url="http://127.0.0.1:8001")
    assert 'src="http://127.0.0.1:8001/embed/playlist/' in code and 'src="http://127.0.0.1:8001/embed.js"' in code
    assert "127.0.0.1:8000/embed" not in code
    assert 'data-site-url="http://127.0.0.1:8001"' in html
    assert response.context["direct_url"].startswith("http://127.0.0.1:8001/embed/playlist/")


def test_embed_origin_in_debug_without_a_mismatch_keeps_site_url(site, settings, rf):
    settings.DEBUG = True
    request = rf.get("/", HTTP_HOST="127.0.0.1:8000")

    origin = EmbedOrigin.for_request(request)

    assert (origin.base, origin.warning) == ("http://127.0.0.1:8000", "")


# --- The start step ---------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["99", "0", "-1", "two", ""])
def test_a_start_step_the_course_does_not_have_is_a_form_error(site, owner, course, step):
    response = share(logged_in(owner), course, step=step, theme="dark", progress="on")

    assert response.status_code == 200
    assert response.context["form"].errors["step"] == ["This course has 3 steps; choose 1–3."]
    html = response.content.decode()
    assert "This course has 3 steps; choose 1–3." in html
    assert 'aria-invalid="true"' in html
    assert response.context["code"] == embed_code(course)  # nothing half-applied


def test_the_start_step_message_fits_a_one_step_course(site, owner, quick_capsules):
    (only,) = quick_capsules(owner, 1)
    playlist = playlist_create(creator=owner, title="One", items=[{"capsule_id": only.pk}])

    response = share(logged_in(owner), playlist, step="2")

    assert response.context["form"].errors["step"] == ["This course has 1 step; start at step 1."]
    assert 'data-step-error="This course has 1 step; start at step 1."' in response.content.decode()


def test_a_start_step_within_the_course_is_used(site, owner, course):
    response = share(logged_in(owner), course, step="3", theme="auto", progress="on")

    assert not response.context["form"].errors
    assert response.context["code"] == embed_code(course, step=3)


def test_a_link_that_names_only_the_start_step_keeps_the_default_theme(site, owner, course):
    response = share(logged_in(owner), course, step="2")

    assert not response.context["form"].errors
    assert response.context["code"] == embed_code(course, step=2, show_progress=False)
