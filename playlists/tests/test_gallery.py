"""The public gallery: /gallery/ lists public courses, /gallery/<id>/ shows one with a live embed and its
embed code. Private courses appear in neither."""

from __future__ import annotations

import html as html_lib
import re
from uuid import uuid4

import pytest
from django.urls import reverse

from capsules.models import Capsule
from playlists.models import Playlist
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_course(owner, quick_capsules):
    def make(title: str, *, steps: int = 2, is_public: bool = True, creator=owner, description: str = "") -> Playlist:
        capsules = quick_capsules(creator, steps, prefix=f"{title} step", status="published", is_public=True)
        return playlist_create(
            creator=creator, title=title, description=description, is_public=is_public,
            items=[{"capsule_id": str(c.pk)} for c in capsules],
        )  # fmt: skip

    return make


def gallery_html(client, query: str = "", **headers) -> str:
    return client.get(reverse("playlists:gallery") + query, headers=headers).content.decode()


def test_the_gallery_lists_public_courses_with_their_steps_creator_and_page(client, make_course, other_creator):
    course = make_course("SQL joins", steps=3, description="Inner, outer and self joins.", creator=other_creator)
    html = gallery_html(client)
    assert f'<a href="{reverse("playlists:gallery_playlist", args=[course.pk])}">SQL joins</a>' in html
    assert "Inner, outer and self joins." in html
    assert "3 steps" in html
    assert "by other" in html


def test_the_gallery_leaves_out_private_courses(client, make_course):
    make_course("Team only", is_public=False)
    make_course("Open to all")
    html = gallery_html(client)
    assert "Open to all" in html and "Team only" not in html


def test_the_gallery_leaves_out_courses_with_no_step_a_learner_could_see(client, owner, other_creator, quick_capsules, make_course):
    borrowed = quick_capsules(owner, 1, status="published", is_public=True)[0]
    playlist_create(creator=other_creator, title="Hollow", is_public=True, items=[{"capsule_id": str(borrowed.pk)}])
    Capsule.objects.filter(pk=borrowed.pk).update(status="flagged")  # moderation took the only step away
    make_course("Full")
    html = gallery_html(client)
    assert "Full" in html and "Hollow" not in html


def test_the_step_count_is_the_number_of_steps_a_learner_sees(client, owner, other_creator, quick_capsules):
    own = quick_capsules(other_creator, 2, prefix="Own")  # the creator's own, unpublished: visible in their course
    borrowed = quick_capsules(owner, 2, prefix="Borrowed", status="published", is_public=True)
    playlist_create(creator=other_creator, title="Mixed", is_public=True, items=[{"capsule_id": str(c.pk)} for c in [*own, *borrowed]])
    Capsule.objects.filter(pk=borrowed[0].pk).update(is_public=False)
    Capsule.objects.filter(pk=own[0].pk).update(status="rejected")
    assert "2 steps" in gallery_html(client)


def test_an_empty_gallery_says_so(client):
    assert "No public courses yet" in gallery_html(client)


def test_the_gallery_is_paginated(client, make_course, settings):
    settings.PLAYLIST_LIST_PAGE_SIZE = 2
    for title in ("First", "Second", "Third"):
        make_course(title)
    first_page, second_page = gallery_html(client), gallery_html(client, "?page=2")
    assert "Page 1 of 2" in first_page and 'href="?page=2"' in first_page
    assert sum(title in first_page for title in ("First", "Second", "Third")) == 2
    assert sum(title in second_page for title in ("First", "Second", "Third")) == 1


def test_htmx_pagination_gets_only_the_results(client, make_course):
    make_course("Only")
    html = gallery_html(client, "", **{"HX-Request": "true"})
    assert "Only" in html and "<html" not in html


def test_the_gallery_takes_the_same_queries_for_more_courses(client, make_course, django_assert_num_queries):
    make_course("One")
    with django_assert_num_queries(2):  # the count, the page (with creators and step counts)
        client.get(reverse("playlists:gallery"))
    for n in range(5):
        make_course(f"More {n}")
    with django_assert_num_queries(2):
        client.get(reverse("playlists:gallery"))


# --- One course --------------------------------------------------------------------------------------------


def course_page(client, playlist: Playlist):
    return client.get(reverse("playlists:gallery_playlist", args=[playlist.pk]))


def test_a_public_course_page_shows_its_steps_a_live_embed_and_its_embed_code(client, make_course):
    course = make_course("Loops", steps=2, description="Two exercises\nabout loops.")
    response = course_page(client, course)
    html = response.content.decode()
    embed_path = reverse("playlists:embed_playlist", args=[course.pk])
    assert response.status_code == 200
    assert "<h1>Loops</h1>" in html
    assert "Two exercises<br>about loops." in html
    assert re.findall(r'\?step=(\d)">(Loops step \d)</a>', html) == [("1", "Loops step 1"), ("2", "Loops step 2")]
    assert f'<iframe src="{embed_path}" title="Loops"' in html
    assert f'<script src="{reverse("playlists:embed_script")}" async></script>' in html
    code = html_lib.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert code == (
        f'<iframe src="http://127.0.0.1:8000{embed_path}" title="Interactive Learning Playlist: Loops" width="100%" '
        f'height="600" frameborder="0" style="border:0;max-width:100%" data-playlist-id="{course.pk}" '
        'loading="lazy" allow="clipboard-write"></iframe>\n'
        '<script src="http://127.0.0.1:8000/embed.js" async></script>'
    )


def test_a_public_course_page_carries_oembed_discovery(client, make_course):
    course = make_course("Loops")
    html = course_page(client, course).content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="Loops">', html)
    assert link
    page = f"http%3A%2F%2F127.0.0.1%3A8000%2Fgallery%2F{course.pk}%2F"
    assert html_lib.unescape(link.group(1)) == f"http://127.0.0.1:8000/oembed?url={page}&format=json"


def test_the_embed_code_of_a_title_with_markup_is_shown_as_text(client, make_course):
    html = course_page(client, make_course("<b>Bold</b> & co")).content.decode()
    shown = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "<b>" not in shown  # the page itself never carries the markup
    copied = html_lib.unescape(shown)  # what the textarea displays, and a creator copies
    assert 'title="Interactive Learning Playlist: &lt;b&gt;Bold&lt;/b&gt; &amp; co"' in copied


def test_a_private_course_has_no_gallery_page_even_for_its_owner(client, owner, make_course):
    course = make_course("Team only", is_public=False)
    assert course_page(client, course).status_code == 404
    client.force_login(owner)
    assert course_page(client, course).status_code == 404


def test_an_unknown_course_has_no_gallery_page(client):
    assert client.get(reverse("playlists:gallery_playlist", args=[uuid4()])).status_code == 404
