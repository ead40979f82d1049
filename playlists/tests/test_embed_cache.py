"""What shared caches (a CDN, nginx proxy_cache) may keep of an embed (playlists/views/_embed_cache.py).

A public course page, its htmx fragment, the embed JSON, a public capsule's page and /embed.js are one answer per
URL for everybody: byte-identical for every learner, signed in or not, with a strong ETag, `Cache-Control: public`
with a shared max-age, no cookie and no `Vary: Cookie`, and a 304 for a matching If-None-Match. Any edit of what
they show changes the ETag. A private course (its token), the owner's preview, a draft capsule and every 404 are
never stored. Prodtests show the same behind a real nginx (prodtests/test_embed_cache.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from capsules.models import Capsule
from codecapsule.cachecontrol import SharedCacheGuardMiddleware
from playlists.models import LearnerProgress, Playlist
from playlists.selectors import embed_token, playlist_steps
from playlists.services import playlist_update, progress_record_step_completed
from playlists.tests.conftest import reverse_steps
from playlists.views import _embed_cache
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"


def embed_url(playlist: Playlist, query: str = "") -> str:
    return reverse("playlists:embed_playlist", args=[playlist.pk]) + (f"?{query}" if query else "")


def json_url(playlist: Playlist, query: str = "step=2") -> str:
    return f"/api/playlists/{playlist.pk}/embed?{query}"


def capsule_url(capsule: Capsule) -> str:
    return reverse("playlists:embed_capsule", args=[capsule.pk])


def learners(course: Playlist, owner, other_creator) -> list[tuple[str, Client, dict[str, str]]]:
    """Everyone who may open a public course, each with their own identity: a learner with progress (cookie), another
    by X-Learner-Key, a stranger, another creator and the course's owner signed in. Every test empties the cache,
    and each learner's request below is a fresh rendering or the cached one: either way the same bytes."""
    steps = playlist_steps(course)
    progress_record_step_completed(
        playlist=course, learner_key=KEY, step=1, item_id=steps[0].item_id, all_item_ids=[s.item_id for s in steps]
    )
    returning = Client()
    returning.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    signed_in_other, signed_in_owner = Client(), Client()
    signed_in_other.force_login(other_creator)
    signed_in_owner.force_login(owner)
    return [
        ("returning learner", returning, {}),
        ("learner by header", Client(), {"X-Learner-Key": learner_token(OTHER_KEY)}),
        ("stranger", Client(), {}),
        ("another creator", signed_in_other, {}),
        ("the owner", signed_in_owner, {}),
    ]


def assert_shared(response) -> None:
    assert response.status_code in (200, 304)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control and "private" not in cache_control and "no-store" not in cache_control
    assert f"max-age={settings.EMBED_CACHE_MAX_AGE}" in cache_control
    assert f"s-maxage={settings.EMBED_CACHE_S_MAXAGE}" in cache_control
    assert f"stale-while-revalidate={settings.EMBED_CACHE_STALE_WHILE_REVALIDATE}" in cache_control
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')  # strong: the bytes are the same
    assert not response.cookies, "a cookie in a shared answer would be handed to every learner"
    assert "cookie" not in response.get("Vary", "").lower()
    assert "X-Learner-Key" not in response


def assert_never_stored(response) -> None:
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control and "public" not in cache_control
    assert "s-maxage" not in cache_control


# --- One answer for everybody ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers"),
    [("step=2", {}), ("step=3&theme=dark", {}), ("", {}), ("step=2", {"HX-Request": "true"})],
    ids=["page", "last step, dark", "no step", "htmx fragment"],
)
def test_a_public_course_page_is_the_same_bytes_for_every_learner_and_shared(course, owner, other_creator, query, headers):
    answers = {
        name: client.get(embed_url(course, query), headers={**headers, **extra})
        for name, client, extra in learners(course, owner, other_creator)
    }

    bodies = {answer.content for answer in answers.values()}
    assert len(bodies) == 1, "every learner must get the same bytes"
    assert len({answer["ETag"] for answer in answers.values()}) == 1
    for answer in answers.values():
        assert_shared(answer)
        assert "HX-Request" in answer["Vary"]
    html = bodies.pop().decode()
    for private in (KEY, OTHER_KEY, learner_token(KEY), "dot--completed", "csrfmiddlewaretoken", "data-learner-key"):
        assert private not in html
    if "HX-Request" not in headers:
        assert 'data-state-url="' in html  # where embed-frame.js gets the learner's own part


