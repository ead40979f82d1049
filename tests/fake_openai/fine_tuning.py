"""The fake's files and fine-tuning endpoints: uploads kept in memory, jobs that walk through scripted statuses.

Each function answers one endpoint with `(status, JSON payload)` or an HTTPError; the server sends it.
Shapes follow the SDK's FileObject, FineTuningJob and FineTuningJobEvent types.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_openai.script import HTTPError, http_error

Answer = tuple[int, Any] | HTTPError


@dataclass
class FineTuningScript:
    """How the next created fine-tuning job behaves: it starts at statuses[0] and each retrieve moves one step."""

    statuses: tuple[str, ...] = ("validating_files", "queued", "running", "succeeded")
    fine_tuned_model: str | None = None  # None: "ft:<model>:<suffix or codecapsule-fake>::<job id suffix>"
    error: dict[str, Any] | None = None  # for "failed": {"code", "message", "param"}
    trained_tokens: int = 4242


_EVENT_MESSAGES = {
    "validating_files": "Validating training file",
    "queued": "Fine-tuning job queued",
    "running": "Fine-tuning job started",
    "succeeded": "The job has successfully completed",
    "failed": "The job failed",
    "cancelled": "The job was cancelled",
}
_FINAL_STATUSES = {"succeeded", "failed", "cancelled"}
_DEFAULT_FAILURE = {
    "code": "invalid_training_file",
    "message": "The training file is not valid JSONL.",
    "param": "training_file",
}


@dataclass
class FineTuningJob:
    data: dict[str, Any]  # the FineTuningJob JSON the API returns
    script: FineTuningScript
    step: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    announced: str | None = None  # the last status an event was written for


class FineTuningState:
    def __init__(self, new_id: Callable[[str], str]) -> None:
        self.files: dict[str, dict[str, Any]] = {}
        self.file_contents: dict[str, bytes] = {}
        self.jobs: dict[str, FineTuningJob] = {}
        self._scripts: deque[FineTuningScript] = deque()
        self._new_id = new_id
        self._lock = threading.Lock()

    def queue(self, *scripts: FineTuningScript) -> None:
        with self._lock:
            self._scripts.extend(scripts)

    # endpoints

    def create_file(self, form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> Answer:
        purpose = form.get("purpose")
        if "file" not in files or not purpose:
            return http_error(400, "Both 'file' and 'purpose' are required.", param="file")
        filename, content = files["file"]
        file_id = self._new_id("file")
        data = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": None,
        }
        with self._lock:
            self.files[file_id] = data
            self.file_contents[file_id] = content
        return 200, data

    def create_job(self, body: dict[str, Any]) -> Answer:
        training_file = body.get("training_file")
        model = body.get("model")
        if not model:
            return http_error(400, "Missing required parameter: 'model'.", param="model")
        with self._lock:
            if training_file not in self.files:
                return http_error(
                    400, f"invalid training_file: {training_file}", param="training_file", code="invalid_file"
                )
            script = self._scripts.popleft() if self._scripts else FineTuningScript()
            job_id = self._new_id("ftjob")
            hyperparameters = {"batch_size": "auto", "learning_rate_multiplier": "auto", "n_epochs": "auto"}
            hyperparameters.update(body.get("hyperparameters") or {})
            job = FineTuningJob(
                data={
                    "id": job_id,
                    "object": "fine_tuning.job",
                    "created_at": int(time.time()),
                    "error": None,
                    "fine_tuned_model": None,
                    "finished_at": None,
                    "hyperparameters": hyperparameters,
                    "model": model,
                    "organization_id": "org-fake",
                    "result_files": [],
                    "seed": int(body.get("seed") or 42),
                    "status": script.statuses[0],
                    "trained_tokens": None,
                    "training_file": training_file,
                    "validation_file": body.get("validation_file"),
                    "estimated_finish": None,
                    "integrations": None,
                    "metadata": body.get("metadata"),
                    "user_provided_suffix": body.get("suffix"),
                    "method": {"type": "supervised", "supervised": {"hyperparameters": hyperparameters}},
                },
                script=script,
            )
            self.jobs[job_id] = job
            self._add_event(job, f"Created fine-tuning job: {job_id}")
            self._apply_status(job, script.statuses[0])
            return 200, dict(job.data)

    def list_jobs(self) -> Answer:
        with self._lock:
            data = [dict(job.data) for job in reversed(self.jobs.values())]  # newest first
        return 200, {"object": "list", "data": data, "has_more": False}

    def retrieve_job(self, job_id: str) -> Answer:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return _no_job(job_id)
            if job.data["status"] not in _FINAL_STATUSES:
                job.step = min(job.step + 1, len(job.script.statuses) - 1)
                self._apply_status(job, job.script.statuses[job.step])
            return 200, dict(job.data)

    def job_events(self, job_id: str) -> Answer:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return _no_job(job_id)
            events = list(reversed(job.events))  # newest first, like the real API
        return 200, {"object": "list", "data": events, "has_more": False}

    def cancel_job(self, job_id: str) -> Answer:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return _no_job(job_id)
            if job.data["status"] not in _FINAL_STATUSES:
                self._apply_status(job, "cancelled")
            return 200, dict(job.data)

    # status changes (callers hold the lock)

    def _add_event(self, job: FineTuningJob, message: str, level: str = "info") -> None:
        job.events.append(
            {
                "id": self._new_id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "data": {},
                "type": "message",
            }
        )

    def _apply_status(self, job: FineTuningJob, status: str) -> None:
        """Move a job to `status`, filling the fields the real API fills at that point, with one event."""
        if job.announced == status:
            return
        job.announced = status
        job.data["status"] = status
        now = int(time.time())
        if status == "succeeded":
            suffix = job.data.get("user_provided_suffix") or "codecapsule-fake"
            job.data["fine_tuned_model"] = job.script.fine_tuned_model or (
                f"ft:{job.data['model']}:{suffix}::{job.data['id'].rsplit('-', 1)[-1]}"
            )
            job.data["trained_tokens"] = job.script.trained_tokens
            job.data["finished_at"] = now
            job.data["result_files"] = [self._new_id("file")]
        elif status == "failed":
            job.data["error"] = job.script.error or dict(_DEFAULT_FAILURE)
            job.data["finished_at"] = now
        elif status == "cancelled":
            job.data["finished_at"] = now
        message = _EVENT_MESSAGES.get(status, f"Status: {status}")
        if status == "failed":
            message = f"{message}: {job.data['error'].get('message')}"
        self._add_event(job, message, level="error" if status == "failed" else "info")


def _no_job(job_id: str) -> HTTPError:
    return http_error(404, f"No fine-tuning job found with id {job_id}.")
