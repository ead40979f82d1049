"""The learner's code drafts kept on the server (views/drafts.py, services.draft_save): saved under the signed learner
key that the request names (the X-Learner-Key header or the partitioned cookie), handed back by the state endpoint,
bounded per key, expired by age — and the analytics count one learner however often the same cookie reloads."""

from __future__ import annotations

import json
from datetime import timedelta
from pydoc import locate

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from playlists import services
from playlists.analytics import playlist_analytics
from playlists.models import LearnerDraft, LearnerEvent, Playlist
from playlists.selectors import embed_token
from playlists.services import draft_save, drafts_expire, playlist_create
from playlists.tests.conftest import unjudged_capsule
from playlists.views import drafts as draft_views
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"
MY_CODE = "def add(a, b):\n    return a + b  # mine\n"


def as_learner(key: str = KEY) -> dict[str, str]:
    return {"X-Learner-Key": learner_token(key)}


def step_draft_url(playlist: Playlist, step: int, query: str = "") -> str:
    url = reverse("playlists:step_draft", args=[playlist.pk, step])
    return f"{url}?{query}" if query else url


def state_url(playlist: Playlist, query: str = "") -> str:
    url = reverse("playlists:embed_playlist_state", args=[playlist.pk])
    return f"{url}?{query}" if query else url


def post_draft(client: Client, url: str, code, *, headers: dict[str, str] | None = None, **extra):  # noqa: ANN001 (any JSON value)
    return client.post(
        url, json.dumps({"code": code}), content_type="application/json", headers=as_learner() if headers is None else headers, **extra
    )


def starting_code(playlist: Playlist, step: int) -> str:
    return playlist.items.order_by("order")[step - 1].capsule.config_data["boilerplate_code"]


# --- Saving and getting it back --------------------------------------------------------------------------------


def test_a_saved_draft_comes_back_in_the_state_of_its_step_only_and_only_to_its_learner(client, course):
    response = post_draft(client, step_draft_url(course, 2), MY_CODE + "\r\n")
    assert response.status_code == 200 and response.json() == {"saved": True, "draft": True}
    assert "no-store" in response["Cache-Control"]

    capsule_id = str(course.items.order_by("order")[1].capsule_id)
    state = client.get(state_url(course, "step=2"), headers=as_learner()).json()
    assert state["draft"] == {"capsule_id": capsule_id, "code": MY_CODE + "\n"}  # CRLF as the editor writes it: LF
    assert client.get(state_url(course, "step=1"), headers=as_learner()).json()["draft"] is None
    assert Client().get(state_url(course, "step=2"), headers=as_learner(OTHER_KEY)).json()["draft"] is None
    assert Client().get(state_url(course, "step=2")).json()["draft"] is None  # a new learner has none


def test_a_learner_with_only_the_cookie_saves_and_gets_back_their_draft(client, course):
    """What a third-party iframe whose localStorage throws has: the partitioned cookie alone."""
    key = client.get(state_url(course), secure=True).json()["learner_key"]  # the cookie is set now
    assert post_draft(client, step_draft_url(course, 1), MY_CODE, headers={}, secure=True).status_code == 200

    again = client.get(state_url(course, "step=1"), secure=True)
    assert again.json()["learner_key"] == key and settings.EMBED_LEARNER_COOKIE not in again.cookies
    assert again.json()["draft"]["code"] == MY_CODE


def test_saving_again_replaces_the_draft_and_the_starting_code_removes_it(client, course):
    post_draft(client, step_draft_url(course, 1), "first")
    post_draft(client, step_draft_url(course, 1), MY_CODE)
    assert LearnerDraft.objects.get().code == MY_CODE

    reset = post_draft(client, step_draft_url(course, 1), starting_code(course, 1))  # Reset to the starting code
    assert reset.json() == {"saved": True, "draft": False}
    assert not LearnerDraft.objects.exists()


def test_a_capsule_embedded_alone_keeps_its_draft_too(client, owner):
    capsule = unjudged_capsule(owner, title="Alone", status="published", is_public=True)
    capsule.save()
    url = reverse("playlists:capsule_draft", args=[capsule.pk])
    assert post_draft(client, url, MY_CODE).status_code == 200
    state = client.get(reverse("playlists:embed_capsule_state", args=[capsule.pk]), headers=as_learner()).json()
    assert state["draft"] == {"capsule_id": str(capsule.pk), "code": MY_CODE}


def test_a_private_course_needs_its_token_and_a_private_capsule_its_owner(client, private_course, other_creator):
    assert post_draft(client, step_draft_url(private_course, 1), MY_CODE).status_code == 404
    token = embed_token(private_course)
    assert post_draft(client, step_draft_url(private_course, 1, f"token={token}"), MY_CODE).status_code == 200

    hidden = unjudged_capsule(other_creator, title="Not yours", status="draft")
    hidden.save()
    refused = post_draft(client, reverse("playlists:capsule_draft", args=[hidden.pk]), MY_CODE)
    assert refused.status_code == 404 and refused.json() == {"error": "Playlist or step not found"}
    assert post_draft(client, step_draft_url(private_course, 9, f"token={token}"), MY_CODE).status_code == 404
    assert LearnerDraft.objects.count() == 1


