"""Learners' TERMINAL workspaces (judges/workspace.py) in the real bubblewrap sandbox: what persists between
commands (files, modes, the working directory) and what does not (variables, background processes), the
setup script, reset, per-task checks, the size and output caps, the time limit, isolation between learners,
expiry on open, and commands that meet a busy workspace.

Each command is one sandbox job (~30 ms), so the tests keep to a few commands each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from codecapsule.errors import ValidationFailed
from judges import workspace as engine
from judges.models import TerminalWorkspace
from judges.sandbox import SANDBOX_HOME
from judges.workspace import (
    WorkspaceBroken,
    WorkspaceBusy,
    WorkspaceExpired,
    workspace_check,
    workspace_get_or_create,
    workspace_reset,
    workspace_run,
)

pytestmark = pytest.mark.django_db

SETUP = "mkdir project && echo seed > project/seed.txt && cd project"


@pytest.fixture
def terminal_capsule(owner) -> Callable[..., Capsule]:
    """terminal_capsule(setup=..., tasks=[(task_id, validation_script), ...]): a TERMINAL capsule saved as
    is (the gate is not what these tests are about, and would cost two sandbox sessions each)."""

    def make(*, setup: str = "", tasks: list[tuple[str, str]] | None = None, **fields: Any) -> Capsule:
        config = capsule_data("TERMINAL")["config_data"]
        config["setup_script"] = setup
        if tasks is not None:
            config["tasks"] = [
                {"task_id": task_id, "description": f"Task {task_id}", "validation_script": script, "solution_commands": "true"}
                for task_id, script in tasks
            ]
        values = {"title": "Terminal", "problem_statement_md": "Do it.", "language": "bash", "runtime_tier": "bash", "status": "published"}
        return Capsule.objects.create(capsule_type="TERMINAL", config_data=config, creator=owner, **(values | fields))

    return make


@pytest.fixture
def workspace(terminal_capsule) -> TerminalWorkspace:
    """A workspace with no setup script (made without a sandbox run)."""
    return workspace_get_or_create(capsule=terminal_capsule(), learner_key="learner-1")


def stored(workspace: TerminalWorkspace) -> TerminalWorkspace:
    return TerminalWorkspace.objects.get(pk=workspace.pk)


# --- What persists --------------------------------------------------------------------------------------


def test_the_setup_script_ran_when_the_workspace_was_made_and_the_first_command_starts_at_home(terminal_capsule):
    workspace = workspace_get_or_create(capsule=terminal_capsule(setup=SETUP), learner_key="learner-1")
    assert workspace.size > 0 and workspace.cwd == SANDBOX_HOME
    result = workspace_run(workspace=workspace, command="pwd; cat project/seed.txt")
    assert result.output == f"{SANDBOX_HOME}\nseed\n"
    assert result.exit_code == 0 and result.saved and not result.timed_out and not result.truncated


def test_files_their_modes_and_the_working_directory_persist_from_one_command_to_the_next(workspace):
    first = workspace_run(
        workspace=workspace, command="mkdir -p src/app && cd src/app && printf '#!/bin/sh\\necho ran\\n' > run.sh && chmod 750 run.sh"
    )
    assert first.exit_code == 0 and first.cwd == f"{SANDBOX_HOME}/src/app" and first.saved
    second = workspace_run(workspace=workspace, command="pwd; ./run.sh; stat -c '%a %n' run.sh")
    assert second.output == f"{SANDBOX_HOME}/src/app\nran\n750 run.sh\n"
    assert workspace.cwd == stored(workspace).cwd == f"{SANDBOX_HOME}/src/app"  # the caller's instance is current


def test_variables_and_background_processes_do_not_outlive_their_command(workspace):
    workspace_run(workspace=workspace, command="export GREETING=hi; (sleep 0.3; echo late > late.txt) & echo started")
    result = workspace_run(workspace=workspace, command="sleep 0.5; echo ${GREETING:-unset}; ls -A")
    assert result.output == "unset\n"


def test_stdout_and_stderr_arrive_interleaved_with_the_exit_status(workspace):
    result = workspace_run(workspace=workspace, command="echo one; echo two >&2; echo three; printf '\\xff\\n'; exit 3")
    assert result.output == "one\ntwo\nthree\n\ufffd\n"
    assert result.exit_code == 3 and result.saved


# --- Reset and checks -------------------------------------------------------------------------------------


def test_reset_brings_back_the_state_right_after_setup(terminal_capsule):
    workspace = workspace_get_or_create(capsule=terminal_capsule(setup=SETUP), learner_key="learner-1")
    workspace_run(workspace=workspace, command="rm -r project && echo mine > mine.txt && mkdir deep && cd deep")
    reset = workspace_reset(workspace=workspace)
    assert reset is workspace and workspace.cwd == SANDBOX_HOME
    result = workspace_run(workspace=workspace, command="pwd; ls -A; cat project/seed.txt")
    assert result.output == f"{SANDBOX_HOME}\nproject\nseed\n"


def test_check_reports_each_task_from_the_saved_state_and_changes_nothing(terminal_capsule):
    # The first check deletes what the second looks for: each must start from the saved workspace.
    capsule = terminal_capsule(
        tasks=[
            ("greet", "grep -qx hello hello.txt && rm hello.txt && echo pass || echo fail"),
            ("kept", "test -f hello.txt"),
            ("notes", "test -d notes"),
        ]
    )
    workspace = workspace_get_or_create(capsule=capsule, learner_key="learner-1")
    workspace_run(workspace=workspace, command="echo hello > hello.txt")
    before = stored(workspace)
    checks = workspace_check(workspace=workspace)
    assert [(check.task_id, check.description, check.passed) for check in checks] == [
        ("greet", "Task greet", True),
        ("kept", "Task kept", True),
        ("notes", "Task notes", False),
    ]
    assert [check.passed for check in workspace_check(workspace=workspace, task_id="kept")] == [True]
    after = stored(workspace)
    assert bytes(after.archive) == bytes(before.archive) and after.version == before.version


def test_check_of_a_task_the_capsule_does_not_have_is_refused(workspace):
    with pytest.raises(ValidationFailed, match="no task 'nope'"):
        workspace_check(workspace=workspace, task_id="nope")


# --- Limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", "   \n", "x" * 4097, "echo é" + "é" * 2046])
def test_an_empty_or_over_long_command_is_refused_before_anything_runs(workspace, command, settings):
    settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES = 4096
    with pytest.raises(ValidationFailed):
        workspace_run(workspace=workspace, command=command)
    assert stored(workspace).version == 0


def test_a_workspace_over_the_size_cap_is_refused_and_the_previous_state_kept(workspace):
    workspace_run(workspace=workspace, command="echo keep > keep.txt")
    before = stored(workspace)
    refused = workspace_run(workspace=workspace, command="rm keep.txt; mkdir big; cd big; head -c 5M /dev/zero > zeros")
    assert not refused.saved and refused.exit_code == 0
    assert "not saved: the workspace would hold 5.0 MB, over the 2.0 MB limit" in refused.output
    assert refused.cwd == SANDBOX_HOME and refused.workspace_bytes == before.size
    after = stored(workspace)
    assert bytes(after.archive) == bytes(before.archive) and after.busy_until is None
    assert workspace_run(workspace=workspace, command="pwd; ls").output == f"{SANDBOX_HOME}\nkeep.txt\n"


def test_output_over_the_cap_is_cut_and_flagged(workspace, settings):
    settings.JUDGE_WORKSPACE_OUTPUT_BYTES = 1024
    # 1023 bytes of "a", then a two-byte character that the cut splits: it is left out, not garbled.
    result = workspace_run(workspace=workspace, command="head -c 1023 /dev/zero | tr '\\0' a; printf 'é and more'")
    assert result.truncated and result.exit_code == 0
    assert result.output == "a" * 1023 + "\ncodecapsule: output cut after 1 KB\n"


def test_a_command_that_sleeps_past_the_wall_limit_times_out_and_the_workspace_stays_usable(workspace, settings):
    settings.JUDGE_WALL_SECONDS = 1
    result = workspace_run(workspace=workspace, command="echo before > note.txt; mkdir d; cd d; echo waiting; sleep 30")
    assert result.timed_out and result.exit_code is None
    assert result.output == "waiting\ncodecapsule: stopped: the command ran longer than 1 s\n"
    assert result.cwd == SANDBOX_HOME  # a killed command records no directory: it stays where it was
    assert workspace_run(workspace=workspace, command="cat note.txt").output == "before\n"


# --- One workspace per learner ----------------------------------------------------------------------------


def test_two_learners_workspaces_are_isolated(terminal_capsule):
    capsule = terminal_capsule()
    ada = workspace_get_or_create(capsule=capsule, learner_key="ada")
    bob = workspace_get_or_create(capsule=capsule, learner_key="bob")
    assert ada.pk != bob.pk
    workspace_run(workspace=ada, command="echo ada > mine.txt")
    assert workspace_run(workspace=bob, command="ls -A; echo done").output == "done\n"


def test_opening_again_returns_the_same_workspace_and_slides_its_expiry(workspace, settings):
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    again = workspace_get_or_create(capsule=workspace.capsule, learner_key="learner-1")
    assert again.pk == workspace.pk
    assert again.expires_at > timezone.now() + timedelta(seconds=settings.JUDGE_WORKSPACE_TTL_SECONDS - 60)


def test_an_expired_workspace_is_replaced_by_a_fresh_one_when_opened(terminal_capsule):
    capsule = terminal_capsule(setup="echo fresh > setup.txt")
    old = workspace_get_or_create(capsule=capsule, learner_key="learner-1")
    TerminalWorkspace.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1), cwd="/tmp")
    new = workspace_get_or_create(capsule=capsule, learner_key="learner-1")
    assert new.pk != old.pk and new.cwd == SANDBOX_HOME
    assert list(TerminalWorkspace.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_learner_key_must_be_given_and_short_and_the_capsule_a_terminal_one(terminal_capsule, make_capsule, owner):
    with pytest.raises(ValidationFailed):
        workspace_get_or_create(capsule=terminal_capsule(), learner_key="")
    with pytest.raises(ValidationFailed):
        workspace_get_or_create(capsule=terminal_capsule(), learner_key="k" * 65)
    code = Capsule.objects.create(
        title="Code", capsule_type="CODE", problem_statement_md="x", language="python", runtime_tier="python",
        config_data=capsule_data("CODE")["config_data"], creator=owner,
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="Only TERMINAL"):
        workspace_get_or_create(capsule=code, learner_key="learner-1")
    assert not TerminalWorkspace.objects.exists()


# --- When things go wrong -----------------------------------------------------------------------------------


def test_a_setup_script_that_fails_makes_no_workspace_and_says_so(terminal_capsule):
    with pytest.raises(WorkspaceBroken, match="could not be prepared"):
        workspace_get_or_create(capsule=terminal_capsule(setup="mkdir data && false"), learner_key="learner-1")
    assert not TerminalWorkspace.objects.exists()


def test_a_workspace_that_cannot_be_restored_is_not_locked_and_a_reset_mends_it(workspace):
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(archive=b"not a gzip'd tar")
    with pytest.raises(WorkspaceBroken, match="Reset it"):
        workspace_run(workspace=workspace, command="ls")
    assert stored(workspace).busy_until is None
    workspace_reset(workspace=workspace)
    assert workspace_run(workspace=workspace, command="echo mended").output == "mended\n"


def test_a_workspace_deleted_meanwhile_is_reported_as_expired(workspace):
    TerminalWorkspace.objects.filter(pk=workspace.pk).delete()
    with pytest.raises(WorkspaceExpired, match="Open the exercise again"):
        workspace_run(workspace=workspace, command="ls")
    with pytest.raises(WorkspaceExpired):
        workspace_check(workspace=workspace)


# --- Commands that meet each other ------------------------------------------------------------------------


def test_a_command_while_another_runs_is_refused_with_a_clear_message(workspace):
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(busy_until=timezone.now() + timedelta(seconds=60))
    with pytest.raises(WorkspaceBusy, match="Another command is still running"):
        workspace_run(workspace=workspace, command="echo hi")
    with pytest.raises(WorkspaceBusy):
        workspace_reset(workspace=workspace)


def test_a_lease_left_by_a_crashed_server_process_lapses(workspace):
    TerminalWorkspace.objects.filter(pk=workspace.pk).update(busy_until=timezone.now() - timedelta(seconds=1))
    assert workspace_run(workspace=workspace, command="echo hi").output == "hi\n"
    assert stored(workspace).busy_until is None


def test_a_command_whose_workspace_was_saved_meanwhile_keeps_the_other_state(workspace, monkeypatch):
    real_run_job = engine._run_job

    def another_command_saves_during_the_run(*args: Any, **kwargs: Any) -> Any:
        outcome = real_run_job(*args, **kwargs)
        TerminalWorkspace.objects.filter(pk=workspace.pk).update(archive=b"other", version=7)
        return outcome

    monkeypatch.setattr(engine, "_run_job", another_command_saves_during_the_run)
    with pytest.raises(WorkspaceBusy, match="changed by another command"):
        workspace_run(workspace=workspace, command="echo mine > mine.txt")
    after = stored(workspace)
    assert bytes(after.archive) == b"other" and after.version == 7


@pytest.mark.django_db(transaction=True)
def test_two_commands_at_once_one_runs_and_the_other_is_refused_and_nothing_is_lost(terminal_capsule, monkeypatch):
    workspace = workspace_get_or_create(capsule=terminal_capsule(), learner_key="learner-1")
    first_is_running, second_was_answered = threading.Event(), threading.Event()
    real_run_job = engine._run_job

    def run_job_once_the_second_command_was_answered(*args: Any, **kwargs: Any) -> Any:
        first_is_running.set()  # the first command holds the workspace from here on
        assert second_was_answered.wait(10)
        return real_run_job(*args, **kwargs)

    monkeypatch.setattr(engine, "_run_job", run_job_once_the_second_command_was_answered)
    outcomes: dict[str, Any] = {}

    def first_command() -> None:
        try:
            outcomes["first"] = workspace_run(workspace=workspace, command="echo first > first.txt")
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=first_command)
    thread.start()
    try:
        assert first_is_running.wait(10)
        with pytest.raises(WorkspaceBusy, match="Another command is still running"):
            workspace_run(workspace=workspace, command="echo second > second.txt")
    finally:
        second_was_answered.set()
        thread.join()
    assert outcomes["first"].saved
    monkeypatch.setattr(engine, "_run_job", real_run_job)
    assert workspace_run(workspace=workspace, command="ls").output == "first.txt\n"
