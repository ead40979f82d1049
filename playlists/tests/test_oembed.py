"""oEmbed: the pure helpers (playlists/oembed.py) and `/oembed?url=…`."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from django.urls import reverse

from playlists import oembed
from playlists.models import Playlist
from playlists.selectors import embed_token
from playlists.services import playlist_create

SITE = "http://127.0.0.1:8000"  # settings.SITE_URL's development default, which the tests run with
PLAYLIST_ID = UUID("6f1c1c9e-4a52-4c1e-9d1a-0a4b2f3c5d6e")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE
    settings.EMBED_DEFAULT_HEIGHT = 600


# --- Helpers ------------------------------------------------------------------------------------------------


def test_it_reads_a_playlist_embed_url_with_its_token_and_display_options():
    target = oembed.parse_target(f"{SITE}/embed/playlist/{PLAYLIST_ID}?step=2&theme=dark&token=abc&utm=x", site_url=SITE)
    assert target == oembed.EmbedTarget("playlist", PLAYLIST_ID, {"step": "2", "theme": "dark", "token": "abc"})
    assert target.token == "abc"


def test_it_reads_a_gallery_url_as_its_playlist():
    target = oembed.parse_target(f"{SITE}/gallery/{PLAYLIST_ID}/", site_url=SITE)
    assert (target.kind, target.object_id, target.token) == ("playlist", PLAYLIST_ID, None)


def test_it_reads_a_capsule_embed_url_keeping_only_the_theme():
    target = oembed.parse_target(f"{SITE}/embed/capsule/{PLAYLIST_ID}?theme=light&step=3", site_url=SITE)
    assert target == oembed.EmbedTarget("capsule", PLAYLIST_ID, {"theme": "light"})


def test_the_host_comparison_ignores_case():
    assert oembed.parse_target(f"HTTP://127.0.0.1:8000/gallery/{PLAYLIST_ID}/", site_url=SITE).kind == "playlist"


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        f"https://evil.example/embed/playlist/{PLAYLIST_ID}",
        f"https://127.0.0.1:8000/embed/playlist/{PLAYLIST_ID}",  # another scheme is another origin
        f"{SITE}/embed/playlist/not-a-uuid",
        f"{SITE}/capsules/",
        f"{SITE}/nowhere",
    ],
)
def test_it_refuses_a_missing_foreign_or_unembeddable_url(url):
    with pytest.raises(oembed.ForeignUrl):
        oembed.parse_target(url, site_url=SITE)


@pytest.mark.parametrize(
    ("maxwidth", "maxheight", "size"),
    [(None, None, (800, 600)), ("500", None, (500, 600)), (None, "300", (800, 300)), ("1200", "900", (800, 600)), ("", "", (800, 600))],
)
def test_the_size_is_the_default_bounded_by_the_consumers_maximum(maxwidth, maxheight, size):
    assert oembed.bounded_size(maxwidth, maxheight, default_height=600) == size


@pytest.mark.parametrize(("maxwidth", "maxheight"), [("wide", None), ("0", None), (None, "-5"), ("1.5", None)])
def test_a_size_that_is_not_a_positive_integer_is_refused(maxwidth, maxheight):
    with pytest.raises(oembed.BadSize):
        oembed.bounded_size(maxwidth, maxheight, default_height=600)


def test_only_json_is_served():
    oembed.check_format(None)
    oembed.check_format("json")
    with pytest.raises(oembed.UnsupportedFormat):
        oembed.check_format("xml")


def test_the_iframe_src_keeps_only_the_parameters_it_needs_in_a_stable_order():
    target = oembed.EmbedTarget("playlist", PLAYLIST_ID, {"token": "t k", "step": "2"})
    assert oembed.embed_src(SITE, target) == f"{SITE}/embed/playlist/{PLAYLIST_ID}?step=2&token=t+k"
    assert oembed.embed_src(SITE, oembed.EmbedTarget("capsule", PLAYLIST_ID)) == f"{SITE}/embed/capsule/{PLAYLIST_ID}"


def test_the_embed_code_escapes_the_title_and_loads_the_resizer():
    code = oembed.embed_code(site_url=SITE, src=f"{SITE}/embed/playlist/x?a=1&b=2", title='"Loops" & <tricks>', width=640, height=480)
    assert code == (
        f'<iframe src="{SITE}/embed/playlist/x?a=1&amp;b=2" title="&quot;Loops&quot; &amp; &lt;tricks&gt;" width="640" '
        'height="480" frameborder="0" style="border:0;max-width:100%" loading="lazy" allow="clipboard-write"></iframe>\n'
        f'<script src="{SITE}/embed.js" async></script>'
    )


# --- The endpoint ---------------------------------------------------------------------------------------------


@pytest.fixture
def course(db, owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 2, status="published", is_public=True)
    return playlist_create(creator=owner, title="SQL basics", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])


@pytest.fixture
def private_course(db, owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 1, prefix="Secret")
    return playlist_create(creator=owner, title="Team only", items=[{"capsule_id": str(c.pk)} for c in capsules])


def ask(client, **params):
    return client.get(reverse("playlists:oembed"), params)


def test_a_public_course_is_described_as_a_rich_embed(client, course):
    response = ask(client, url=f"{SITE}/embed/playlist/{course.pk}", format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data == {
        "version": "1.0",
        "type": "rich",
        "provider_name": "CodeCapsule",
        "provider_url": SITE,
        "title": "SQL basics",
        "html": data["html"],
        "width": 800,
        "height": 600,
    }
    assert data["html"].startswith(f'<iframe src="{SITE}/embed/playlist/{course.pk}" title="SQL basics" width="800" height="600"')
    assert f'<script src="{SITE}/embed.js" async></script>' in data["html"]


def test_the_size_respects_maxwidth_and_maxheight(client, course):
    data = ask(client, url=f"{SITE}/gallery/{course.pk}/", maxwidth="480", maxheight="320").json()
    assert (data["width"], data["height"]) == (480, 320)
    assert 'width="480" height="320"' in data["html"]


def test_a_gallery_url_embeds_the_course(client, course):
    data = ask(client, url=f"{SITE}/gallery/{course.pk}/").json()
    assert f'src="{SITE}/embed/playlist/{course.pk}"' in data["html"]


def test_the_step_and_theme_of_the_url_reach_the_iframe(client, course):
    data = ask(client, url=f"{SITE}/embed/playlist/{course.pk}?step=2&theme=dark").json()
    assert f'src="{SITE}/embed/playlist/{course.pk}?step=2&amp;theme=dark"' in data["html"]


def test_a_public_capsule_is_described(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True, prefix="Loops")[0]
    data = ask(client, url=f"{SITE}/embed/capsule/{capsule.pk}").json()
    assert data["title"] == "Loops 1"
    assert f'src="{SITE}/embed/capsule/{capsule.pk}"' in data["html"]


def test_a_private_capsule_is_not_found(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=False)[0]
    client.force_login(owner)  # oEmbed describes what anyone may embed, whoever asks
    assert ask(client, url=f"{SITE}/embed/capsule/{capsule.pk}").status_code == 404


def test_a_private_course_is_not_found_without_its_token(client, private_course):
    assert ask(client, url=f"{SITE}/embed/playlist/{private_course.pk}").status_code == 404
    assert ask(client, url=f"{SITE}/gallery/{private_course.pk}/").status_code == 404
    assert ask(client, url=f"{SITE}/embed/playlist/{private_course.pk}?token=forged").status_code == 404


def test_a_private_course_is_described_with_its_token_which_the_iframe_keeps(client, private_course):
    token = embed_token(private_course)
    response = ask(client, url=f"{SITE}/embed/playlist/{private_course.pk}?token={token}")
    assert response.status_code == 200
    assert f"?token={token}" in response.json()["html"]


def test_an_unknown_course_is_not_found(client, db):
    response = ask(client, url=f"{SITE}/embed/playlist/{uuid4()}")
    assert response.status_code == 404
    assert "error" in response.json()


def test_a_format_other_than_json_is_not_implemented(client, course):
    assert ask(client, url=f"{SITE}/embed/playlist/{course.pk}", format="xml").status_code == 501


@pytest.mark.parametrize("url", [None, "", "https://evil.example/embed/playlist/x", f"{SITE}/capsules/"])
def test_a_missing_or_foreign_url_is_a_bad_request(client, db, url):
    params = {} if url is None else {"url": url}
    response = ask(client, **params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_bad_maxwidth_is_a_bad_request(client, course):
    assert ask(client, url=f"{SITE}/embed/playlist/{course.pk}", maxwidth="wide").status_code == 400


def test_browser_consumers_may_read_the_answer(client, course):
    assert ask(client, url=f"{SITE}/embed/playlist/{course.pk}")["Access-Control-Allow-Origin"] == "*"
