"""Hostile commands in a learner's terminal workspace are contained like judge programs:
no network, no secrets, none of the host's files, a fork bomb or endless output stops at its limit and
leaves nothing running, and links or huge files planted in the workspace never make the server read or
write anything outside a sandbox (the server only stores the archive a sandbox wrote; it never extracts it).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from judges.models import TerminalWorkspace
from judges.runtimes import bash as sessions
from judges.sandbox import SANDBOX_HOME, processes_of_uid
from judges.workspace import CommandResult, workspace_get_or_create, workspace_run

pytestmark = pytest.mark.django_db

FAKE_SECRET = "cc-fake-secret-4b1d9e"


@pytest.fixture
def workspace(owner) -> TerminalWorkspace:
    capsule = Capsule.objects.create(
        title="Terminal", capsule_type="TERMINAL", problem_statement_md="x", language="bash", runtime_tier="bash",
        config_data=capsule_data("TERMINAL")["config_data"], creator=owner, status="published",
    )  # fmt: skip
    return workspace_get_or_create(capsule=capsule, learner_key="mallory")


@pytest.fixture
def nothing_survives(monkeypatch) -> list[int]:
    """Asserts, after each job and while its slot is still held, that no process of the slot's uid is alive
    (as judges/tests/test_hostile_python.py does); collects the uids checked."""
    real_run_harness = sessions.run_harness  # every workspace job is a shell session job (run_session_job)
    checked: list[int] = []

    def run_harness_then_look(box: Any, job: Any, **kwargs: Any) -> Any:
        outcome = real_run_harness(box, job, **kwargs)
        if box.slot.uid is not None:
            assert [pid for pid in processes_of_uid(box.slot.uid) if not dead(pid)] == [], "a process of the command outlived its job"
            checked.append(box.slot.uid)
        return outcome

    monkeypatch.setattr(sessions, "run_harness", run_harness_then_look)
    return checked


def dead(pid: int) -> bool:
    """A zombie runs nothing: it only waits to be reaped. (When a sandbox has to be killed from outside, its
    pid 1 can be orphaned to the host's init, which reaps it a moment later: seen under load, with other
    test sessions' sandbox jobs running beside this one.)"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True  # gone meanwhile


def run(workspace: TerminalWorkspace, command: str) -> CommandResult:
    return workspace_run(workspace=workspace, command=command)


def test_there_is_no_network(workspace):
    result = run(
        workspace,
        "(echo > /dev/tcp/1.1.1.1/80) 2>/dev/null && echo TCP-OPEN || echo no-tcp; "
        "curl -sS -m 2 http://1.1.1.1/ >/dev/null 2>&1 && echo CURL-OK || echo no-curl; "
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
    )
    assert result.output == "no-tcp\nno-curl\nlo\n"


def test_no_secret_of_the_server_is_in_the_environment_or_in_any_process(workspace, monkeypatch, settings):
    monkeypatch.setenv("CODECAPSULE_FAKE_SECRET", FAKE_SECRET)
    settings.JUDGE_WARM_SANDBOXES = 0  # a sandbox started after the secret was set
    result = run(workspace, "env; cat /proc/*/environ | tr '\\0' '\\n'; echo checked")
    assert result.output.endswith("checked\n") and "HOME=/home/learner" in result.output
    assert FAKE_SECRET not in result.output and "DJANGO" not in result.output and "DATABASE_URL" not in result.output


def test_the_hosts_files_are_out_of_sight(workspace):
    project = Path(django_settings.BASE_DIR)
    probes = {"work": "/work", "project": str(project / "codecapsule" / "settings.py"), "root": "/root/.", "shadow": "/etc/shadow"}
    command = "; ".join(
        f"cat -- '{path}' >/dev/null 2>&1 || ls -- '{path}' >/dev/null 2>&1 && echo SEEN-{name} || echo no-{name}"
        for name, path in probes.items()
    )
    result = run(workspace, command)
    assert result.output == "".join(f"no-{name}\n" for name in probes)


def test_a_fork_bomb_is_stopped_and_leaves_nothing_running(workspace, settings, nothing_survives):
    settings.JUDGE_WALL_SECONDS = 1
    settings.JUDGE_PROCESSES = 32
    started = time.monotonic()
    bombed = run(workspace, "bomb() { bomb | bomb & }; bomb; sleep 3; echo survived")
    assert time.monotonic() - started < 5
    assert bombed.timed_out and "survived" not in bombed.output
    assert "fork: retry: Resource temporarily unavailable" in bombed.output  # the process limit held
    assert run(workspace, "echo still fine").output == "still fine\n"
    assert len(nothing_survives) == (2 if os.geteuid() == 0 else 0)  # as root, each job's own uid was checked


def test_endless_output_is_stopped_and_cut(workspace):
    started = time.monotonic()
    result = run(workspace, "yes")
    assert time.monotonic() - started < 3
    assert result.truncated and result.exit_code is None
    assert result.output.endswith("y\ncodecapsule: stopped: the command printed too much output\ncodecapsule: output cut after 16 KB\n")


def test_links_to_host_files_are_kept_as_links_and_only_ever_followed_inside_a_sandbox(workspace):
    host_passwd = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    run(workspace, "ln -s /etc/passwd passwd-link; ln -s / root-link; ln -s /etc/shadow shadow-link")
    archive = bytes(TerminalWorkspace.objects.get(pk=workspace.pk).archive)
    # What the server holds: the links themselves (read here, in the test, only to prove it).
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        links = {member.name: member.linkname for member in tar.getmembers() if member.issym()}
        assert not [member.name for member in tar.getmembers() if member.isfile()]
    assert links == {"./passwd-link": "/etc/passwd", "./root-link": "/", "./shadow-link": "/etc/shadow"}
    assert b"root:x:0:0" not in gzip.decompress(archive)
    result = run(
        workspace,
        "cat passwd-link; echo owned >> passwd-link || echo read-only; cat shadow-link 2>/dev/null || echo no-shadow;"
        " ls root-link/work 2>/dev/null || echo no-work",
    )
    assert result.output.startswith("learner:x:1000:1000:") and "root:" not in result.output
    assert result.output.endswith("read-only\nno-shadow\nno-work\n")
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() == host_passwd


def test_a_link_planted_where_the_judge_records_the_directory_is_not_followed(workspace):
    result = run(workspace, "ln -sf /etc/passwd /tmp/.codecapsule-cwd; cd /usr")
    assert result.saved and result.cwd == SANDBOX_HOME  # the record went nowhere; the directory stayed
    assert run(workspace, "pwd").output == f"{SANDBOX_HOME}\n"


def test_a_sparse_file_or_one_over_the_file_size_limit_is_refused_quickly(workspace):
    started = time.monotonic()
    result = run(workspace, "truncate -s 15M sparse; head -c 100M /dev/zero > big")
    assert time.monotonic() - started < 3
    assert not result.saved and "codecapsule: a file grew over the 16 MB limit" in result.output
    assert "not saved: the workspace would hold" in result.output
    assert TerminalWorkspace.objects.get(pk=workspace.pk).size == 0
