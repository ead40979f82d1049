"""django-q2 tasks of feedback: the analysis, after edits (enqueued by feedback.edits.capture on commit, and by the
dashboard when its stored training summary is outdated) and daily (the schedule made by
migrations/0003_analysis_schedule.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django_q.tasks import async_task

from feedback.insights.store import feedback_snapshots_refresh
from feedback.training.store import training_summaries_refresh

logger = logging.getLogger(__name__)

ANALYSIS_TASK = "feedback.tasks.analyse_feedback"
# A burst of saves (a creator fixing test after test, an import of many capsules) enqueues one analysis: after
# one is enqueued, saves in the next ANALYSIS_DEBOUNCE_SECONDS enqueue nothing. The analysis reads the edits
# when it runs, so those still queued behind it are counted; any it misses make the stored snapshot older than
# the newest edit, and the pages then compute the insights live (feedback.insights.store), so nothing is shown
# stale. The next edit after the window, or the daily run, brings the snapshot up to date.
ANALYSIS_DEBOUNCE_SECONDS = 60
_DEBOUNCE_KEY = "feedback:analysis-enqueued"


def enqueue_analysis() -> bool:
    """Enqueue one analysis unless one was enqueued within ANALYSIS_DEBOUNCE_SECONDS; True when it did.

    Called from transaction.on_commit (the worker must see the committed edits). cache.add is atomic: of
    several callers, one wins.
    """
    if not cache.add(_DEBOUNCE_KEY, True, timeout=ANALYSIS_DEBOUNCE_SECONDS):
        return False
    async_task(ANALYSIS_TASK, group="feedback-analysis", timeout=settings.Q_TIMEOUT_SECONDS)
    return True


def analyse_feedback() -> str:
    """Recompute the stored insights of every period (feedback.insights.store) and the stored training-set
    summaries (feedback.training.store)."""
    try:
        snapshots = feedback_snapshots_refresh()
        summaries = training_summaries_refresh()
    except Exception:
        logger.exception("The feedback analysis failed")
        raise  # django-q2 records the failed task with its traceback
    edits = {snapshot.days: snapshot.insights["total_edits"] for snapshot in snapshots}
    return "analysed: " + ", ".join(f"{n} edits in {days} days" for days, n in edits.items()) + f"; {summaries} training summaries"
