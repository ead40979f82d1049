"""The learner's TERMINAL workspace in an embed: commands run in the learner's own sandboxed workspace through
the endpoint, files and the directory persist between them, a Check per task and Check all tick tasks only when
the judge says so, every task passing completes the step once, Reset starts over; who may post, the caps and
limits, a sandbox that is away, and hostile commands.
On the real sandbox: the sample capsule has no setup script, so opening or resetting a workspace costs no
sandbox job, and each command or check costs one."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from judges.models import TerminalWorkspace
from judges.sandbox import SandboxError
from judges.workspace import workspace_get_or_create
from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_token, playlist_steps
from playlists.services import playlist_create
from playlists.tests.conftest import unjudged_capsule
from playlists.views._embed_common import learner_token
from playlists.views.terminal import RESET_DONE_MESSAGE, UNAVAILABLE_MESSAGE

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"
TASKS = capsule_data("TERMINAL")["config_data"]["tasks"]
SOLVE_ALL = "echo hello > hello.txt && mkdir notes"


@pytest.fixture
def terminal_capsule(owner) -> Capsule:
    """The sample TERMINAL capsule (create hello.txt containing hello; make a notes directory), published
    without a judge run: the gate proving it is not what these tests are about."""
    capsule = unjudged_capsule(owner, title="Make a greeting file", capsule_type="TERMINAL", status="published", is_public=True)
    capsule.save()
    return capsule


@pytest.fixture
def course(owner, terminal_capsule, quick_capsules) -> Playlist:
    """Step 1 a CODE capsule, step 2 the TERMINAL capsule, step 3 another CODE capsule."""
    first, last = quick_capsules(owner, 2, status="published", is_public=True)
    items = [{"capsule_id": str(c.pk)} for c in (first, terminal_capsule, last)]
    return playlist_create(creator=owner, title="Shell 101", is_public=True, items=items)


def step_url(playlist: Playlist, step: int, action: str, query: str = "") -> str:
    url = reverse(f"playlists:step_terminal_{action}", args=[playlist.pk, step])
    return f"{url}?{query}" if query else url


def post(client: Client, url: str, *, htmx: bool = True, key: str | None = KEY, **fields) -> object:
    """A post as the terminal's forms send it (form-encoded; htmx adds HX-Request and the learner key).
    Headers go in `headers`."""
    headers = fields.pop("headers", {})
    if htmx:
        headers["HX-Request"] = "true"
    if key:
        headers["X-Learner-Key"] = learner_token(key)
    return client.post(url, data=urlencode(fields), content_type="application/x-www-form-urlencoded", headers=headers)


def run(client: Client, playlist: Playlist, command: str, **kwargs):
    return post(client, step_url(playlist, 2, "run"), command=command, **kwargs)


def text(response) -> str:
    return response.content.decode()


def log_entry(html: str) -> tuple[str, str, str]:
    """The (prompt, command, output) of the first entry in an answer."""
    match = re.search(
        r'<p class="term-echo"><span class="term-echo__prompt">([^<]*)</span> <span class="term-echo__command">([^<]*)</span></p>'
        r'(?:<pre class="term-output">([^<]*)</pre>)?', html
    )  # fmt: skip
    assert match, html
    return match.group(1), match.group(2), match.group(3) or ""


# --- The page -------------------------------------------------------------------------------------------------------


def test_a_terminal_step_shows_the_tasks_the_command_line_and_loads_its_own_assets(client, course):
    html = text(client.get(reverse("playlists:embed_playlist", args=[course.pk]) + "?step=2"))

    assert '<link rel="stylesheet" href="/static/css/terminal.css">' in html
    assert '<script src="/static/js/terminal.js" defer></script>' in html
    assert f'<form id="term-form" class="term-form" method="post" action="{step_url(course, 2, "run")}"' in html
    assert f'hx-post="{step_url(course, 2, "check")}"' in html and f'hx-post="{step_url(course, 2, "reset")}"' in html
    # The page is everyone's: home until embed-frame.js puts in the learner's saved directory (their state).
    assert '<span id="term-prompt" class="term-prompt" data-term-pending>learner:~$</span>' in html
    assert 'name="task" value="create-file"' in html and "Create a directory called notes" in html
    assert "grep -qx" not in html and "mkdir notes" not in html  # validation scripts and solutions stay private


def test_other_steps_load_no_terminal_assets(client, course):
    html = text(client.get(reverse("playlists:embed_playlist", args=[course.pk]) + "?step=1"))

    assert "terminal.css" not in html and "terminal.js" not in html


def test_a_terminal_step_with_its_own_assets_stays_under_the_embeds_60_kb(client, course):
    page = client.get(reverse("playlists:embed_playlist", args=[course.pk]) + "?step=2").content
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', page.decode())

    assert sorted(assets) == [
        "css/embed.css",
        "css/terminal.css",
        "img/favicon.svg",
        "js/embed-frame.js",
        "js/terminal.js",
        "js/workspace-run.js",
        "js/workspace.js",
        "vendor/htmx.min.js",
    ]
    weight = len(gzip.compress(page)) + sum(len(gzip.compress(Path(finders.find(asset)).read_bytes())) for asset in assets)
    assert weight <= 60 * 1024  # the embed's page-weight budget: HTML + CSS + scripts, gzipped


# --- Run --------------------------------------------------------------------------------------------------------------


def test_files_a_command_makes_are_there_for_the_next_command(client, course):
    first = run(client, course, "echo hello > hello.txt")
    second = run(client, course, "cat hello.txt")

    assert first.status_code == second.status_code == 200
    assert log_entry(text(second)) == ("learner:~$", "cat hello.txt", "hello\n")
    assert TerminalWorkspace.objects.filter(learner_key=KEY).count() == 1


def test_the_directory_persists_between_commands_and_the_prompt_shows_it(client, course):
    moved = run(client, course, "mkdir -p data && cd data")
    where = run(client, course, "pwd")
    state_url = reverse("playlists:embed_playlist_state", args=[course.pk]) + "?step=2"
    state = client.get(state_url, headers={"X-Learner-Key": learner_token(KEY)}).json()

    assert '<span id="term-prompt" class="term-prompt" hx-swap-oob="true">learner:~/data$</span>' in text(moved)
    assert log_entry(text(where)) == ("learner:~/data$", "pwd", "/home/learner/data\n")
    assert state["terminal_prompt"] == "learner:~/data$"  # the saved directory, after a reload


def test_a_failing_command_shows_its_status_and_the_live_region_announces_it(client, course):
    html = text(run(client, course, "ls nowhere"))

    assert "No such file or directory" in log_entry(html)[2]
    assert '<p class="term-exit">exit status 2</p>' in html
    assert '<p id="ws-status" hx-swap-oob="innerHTML">Command finished with status 2.</p>' in html
    assert '<div id="term-alert" class="term-alert" hx-swap-oob="true"></div>' in html  # an earlier error goes away


def test_a_json_client_gets_the_output_and_the_new_directory(client, course):
    response = run(client, course, "mkdir -p a/b && cd a/b && echo here", htmx=False, headers={"Accept": "application/json"})

    body = response.json()
    assert (body["output"], body["exit_code"], body["cwd"], body["prompt"]) == ("here\n", 0, "/home/learner/a/b", "learner:~/a/b$")
    assert body["saved"] is True and body["completion"] is None


def test_without_javascript_a_command_answers_the_page_with_the_earlier_log_and_the_new_entry(client, course):
    earlier = "learner:~$ echo one\none\n"

    response = run(client, course, "echo two", htmx=False, scrollback=earlier)
    html = text(response)

    assert response.status_code == 200 and html.startswith("<!doctype html>")
    assert '<pre class="term-earlier">learner:~$ echo one\none\n</pre>' in html
    assert log_entry(html) == ("learner:~$", "echo two", "two\n")
    assert '<textarea name="scrollback" hidden data-term-scrollback>learner:~$ echo one\none\nlearner:~$ echo two\ntwo\n</textarea>' in html
    assert 'name="command" type="text" value=""' in html  # the command ran: the input is free again
    assert 'href="/embed/playlist/' in html and "?step=3" in html  # navigation points at the course, not at …/run


def test_a_learner_without_a_key_gets_one_and_a_workspace_under_it(client, course):
    response = run(client, course, "echo hi", key=None)

    assert response.status_code == 200 and log_entry(text(response))[2] == "hi\n"
    token = response.cookies[settings.EMBED_LEARNER_COOKIE].value
    key, _signature = token.split(":")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key)
    assert learner_token(key) == token  # signed by the server
    assert list(TerminalWorkspace.objects.values_list("learner_key", flat=True)) == [key]


def test_two_learners_never_share_a_workspace(client, course):
    run(client, course, "echo mine > secret.txt")

    other = run(client, course, "cat secret.txt", key=OTHER_KEY)

    assert "No such file or directory" in log_entry(text(other))[2]


# --- Check and completion -----------------------------------------------------------------------------------------------


def test_check_ticks_a_task_only_after_the_learner_did_it(client, course):
    before = post(client, step_url(course, 2, "check"), task="create-file")
    run(client, course, "echo hello > hello.txt")
    after = post(client, step_url(course, 2, "check"), task="create-file")

    assert "Task create-file: not done yet." in text(before)
    assert re.search(r'<span id="term-task-1" class="term-task__state term-task__state--failed" hx-swap-oob="true">', text(before))
    assert "Task create-file: done." in text(after)
    assert re.search(r'<span id="term-task-1" class="term-task__state term-task__state--passed" hx-swap-oob="true">', text(after))
    assert 'id="term-task-2"' not in text(after)  # only the checked task's tick changes
    assert "HX-Trigger" not in after and not LearnerProgress.objects.exists()  # one task of two: not complete


def test_check_all_completes_the_step_exactly_once(client, course):
    run(client, course, SOLVE_ALL)

    first = post(client, step_url(course, 2, "check"))
    again = post(client, step_url(course, 2, "check"))
    html = text(first)

    assert json.loads(first["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 2}}
    assert "All 2 tasks done. Step 2 complete." in html
    assert '<p id="ws-status" hx-swap-oob="innerHTML">All 2 tasks done. Step 2 complete.</p>' in html
    assert html.count("term-task__state--passed") == 2
    dots = re.search(r'<nav class="dots" id="step-dots" aria-label="Steps" hx-swap-oob="true">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'class="dot[^"]*dot--completed" href="[^"]*\?step=(\d)"', dots) == ["2"]
    progress = LearnerProgress.objects.get(learner_key=KEY)
    assert progress.completed_items == [str(playlist_steps(course)[1].item_id)]
    assert list(LearnerEvent.objects.values_list("verb", "step")) == [("step-completed", 2)]
    assert again.status_code == 200 and LearnerEvent.objects.count() == 1
    for body in (html, text(again)):
        assert "grep -qx" not in body and "test -d" not in body  # never a validation script


def test_checking_the_last_open_task_completes_a_one_step_course(client, owner, terminal_capsule):
    course = playlist_create(creator=owner, title="One step", is_public=True, items=[{"capsule_id": str(terminal_capsule.pk)}])
    post(client, reverse("playlists:step_terminal_run", args=[course.pk, 1]), command=SOLVE_ALL)

    response = post(client, reverse("playlists:step_terminal_check", args=[course.pk, 1]), task="make-dir")

    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 1}, "codecapsule:completed": {"total": 1}}
    assert "Task make-dir: done. Course complete!" in text(response)
    assert text(response).count("term-task__state--passed") == 2  # every task is ticked once all pass
    assert re.search(r'id="course-footer" hx-swap-oob="true">.*Course Completed! Great job!', text(response), re.S)
    assert LearnerEvent.objects.filter(verb="completed").count() == 1


def test_a_check_of_a_task_the_capsule_does_not_have_is_refused_without_a_sandbox(client, course, monkeypatch):
    monkeypatch.setattr("playlists.views.terminal.workspace_check", lambda **kwargs: pytest.fail("no check may run"))

    response = post(client, step_url(course, 2, "check"), task="rm -rf")

    assert response.status_code == 400
    assert "This exercise has no such task." in text(response)
    assert response["HX-Retarget"] == "#term-tasks-alert"


def test_without_javascript_a_check_answers_the_page_with_the_tick(client, course):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    run(client, course, SOLVE_ALL, key=None)

    html = text(post(client, step_url(course, 2, "check"), htmx=False, key=None))

    assert html.startswith("<!doctype html>")
    assert html.count("term-task__state--passed") == 2
    assert '<p id="term-check-summary" class="term-check-summary">All 2 tasks done. Step 2 complete.</p>' in html
    assert html.count("dot--completed") == 1


# --- Reset ------------------------------------------------------------------------------------------------------------------


def test_reset_brings_the_workspace_back_to_its_start_and_clears_the_log(client, course):
    run(client, course, "mkdir -p data && cd data && echo x > f")

    reset = post(client, step_url(course, 2, "reset"), confirmed="yes")
    after = run(client, course, "ls")

    html = text(reset)
    assert html.lstrip().startswith(f'<p class="term-notice" data-term-reset>{RESET_DONE_MESSAGE}</p>')
    assert '<span id="term-prompt" class="term-prompt" hx-swap-oob="true">learner:~$</span>' in html
    assert '<span id="term-task-1" class="term-task__state" hx-swap-oob="true">' in html  # ticks cleared
    assert log_entry(text(after)) == ("learner:~$", "ls", "")


def test_reset_asks_first_and_changes_nothing_until_confirmed(client, course):
    workspace = workspace_get_or_create(capsule=Capsule.objects.get(capsule_type="TERMINAL"), learner_key=KEY)
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(cwd="/home/learner/data")

    page = text(post(client, step_url(course, 2, "reset"), htmx=False))
    fragment = post(client, step_url(course, 2, "reset"))

    assert "Reset your workspace? Every file you made or changed is deleted" in page
    assert 'name="confirmed" value="yes" formaction="' + step_url(course, 2, "reset") in page
    assert fragment.status_code == 400 and "Confirm the reset first" in text(fragment)
    assert TerminalWorkspace.objects.get(pk=workspace.pk).cwd == "/home/learner/data"


# --- Access -----------------------------------------------------------------------------------------------------------------


@pytest.fixture
def private_course(owner, terminal_capsule) -> Playlist:
    return playlist_create(creator=owner, title="Private", items=[{"capsule_id": str(terminal_capsule.pk)}])


def test_a_private_course_takes_commands_only_with_its_token(client, private_course):
    url = reverse("playlists:step_terminal_run", args=[private_course.pk, 1])

    refused = post(client, url, command="echo hi")
    wrong = post(client, f"{url}?token=wrong", command="echo hi")
    allowed = post(client, f"{url}?token={embed_token(private_course)}", command="echo hi")

    assert (refused.status_code, wrong.status_code, allowed.status_code) == (404, 404, 200)
    assert "Playlist or step not found." in text(refused) and "Private" not in text(refused)
    assert refused["HX-Retarget"] == "#term-alert"
    assert TerminalWorkspace.objects.count() == 1


@pytest.mark.parametrize("step", [0, 4, 99])
def test_a_step_out_of_range_is_not_found(client, course, step):
    assert post(client, step_url(course, step, "run"), command="echo hi").status_code == 404
    assert post(client, step_url(course, step, "check")).status_code == 404


def test_a_step_without_a_terminal_is_not_found(client, course):
    response = post(client, step_url(course, 1, "run"), command="echo hi")

    assert response.status_code == 404
    assert "This exercise has no terminal" in text(response)
    assert not TerminalWorkspace.objects.exists()


def test_a_capsule_embedded_alone_has_a_terminal_that_completes_without_course_progress(client, terminal_capsule):
    post(client, reverse("playlists:capsule_terminal_run", args=[terminal_capsule.pk]), command=SOLVE_ALL)

    response = post(client, reverse("playlists:capsule_terminal_check", args=[terminal_capsule.pk]))

    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 1}}
    assert "All 2 tasks done. Exercise complete." in text(response)
    assert "step-dots" not in text(response) and not LearnerProgress.objects.exists()


def test_a_capsule_others_may_not_read_has_no_terminal_for_them(client, terminal_capsule):
    Capsule.objects.filter(pk=terminal_capsule.pk).update(is_public=False)

    response = post(client, reverse("playlists:capsule_terminal_run", args=[terminal_capsule.pk]), command="echo hi")

    assert response.status_code == 404 and not TerminalWorkspace.objects.exists()


def test_a_post_from_another_site_is_refused(client, course):
    response = run(client, course, "echo hi", headers={"Origin": "https://evil.example"})

    assert response.status_code == 403 and not TerminalWorkspace.objects.exists()


def test_the_embed_itself_needs_no_csrf_token(course):
    response = run(Client(enforce_csrf_checks=True), course, "echo hi", headers={"Origin": "http://testserver"})

    assert response.status_code == 200


def test_the_terminal_only_takes_posts(client, course):
    assert [client.get(step_url(course, 2, action)).status_code for action in ("run", "check", "reset")] == [405, 405, 405]


# --- Caps, limits and errors ----------------------------------------------------------------------------------------------


@pytest.fixture
def no_sandbox(monkeypatch):
    def refuse(**kwargs):
        pytest.fail("the sandbox must not run")

    monkeypatch.setattr("playlists.views.terminal.workspace_run", refuse)


def test_a_command_over_the_cap_is_refused_with_the_reason_and_kept_in_the_input(client, course, settings, no_sandbox):
    settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES = 256

    fragment = run(client, course, "echo " + "x" * 300)
    page = run(client, course, "echo " + "x" * 300, htmx=False)

    assert fragment.status_code == 400
    assert "That command is 305 bytes; a command can be at most 256 bytes." in text(fragment)
    assert (fragment["HX-Retarget"], fragment["HX-Reswap"]) == ("#term-alert", "innerHTML")
    assert page.status_code == 400 and f'value="echo {"x" * 300}"' in text(page)


def test_a_body_declared_far_over_the_caps_is_refused_before_it_is_read(client, course, settings, no_sandbox):
    settings.JUDGE_WORKSPACE_OUTPUT_BYTES = 1024  # the carried log is capped at twice this

    response = run(client, course, "ls", scrollback="x" * 60_000)

    assert response.status_code == 400 and "That is too much to send" in text(response)


def test_an_empty_command_is_refused(client, course, no_sandbox):
    response = run(client, course, "   ")

    assert response.status_code == 400 and "Type a command first." in text(response)


def test_terminal_posts_are_rate_limited_per_learner(client, course, settings, no_sandbox):
    settings.EMBED_TERMINAL_COMMANDS_PER_MINUTE = 2

    statuses = [run(client, course, "").status_code for _ in range(3)]  # empty commands: refused before any sandbox

    assert statuses == [400, 400, 429]
    limited = post(client, step_url(course, 2, "check"))
    assert limited.status_code == 429 and limited["Retry-After"] == "60" and "wait a moment" in text(limited)
    assert limited["HX-Retarget"] == "#term-tasks-alert"
    assert run(client, course, "", key=OTHER_KEY).status_code == 400  # another learner has their own allowance


def test_one_address_minting_many_learner_keys_is_slowed_down(client, course, settings, no_sandbox):
    settings.EMBED_TERMINAL_COMMANDS_PER_MINUTE_PER_ADDRESS = 2

    statuses = [run(client, course, "", key=f"{n}-learner-0123456789abcdef").status_code for n in range(3)]

    assert statuses == [400, 400, 429]


def test_a_command_while_the_previous_one_still_runs_is_refused_with_409(client, course, terminal_capsule):
    workspace = workspace_get_or_create(capsule=terminal_capsule, learner_key=KEY)
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(busy_until=timezone.now() + timedelta(seconds=60))

    response = run(client, course, "ls")

    assert response.status_code == 409
    assert "still running your previous command" in text(response)


def test_a_sandbox_that_is_away_answers_503_with_a_retry_and_the_command_kept(client, course, monkeypatch):
    def broken(**kwargs):
        raise SandboxError("bwrap did not report its sandbox in time")

    monkeypatch.setattr("playlists.views.terminal.workspace_run", broken)

    fragment = run(client, course, "ls -la")
    page = run(client, course, "ls -la", htmx=False)
    as_json = run(client, course, "ls -la", htmx=False, headers={"Accept": "application/json"})

    assert (fragment.status_code, page.status_code, as_json.status_code) == (503, 503, 503)
    assert "The terminal is unavailable right now" in text(fragment) and "bwrap" not in text(fragment)
    url = step_url(course, 2, "run")
    assert f'formaction="{url}" hx-post="{url}" data-term-action="run"' in text(fragment) and ">Retry</button>" in text(fragment)
    assert f'<p id="ws-status" hx-swap-oob="innerHTML">{UNAVAILABLE_MESSAGE} Retry</p>' in text(fragment)
    assert 'name="command" type="text" value="ls -la"' in text(page)
    assert as_json.json()["error"] == UNAVAILABLE_MESSAGE == "The terminal is unavailable right now — your command is kept."


# --- Hostile commands, through the endpoint -------------------------------------------------------------------------------

FAKE_SECRET = "cc-terminal-fake-secret-7c2e"


def test_a_command_sees_no_server_secret_in_its_environment_or_pid_1(client, course, monkeypatch, settings):
    monkeypatch.setenv("CODECAPSULE_TEST_SECRET", FAKE_SECRET)

    output = log_entry(text(run(client, course, "env; cat /proc/1/environ; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'")))[2]

    assert "PATH=" in output  # the command did run
    assert FAKE_SECRET not in output and settings.SECRET_KEY not in output and "DJANGO" not in output


def test_a_command_has_no_network(client, course):
    command = (
        "(curl -sS --max-time 3 http://example.com || echo curl-failed);"
        " (echo > /dev/tcp/1.1.1.1/80) 2>/dev/null && echo connected || echo tcp-failed"
    )

    output = log_entry(text(run(client, course, command)))[2]

    assert "tcp-failed" in output and "connected" not in output
    assert "curl-failed" in output or "curl: command not found" in output
