"""Creator analytics of one playlist: who opened it, who finished it, how far learners get
step by step, and how many were active each day. Pure reads over LearnerEvent, aggregated in the database.

Steps are the playlist's current learner-visible steps (selectors.playlist_steps), and every per-step count
is taken by item, not by step number: after a reorder, step 3's history is the history of the capsule now
at step 3. Events of removed items (item set to NULL) still count as learner activity but belong to no step.

A learner is an anonymous learner key. "Learners" in a period are the keys with any event in it; "completed"
are the keys with a `completed` event in it (the event is written with LearnerProgress.completed_at, once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from playlists.models import LearnerEvent, Playlist
from playlists.selectors import playlist_steps

# The periods the page offers (days); None is "all time". Anything else falls back to the default.
ANALYTICS_PERIODS: tuple[int | None, ...] = (7, 30, 90, None)
ANALYTICS_DEFAULT_DAYS = 30
# The daily chart always covers this many days ending today, whatever the period: a month of activity is
# what a creator checks after sharing a course, and 30 bars still fit a phone's width.
DAILY_ACTIVE_DAYS = 30

_VIEWED = LearnerEvent.Verb.VIEWED
_STEP_COMPLETED = LearnerEvent.Verb.STEP_COMPLETED
_COMPLETED = LearnerEvent.Verb.COMPLETED


@dataclass(frozen=True)
class StepReach:
    """One step of the funnel: distinct learners who opened it and who completed it."""

    position: int
    item_id: UUID
    title: str
    capsule_type: str
    viewed: int
    viewed_percent: float  # of the period's learners
    completed: int  # learners with a step-completed event for this item


@dataclass(frozen=True)
class DailyActive:
    day: date
    learners: int
    percent_of_peak: float  # bar height: the busiest day of the window is 100


@dataclass
class PlaylistAnalytics:
    days: int | None  # None: all time
    since: datetime | None
    learners: int = 0  # distinct learner keys with any event in the period
    completed: int = 0  # of them, those with a `completed` event in the period
    learners_all_time: int = 0  # 0 means no learner ever opened the playlist (the page's empty state)
    steps: list[StepReach] = field(default_factory=list)
    daily: list[DailyActive] = field(default_factory=list)

    @property
    def completion_percent(self) -> float | None:
        return _percent(self.completed, self.learners) if self.learners else None

    @property
    def has_learners(self) -> bool:
        return self.learners_all_time > 0

    @property
    def daily_peak(self) -> int:
        return max((day.learners for day in self.daily), default=0)

    @property
    def daily_total(self) -> int:
        """Learner-days in the daily window (a learner active on two days counts twice)."""
        return sum(day.learners for day in self.daily)

    @property
    def biggest_drop(self) -> tuple[StepReach, StepReach] | None:
        """The two consecutive steps between which most learners stop, when any do."""
        pairs = [(before, after) for before, after in zip(self.steps, self.steps[1:], strict=False)]
        if not pairs:
            return None
        before, after = max(pairs, key=lambda pair: pair[0].viewed - pair[1].viewed)
        return (before, after) if before.viewed > after.viewed else None


def analytics_days(value: Any) -> int | None:
    """The period asked for (?days=7|30|90|all): days, None for all time, the default for anything else."""
    if value == "all":
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        return ANALYTICS_DEFAULT_DAYS
    return days if days in ANALYTICS_PERIODS else ANALYTICS_DEFAULT_DAYS


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def playlist_analytics(playlist: Playlist, *, days: int | None = None, now: datetime | None = None) -> PlaylistAnalytics:
    """The playlist's analytics over the last `days` days (None: all time), in four queries whatever the
    number of steps, learners and events:

    1. the current steps and their titles (playlist_steps);
    2. learners in the period, those who completed, and learners of all time (one conditional aggregate);
    3. per item: distinct learners with a `viewed` and with a `step-completed` event in the period;
    4. distinct learners per day over the last DAILY_ACTIVE_DAYS days (UTC days, like the rest of the site).
    """
    now = now or timezone.now()
    since = now - timedelta(days=days) if days is not None else None
    events = LearnerEvent.objects.filter(playlist=playlist, created_at__lte=now).order_by()
    in_period = Q(created_at__gte=since) if since is not None else Q()
    result = PlaylistAnalytics(days=days, since=since)

    steps = playlist_steps(playlist)  # query 1

    totals = events.aggregate(  # query 2
        learners=Count("learner_key", distinct=True, filter=in_period),
        completed=Count("learner_key", distinct=True, filter=in_period & Q(verb=_COMPLETED)),
        learners_all_time=Count("learner_key", distinct=True),
    )
    result.learners, result.completed = totals["learners"], totals["completed"]
    result.learners_all_time = totals["learners_all_time"]

    per_item: dict[UUID, dict[str, Any]] = {}
    if steps:  # query 3
        rows = (
            events.filter(in_period, verb__in=(_VIEWED, _STEP_COMPLETED), item_id__in=[step.item_id for step in steps])
            .values("item_id")
            .annotate(
                viewed=Count("learner_key", distinct=True, filter=Q(verb=_VIEWED)),
                completed=Count("learner_key", distinct=True, filter=Q(verb=_STEP_COMPLETED)),
            )
        )
        per_item = {row["item_id"]: row for row in rows}
    for step in steps:
        row = per_item.get(step.item_id, {"viewed": 0, "completed": 0})
        result.steps.append(
            StepReach(
                position=step.position,
                item_id=step.item_id,
                title=step.title,
                capsule_type=step.capsule_type,
                viewed=row["viewed"],
                viewed_percent=_percent(row["viewed"], result.learners),
                completed=row["completed"],
            )
        )

    result.daily = _daily_active(events, now=now)  # query 4
    return result


def _daily_active(events: QuerySet[LearnerEvent], *, now: datetime) -> list[DailyActive]:
    """One entry per day of the window, oldest first, days without activity included (as zero)."""
    today = timezone.localdate(now)
    first_day = today - timedelta(days=DAILY_ACTIVE_DAYS - 1)
    window_start = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    counts = dict(
        events.filter(created_at__gte=window_start)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(learners=Count("learner_key", distinct=True))
    )
    peak = max(counts.values(), default=0)
    days = [first_day + timedelta(days=offset) for offset in range(DAILY_ACTIVE_DAYS)]
    return [DailyActive(day=day, learners=counts.get(day, 0), percent_of_peak=_percent(counts.get(day, 0), peak)) for day in days]