def test_a_terminal_step_has_no_draft(client, owner):
    terminal = unjudged_capsule(owner, title="Shell", capsule_type="TERMINAL", status="published", is_public=True)
    terminal.save()
    playlist = playlist_create(creator=owner, title="Shell", is_public=True, items=[{"capsule_id": str(terminal.pk)}])
    response = post_draft(client, step_draft_url(playlist, 1), "ls")
    assert response.status_code == 400 and "CODE and DATABASE" in response.json()["error"]


# --- Refusals ------------------------------------------------------------------------------------------------------


def test_a_post_without_a_key_this_server_signed_is_refused(client, course):
    assert post_draft(client, step_draft_url(course, 1), MY_CODE, headers={}).status_code == 400
    made_up = post_draft(client, step_draft_url(course, 1), MY_CODE, headers={"X-Learner-Key": KEY})
    assert made_up.status_code == 400 and "learner key is required" in made_up.json()["error"]
    assert not LearnerDraft.objects.exists()


def test_another_sites_post_is_refused(client, course):
    response = post_draft(client, step_draft_url(course, 1), MY_CODE, headers={**as_learner(), "Origin": "https://evil.example"})
    assert response.status_code == 403 and not LearnerDraft.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "must be JSON"),
        (b"[1, 2]", 'string "code"'),
        (b'{"code": 5}', 'string "code"'),
        (b'{"code": NaN}', "must be JSON"),
        (b"[" * 2000, "must be JSON"),
    ],
)
def test_a_body_that_is_not_a_code_object_is_a_400(client, course, body, message):
    response = client.post(step_draft_url(course, 1), body, content_type="application/json", headers=as_learner())
    assert response.status_code == 400 and message in response.json()["error"]


def test_code_over_the_judges_limit_is_a_400_and_a_huge_body_a_413(client, course, settings):
    settings.JUDGE_MAX_CODE_BYTES = 1024
    over = post_draft(client, step_draft_url(course, 1), "x" * 1025)
    assert over.status_code == 400 and "the limit is 1,024 bytes" in over.json()["error"]
    huge = client.post(step_draft_url(course, 1), b"x" * (7 * 1024 + 1024), content_type="application/json", headers=as_learner())
    assert huge.status_code == 413
    assert not LearnerDraft.objects.exists()


