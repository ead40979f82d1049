"""`/healthz`: is this web process fit to take traffic? For load balancers and uptime monitors.

The database is essential: without it no page works, so its failure answers 503 and the load balancer
takes the machine out of rotation. The broker (django-q2) and the sandbox (bubblewrap) only stop some
features (generation jobs, judging), and every web process shares them, so their failure answers 200 with
status "degraded": taking all machines out of rotation for a shared outage would turn it into a total one.

No authentication, no session, no CSRF (GET/HEAD only), never cached by anything in between.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The sandbox probe starts a bubblewrap process and holds a judge slot while it runs (tens of ms when the
# machine is idle, up to JUDGE_SLOT_WAIT_SECONDS when every slot is busy). Load balancers poll every few
# seconds, often several of them per machine, so one probe per 30 s per process keeps the check cheap and
# keeps it from competing with learners' jobs for slots; a fixed machine is seen within half a minute.
SANDBOX_CACHE_SECONDS = 30.0
# Load balancers time health checks out after ~2-5 s. A probe that has not finished by then (all slots
# busy) keeps running in the background and the answer falls back to the last known result.
SANDBOX_WAIT_SECONDS = 1.0

Check = dict[str, Any]


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


# --- Database ---------------------------------------------------------------------------------------


def _query_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_database() -> Check:
    start = time.perf_counter()
    try:
        _query_database()
    except Exception as exc:  # any failure here means "down"; the reason goes to the log, not the body
        logger.warning("health: database check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__, "latency_ms": _ms_since(start)}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _ms_since(start)}


# --- Broker -----------------------------------------------------------------------------------------


def _last_heartbeat_age(broker: Any) -> float | None:
    """Seconds since the youngest qcluster heartbeat, when the clusters' stats are visible from here.

    django-q2 keeps them in Django's cache: with a per-process cache (the default locmem) a web process
    never sees them, so None means "unknown", not "no worker".
    """
    from django.utils import timezone
    from django_q.status import Stat

    stats = Stat.get_all(broker=broker)
    if not stats:
        return None
    youngest = max(stat.timestamp for stat in stats)
    return round((timezone.now() - youngest).total_seconds(), 1)


def check_broker() -> Check:
    """1. ping (Redis answers PONG; the ORM broker always says yes); 2. the queue length, which for the
    ORM broker is a real query on its table; 3. the last worker heartbeat, best effort."""
    from django_q.brokers import get_broker

    start = time.perf_counter()
    try:
        broker = get_broker()
        if not broker.ping():
            raise ConnectionError("the broker did not answer ping")
        result: Check = {"ok": True, "kind": type(broker).__name__.lower(), "queued": broker.queue_size()}
    except Exception as exc:
        logger.warning("health: broker check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__, "latency_ms": _ms_since(start)}
    result["latency_ms"] = _ms_since(start)
    try:
        result["last_heartbeat_seconds"] = _last_heartbeat_age(broker)
    except Exception:  # informational only; never fails the check
        result["last_heartbeat_seconds"] = None
    return result


# --- Sandbox ----------------------------------------------------------------------------------------

_sandbox_lock = threading.Lock()
_sandbox_cached: tuple[float, str | None] | None = None  # (monotonic time of the probe, reason or None)
_sandbox_pending: Future | None = None
_sandbox_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-sandbox")


def _probe_sandbox() -> str | None:
    """Runs in the executor's thread; stores its result before the future completes, so whoever waits
    on the future finds the cache filled."""
    global _sandbox_cached, _sandbox_pending
    from judges.sandbox import sandbox_status

    try:
        reason = sandbox_status()
    except Exception as exc:
        reason = f"the sandbox probe failed: {exc}"
    with _sandbox_lock:
        _sandbox_cached = (time.monotonic(), reason)
        _sandbox_pending = None
    return reason


def reset_sandbox_cache() -> None:
    """Forget the cached probe (tests; a probe still running stores its result when it ends)."""
    global _sandbox_cached, _sandbox_pending
    with _sandbox_lock:
        _sandbox_cached = None
        _sandbox_pending = None


def check_sandbox() -> Check:
    """1. a probe younger than SANDBOX_CACHE_SECONDS answers at once; 2. otherwise one probe runs in a
    background thread (never two at a time) and we wait up to SANDBOX_WAIT_SECONDS; 3. if it is still
    running, answer with the previous result (marked stale), or "unknown" when there is none."""
    global _sandbox_pending
    with _sandbox_lock:
        cached = _sandbox_cached
        if cached is not None and time.monotonic() - cached[0] < SANDBOX_CACHE_SECONDS:
            return _sandbox_result(cached)
        if _sandbox_pending is None:
            _sandbox_pending = _sandbox_executor.submit(_probe_sandbox)
        pending = _sandbox_pending
    try:
        reason = pending.result(timeout=SANDBOX_WAIT_SECONDS)
    except FutureTimeout:
        with _sandbox_lock:
            cached = _sandbox_cached
        if cached is None:
            return {"ok": False, "error": f"the sandbox probe did not finish within {SANDBOX_WAIT_SECONDS:g} s (judge slots busy?)"}
        return {**_sandbox_result(cached), "stale": True}
    return _sandbox_result((time.monotonic(), reason))


def _sandbox_result(cached: tuple[float, str | None]) -> Check:
    checked_at, reason = cached
    age = round(time.monotonic() - checked_at, 1)
    if reason is None:
        return {"ok": True, "checked_seconds_ago": age}
    return {"ok": False, "error": reason, "checked_seconds_ago": age}


# --- The view ---------------------------------------------------------------------------------------


@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker(), "sandbox": check_sandbox()}
    if not checks["database"]["ok"]:
        status, code = "down", 503
    elif checks["broker"]["ok"] and checks["sandbox"]["ok"]:
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
