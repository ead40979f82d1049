"""The judge's own rows: learners' TERMINAL workspaces (judges/workspace.py says how they are used)."""

from __future__ import annotations

import uuid

from django.db import models

from capsules.models import Capsule
from judges.sandbox import SANDBOX_HOME

# Longest working directory kept between commands (characters). Deeper paths are legal in the sandbox, but a
# prompt cannot show them anyway: the next command then starts in the home directory.
MAX_CWD_CHARS = 1024
LEARNER_KEY_CHARS = 64


class TerminalWorkspace(models.Model):
    """One learner's workspace for one TERMINAL capsule, kept between commands.

    `archive` is a gzip'd tar of the sandbox's home directory, as the last sandbox job wrote it; the server
    never extracts it (only a sandbox does, see judges/workspace.py). b"" is an empty home directory.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="terminal_workspaces")
    # The anonymous learner key of the embed (cookie), or any other stable id of one learner.
    learner_key = models.CharField(max_length=LEARNER_KEY_CHARS)
    archive = models.BinaryField(default=b"")
    # Where the next command starts: the absolute path inside the sandbox that the last command ended in.
    cwd = models.CharField(max_length=MAX_CWD_CHARS, default=SANDBOX_HOME)
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the uncompressed tar (what JUDGE_WORKSPACE_MAX_BYTES caps).")
    # Bumped by every saved change: a command saves only if nothing else saved since it read the archive.
    version = models.PositiveIntegerField(default=0)
    # Set while a command (or a reset) runs; a second one is refused until then (a lease, so a crashed
    # server process cannot lock a learner out for longer than one command can take).
    busy_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["capsule", "learner_key"], name="judges_one_workspace_per_learner")]

    def __str__(self) -> str:
        return f"workspace of {self.learner_key} for {self.capsule_id}"
