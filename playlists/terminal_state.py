"""What a learner's terminal shows: the prompt, the tasks with their last check, the scrollback log, an alert.

Domain state, not a view: the embed page renders it (templatetags/terminal_workspace.py), the terminal's posts
(views/terminal.py) render what they did with it, and the state endpoint (views/embed.py) reads the saved prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from capsules.models import Capsule
from judges.models import TerminalWorkspace
from judges.sandbox import SANDBOX_HOME
from judges.workspace import TaskCheck

PROMPT_USER = "learner"  # the sandbox's user name ($USER and $LOGNAME inside it)


def scrollback_chars() -> int:
    """How much of the earlier log a post without JavaScript carries back and forth: the last few commands'
    output (one command shows at most JUDGE_WORKSPACE_OUTPUT_BYTES)."""
    return 2 * settings.JUDGE_WORKSPACE_OUTPUT_BYTES


# --- What the terminal shows ---------------------------------------------------------------------------------


def prompt_of(cwd: str) -> str:
    """`learner:~/data$` for /home/learner/data, as bash's default prompt abbreviates the home directory."""
    if cwd == SANDBOX_HOME:
        where = "~"
    elif cwd.startswith(SANDBOX_HOME + "/"):
        where = "~" + cwd[len(SANDBOX_HOME) :]
    else:
        where = cwd
    return f"{PROMPT_USER}:{where}$"


@dataclass(frozen=True)
class Entry:
    """One command in the scrollback log: the prompt it was typed at, the command, what it printed."""

    prompt: str
    command: str
    output: str
    exit_code: int | None
    stopped: bool  # killed by a limit (time, memory, output): no exit status of its own

    def as_text(self) -> str:
        text = f"{self.prompt} {self.command}\n{self.output}"
        return text if not text or text.endswith("\n") else text + "\n"


@dataclass(frozen=True)
class TaskState:
    number: int  # 1-based; element ids use it (task ids are the creator's text)
    task_id: str
    description: str
    passed: bool | None = None  # None: not checked (in this answer)
    failure_message: str = ""  # the author's hint for a failed check (judges/workspace.py: never the script's output)


@dataclass(frozen=True)
class Alert:
    message: str
    status: int
    action: str  # the post it answers ("run", "check", "reset"): its form shows the alert
    retry: bool = False  # a Retry button posts the same again (a sandbox that is away)
    retry_url: str = ""
    task_id: str = ""  # a Check's task, for its Retry


@dataclass(frozen=True)
class TerminalState:
    """Everything _terminal.html shows. The embed page's GET renders the default (initial_state); a post
    renders what it did, for the page without JavaScript and for the htmx fragments alike."""

    prompt: str
    tasks: list[TaskState]
    entries: list[Entry] = field(default_factory=list)  # new entries of this answer
    scrollback: str = ""  # the earlier log as text (posts without JavaScript)
    command: str = ""  # what the input holds: kept when the command was not run
    alert: Alert | None = None
    check_summary: str = ""
    confirm_reset: bool = False
    was_reset: bool = False
    # The page everyone gets (no learner): the prompt shows the home directory until embed-frame.js puts in the
    # learner's saved one from their state.
    prompt_pending: bool = False

    @property
    def next_scrollback(self) -> str:
        """What the hidden field carries to the next post: the earlier log and this answer's entries."""
        text = self.scrollback + "".join(entry.as_text() for entry in self.entries)
        return text[-scrollback_chars() :]

    @property
    def checked(self) -> list[TaskState]:
        return [task for task in self.tasks if task.passed is not None]


def task_states(config: dict[str, Any], checks: list[TaskCheck] | None = None) -> list[TaskState]:
    """The capsule's tasks (learner-safe: ids and descriptions) with the results of `checks`."""
    results = {check.task_id: check for check in checks or []}
    states = []
    for number, task in enumerate(config.get("tasks", []), start=1):
        check = results.get(task["task_id"])
        states.append(
            TaskState(
                number=number, task_id=task["task_id"], description=task["description"],
                passed=check.passed if check else None, failure_message=(check.failure_message or "") if check else "",
            )
        )  # fmt: skip
    return states


def saved_cwd(capsule: Capsule | UUID, learner_key: str) -> str:
    """Where the learner's live workspace for `capsule` stands (their home directory if they have none yet).
    One indexed query; never makes a workspace (that runs the setup script in a sandbox)."""
    cwd = (
        TerminalWorkspace.objects.filter(capsule=capsule, learner_key=learner_key, expires_at__gt=timezone.now())
        .values_list("cwd", flat=True)
        .first()
    )
    return cwd or SANDBOX_HOME


def initial_state(capsule: Capsule, config: dict[str, Any], learner_key: str) -> TerminalState:
    """The terminal as the embed page first shows it: the learner's saved directory, nothing checked. Without a
    learner (the shared page) the home directory, marked for embed-frame.js to replace."""
    if not learner_key:
        return TerminalState(prompt=prompt_of(SANDBOX_HOME), tasks=task_states(config), prompt_pending=True)
    return TerminalState(prompt=prompt_of(saved_cwd(capsule, learner_key)), tasks=task_states(config))


def saved_prompt(capsule_id: UUID, learner_key: str) -> str:
    """The prompt of the learner's saved workspace for a capsule (the state endpoint's `terminal_prompt`)."""
    return prompt_of(saved_cwd(capsule_id, learner_key))
