"""The TERMINAL workspace inside an embed: a server-rendered command line backed by the
learner's sandboxed workspace (judges/workspace.py), a Check per task, Check all, and Reset.

Three endpoints per place a capsule can sit (a course step, or a capsule embedded alone), each a form post:

* `…/terminal/run` (field `command`): one command in the learner's workspace, which persists between
  commands (files and the working directory); the answer is the command's entry for the scrollback log and
  the new prompt;
* `…/terminal/check` (field `task`, or none for every task): the tasks' validation scripts against the
  saved workspace; only pass or fail comes back, never a script. When every task passes the step is
  complete (views/workspace.py's complete_target: progress, dots, host events);
* `…/terminal/reset` (field `confirmed=yes`): the workspace back to its starting state.

Who may post, CSRF, rate limits and the three answer shapes (htmx fragment, JSON, the whole page for a post
without JavaScript) are views/workspace.py's, shared with Run and Submit; one rate limit counts every
terminal post (each starts a sandbox job). Errors an htmx client gets are fragments for the alert region of
the form that posted (HX-Retarget), so the log stays as it was and the typed command is kept.

Without JavaScript there is no log in the browser: the form carries the text of the earlier log in a
hidden `scrollback` field (capped), and the page that answers shows it followed by the new entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from capsules.models import CapsuleType
from capsules.schemas import learner_safe_config
from codecapsule.admission import InFlight
from codecapsule.errors import ApplicationError, ValidationFailed
from codecapsule.http import HtmxHttpRequest
from judges.models import TerminalWorkspace
from judges.sandbox import SandboxError
from judges.workspace import (
    CommandResult,
    TaskCheck,
    WorkspaceBroken,
    WorkspaceBusy,
    WorkspaceExpired,
    workspace_check,
    workspace_get_or_create,
    workspace_reset,
    workspace_run,
)
from playlists.terminal_state import Alert, Entry, TerminalState, prompt_of, saved_cwd, scrollback_chars, task_states
from playlists.views.workspace import (
    FORM_OVERHEAD_BYTES,
    NOT_FOUND_MESSAGE,
    Completion,
    WorkspaceTarget,
    complete_target,
    declared_body_over,
    in_flight_refusal,
    judging,
    refusal,
    refuse_post,
    resolve_target,
    retry_later,
    workspace_response,
)

T = TypeVar("T")

# The answers for htmx: partials of the terminal's own template.
RUN_TEMPLATE = "playlists/embed/workspace/_terminal.html#run"
CHECK_TEMPLATE = "playlists/embed/workspace/_terminal.html#check"
RESET_TEMPLATE = "playlists/embed/workspace/_terminal.html#reset"
ALERT_TEMPLATE = "playlists/embed/workspace/_terminal.html#alert"
# Where an htmx client shows an error: the alert region of the form that posted.
ALERT_TARGETS = {"run": "#term-alert", "reset": "#term-alert", "check": "#term-tasks-alert"}
UNAVAILABLE_MESSAGE = "The terminal is unavailable right now — your command is kept."
BUSY_MESSAGE = "Your workspace is still running your previous command. Wait for it to finish, then try again."
RESET_DONE_MESSAGE = "Workspace reset — your files are back to how the exercise starts."
CONFIRM_RESET_MESSAGE = "Reset your workspace? Every file you made or changed is deleted and the exercise starts over."
UNCONFIRMED_RESET_MESSAGE = "Confirm the reset first: nothing was changed."
NO_SUCH_TASK_MESSAGE = "This exercise has no such task. Reload it to see its tasks."
HINT_PREFIX = "Hint from the author:"  # before a failed task's declared failure_message


def _learner_safe_config(target: WorkspaceTarget) -> dict[str, Any]:
    return learner_safe_config(target.capsule.capsule_type, target.capsule.config_data)


def _earlier_log(request: HtmxHttpRequest) -> str:
    return request.POST.get("scrollback", "").replace("\r\n", "\n")[-scrollback_chars() :]


def _state(request: HtmxHttpRequest, target: WorkspaceTarget, *, cwd: str, **changes: Any) -> TerminalState:
    state = TerminalState(prompt=prompt_of(cwd), tasks=task_states(_learner_safe_config(target)), scrollback=_earlier_log(request))
    return replace(state, **changes)


# --- Refusals and errors ---------------------------------------------------------------------------------------


def _retarget(request: HtmxHttpRequest, response: HttpResponse, action: str) -> HttpResponse:
    """An htmx client shows an error in the alert region of the form that posted, not in the log."""
    if request.htmx and response.status_code >= 400:
        response["HX-Retarget"] = ALERT_TARGETS[action]
        response["HX-Reswap"] = "innerHTML"
    return response


def _alert_response(request: HtmxHttpRequest, target: WorkspaceTarget, alert: Alert) -> HttpResponse:
    """An error after the target is known: the alert (with a Retry where trying again can help), and for a
    page without JavaScript the whole terminal with the typed command still in its input."""
    cwd = saved_cwd(target.capsule, target.learner.key)
    state = _state(request, target, cwd=cwd, command=request.POST.get("command", ""), alert=alert)
    response = workspace_response(
        request, target, results_template=ALERT_TEMPLATE, context={"term": state, "alert": alert},
        json_body={"error": alert.message}, status_message=f"{alert.message} Retry" if alert.retry else alert.message, status=alert.status,
    )  # fmt: skip
    return _retarget(request, response, alert.action)


def _unavailable(request: HtmxHttpRequest, target: WorkspaceTarget, action: str, message: str = UNAVAILABLE_MESSAGE) -> HttpResponse:
    task_id = request.POST.get("task", "") if action == "check" else ""
    retry_url = target.location.url(f"terminal_{action}")
    alert = Alert(message=message, status=503, action=action, retry=True, retry_url=retry_url, task_id=task_id)
    return retry_later(_alert_response(request, target, alert))


def command_problem(command: str) -> str | None:
    """Why `command` cannot be run (the engine's own rules, said before any sandbox starts), or None."""
    if not command.strip():
        return "Type a command first."
    if "\0" in command:
        return "A command cannot contain a NUL character."
    limit = settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES
    size = len(command.encode("utf-8", errors="surrogatepass"))
    if size > limit:
        return f"That command is {size:,} bytes; a command can be at most {limit:,} bytes. Shorten it — nothing was run."
    return None


def _declared_too_large(request: HtmxHttpRequest) -> bool:
    """Refuse by the declared length before Django parses the form: a command and the carried log, each
    byte percent-encoded, and the other fields."""
    # A character of the log is up to 4 UTF-8 bytes, each up to 3 characters once encoded.
    limit = 3 * settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES + 12 * scrollback_chars() + FORM_OVERHEAD_BYTES
    return declared_body_over(request, limit)


def _live_workspace(target: WorkspaceTarget, use: Callable[[TerminalWorkspace], T]) -> T:
    """`use(workspace)` on the learner's workspace (made on first use, as the other endpoints make a learner
    key). A workspace expired and deleted between opening and use is opened afresh once."""
    try:
        return use(workspace_get_or_create(capsule=target.capsule, learner_key=target.learner.key))
    except WorkspaceExpired:
        return use(workspace_get_or_create(capsule=target.capsule, learner_key=target.learner.key))


# --- Run ------------------------------------------------------------------------------------------------------------


def run_message(result: CommandResult) -> str:
    """What the live region announces after a command: short, the output itself is in the log."""
    if result.timed_out:
        message = "Command stopped: it ran too long."
    elif result.exit_code is None:
        message = "Command stopped by a limit."
    else:
        message = f"Command finished with status {result.exit_code}."
    if not result.saved:
        message += " Its changes were not kept: the workspace would be over its size limit."
    return message


def _run(request: HtmxHttpRequest, target: WorkspaceTarget) -> HttpResponse:
    command = request.POST.get("command", "")
    problem = command_problem(command)
    if problem:
        return _alert_response(request, target, Alert(message=problem, status=400, action="run"))
    cwd_before: list[str] = []

    def run(workspace: TerminalWorkspace) -> CommandResult:
        cwd_before.append(workspace.cwd)
        return workspace_run(workspace=workspace, command=command)

    try:
        result = _live_workspace(target, run)
    except WorkspaceBusy:
        return _alert_response(request, target, Alert(message=BUSY_MESSAGE, status=409, action="run"))
    except ValidationFailed as error:
        return _alert_response(request, target, Alert(message=error.message, status=400, action="run"))
    except WorkspaceBroken as error:
        return _unavailable(request, target, "run", error.message)
    except (SandboxError, TimeoutError):
        return _unavailable(request, target, "run")
    entry = Entry(
        prompt=prompt_of(cwd_before[-1]), command=command, output=result.output, exit_code=result.exit_code,
        stopped=result.timed_out or result.exit_code is None,
    )  # fmt: skip
    state = _state(request, target, cwd=result.cwd, entries=[entry])
    json_body = {
        "output": result.output, "exit_code": result.exit_code, "cwd": result.cwd, "prompt": state.prompt,
        "timed_out": result.timed_out, "truncated": result.truncated, "saved": result.saved, "workspace_bytes": result.workspace_bytes,
    }  # fmt: skip
    return workspace_response(
        request, target, results_template=RUN_TEMPLATE, context={"term": state, "entry": entry}, json_body=json_body,
        status_message=run_message(result),
    )  # fmt: skip


# --- Check ------------------------------------------------------------------------------------------------------------


def check_message(checks: list[TaskCheck], *, every_task: bool, completion: Completion | None) -> str:
    if not every_task:
        check = checks[0]
        message = f"Task {check.task_id}: {'done' if check.passed else 'not done yet'}."
        if check.failure_message:
            message += f" {HINT_PREFIX} {check.failure_message}"
    else:
        passed = sum(check.passed for check in checks)
        message = f"All {len(checks)} tasks done." if passed == len(checks) else f"{passed} of {len(checks)} tasks done."
    if completion is None:
        return message
    if completion.course_complete:
        return f"{message} Course complete!"
    return f"{message} Step {completion.step} complete." if completion.total > 1 else f"{message} Exercise complete."


def _task_json(check: TaskCheck) -> dict[str, Any]:
    body: dict[str, Any] = {"task_id": check.task_id, "description": check.description, "passed": check.passed}
    if check.failure_message:
        body["failure_message"] = check.failure_message
    return body


def _check(request: HtmxHttpRequest, target: WorkspaceTarget) -> HttpResponse:
    """Check one task (field `task`) or all. A passing check of one task runs the others too (one more
    sandbox job), so checking the last open task completes the step like Check all does."""
    config = _learner_safe_config(target)
    task_id = request.POST.get("task") or None
    all_ids = [task["task_id"] for task in config.get("tasks", [])]
    if task_id is not None and task_id not in all_ids:
        return _alert_response(request, target, Alert(message=NO_SUCH_TASK_MESSAGE, status=400, action="check"))
    cwd: list[str] = []

    def check(workspace: TerminalWorkspace) -> tuple[list[TaskCheck], bool]:
        cwd.append(workspace.cwd)
        checks = workspace_check(workspace=workspace, task_id=task_id)
        if task_id is None or not checks[0].passed:
            return checks, task_id is None and all(c.passed for c in checks)
        if len(all_ids) == 1:
            return checks, True
        return checks, all(c.passed for c in workspace_check(workspace=workspace))

    try:
        checks, every_task_passes = _live_workspace(target, check)
    except WorkspaceBusy:
        return _alert_response(request, target, Alert(message=BUSY_MESSAGE, status=409, action="check"))
    except WorkspaceBroken as error:
        return _unavailable(request, target, "check", error.message)
    except (SandboxError, TimeoutError):
        return _unavailable(request, target, "check", "Checking is unavailable right now — your files are kept.")
    completion = complete_target(request, target) if every_task_passes else None
    shown = checks
    if every_task_passes:  # every task is ticked, whichever was checked
        shown = [TaskCheck(task_id=task["task_id"], description=task["description"], passed=True) for task in config["tasks"]]
    message = check_message(checks, every_task=task_id is None, completion=completion)
    state = _state(request, target, cwd=cwd[-1], tasks=task_states(config, shown), check_summary=message)
    tasks_json = [_task_json(check) for check in checks]
    json_body = {"tasks": tasks_json, "all_passed": every_task_passes}
    return workspace_response(
        request, target, results_template=CHECK_TEMPLATE, context={"term": state}, json_body=json_body,
        status_message=message, completion=completion,
    )  # fmt: skip


# --- Reset ------------------------------------------------------------------------------------------------------------


def _reset(request: HtmxHttpRequest, target: WorkspaceTarget) -> HttpResponse:
    """Reset, once confirmed: htmx asks with a dialog (hx-confirm) and sends `confirmed=yes`; a page without
    JavaScript answers a first post with the question and a button that confirms."""
    if request.POST.get("confirmed") != "yes":
        if request.htmx or "application/json" in request.headers.get("Accept", ""):
            return _alert_response(request, target, Alert(message=UNCONFIRMED_RESET_MESSAGE, status=400, action="reset"))
        state = _state(request, target, cwd=saved_cwd(target.capsule, target.learner.key), confirm_reset=True)
        return workspace_response(
            request, target, results_template=RESET_TEMPLATE, context={"term": state}, json_body={},
            status_message=CONFIRM_RESET_MESSAGE,
        )  # fmt: skip
    try:
        workspace = _live_workspace(target, lambda workspace: workspace_reset(workspace=workspace))
    except WorkspaceBusy:
        return _alert_response(request, target, Alert(message=BUSY_MESSAGE, status=409, action="reset"))
    except WorkspaceBroken as error:
        return _unavailable(request, target, "reset", error.message)
    except (SandboxError, TimeoutError):
        return _unavailable(request, target, "reset", "Reset is unavailable right now — your files are as they were.")
    state = _state(request, target, cwd=workspace.cwd, scrollback="", was_reset=True)
    return workspace_response(
        request, target, results_template=RESET_TEMPLATE, context={"term": state}, json_body={"reset": True, "cwd": workspace.cwd},
        status_message=RESET_DONE_MESSAGE,
    )  # fmt: skip


# --- The views ----------------------------------------------------------------------------------------------------------

ACTIONS: dict[str, Callable[[HtmxHttpRequest, WorkspaceTarget], HttpResponse]] = {"run": _run, "check": _check, "reset": _reset}


def _terminal_post(request: HtmxHttpRequest, action: str, **where: Any) -> HttpResponse:
    """One terminal post, `action` of ACTIONS, for the capsule `where` names (a course step or a capsule alone).

    1. Refusals, cheapest first: another origin (403), over the terminal rate limit (429), a body over the
       cap (400), no such step or capsule for this request (404), a course that changed under the page (409),
       a capsule without a terminal (404).
    2. The action, on the learner's own workspace (learner_of: the X-Learner-Key header, the cookie, or a key
       minted now and set as the cookie), if this learner and address have no other judge job in flight (else
       429 with Retry-After). A judge that is full or away answers 503 with Retry-After and a Retry.
    """
    refused = refuse_post(
        request, scope="embed-terminal", per_learner=settings.EMBED_TERMINAL_COMMANDS_PER_MINUTE,
        per_address=settings.EMBED_TERMINAL_COMMANDS_PER_MINUTE_PER_ADDRESS,
    )  # fmt: skip
    if refused is not None:
        return _retarget(request, refused, action)
    if _declared_too_large(request):
        limit = settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES
        return _retarget(request, refusal(request, f"That is too much to send: a command can be at most {limit:,} bytes.", 400), action)
    try:
        target = resolve_target(request, **where)
    except Http404:
        return _retarget(request, refusal(request, f"{NOT_FOUND_MESSAGE}.", 404), action)
    if request.POST.get("capsule") not in (None, str(target.capsule.pk)):
        message = "This course changed since the page was loaded. Reload it to go on — your workspace is kept."
        return _retarget(request, refusal(request, message, 409, learner=target.learner), action)
    if target.capsule.capsule_type != CapsuleType.TERMINAL:
        message = "This exercise has no terminal: it is solved with Run and Submit."
        return _retarget(request, refusal(request, message, 404, learner=target.learner), action)
    try:
        with judging(request, target.learner):
            return ACTIONS[action](request, target)
    except InFlight as error:
        return _retarget(request, in_flight_refusal(request, target.learner, error), action)
    except ApplicationError as error:  # anything else the engine refuses, said in the learner's terms
        return _alert_response(request, target, Alert(message=error.message, status=error.http_status, action=action))


@csrf_exempt  # see views/workspace.py's docstring: Origin check, learner key, caps and rate limits instead
@require_POST
def terminal_action(
    request: HtmxHttpRequest, action: str, playlist_id: UUID | None = None, step: int | None = None, capsule_id: UUID | None = None
) -> HttpResponse:
    """A terminal post for a course step, `POST /embed/playlist/<id>/steps/<step>/terminal/<action>`, or a capsule
    on its own, `POST /embed/capsule/<id>/terminal/<action>`; `action` comes from the URL pattern: `run` (field
    `command`), `check` (field `task`, or none: every task; all passing completes the step, or for a capsule on
    its own tells the host `step-completed`), `reset` (field `confirmed=yes`)."""
    return _terminal_post(request, action, playlist_id=playlist_id, step=step, capsule_id=capsule_id)
