"""The learner's embed pages (/embed/playlist/<id>, /embed/capsule/<id>), the learner events endpoint and
/embed.js. Framing headers: test_embed_framing.py; query counts: test_embed_queries.py."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_token, playlist_steps
from playlists.services import playlist_create, progress_record_step_completed
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"


def embed_url(playlist: Playlist, query: str = "") -> str:
    url = reverse("playlists:embed_playlist", args=[playlist.pk])
    return f"{url}?{query}" if query else url


def events_url(playlist: Playlist, query: str = "") -> str:
    url = reverse("playlists:embed_events", args=[playlist.pk])
    return f"{url}?{query}" if query else url


def html_of(response) -> str:
    return response.content.decode()


def current_step_title(html: str) -> str:
    match = re.search(r'<h2 id="step-title"[^>]*>([^<]*)</h2>', html)
    assert match, "no step title"
    return match.group(1)


# --- The course page ---------------------------------------------------------------------------------------


def test_it_shows_a_step_with_the_header_progress_bar_and_step_dots(client, course):
    response = client.get(embed_url(course, "step=2"))
    html = html_of(response)
    assert response.status_code == 200
    assert 'Python 101 <span class="course-title__step">(Step 2 of 3)</span>' in html
    assert current_step_title(html) == "Step 2"
    assert 'role="progressbar"' in html
    assert 'aria-valuemin="0" aria-valuemax="3"' in html and 'aria-valuenow="2"' in html
    assert 'aria-label="Course progress"' in html
    dots = re.search(r'<nav class="dots" id="step-dots" aria-label="Steps">\s*<ol>(.*?)</ol>', html, re.S).group(1)
    assert dots.count("<li>") == 3
    assert len(re.findall(r'<a [^>]*aria-current="step"', dots)) == 1
    assert re.search(r'<a class="dot dot--current" href="[^"]*\?step=2"[^>]*aria-current="step"', dots)


def test_the_footer_names_the_previous_and_next_steps(client, course):
    html = html_of(client.get(embed_url(course, "step=2")))
    assert re.search(r'rel="prev"[^>]*><span aria-hidden="true">←</span> Previous: Step 1</a>', html)
    assert re.search(r'rel="next"[^>]*>Next: Step 3 <span aria-hidden="true">→</span></a>', html)
    assert "Course Completed" not in html


def test_the_first_step_has_no_previous_link(client, course):
    html = html_of(client.get(embed_url(course, "step=1")))
    assert "Previous:" not in html
    assert "Next: Step 2" in html


def test_the_last_step_of_a_course_not_yet_solved_says_how_far_the_learner_got_and_has_no_next_link(client, course):
    html = html_of(client.get(embed_url(course, "step=3")))
    assert "You reached the end — 0 of 3 steps complete." in html
    assert "Course Completed" not in html  # the badge waits until every step is solved (test_completion.py)
    assert "Next:" not in html
    assert "Previous: Step 2" in html


def test_the_jump_menu_lists_every_step_by_title(client, course):
    html = html_of(client.get(embed_url(course, "step=1")))
    menu = re.search(r'<details class="jump">\s*<summary>Jump to step</summary>(.*?)</details>', html, re.S).group(1)
    assert re.findall(r">Step (\d): Step \d</a>", menu) == ["1", "2", "3"]


def test_navigation_links_are_plain_links_that_htmx_upgrades_to_swaps_of_the_course(client, course):
    html = html_of(client.get(embed_url(course, "step=2")))
    path = embed_url(course)
    assert f'href="{path}?step=3" hx-get="{path}?step=3" target="_self" data-nav="next"' in html
    assert 'id="course"' in html and 'hx-target="#course"' in html and 'hx-push-url="true"' in html


def test_navigation_links_keep_the_theme_progress_and_token_parameters(client, private_course):
    token = embed_token(private_course)
    html = html_of(client.get(embed_url(private_course, f"step=1&theme=dark&progress=false&token={token}&junk=1")))
    assert f"?step=2&amp;theme=dark&amp;progress=false&amp;token={token}" in html
    assert "junk" not in html


def test_an_htmx_request_gets_only_the_course_fragment(client, course):
    response = client.get(embed_url(course, "step=2"), headers={"HX-Request": "true"})
    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<main id="course"')
    assert "<html" not in html and "Previous: Step 1" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, course):
    response = client.get(embed_url(course, "step=2"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html_of(response)


def test_the_page_only_answers_reads(client, course):
    assert client.post(embed_url(course, "step=1")).status_code == 405
    assert client.head(embed_url(course, "step=1")).status_code == 200


def test_the_document_title_names_the_step_and_course(client, course):
    html = html_of(client.get(embed_url(course, "step=2")))
    assert "<title>Step 2 · Step 2 of 3 · Python 101</title>" in html
    assert 'data-document-title="Step 2 · Step 2 of 3 · Python 101"' in html


@pytest.mark.parametrize("step", ["0", "4", "-1", "two", "1.5"])
def test_a_step_out_of_range_or_not_a_number_is_a_not_found_page_with_a_way_back(client, course, step):
    response = client.get(embed_url(course, f"step={step}&theme=dark"))
    html = html_of(response)
    assert response.status_code == 404
    assert "Not found" in html and 'data-theme="dark"' in html
    assert f'href="{embed_url(course)}?step=1&amp;theme=dark"' in html


def test_an_unknown_playlist_is_a_not_found_page_that_points_nowhere(client):
    response = client.get("/embed/playlist/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "Go to the first step" not in html_of(response)


def test_a_course_without_any_visible_step_says_so(client, owner, other_creator, quick_capsules):
    hidden = quick_capsules(owner, 1, status="published", is_public=True)
    playlist = playlist_create(creator=other_creator, title="Empty", is_public=True, items=[{"capsule_id": str(hidden[0].pk)}])
    Capsule.objects.filter(pk=hidden[0].pk).update(is_public=False)  # its owner took it back
    response = client.get(embed_url(playlist))
    assert response.status_code == 404
    assert "This course has no steps yet" in html_of(response)


def test_a_step_taken_back_by_its_owner_drops_out_of_the_numbering(client, owner, other_creator, quick_capsules, course):
    first = course.items.order_by("order").first()
    Capsule.objects.filter(pk=first.capsule_id).update(is_public=False)
    course.creator = other_creator  # the course now belongs to someone else than the capsule's owner
    course.save()
    html = html_of(client.get(embed_url(course, "step=1")))
    assert "(Step 1 of 2)" in html and current_step_title(html) == "Step 2"


# --- Resume and the learner key --------------------------------------------------------------------------
# The page is the same for every learner (test_embed_cache.py); the learner's key, resume step and completed
# steps come from the state endpoint (test_embed_state.py), which embed-frame.js asks once the page is up.


def test_without_a_step_a_stranger_starts_at_step_1(client, course):
    html = html_of(client.get(embed_url(course)))
    assert current_step_title(html) == "Step 1"


def test_without_a_step_a_returning_learner_gets_step_1_too_and_the_frame_resumes_them(client, course):
    LearnerProgress.objects.create(playlist=course, learner_key=KEY, position=3)
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    html = html_of(client.get(embed_url(course)))
    assert current_step_title(html) == "Step 1"
    assert re.search(r"<body [^>]*data-resume", html)
    assert f'data-state-url="{reverse("playlists:embed_playlist_state", args=[course.pk])}"' in html


def test_an_explicit_step_is_not_resumed(client, course):
    LearnerProgress.objects.create(playlist=course, learner_key=KEY, position=3)
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    html = html_of(client.get(embed_url(course, "step=1")))
    assert current_step_title(html) == "Step 1"
    assert "data-resume" not in html


def test_a_stranger_without_a_step_is_asked_to_resume_from_local_storage(client, course):
    html = html_of(client.get(embed_url(course)))
    assert re.search(r"<body [^>]*data-resume", html)
    assert "data-resume" not in html_of(client.get(embed_url(course, "step=1")))


def test_the_page_names_no_learner_and_sets_no_cookie(client, course):
    response = client.get(embed_url(course))
    assert not response.cookies
    assert "X-Learner-Key" not in response
    assert "data-learner-key" not in html_of(response)


def test_viewing_the_page_writes_nothing(client, course):
    client.get(embed_url(course, "step=3"))
    assert not LearnerProgress.objects.exists()
    assert not LearnerEvent.objects.exists()


def test_a_learners_completed_steps_are_not_in_the_page_but_every_step_can_be_marked(client, course):
    steps = playlist_steps(course)
    progress_record_step_completed(
        playlist=course, learner_key=KEY, step=1, item_id=steps[0].item_id, all_item_ids=[s.item_id for s in steps]
    )
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    html = html_of(client.get(embed_url(course, "step=2")))
    assert "dot--completed" not in html and "(completed)" not in html and "is-completed" not in html
    # embed-frame.js finds each step's dot and jump-menu entry by its number.
    assert re.findall(r'<a class="dot[^"]*" [^>]*data-step-link="(\d)"', html) == ["1", "2", "3"]
    menu = re.search(r'<ol class="jump__list">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r'data-step-link="(\d)"', menu) == ["1", "2", "3"]


# --- Display options --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("theme", "attribute"), [("dark", ' data-theme="dark"'), ("light", ' data-theme="light"')])
def test_the_theme_parameter_pins_the_colour_scheme(client, course, theme, attribute):
    html = html_of(client.get(embed_url(course, f"theme={theme}")))
    assert f'<html lang="en" class="embed"{attribute}>' in html
    assert f'<meta name="color-scheme" content="{theme}">' in html


@pytest.mark.parametrize("theme", ["auto", "neon", ""])
def test_an_auto_or_unknown_theme_follows_the_system(client, course, theme):
    html = html_of(client.get(embed_url(course, f"theme={theme}")))
    assert '<html lang="en" class="embed">' in html
    assert '<meta name="color-scheme" content="light dark">' in html


def test_progress_false_hides_the_progress_bar_and_the_dots(client, course):
    html = html_of(client.get(embed_url(course, "step=2&progress=false")))
    assert 'role="progressbar"' not in html and 'aria-label="Steps"' not in html
    assert "(Step 2 of 3)" in html and "Jump to step" in html


# --- The capsule's content ------------------------------------------------------------------------------------

SECRETS = {
    "CODE": ["return max(numbers)", "print(find_largest([-3, -1, -7]))", "negative numbers"],
    "DATABASE": ["WHERE city = &#x27;Berlin&#x27;", "INSERT INTO customers", "seed_sql"],
    "TERMINAL": ["grep -qx hello hello.txt", "echo hello &gt; hello.txt", "mkdir notes"],
}
SHOWN = {
    "CODE": [
        'data-language="python"',  # the workspace's editor starts from the boilerplate
        '">def find_largest(numbers):\n    pass\n</textarea>',
        "print(find_largest([1, 5, 2]))",
        "1 hidden test",
    ],
    "DATABASE": ['<caption class="mono">customers</caption>', '<td class="mono">city (TEXT)</td>', "SELECT name FROM customers;"],
    "TERMINAL": ['<ol class="task-list">', "create-file</span> Create hello.txt containing hello", "Create a directory called notes"],
}


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_a_step_shows_its_learner_safe_content_and_never_a_secret(client, owner, make_capsule, capsule_type):
    capsule = make_capsule(owner, capsule_type, status="published", is_public=True)
    playlist = playlist_create(creator=owner, title="One", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
    html = html_of(client.get(embed_url(playlist)))
    for shown in SHOWN[capsule_type]:
        assert shown in html
    for secret in SECRETS[capsule_type]:
        assert secret not in html
    assert f'<span class="badge badge--{capsule_type.lower()}">' in html
    assert '<span class="difficulty difficulty--easy">Easy</span>' in html
    # Each hint behind its own <details>, its Markdown rendered (playlists/tests/test_workspace_feedback.py has more).
    assert re.search(r'<details class="hint"><summary>Hint 1</summary><div class="prose hint__body"><p>[^<]+</p>\s*</div></details>', html)


def test_the_statement_is_rendered_markdown_without_scripts(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True)[0]
    Capsule.objects.filter(pk=capsule.pk).update(problem_statement_md="Use **max**.\n\n<script>alert(1)</script>")
    playlist = playlist_create(creator=owner, title="One", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
    html = html_of(client.get(embed_url(playlist)))
    assert "<strong>max</strong>" in html
    assert "<script>alert(1)" not in html


def test_a_public_course_page_carries_oembed_discovery(client, course):
    html = html_of(client.get(embed_url(course)))
    assert '<link rel="alternate" type="application/json+oembed" href="http://127.0.0.1:8000/oembed?url=' in html


def test_a_private_course_page_carries_no_oembed_discovery(client, private_course):
    html = html_of(client.get(embed_url(private_course, f"token={embed_token(private_course)}")))
    assert "json+oembed" not in html


def test_the_owner_previews_a_private_course_without_its_token(client, owner, private_course):
    client.force_login(owner)
    assert client.get(embed_url(private_course)).status_code == 200


def test_another_creator_cannot_preview_a_private_course(client, other_creator, private_course):
    client.force_login(other_creator)
    assert client.get(embed_url(private_course)).status_code == 404


# The embed's page-weight budget: HTML + CSS + scripts, gzipped, so a course embedded in a blog stays light.
PAGE_WEIGHT_LIMIT = 60 * 1024


def test_the_embed_page_with_its_stylesheet_and_scripts_stays_under_60_kb_gzipped(client, owner, quick_capsules):
    capsules = quick_capsules(owner, 5, status="published", is_public=True)
    playlist = playlist_create(creator=owner, title="Five", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    page = client.get(embed_url(playlist, "step=2")).content
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', page.decode())
    # Its own small stylesheet, htmx and the workspace scripts: never the dashboard's app.css, CodeMirror only on
    # demand (workspace.js loads the script data-editor-script names once the page is up), and a browser engine only
    # on a Run (workspace-run.js). The favicon is a few hundred bytes of SVG, counted too.
    assert sorted(assets) == [
        "css/embed.css", "img/favicon.svg", "js/embed-frame.js", "js/workspace-run.js", "js/workspace.js", "vendor/htmx.min.js"
    ]  # fmt: skip
    assert 'data-editor-script="/static/vendor/codemirror.js"' in page.decode()
    weight = len(gzip.compress(page)) + sum(len(gzip.compress(Path(finders.find(asset)).read_bytes())) for asset in assets)
    assert weight <= PAGE_WEIGHT_LIMIT


# --- The single capsule page ------------------------------------------------------------------------------


def test_a_published_public_capsule_has_an_embed_page(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    response = client.get(reverse("playlists:embed_capsule", args=[capsule.pk]) + "?theme=dark")
    html = html_of(response)
    assert response.status_code == 200
    assert f'<h1 id="step-title" class="capsule__title" tabindex="-1">{capsule.title}</h1>' in html
    assert 'data-theme="dark"' in html
    assert "return max(numbers)" not in html
    assert "Previous:" not in html and "Next:" not in html and "course-footer" not in html
    assert f'hx-post="{reverse("playlists:capsule_run", args=[capsule.pk])}?theme=dark"' in html


@pytest.mark.parametrize("state", [{"status": "draft", "is_public": True}, {"status": "published", "is_public": False}])
@pytest.mark.parametrize("reader", ["anonymous", "other_creator"])
def test_a_capsule_that_is_not_published_and_public_is_not_found_by_others(client, owner, other_creator, quick_capsules, state, reader):
    capsule = quick_capsules(owner, 1, **state)[0]
    if reader == "other_creator":
        client.force_login(other_creator)
    response = client.get(reverse("playlists:embed_capsule", args=[capsule.pk]))
    assert response.status_code == 404
    assert capsule.title not in html_of(response)


def test_the_owner_sees_their_private_capsule_as_a_learner_would(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    response = client.get(reverse("playlists:embed_capsule", args=[capsule.pk]))
    assert response.status_code == 200
    assert "return max(numbers)" not in html_of(response)


# --- Learner events ---------------------------------------------------------------------------------------


def post_event(client: Client, playlist: Playlist, body, *, query: str = "", key: str | None = KEY, **headers):
    if key:
        headers["X-Learner-Key"] = learner_token(key)
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(events_url(playlist, query), data=data, content_type="application/json", headers=headers)


def test_a_viewed_event_moves_the_learners_position_and_answers_it(client, course):
    response = post_event(client, course, {"verb": "viewed", "step": 2})
    assert response.status_code == 200
    assert response.json() == {"position": 2, "completed": False, "recorded": True}
    progress = LearnerProgress.objects.get(playlist=course, learner_key=KEY)
    assert progress.position == 2
    event = LearnerEvent.objects.get()
    assert (event.verb, event.step, event.item_id) == ("viewed", 2, playlist_steps(course)[1].item_id)


def test_viewing_the_last_step_does_not_complete_the_course(client, course):
    assert post_event(client, course, {"verb": "viewed", "step": 3}).json() == {"position": 3, "completed": False, "recorded": True}
    assert not LearnerEvent.objects.filter(verb="completed").exists()


def test_the_answer_says_completed_once_every_step_was_solved(client, course):
    steps = playlist_steps(course)
    for step in steps:
        progress_record_step_completed(
            playlist=course, learner_key=KEY, step=step.position, item_id=step.item_id, all_item_ids=[s.item_id for s in steps]
        )
    assert post_event(client, course, {"verb": "viewed", "step": 1}).json() == {"position": 1, "completed": True, "recorded": True}


def test_the_learner_cookie_identifies_the_learner_when_there_is_no_header(client, course):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(OTHER_KEY)
    assert post_event(client, course, {"verb": "viewed", "step": 2}, key=None).status_code == 200
    assert LearnerProgress.objects.get().learner_key == OTHER_KEY


def test_an_event_without_a_learner_key_is_refused(client, course):
    response = post_event(client, course, {"verb": "viewed", "step": 2}, key=None)
    assert response.status_code == 400
    assert "learner key" in response.json()["error"]
    assert not LearnerEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"verb": "completed", "step": 3}, {"verb": "viewed"}, {"verb": "viewed", "step": "2"}, {"verb": "viewed", "step": True},
     {"verb": "viewed", "step": 0}, [1, 2], "not json"],
)  # fmt: skip
def test_an_event_that_is_not_a_viewed_step_is_refused(client, course, body):
    assert post_event(client, course, body).status_code == 400
    assert not LearnerEvent.objects.exists()


def test_an_event_for_a_step_beyond_the_course_is_not_found(client, course):
    assert post_event(client, course, {"verb": "viewed", "step": 4}).status_code == 404
    assert not LearnerProgress.objects.exists()


def test_a_private_course_takes_events_only_with_its_token(client, private_course):
    assert post_event(client, private_course, {"verb": "viewed", "step": 1}).status_code == 404
    assert post_event(client, private_course, {"verb": "viewed", "step": 1}, query="token=wrong").status_code == 404
    token = embed_token(private_course)
    assert post_event(client, private_course, {"verb": "viewed", "step": 1}, query=f"token={token}").status_code == 200


def test_the_page_gives_the_frame_an_events_url_carrying_the_token(client, private_course):
    token = embed_token(private_course)
    html = html_of(client.get(embed_url(private_course, f"token={token}")))
    assert f'data-events-url="{events_url(private_course)}?token={token}"' in html


def test_a_large_body_is_refused_before_it_is_read(client, course):
    body = json.dumps({"verb": "viewed", "step": 1, "padding": "x" * 2000})
    assert post_event(client, course, body).status_code == 413


def test_an_event_posted_from_another_site_is_refused(client, course):
    response = post_event(client, course, {"verb": "viewed", "step": 2}, Origin="https://evil.example")
    assert response.status_code == 403
    assert not LearnerEvent.objects.exists()


def test_an_event_from_the_embed_itself_needs_no_csrf_token(course):
    client = Client(enforce_csrf_checks=True)
    response = post_event(client, course, {"verb": "viewed", "step": 2}, Origin="http://testserver")
    assert response.status_code == 200


def test_events_are_only_posted(client, course):
    assert client.get(events_url(course)).status_code == 405


def test_a_learner_posting_too_fast_is_slowed_down(client, course, settings):
    settings.EMBED_EVENTS_PER_MINUTE = 2
    assert [post_event(client, course, {"verb": "viewed", "step": 1}).status_code for _ in range(3)] == [200, 200, 429]
    assert post_event(client, course, {"verb": "viewed", "step": 1}, key=OTHER_KEY).status_code == 200
    assert LearnerEvent.objects.count() == 3


def test_one_address_minting_many_learner_keys_is_slowed_down(client, course, settings):
    settings.EMBED_EVENTS_PER_MINUTE_PER_ADDRESS = 2
    statuses = [
        post_event(client, course, {"verb": "viewed", "step": 1}, key=f"{n}-learner-0123456789abcdef").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


# --- /embed.js ----------------------------------------------------------------------------------------------


def test_embed_js_is_served_as_javascript_with_a_cache_header(client):
    response = client.get(reverse("playlists:embed_script"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response.content == (Path(settings.BASE_DIR) / "static/js/embed.js").read_bytes()


def test_embed_js_is_revalidated_by_its_etag(client):
    etag = client.get(reverse("playlists:embed_script"))["ETag"]
    response = client.get(reverse("playlists:embed_script"), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert client.get(reverse("playlists:embed_script"), headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_creators_own_preview_is_not_counted_as_a_learner(client, course):
    client.force_login(course.creator)

    response = post_event(client, course, {"verb": "viewed", "step": 2})

    assert response.json() == {"position": 2, "completed": False, "recorded": False}
    assert not LearnerEvent.objects.exists() and not LearnerProgress.objects.exists()
