"""Who may start judge work now: one piece of it in flight per person and per client address.

Judging holds one of the host's few judge slots for seconds (JUDGE_ATTEMPT_WALL_SECONDS for a learner's attempt, a
gate run for a creator's save). Rate limits count requests per minute, which does not stop a few requests that each
run for their whole budget from holding every slot (16 sleeping submits from one address held all 8 slots and left
an honest learner elsewhere ungraded). So:

* a learner (their server-issued key, or their account) and a client address (codecapsule/net.py) may each have
  one attempt in flight — Run, Submit, a terminal command or check, an attempt through the API;
* a creator (their account) and a client address may each have one synchronous judgement in flight — a save
  through the API or the dashboard, the validate API (open sign-up makes accounts cheap to script).

A second one is refused at once (InFlight: 429 with Retry-After), and the person's work stays in their page. An
honest learner presses Submit again after the first answer, so they never see it; a classroom behind one NAT sees
an attempt's length of wait, at worst. Learners and creators are counted apart, so a teacher saving a capsule does
not hold up their class.

The marks live in Django's cache (Redis in production: shared by every web process), each with a lifetime longer
than the work can take, so a process killed mid-judgement frees its owner soon after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from rest_framework import status

from codecapsule.errors import ErrorCode, RetryLater

KEY_PREFIX = "judge-in-flight"
# What a job may take beyond its budget before the host kills it (judges/runtimes/base.py BUDGET_BACKSTOP_SECONDS),
# with room for the request around it.
_SLACK_SECONDS = 30


class InFlight(RetryLater):
    """The person or their address already has judge work in flight. Answer 429 with Retry-After."""

    code = ErrorCode.ATTEMPT_IN_FLIGHT
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


LEARNER_MESSAGE = "Your previous attempt is still being checked. Wait for its result, then try again — your work is kept."
CREATOR_MESSAGE = "Your previous save is still being judged. Wait for it to finish, then try again — nothing was lost."


@contextmanager
def learner_attempt(*, learner: str | None, address: str) -> Iterator[None]:
    """Mark the learner (None: none known) and the address as judging until the block ends; InFlight if either is
    marked already (nothing is marked then). The mark outlives the longest attempt: the wait for a slot, the largest
    budget (an extended tier), slack."""
    lifetime = (
        settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS + settings.JUDGE_ATTEMPT_WALL_SECONDS * settings.JUDGE_EXTENDED_FACTOR + _SLACK_SECONDS
    )
    keys = [f"{KEY_PREFIX}:address:{address}"] + ([f"{KEY_PREFIX}:learner:{learner}"] if learner else [])
    with _marked(keys, lifetime, LEARNER_MESSAGE):
        yield


@contextmanager
def creator_judgement(*, user_id: object, address: str) -> Iterator[None]:
    """The same for a creator's synchronous save or validation. The mark outlives the longest one: the background
    wait for a slot, then up to four sandbox jobs (a DATABASE gate), each bounded by JUDGE_JOB_WALL_SECONDS."""
    lifetime = settings.JUDGE_SLOT_WAIT_SECONDS + 4 * settings.JUDGE_JOB_WALL_SECONDS + _SLACK_SECONDS
    keys = [f"{KEY_PREFIX}:creator-address:{address}", f"{KEY_PREFIX}:creator:{user_id}"]
    with _marked(keys, lifetime, CREATOR_MESSAGE):
        yield


@contextmanager
def _marked(keys: list[str], lifetime: float, message: str) -> Iterator[None]:
    taken: list[str] = []
    try:
        for key in keys:
            if not cache.add(key, 1, timeout=lifetime):
                raise InFlight(message)
            taken.append(key)
        yield
    finally:
        cache.delete_many(taken)
