"""The site's own 403 and 404 pages (templates/403.html, 404.html) and its favicon (static/img/favicon.svg)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from capsules.models import Capsule
from playlists.services import playlist_create
from playlists.tests.conftest import unjudged_capsule

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_styled_404_in_the_sites_layout(client, owner):
    client.force_login(owner)

    response = client.get(reverse("capsules:detail", args=[uuid.uuid4()]))

    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    html = response.content.decode()
    assert '<h1 id="error-title">Page not found</h1>' in html
    assert 'class="site-header' in html and "css/app.css" in html
    assert f'href="{reverse("capsules:list")}"' in html


def test_a_forbidden_page_is_a_styled_403_that_names_nothing(client, owner):
    client.force_login(owner)

    response = client.get(reverse("generation:metrics"))  # staff only

    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    html = response.content.decode()
    assert "You cannot open this page" in html and "Generation metrics" not in html


def test_a_stranger_is_offered_the_login_page_on_a_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert f'href="{reverse("login")}"' in response.content.decode()


def test_the_favicon_is_an_svg_in_static_linked_from_the_site_and_the_embed(client, owner):
    capsule = Capsule.objects.bulk_create([unjudged_capsule(owner, title="One", status="published", is_public=True)])[0]
    course = playlist_create(creator=owner, title="Course", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
    path = finders.find("img/favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    icon = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
    assert icon in client.get(reverse("login")).content.decode()
    assert icon in client.get(reverse("playlists:embed_playlist", args=[course.pk])).content.decode()
    # That the server serves it: tests/browser/test_accessibility.py asks the live server for it.
