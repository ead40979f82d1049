"""What one generation job may spend: tokens (prompt + output of every model call) and wall-clock seconds.

The pipeline (generation/pipeline.py) makes one `JobBudget` per run, charges every agent call to it and asks
`exhausted()` before each call and each judgement: a job over budget fails with category `token_budget` or
`time_budget` instead of calling the model again. The LLM client asks `call_limits()` before each request, so a
call's output cap is cut to the tokens left and its timeout to the seconds left (generation/llm/limits.py).
Settings: GENERATION_JOB_TOKEN_BUDGET, GENERATION_JOB_WALL_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings

from generation.llm.limits import CallLimits

TOKEN_BUDGET = "token_budget"
TIME_BUDGET = "time_budget"


@dataclass
class JobBudget:
    max_tokens: int
    max_seconds: float
    used_tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_settings(cls) -> JobBudget:
        """The configured budget, its clock started now."""
        return cls(max_tokens=int(settings.GENERATION_JOB_TOKEN_BUDGET), max_seconds=float(settings.GENERATION_JOB_WALL_SECONDS))

    @property
    def deadline(self) -> float:
        return self.started + self.max_seconds

    def tokens_left(self) -> int:
        return max(self.max_tokens - self.used_tokens, 0)

    def seconds_left(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def charge(self, tokens: int) -> None:
        self.used_tokens += max(tokens, 0)

    def exhausted(self, *, tokens: bool = True) -> tuple[str, str] | None:
        """(category, sentence) when the job has spent its tokens (unless `tokens` is False: a judgement costs
        none) or its time; None while it may go on."""
        if tokens and self.tokens_left() <= 0:
            return TOKEN_BUDGET, (
                f"The job used {self.used_tokens:,} tokens, its budget is {self.max_tokens:,} "
                "(GENERATION_JOB_TOKEN_BUDGET): it stopped instead of calling the model again."
            )
        if self.seconds_left() <= 0:
            return TIME_BUDGET, (
                f"The job ran for {self.max_seconds:.0f} s, its budget (GENERATION_JOB_WALL_SECONDS): it stopped "
                "instead of going on."
            )
        return None

    def call_limits(self) -> CallLimits:
        return CallLimits(max_output_tokens=max(self.tokens_left(), 1), deadline=self.deadline)
