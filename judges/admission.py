"""Who may start a judge job now: at most one learner attempt in flight per learner and per client address.

A learner's Run, Submit, terminal command or check, and an attempt through the API, each hold a judge slot for up
to JUDGE_ATTEMPT_WALL_SECONDS. Rate limits count requests per minute, which does not stop a few requests that
each sleep for their whole budget from holding every slot (16 sleeping submits from one address held all 8 slots
and left an honest learner elsewhere ungraded). So a learner (their server-issued key, or their account) and a
client address (codecapsule/net.py) may each have one attempt in flight; a second one is refused at once with
429 and Retry-After, and the learner's work stays in their page. An honest learner presses Submit again after
the first answer, so they never see it; a classroom behind one NAT sees an attempt's length of wait, at worst.

The marks live in Django's cache (Redis in production: shared by every web process), each with a lifetime
longer than any attempt can take, so a process killed mid-attempt frees its learner soon after.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from rest_framework import status

from codecapsule.errors import ApplicationError
from judges.runtimes.base import BUDGET_BACKSTOP_SECONDS

KEY_PREFIX = "judge-in-flight"


class AttemptInFlight(ApplicationError):
    """The learner or their address already has an attempt being judged. Answer 429 with Retry-After."""

    code = "attempt_in_flight"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS

    @property
    def retry_after(self) -> int:
        return settings.JUDGE_BUSY_RETRY_AFTER_SECONDS


IN_FLIGHT_MESSAGE = "Your previous attempt is still being checked. Wait for its result, then try again — your work is kept."


def mark_lifetime_seconds() -> float:
    """Longer than any attempt: the wait for a slot, the largest budget (an extended tier), the backstop, slack."""
    longest_budget = settings.JUDGE_ATTEMPT_WALL_SECONDS * settings.JUDGE_EXTENDED_FACTOR
    return settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS + longest_budget + BUDGET_BACKSTOP_SECONDS + 30


@contextmanager
def one_attempt_at_a_time(*, learner: str | None, address: str) -> Iterator[None]:
    """Mark the learner (None: none known) and the address as judging until the block ends; AttemptInFlight if
    either is marked already (nothing is marked then)."""
    keys = [f"{KEY_PREFIX}:address:{address}"] + ([f"{KEY_PREFIX}:learner:{learner}"] if learner else [])
    taken = _take_all(keys)
    try:
        yield
    finally:
        cache.delete_many(taken)


def _take_all(keys: Sequence[str]) -> list[str]:
    taken: list[str] = []
    lifetime = mark_lifetime_seconds()
    for key in keys:
        if not cache.add(key, 1, timeout=lifetime):
            cache.delete_many(taken)
            raise AttemptInFlight(IN_FLIGHT_MESSAGE)
        taken.append(key)
    return taken