def test_the_embed_json_is_the_same_bytes_for_everybody_and_shared(course, owner, other_creator):
    answers = [client.get(json_url(course), headers=extra) for _, client, extra in learners(course, owner, other_creator)]
    assert len({answer.content for answer in answers}) == 1 and len({answer["ETag"] for answer in answers}) == 1
    for answer in answers:
        assert_shared(answer)
        assert answer["Content-Type"] == "application/json"
    assert answers[0].json()["playlist"]["current_position"] == 2


def test_a_public_capsule_page_is_the_same_bytes_for_everybody_and_shared(owner, other_creator, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True)[0]
    clients = [Client(), Client(), Client()]
    clients[1].cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    clients[2].force_login(owner)
    answers = [client.get(capsule_url(capsule)) for client in clients]
    assert len({answer.content for answer in answers}) == 1
    for answer in answers:
        assert_shared(answer)
    assert f'data-state-url="{reverse("playlists:embed_capsule_state", args=[capsule.pk])}"' in answers[0].content.decode()


def test_a_signed_in_reader_of_a_public_course_gets_no_session_or_csrf_cookie(client, course, owner):
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.get(embed_url(course, "step=1"))
    assert not response.cookies
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session


# --- Validators -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_of", "headers"),
    [(lambda c: embed_url(c, "step=2"), {}), (lambda c: embed_url(c, "step=2"), {"HX-Request": "true"}), (json_url, {})],
    ids=["page", "fragment", "json"],
)
def test_a_matching_if_none_match_is_a_304_with_the_same_validators(client, course, url_of, headers):
    first = client.get(url_of(course), headers=headers)
    again = client.get(url_of(course), headers={**headers, "If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert_shared(again)
    other = client.get(url_of(course), headers={**headers, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_failed_precondition_is_a_412_nobody_keeps(client, course):
    response = client.get(embed_url(course, "step=2"), headers={"If-Match": '"not-this-one"'})
    assert response.status_code == 412
    assert_never_stored(response)


def test_a_capsule_page_and_embed_js_revalidate_too(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True)[0]
    for url in (capsule_url(capsule), reverse("playlists:embed_script")):
        etag = client.get(url)["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert "public" in again["Cache-Control"]


def test_embed_js_may_be_kept_by_shared_caches(client):
    response = client.get(reverse("playlists:embed_script"))
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "s-maxage=3600" in cache_control and "stale-while-revalidate" in cache_control
    assert response["ETag"] and not response.cookies and "Vary" not in response


def test_the_page_and_its_fragment_are_different_answers_with_different_etags(client, course):
    page = client.get(embed_url(course, "step=2"))
    fragment = client.get(embed_url(course, "step=2"), headers={"HX-Request": "true"})
    restore = client.get(embed_url(course, "step=2"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert page["ETag"] != fragment["ETag"] and restore.content == page.content and restore["ETag"] == page["ETag"]
    # The page's ETag never validates the fragment (a cache revalidating one variant must not get the other).
    assert client.get(embed_url(course, "step=2"), headers={"HX-Request": "true", "If-None-Match": page["ETag"]}).status_code == 200
    assert "HX-History-Restore-Request" in page["Vary"]


# --- Edits change the ETag --------------------------------------------------------------------------------------


def etags(client: Client, course: Playlist) -> tuple[str, str]:
    return client.get(embed_url(course, "step=2"))["ETag"], client.get(json_url(course))["ETag"]


def test_editing_a_steps_capsule_changes_the_etags_and_the_answer(client, course):
    before = etags(client, course)
    capsule = Capsule.objects.get(pk=playlist_steps(course)[1].capsule_id)
    capsule.title = "Loops, rewritten"
    capsule.save()  # what the capsule update service does in the end: updated_at moves
    after = etags(client, course)
    assert before[0] != after[0] and before[1] != after[1]
    assert "Loops, rewritten" in client.get(embed_url(course, "step=2")).content.decode()
    assert client.get(json_url(course)).json()["current_capsule"]["title"] == "Loops, rewritten"


def test_editing_another_steps_capsule_changes_the_etag_too(client, course):
    # Every page lists every step's title (the dots, the jump menu).
    before = etags(client, course)
    capsule = Capsule.objects.get(pk=playlist_steps(course)[2].capsule_id)
    capsule.title = "Renamed"
    capsule.save()
    assert etags(client, course)[0] != before[0]
    assert "Renamed" in client.get(embed_url(course, "step=2")).content.decode()


def test_renaming_or_reordering_the_course_changes_the_etags(client, course, owner):
    first = etags(client, course)
    playlist_update(playlist=course, actor=owner, title="Python 102", is_public=True)
    second = etags(client, course)
    assert "Python 102" in client.get(embed_url(course, "step=2")).content.decode()
    reverse_steps(course, owner)
    third = etags(client, course)
    assert len({first[0], second[0], third[0]}) == 3 and len({first[1], second[1], third[1]}) == 3


def test_a_step_hidden_by_moderation_without_touching_updated_at_changes_the_etag(client, course):
    before = etags(client, course)
    Capsule.objects.filter(pk=playlist_steps(course)[0].capsule_id).update(status="flagged")  # a queryset update
    after = client.get(embed_url(course, "step=2"))
    assert after["ETag"] != before[0]
    assert "(Step 2 of 2)" in after.content.decode()


def test_a_new_release_changes_every_etag(client, course, settings):
    before = etags(client, course)
    settings.EMBED_CACHE_VERSION = "release-2"
    _embed_cache.render_version.cache_clear()
    try:
        after = etags(client, course)
    finally:
        _embed_cache.render_version.cache_clear()
    assert before[0] != after[0] and before[1] != after[1]


def test_the_rendering_cache_being_away_costs_a_rendering_not_the_answer(client, course, monkeypatch):
    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(cache, "get", away)
    monkeypatch.setattr(cache, "set", away)
    response = client.get(embed_url(course, "step=2"))
    assert response.status_code == 200 and "(Step 2 of 3)" in response.content.decode()
    assert client.get(json_url(course)).status_code == 200


# --- Never stored -----------------------------------------------------------------------------------------------


def test_a_private_course_opened_with_its_token_is_never_stored(client, private_course):
    token = embed_token(private_course)
    for response in (
        client.get(embed_url(private_course, f"step=1&token={token}")),
        client.get(json_url(private_course, f"step=1&token={token}")),
    ):
        assert response.status_code == 200
        assert_never_stored(response)
        assert not response.cookies


def test_the_owners_preview_of_a_private_course_is_never_stored(client, owner, private_course):
    client.force_login(owner)
    response = client.get(embed_url(private_course, "step=1"))
    assert response.status_code == 200
    assert_never_stored(response)


def test_the_owners_preview_of_a_draft_capsule_is_never_stored(client, owner, quick_capsules):
    draft = quick_capsules(owner, 1, status="draft")[0]
    client.force_login(owner)
    response = client.get(capsule_url(draft))
    assert response.status_code == 200
    assert_never_stored(response)


def test_a_course_made_private_stops_being_shared(client, course, owner):
    assert_shared(client.get(embed_url(course, "step=1")))
    playlist_update(playlist=course, actor=owner, title=course.title, is_public=False)
    assert client.get(embed_url(course, "step=1")).status_code == 404
    client.force_login(owner)
    assert_never_stored(client.get(embed_url(course, "step=1")))


@pytest.mark.parametrize("url", ["/embed/playlist/00000000-0000-0000-0000-000000000000", "/api/playlists/not-a-uuid/embed"])
def test_not_found_is_never_stored_and_names_no_learner(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert_never_stored(response)
    assert not response.cookies


def test_a_step_beyond_the_course_is_not_found_even_for_if_none_match_star(client, course):
    assert client.get(embed_url(course, "step=9"), headers={"If-None-Match": "*"}).status_code == 404
    assert client.get(json_url(course, "step=9"), headers={"If-None-Match": "*"}).status_code == 404


def test_viewing_shared_pages_records_no_learner(client, course):
    client.get(embed_url(course, "step=1"))
    client.get(json_url(course))
    assert not LearnerProgress.objects.exists()


# --- The guard ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("personal", ["cookie", "vary"])
def test_the_guard_makes_a_public_answer_that_sets_a_cookie_or_varies_on_it_private(personal):
    def view(request):
        response = HttpResponse("hello")
        response["Cache-Control"] = "public, max-age=60, s-maxage=120"
        if personal == "cookie":
            response.set_cookie("sessionid", "someone")
        else:
            response["Vary"] = "HX-Request, Cookie"
        return response

    response = SharedCacheGuardMiddleware(view)(RequestFactory().get("/embed/playlist/x"))
    assert response["Cache-Control"] == "private, no-store"


def test_the_guard_leaves_other_answers_alone():
    def view(request):
        response = HttpResponse("hello")
        response["Cache-Control"] = "public, max-age=60"
        return response

    assert SharedCacheGuardMiddleware(view)(RequestFactory().get("/")).get("Cache-Control") == "public, max-age=60"
