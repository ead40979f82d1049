"""The share page: the embed code (embed_code, a pure function of the playlist and the options), its
advanced options without JavaScript, the preview and the links."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from playlists.models import Playlist
from playlists.selectors import embed_token
from playlists.services import playlist_create
from playlists.views.builder import embed_code

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def site(settings) -> str:
    settings.SITE_URL = "https://codecapsule.example"
    settings.EMBED_DEFAULT_HEIGHT = 640
    return settings.SITE_URL


@pytest.fixture
def course(owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 3)
    return playlist_create(creator=owner, title="Python 101", items=[{"capsule_id": c.pk} for c in capsules])


def share_url(playlist: Playlist) -> str:
    return reverse("playlists:share", args=[playlist.pk])


# --- embed_code ----------------------------------------------------------------------------------------


def test_the_code_of_a_public_playlist_is_the_iframe_and_the_resizer_without_a_token(site, course):
    Playlist.objects.filter(pk=course.pk).update(is_public=True)
    course.refresh_from_db()

    code = embed_code(course)

    pk = course.pk
    assert code == (
        f'<iframe src="{site}/embed/playlist/{pk}" title="Interactive Learning Playlist: Python 101" width="100%" '
        f'height="640" frameborder="0" style="border:0;max-width:100%" data-playlist-id="{pk}" loading="lazy" '
        'allow="clipboard-write"></iframe>\n'
        f'<script src="{site}/embed.js" async></script>'
    )


def test_the_code_of_a_private_playlist_carries_its_embed_token(site, course):
    code = embed_code(course)

    assert f'src="{site}/embed/playlist/{course.pk}?token={embed_token(course)}"' in code


def test_the_code_names_only_the_options_that_differ_from_the_defaults(site, course):
    defaults = embed_code(course, step=1, theme="auto", show_progress=True)
    chosen = embed_code(course, step=3, theme="dark", show_progress=False)

    assert "step=" not in defaults and "theme=" not in defaults and "progress=" not in defaults
    assert f"/embed/playlist/{course.pk}?step=3&amp;theme=dark&amp;progress=false&amp;token={embed_token(course)}" in chosen


def test_the_title_in_the_code_is_escaped(site, owner):
    playlist = playlist_create(creator=owner, title='SQL "joins" <for> everyone', is_public=True)

    code = embed_code(playlist)

    assert 'title="Interactive Learning Playlist: SQL &quot;joins&quot; &lt;for&gt; everyone"' in code


# --- The page ------------------------------------------------------------------------------------------


def test_the_owner_gets_the_code_a_preview_and_the_direct_link(site, owner, course):
    response = logged_in(owner).get(share_url(course))

    assert response.status_code == 200
    assert response.context["code"] == embed_code(course)
    html = response.content.decode()
    path = f"/embed/playlist/{course.pk}?token={embed_token(course)}"
    # The preview is framed from this page's own origin (the dashboard's CSP frames only 'self').
    assert f'<iframe class="share-preview__frame" src="{path}"' in html
    assert f'href="{site}{path}"' in html
    assert "Gallery" not in html  # a private playlist is not in the gallery


def test_a_public_playlist_has_a_gallery_link_and_no_token(site, owner, course):
    Playlist.objects.filter(pk=course.pk).update(is_public=True)

    html = logged_in(owner).get(share_url(course)).content.decode()

    assert f"{site}{reverse('playlists:gallery_playlist', args=[course.pk])}" in html
    assert embed_token(course) not in html
    assert "?token=" not in html and "&amp;token=" not in html


def test_the_options_form_without_javascript_renders_the_code_with_the_options(site, owner, course):
    response = logged_in(owner).get(share_url(course), {"step": "2", "theme": "light"})  # the box left unticked

    assert response.context["code"] == embed_code(course, step=2, theme="light", show_progress=False)
    assert f'src="/embed/playlist/{course.pk}?step=2&amp;theme=light&amp;progress=false&amp;token=' in response.content.decode()


def test_progress_is_shown_until_the_form_says_otherwise(site, owner, course):
    response = logged_in(owner).get(share_url(course))

    assert 'name="progress" id="id_progress" checked' in response.content.decode()
    assert "progress=false" not in response.context["code"]


def test_a_start_step_beyond_the_playlist_is_reported_and_the_code_keeps_the_defaults(site, owner, course):
    response = logged_in(owner).get(share_url(course), {"step": "4", "theme": "dark", "progress": "on"})

    assert "step" in response.context["form"].errors
    assert 'max="3"' in response.content.decode()
    assert response.context["code"] == embed_code(course)


def test_the_start_step_counts_only_the_steps_learners_see(site, owner, other_creator, course, quick_capsules):
    (theirs,) = quick_capsules(other_creator, 1, prefix="Theirs", status="published", is_public=True)
    Playlist.objects.filter(pk=course.pk).update(is_public=True)
    course.refresh_from_db()
    items = [{"capsule_id": c} for c in course.items.order_by("order").values_list("capsule_id", flat=True)]
    playlist = playlist_create(creator=owner, title="Four", items=[*items, {"capsule_id": theirs.pk}])
    Capsule.objects.filter(pk=theirs.pk).update(is_public=False)  # unpublished since: learners skip it

    response = logged_in(owner).get(share_url(playlist))

    assert response.context["total_steps"] == 3
    assert 'max="3"' in response.content.decode()


def test_the_share_page_passes_share_js_what_it_needs_to_rebuild_the_code(site, owner, course):
    html = logged_in(owner).get(share_url(course)).content.decode()

    assert f'data-site-url="{site}"' in html
    assert f'data-embed-path="/embed/playlist/{course.pk}"' in html
    assert f'data-token="{embed_token(course)}"' in html
    assert 'data-template="&lt;iframe src=&quot;EMBED_SRC&quot; title=&quot;Interactive Learning Playlist: Python 101&quot;' in html


def test_the_share_page_refuses_other_methods(owner, course):
    response = logged_in(owner).post(share_url(course))

    assert response.status_code == 405
