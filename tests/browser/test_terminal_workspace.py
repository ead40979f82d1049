"""Solving a TERMINAL capsule inside an embed, in a real browser on the real sandbox.

A course embedded in a blog from another origin: the learner moves to the terminal step (an htmx swap, which
must bring the terminal's own script and stylesheet along), types commands and sees their output and the
directory in the prompt, walks the history with Up and Down, clears the screen with Ctrl+L, checks a task
before and after solving it, and completes every task: the step's dot turns completed and the host page hears
step-completed. On a capsule alone: the log survives a reload, Reset asks first, and a sandbox that is away
offers a Retry that keeps the command. Without JavaScript the same forms post and the page shows the log.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect

from judges import workspace as engine
from judges.sandbox import SandboxError
from playlists.models import LearnerEvent, LearnerProgress
from playlists.services import playlist_create
from tests.browser.test_playlist_embed import (  # noqa: F401 (host_site and console_errors are fixtures)
    console_errors,
    host_site,
    make_capsules,
    received,
    serve_host_page,
    view_recorded,
    wait_for_event,
)

FIRST_COMMAND = "mkdir work && cd work && echo saved > note.txt && cat note.txt"


def answered(page: Page, action: str = "run|check|reset"):
    """Wait for a terminal post to be answered (a sandbox job takes a moment)."""
    return page.expect_response(lambda response: re.search(rf"/terminal/({action})(\?|$)", response.url) is not None, timeout=30_000)


def type_command(page: Page, terminal: Locator, command: str) -> None:
    """Type a command at the prompt and press Enter, as a learner does, and wait for its answer."""
    terminal.locator("#term-input").fill(command)
    with answered(page, "run"):
        terminal.locator("#term-input").press("Enter")


def last_entry(terminal: Locator) -> Locator:
    return terminal.locator("#term-log .term-entry").last


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_learner_solves_a_terminal_step_inside_a_course_on_another_site(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, host_site, owner, make_capsule  # noqa: F811 (fixtures)
):
    terminal_capsule = make_capsule(owner, "TERMINAL", status="published", is_public=True, title="Make a greeting file")
    (warm_up,) = make_capsules(owner, ["Warm-up"], status="published", is_public=True)
    course = playlist_create(
        creator=owner, title="Shell", is_public=True, items=[{"capsule_id": str(warm_up.pk)}, {"capsule_id": str(terminal_capsule.pk)}]
    )
    with view_recorded(page):
        page.goto(serve_host_page(host_site, live_server, reverse("playlists:embed_playlist", args=[course.pk])))
    frame = page.frame_locator("#course-frame")
    wait_for_event(page, "ready")

    # Next swaps the terminal step in with htmx: its script and stylesheet come with it and run.
    with view_recorded(page):
        frame.get_by_role("link", name="Next: Make a greeting file").click()
    terminal = frame.locator("[data-terminal]")
    expect(frame.locator("#step-title")).to_have_text("Make a greeting file")
    expect(terminal.get_by_text("Up and Down go through earlier commands; Ctrl+L clears the screen.")).to_be_visible()
    expect(terminal.locator("#term-log")).to_have_css("overflow-y", "auto")  # terminal.css applies
    prompt = terminal.locator("#term-prompt")
    expect(prompt).to_have_text("learner:~$")

    # Commands run in the learner's workspace; the directory persists and the prompt shows it.
    terminal.locator("#term-input").focus()
    type_command(page, terminal, "mkdir data && cd data")
    expect(prompt).to_have_text("learner:~/data$")
    expect(terminal.locator("#term-input")).to_have_value("")
    expect(terminal.locator("#term-input")).to_be_focused()
    type_command(page, terminal, "pwd")
    expect(last_entry(terminal).locator(".term-echo")).to_have_text("learner:~/data$ pwd")
    expect(last_entry(terminal).locator(".term-output")).to_have_text("/home/learner/data\n")
    type_command(page, terminal, "cat missing.txt")
    expect(last_entry(terminal)).to_contain_text("cat: missing.txt: No such file or directory")
    expect(last_entry(terminal).locator(".term-exit")).to_have_text("exit status 1")
    expect(frame.locator("#ws-status")).to_have_text("Command finished with status 1.")

    # Up and Down walk the history; Down past the newest gives back what was being typed.
    command_line = terminal.locator("#term-input")
    command_line.fill("ech")
    command_line.press("ArrowUp")
    expect(command_line).to_have_value("cat missing.txt")
    command_line.press("ArrowUp")
    command_line.press("ArrowUp")
    expect(command_line).to_have_value("mkdir data && cd data")
    command_line.press("ArrowDown")
    expect(command_line).to_have_value("pwd")
    command_line.press("ArrowDown")
    command_line.press("ArrowDown")
    expect(command_line).to_have_value("ech")

    # Ctrl+L clears the screen, in the browser only: the workspace and the directory stay.
    command_line.press("Control+l")
    expect(terminal.locator("#term-log .term-entry")).to_have_count(0)
    expect(prompt).to_have_text("learner:~/data$")

    # A task checked before it is done is not ticked; after, it is.
    tasks = terminal.locator("#term-tasks")
    with answered(page, "check"):
        tasks.get_by_role("button", name="Check task create-file").click()
    expect(tasks.locator("#term-check-summary")).to_have_text("Task create-file: not done yet.")
    expect(tasks.locator("#term-task-1")).to_have_class(re.compile("term-task__state--failed"))
    type_command(page, terminal, "cd ~ && echo hello > hello.txt")
    expect(prompt).to_have_text("learner:~$")
    with answered(page, "check"):
        tasks.get_by_role("button", name="Check task create-file").click()
    expect(tasks.locator("#term-check-summary")).to_have_text("Task create-file: done.")
    expect(tasks.locator("#term-task-1")).to_have_class(re.compile("term-task__state--passed"))
    expect(tasks.get_by_role("button", name="Check task create-file")).to_be_focused()  # the tick swapped, not the button
    expect(frame.locator(".dot--completed")).to_have_count(0)

    # Every task done: Check all ticks both, the step's dot turns completed and the host hears it.
    type_command(page, terminal, "mkdir notes")
    with answered(page, "check"):
        tasks.get_by_role("button", name="Check all").click()
    expect(tasks.locator("#term-check-summary")).to_have_text("All 2 tasks done. Step 2 complete.")
    expect(tasks.locator(".term-task__state--passed")).to_have_count(2)
    expect(frame.locator(".dots li").nth(1).locator("a")).to_have_class(re.compile("dot--completed"))
    expect(frame.locator(".dot--completed")).to_have_count(1)
    expect(frame.get_by_text("You reached the end — 1 of 2 steps complete.")).to_be_visible()
    wait_for_event(page, "step-completed", "detail.step === 2")
    assert [detail["step"] for detail in received(page, "step-completed")] == [2]

    progress = LearnerProgress.objects.get(playlist=course)
    assert progress.completed_items == [str(course.items.get(capsule=terminal_capsule).item_id)]
    assert LearnerEvent.objects.filter(verb="step-completed").count() == 1
    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_capsule_alone_the_log_survives_a_reload_reset_asks_first_and_retry_keeps_the_command(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, owner, make_capsule, monkeypatch  # noqa: F811 (fixtures)
):
    capsule = make_capsule(owner, "TERMINAL", status="published", is_public=True)
    page.goto(live_server.url + reverse("playlists:embed_capsule", args=[capsule.pk]))
    terminal = page.locator("[data-terminal]")
    prompt = terminal.locator("#term-prompt")
    type_command(page, terminal, FIRST_COMMAND)
    expect(last_entry(terminal).locator(".term-output")).to_have_text("saved\n")

    # A reload keeps the screen (sessionStorage) and the directory (the server's workspace).
    page.reload()
    expect(prompt).to_have_text("learner:~/work$")
    expect(last_entry(terminal).locator(".term-echo__command")).to_have_text(FIRST_COMMAND)
    terminal.locator("#term-input").press("ArrowUp")
    expect(terminal.locator("#term-input")).to_have_value(FIRST_COMMAND)

    # The sandbox is away: the command comes back into the input and a Retry runs it once the sandbox is back.
    real_run = engine.workspace_run

    def away(**kwargs):
        raise SandboxError("no slot")

    monkeypatch.setattr("playlists.views.terminal.workspace_run", away)
    type_command(page, terminal, "ls")
    alert = terminal.locator("#term-alert")
    expect(alert).to_contain_text("The terminal is unavailable right now — your command is kept.")
    expect(page.locator("#ws-status")).to_have_text("The terminal is unavailable right now — your command is kept. Retry")
    expect(terminal.locator("#term-input")).to_have_value("ls")
    monkeypatch.setattr("playlists.views.terminal.workspace_run", real_run)
    with answered(page, "run"):
        alert.get_by_role("button", name="Retry").click()
    expect(last_entry(terminal).locator(".term-output")).to_have_text("note.txt\n")
    expect(alert).to_be_empty()

    # Reset asks first: dismissed, nothing changes; accepted, the files and the directory are back to the start.
    page.once("dialog", lambda dialog: dialog.dismiss())
    terminal.get_by_role("button", name="Reset workspace").click()
    expect(prompt).to_have_text("learner:~/work$")
    page.once("dialog", lambda dialog: dialog.accept())
    with answered(page, "reset"):
        terminal.get_by_role("button", name="Reset workspace").click()
    expect(terminal.locator("#term-log")).to_have_text("Workspace reset — your files are back to how the exercise starts.")
    expect(prompt).to_have_text("learner:~$")
    type_command(page, terminal, "ls -A")
    expect(last_entry(terminal).locator(".term-output")).to_have_count(0)  # nothing left
    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_terminal_posts_and_the_page_shows_the_log(browser: Browser, live_server, owner, make_capsule):
    capsule = make_capsule(owner, "TERMINAL", status="published", is_public=True)
    course = playlist_create(creator=owner, title="No script", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("playlists:embed_playlist", args=[course.pk]))
        command_line = page.get_by_label("Command, in learner:~$")
        command_line.fill("echo hello > hello.txt && mkdir notes && cd notes")
        command_line.press("Enter")
        expect(page.locator("#term-prompt")).to_have_text("learner:~/notes$")
        page.get_by_label(re.compile("Command, in")).fill("pwd")
        page.get_by_label(re.compile("Command, in")).press("Enter")
        log = page.locator("#term-log")
        expect(log).to_contain_text("learner:~$ echo hello > hello.txt && mkdir notes && cd notes")  # the earlier entry, carried
        expect(log.locator(".term-entry .term-echo")).to_have_text("learner:~/notes$ pwd")
        expect(log.locator(".term-entry .term-output")).to_have_text("/home/learner/notes\n")
        page.get_by_role("button", name="Check all").click()
        expect(page.locator("#term-check-summary")).to_have_text("All 2 tasks done. Course complete!")
        expect(page.get_by_text("Course Completed! Great job!")).to_be_visible()
        expect(page.get_by_role("button", name="Clear screen")).to_be_hidden()  # it needs JavaScript
    finally:
        context.close()
