"""The embed's shared answers behind a real shared cache: Debian's nginx with `proxy_cache` (the same generated config
as benchmarks/embed_cache_bench.py, its own nginx as a child process on loopback) in front of gunicorn with
production settings.

A second learner gets the first one's cached page (a HIT) and nothing of the first learner's in it; each learner's
state goes to the origin every time and carries their own key; a private course opened with its token is never
kept; a stale copy is revalidated with a 304, and a creator's edit reaches learners once the copy is stale.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from benchmarks.embed_cache_bench import Cache, nginx_cache
from prodtests.stack import HOST, WebServer, wait_for

pytestmark = pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="nginx is not installed (make sysdeps)"
)

# Shared copies go stale after a second here, so that revalidation happens within the test.
S_MAXAGE = 1


@pytest.fixture(scope="module")
def origin(production_env) -> Iterator[WebServer]:
    server = WebServer({**production_env, "EMBED_CACHE_S_MAXAGE": str(S_MAXAGE), "EMBED_CACHE_STALE_WHILE_REVALIDATE": "0"}).start()
    yield server
    server.stop()


class Front:
    """nginx, asked as prodtests ask gunicorn (WebServer's request and get, on nginx's port)."""

    request = WebServer.request
    get = WebServer.get

    def __init__(self, nginx: Cache) -> None:
        self.nginx = nginx
        self.port = nginx.port


@pytest.fixture
def cache(origin: WebServer, transactional_db) -> Iterator[Front]:
    """nginx with an empty proxy_cache in front of `origin`."""
    # Revalidation in the foreground: the request that finds a copy stale says what became of it (REVALIDATED, EXPIRED).
    with (
        tempfile.TemporaryDirectory(prefix="embed-cache-prodtest-") as tmp,
        nginx_cache(tmp, origin.port, background_update=False) as running,
    ):
        yield Front(running)


@pytest.fixture
def course(transactional_db):
    from django.contrib.auth.models import User

    from playlists.services import playlist_create
    from playlists.tests.conftest import unjudged_capsule

    owner = User.objects.create_user("cache-owner", "cache-owner@example.com", "cache-owner-pass-123")
    capsules = [unjudged_capsule(owner, title=f"Step {n}", status="published", is_public=True) for n in (1, 2, 3)]
    for capsule in capsules:
        capsule.save()
    public = playlist_create(creator=owner, title="Cached course", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    private = playlist_create(creator=owner, title="Team course", items=[{"capsule_id": str(capsules[0].pk)}])
    return public, private


def learner_cookie(key: str) -> dict[str, str]:
    from playlists.views._embed_common import learner_token

    return {"Cookie": f"{settings.EMBED_LEARNER_COOKIE}={learner_token(key)}"}


def test_a_second_learner_gets_the_cached_page_with_nothing_of_the_first_learner_in_it(cache: Front, course):
    from playlists.selectors import playlist_steps
    from playlists.services import progress_record_step_completed
    from playlists.views._embed_common import learner_token

    public, _ = course
    steps = playlist_steps(public)
    progress_record_step_completed(
        playlist=public, learner_key="first-learner-0123456789abcd", step=1, item_id=steps[0].item_id,
        all_item_ids=[s.item_id for s in steps],
    )  # fmt: skip
    page = f"/embed/playlist/{public.pk}?step=3"

    status, first_headers, first = cache.get(page, headers=learner_cookie("first-learner-0123456789abcd"))
    assert status == 200 and first_headers["x-cache-status"] == "MISS"
    status, second_headers, second = cache.get(page, headers=learner_cookie("second-learner-0123456789ab"))
    assert status == 200 and second_headers["x-cache-status"] == "HIT"
    assert second == first
    assert "set-cookie" not in second_headers and "x-learner-key" not in second_headers
    html = second.decode()
    assert learner_token("first-learner-0123456789abcd") not in html and "first-learner" not in html
    assert "dot--completed" not in html and "You reached the end — 0 of 3 steps complete." in html

    # Each learner's own part never comes from the cache.
    for key in ("first-learner-0123456789abcd", "second-learner-0123456789ab", "first-learner-0123456789abcd"):
        status, headers, body = cache.get(f"/embed/playlist/{public.pk}/state", headers=learner_cookie(key))
        assert status == 200 and headers["x-cache-status"] == "MISS"
        assert "no-store" in headers["cache-control"]
        assert f'"learner_key": "{learner_token(key)}"' in body.decode()
    status, headers, body = cache.get(f"/embed/playlist/{public.pk}/state", headers=learner_cookie("first-learner-0123456789abcd"))
    assert '"completed_steps": [1]' in body.decode()


def test_the_embed_json_and_the_htmx_fragment_are_cached_each_as_its_own_variant(cache, course):
    public, _ = course
    json_path = f"/api/playlists/{public.pk}/embed?step=2"
    assert cache.get(json_path)[1]["x-cache-status"] == "MISS"
    status, headers, body = cache.get(json_path)
    assert status == 200 and headers["x-cache-status"] == "HIT" and b'"current_position":2' in body

    page = f"/embed/playlist/{public.pk}?step=2"
    _, _, full = cache.get(page)
    status, headers, fragment = cache.get(page, headers={"HX-Request": "true"})
    assert status == 200 and headers["x-cache-status"] == "MISS"  # another variant (Vary: HX-Request)
    assert fragment.lstrip().startswith(b'<main id="course"') and full.startswith(b"<!doctype html>")
    assert cache.get(page, headers={"HX-Request": "true"})[1]["x-cache-status"] == "HIT"
    assert cache.get(page)[2] == full


def test_a_private_course_opened_with_its_token_is_never_kept(cache, course):
    from playlists.selectors import embed_token

    _, private = course
    for path in (
        f"/embed/playlist/{private.pk}?step=1&token={embed_token(private)}",
        f"/api/playlists/{private.pk}/embed?token={embed_token(private)}",
    ):
        for _ in range(2):
            status, headers, _ = cache.get(path)
            assert status == 200 and headers["x-cache-status"] == "MISS", path
            assert "private" in headers["cache-control"] and "no-store" in headers["cache-control"]


def test_a_stale_copy_is_revalidated_and_an_edit_reaches_learners_once_it_is_stale(cache, course):
    from capsules.models import Capsule
    from playlists.selectors import playlist_steps

    public, _ = course
    page = f"/embed/playlist/{public.pk}?step=1"
    _, first_headers, first = cache.get(page)
    assert cache.get(page)[1]["x-cache-status"] == "HIT"

    # Stale and unchanged: nginx revalidates with If-None-Match, the origin's 304 refreshes its copy (REVALIDATED).
    status, headers, body = wait_for(lambda: _status_is(cache, page, "REVALIDATED"), seconds=10, what="a revalidation")
    assert status == 200 and body == first and headers["etag"] == first_headers["etag"]

    capsule = Capsule.objects.get(pk=playlist_steps(public)[0].capsule_id)
    capsule.title = "Variables, rewritten"
    capsule.save()
    status, headers, body = wait_for(lambda: _status_is(cache, page, "EXPIRED"), seconds=10, what="the edit fetched")
    assert b"Variables, rewritten" in body and headers["etag"] != first_headers["etag"]


def _status_is(cache: Front, path: str, wanted: str):
    answer = cache.get(path)
    return answer if answer[1]["x-cache-status"] == wanted else None


def test_nginx_runs_on_loopback_as_a_child_of_the_test(cache):
    running = cache.nginx
    assert running.process.poll() is None
    assert str(running.root).startswith(tempfile.gettempdir())
    assert f"listen {HOST}:{running.port};" in (running.root / "nginx.conf").read_text()
