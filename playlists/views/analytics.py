"""The creator's analytics page of one playlist: learners, completions, the step-by-step reach funnel and daily
active learners, over a chosen period (?days=7|30|90|all).

Only the owner sees it (selectors.get_playlist_for_owner: 404 when the visitor cannot even read the playlist,
403 when they can but do not own it). Charts are drawn on the server (CSS bars and an inline SVG), so the page
needs no script and stays within the strict CSP.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from codecapsule.http import AuthenticatedHttpRequest
from playlists.analytics import ANALYTICS_PERIODS, DailyActive, analytics_days
from playlists.analytics import playlist_analytics as compute_playlist_analytics
from playlists.selectors import get_playlist_for_owner

# Geometry of the daily chart's SVG viewBox: one slot per day, a bar leaves a gap on each side.
DAILY_CHART_SLOT = 10
DAILY_CHART_BAR = 8
DAILY_CHART_HEIGHT = 100


def _period_links(days: int | None) -> list[dict[str, object]]:
    return [
        {
            "query": "all" if period is None else str(period),
            "label": "All time" if period is None else f"{period} days",
            "current": period == days,
        }
        for period in ANALYTICS_PERIODS
    ]


def _daily_bars(daily: list[DailyActive]) -> list[dict[str, object]]:
    """SVG rectangles of the daily chart, in viewBox units (bars grow up from the baseline)."""
    bars = []
    for index, entry in enumerate(daily):
        height = round(DAILY_CHART_HEIGHT * entry.percent_of_peak / 100, 2)
        bars.append(
            {
                "entry": entry,
                "x": index * DAILY_CHART_SLOT + (DAILY_CHART_SLOT - DAILY_CHART_BAR) / 2,
                "y": round(DAILY_CHART_HEIGHT - height, 2),
                "height": height,
            }
        )
    return bars


@login_required
@require_GET
def playlist_analytics(request: AuthenticatedHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    days = analytics_days(request.GET.get("days"))
    analytics = compute_playlist_analytics(playlist, days=days)
    context = {
        "playlist": playlist,
        "analytics": analytics,
        "days": days,
        "periods": _period_links(days),
        "daily_bars": _daily_bars(analytics.daily),
        "chart": {
            "width": len(analytics.daily) * DAILY_CHART_SLOT,
            "height": DAILY_CHART_HEIGHT,
            "bar_width": DAILY_CHART_BAR,
        },
    }
    return render(request, "playlists/playlist_analytics.html", context)