def test_saves_are_rate_limited_per_learner(client, course, monkeypatch):
    monkeypatch.setattr(draft_views, "DRAFT_SAVES_PER_MINUTE", 2)
    statuses = [post_draft(client, step_draft_url(course, 1), f"v{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    limited = post_draft(client, step_draft_url(course, 1), "v4")
    assert limited["Retry-After"] == "60"
    assert Client().post(step_draft_url(course, 1), json.dumps({"code": "x"}), content_type="application/json",
                         headers=as_learner(OTHER_KEY)).status_code == 200  # fmt: skip
    assert LearnerDraft.objects.get(learner_key=KEY).code == "v1"


# --- Bounds and expiry ---------------------------------------------------------------------------------------------


def test_a_learner_key_keeps_only_its_newest_drafts(owner, quick_capsules, monkeypatch):
    monkeypatch.setattr(services, "DRAFTS_PER_LEARNER", 2)
    first, second, third = quick_capsules(owner, 3, status="published", is_public=True)
    for capsule in (first, second, third):
        draft_save(learner_key=KEY, capsule=capsule, code=f"code of {capsule.title}", address="203.0.113.7")
    draft_save(learner_key=OTHER_KEY, capsule=first, code="someone else's", address="203.0.113.7")

    assert set(LearnerDraft.objects.filter(learner_key=KEY).values_list("capsule", flat=True)) == {second.pk, third.pk}
    assert LearnerDraft.objects.filter(learner_key=OTHER_KEY).count() == 1
    draft_save(learner_key=KEY, capsule=second, code="edited", address="203.0.113.7")  # an update makes no room and takes none
    assert LearnerDraft.objects.filter(learner_key=KEY).count() == 2


def test_one_address_keeps_at_most_its_byte_budget_of_drafts_whatever_keys_it_mints(owner, quick_capsules, settings):
    """Keys are free to mint: what one address stores is bounded across all of them, the oldest drafts going first."""
    settings.LEARNER_DRAFT_BYTES_PER_ADDRESS = 2500
    capsules = quick_capsules(owner, 4, status="published", is_public=True)
    for number, capsule in enumerate(capsules):
        draft_save(learner_key=f"minted-key-{number:020d}", capsule=capsule, code="x" * 1000, address="198.51.100.9")
        LearnerDraft.objects.filter(capsule=capsule).update(updated_at=timezone.now() - timedelta(minutes=10 - number))
    draft_save(learner_key=KEY, capsule=capsules[0], code="y" * 1000, address="203.0.113.7")  # another address

    kept = LearnerDraft.objects.filter(address_key=services.address_key("198.51.100.9"))
    assert sorted(kept.values_list("learner_key", flat=True)) == ["minted-key-00000000000000000002", "minted-key-00000000000000000003"]
    assert sum(kept.values_list("size", flat=True)) == 2000
    assert LearnerDraft.objects.filter(learner_key=KEY).count() == 1


def test_a_draft_that_grows_is_counted_at_its_new_size_and_the_one_just_saved_is_never_evicted(owner, quick_capsules, settings):
    settings.LEARNER_DRAFT_BYTES_PER_ADDRESS = 2000
    older, mine = quick_capsules(owner, 2, status="published", is_public=True)
    draft_save(learner_key=OTHER_KEY, capsule=older, code="a" * 900, address="198.51.100.9")
    LearnerDraft.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    draft_save(learner_key=KEY, capsule=mine, code="é" * 300, address="198.51.100.9")  # 600 bytes in UTF-8
    assert LearnerDraft.objects.get(learner_key=KEY).size == 600

    draft_save(learner_key=KEY, capsule=mine, code="b" * 1500, address="198.51.100.9")

    assert list(LearnerDraft.objects.values_list("learner_key", "size")) == [(KEY, 1500)]


def test_the_address_is_stored_as_a_keyed_hash_not_as_itself(owner, quick_capsules):
    (capsule,) = quick_capsules(owner, 1, status="published", is_public=True)
    draft_save(learner_key=KEY, capsule=capsule, code="mine", address="198.51.100.9")

    stored = LearnerDraft.objects.get().address_key
    assert len(stored) == 32 and "198.51" not in stored and stored == services.address_key("198.51.100.9")
    assert stored != services.address_key("198.51.100.10")


def test_the_endpoint_counts_the_draft_against_the_clients_address(client, course):
    assert post_draft(client, step_draft_url(course, 1), MY_CODE, REMOTE_ADDR="198.51.100.23").status_code == 200

    assert LearnerDraft.objects.get().address_key == services.address_key("198.51.100.23")


def test_drafts_saved_before_the_budget_are_measured_by_the_migration(owner, quick_capsules):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("playlists.migrations.0003_learner_draft_address_budget")
    (capsule,) = quick_capsules(owner, 1, status="published", is_public=True)
    draft_save(learner_key=KEY, capsule=capsule, code="ü" * 10, address="198.51.100.9")
    LearnerDraft.objects.update(size=0)

    migration.measure_existing_drafts(apps, None)

    assert LearnerDraft.objects.get().size == 20


def test_old_drafts_expire_on_a_daily_schedule(owner, quick_capsules):
    old, fresh = quick_capsules(owner, 2, status="published", is_public=True)
    draft_save(learner_key=KEY, capsule=old, code="old", address="203.0.113.7")
    draft_save(learner_key=KEY, capsule=fresh, code="fresh", address="203.0.113.7")
    LearnerDraft.objects.filter(capsule=old).update(updated_at=timezone.now() - services.DRAFT_MAX_AGE - timedelta(minutes=1))

    assert drafts_expire() == 1
    assert list(LearnerDraft.objects.values_list("code", flat=True)) == ["fresh"]
    schedule = Schedule.objects.get(name="Expire learner drafts")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    assert locate(schedule.func) is drafts_expire


# --- One learner per key ----------------------------------------------------------------------------------------------


def test_reloads_with_the_partitioned_cookie_count_as_one_learner(client, course):
    """Every load of the frame asks for the state and records a view; with the cookie kept, it is one key."""
    for _reload in range(4):
        state = client.get(state_url(course, "step=1"), secure=True)
        events = reverse("playlists:embed_events", args=[course.pk])
        assert client.post(events, {"verb": "viewed", "step": 1}, content_type="application/json", secure=True).status_code == 200
    assert len(set(LearnerEvent.objects.values_list("learner_key", flat=True))) == 1
    assert settings.EMBED_LEARNER_COOKIE not in state.cookies  # only the first load set it
    assert playlist_analytics(course).learners == 1


# --- Admin ----------------------------------------------------------------------------------------------------------


def test_staff_read_drafts_in_the_admin_without_changing_them(client, staff, course):
    post_draft(client, step_draft_url(course, 1), MY_CODE)
    draft = LearnerDraft.objects.get()
    client.force_login(staff)
    listing = client.get("/admin/playlists/learnerdraft/")
    page = client.get(f"/admin/playlists/learnerdraft/{draft.pk}/change/")
    assert listing.status_code == 200 and KEY in listing.content.decode()
    assert page.status_code == 200 and "return a + b  # mine" in page.content.decode() and 'name="code"' not in page.content.decode()
    assert client.get("/admin/playlists/learnerdraft/add/").status_code == 403
    assert "Learner progress<" in client.get("/admin/").content.decode()  # not "Learner progresss"
