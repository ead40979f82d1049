#!/usr/bin/env python3
"""Load benchmark at scale: the read endpoints learners and creators hit most, against a
database of 10,000 capsules and 1,000 playlists, with 50 concurrent clients.

1. The stack of benchmarks/embed_bench.py (imported, not copied): throwaway PostgreSQL and Redis, migrations,
   static files in a temporary directory, gunicorn with production settings (Redis cache, persistent database
   connections), the same closed-loop asyncio clients, nearest-rank percentiles and gunicorn CPU per request.
2. Seeds with bulk_create, in a few seconds: --creators creators (default 100) with --capsules capsules
   (default 10,000) between them, a mix of CODE, DATABASE and TERMINAL; most published and public, some
   published but private, drafts and validated ones, so that visibility filters select a real subset; created
   over the past year. Then --playlists playlists (default 1,000) of 5 to 30 published public capsules each
   (steps 1..N), most public. Then VACUUM ANALYZE, as autovacuum would have done on a database of that age.
3. Counts the SQL queries of one request to each endpoint, in this process with Django's test client against the
   same database (before gunicorn starts), to show they do not grow with the data.
4. Measures each endpoint with one client (--baseline seconds: the cost of a request without queueing), then with
   --clients (default 50) for --seconds, each after --warmup unrecorded seconds; every request picks a random
   playlist, step, page or search word:
       GET /api/playlists/<id>/embed?step=N        the embed's JSON (anonymous)
       GET /embed/playlist/<id>?step=N             the embed page (anonymous learner, cookie kept per visit)
       GET /api/capsules/?page=N                   the public capsule list, first pages (anonymous)
       GET /api/capsules/?page=N                   the same, a page in the last quarter (OFFSET in the thousands)
       GET /api/capsules/?capsule_type=DATABASE    filtered, first pages
       GET /api/capsules/?search=WORD              title search
       GET /api/playlists/?scope=public&page=N     the playlist list (anonymous)
       GET /gallery/?page=N                        the public gallery page
       GET /capsules/?page=N                       a creator's dashboard list (session cookie, ~100 capsules)
       GET /api/capsules/?mine=1&page=N            the same creator's list through the API (Token auth)
   and prints a table (requests per second, p50/p90/p99/max latency, failures, CPU ms per request, the one-client
   p50/p99 and the query count of each endpoint).

The exit status is 0 for a report (whatever the figures), 1 when any request failed (a status other than 200 or
a broken connection), 2 when the benchmark could not run. It is not part of `make test`. About 3 minutes:

    .venv/bin/python benchmarks/scale_bench.py [--clients 50] [--seconds 8] [--baseline 3] [--warmup 2]
        [--session 10] [--workers 3] [--threads 4] [--capsules 10000] [--playlists 1000] [--creators 100]
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embed_bench import (  # noqa: E402
    HOST,
    STATS_HEADER,
    Measurement,
    add_load_arguments,
    describe_setup,
    django_stack,
    frontend_built,
    gunicorn,
    measure,
    stats_cells,
)

from scripts.with_postgres import ClusterError  # noqa: E402

API_PAGE_SIZE = 20  # REST_FRAMEWORK["PAGE_SIZE"], CAPSULE_LIST_PAGE_SIZE and PLAYLIST_LIST_PAGE_SIZE default
WORDS = (
    "array", "graph", "string", "join", "window", "index", "cursor", "parse", "merge", "stack",
    "queue", "tree", "hash", "regex", "file", "shell", "process", "signal", "matrix", "sort",
)  # fmt: skip
TOPICS = ("Python basics", "SQL joins", "Shell survival", "Algorithms", "Data cleaning", "Text processing")


# --- Seeding --------------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    creator_ids: list[int]
    dashboard_user_id: int  # a creator with about capsules/creators capsules
    public_capsules: int  # published and public: what anonymous lists page through
    public_database_capsules: int
    dashboard_capsules: int
    playlists: list[tuple[str, int]] = field(default_factory=list)  # public ones: (id, steps)
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def explicit_timestamps(*models: type) -> Iterator[None]:
    """Let bulk_create keep the created_at/updated_at we set (auto_now/auto_now_add would overwrite them)."""
    fields = [
        f for model in models for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def seed(*, capsules: int, playlists: int, creators: int, rng: random.Random) -> Seeded:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from capsules.models import Capsule, CapsuleStatus, CapsuleType, Difficulty
    from capsules.services import _stored_config_data, capsule_validate_for_save
    from capsules.tests.samples import capsule_data
    from playlists.models import Playlist, PlaylistItem

    now = timezone.now()
    year = timedelta(days=365).total_seconds()

    def some_time_this_year():
        return now - timedelta(seconds=rng.uniform(0, year))

    password = make_password(secrets.token_urlsafe(16))  # hashed once: one hash per row would take minutes
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"creator{n:03}", email=f"creator{n:03}@example.com", password=password) for n in range(creators)
        )
        # One validated sample per type (DATABASE's seed SQL stored once, content-addressed), shared by every row.
        templates = {}
        for capsule_type in CapsuleType.values:
            draft = capsule_validate_for_save(data=capsule_data(capsule_type))
            templates[capsule_type] = (draft, _stored_config_data(draft))
        # Half CODE, a quarter each DATABASE and TERMINAL; 80 % published and public, the rest split between
        # published-private, validated and draft (none of them in anonymous lists or playlists).
        kinds = [CapsuleType.CODE, CapsuleType.CODE, CapsuleType.DATABASE, CapsuleType.TERMINAL]
        states = [(CapsuleStatus.PUBLISHED, True)] * 16 + [
            (CapsuleStatus.PUBLISHED, False), (CapsuleStatus.VALIDATED, False), (CapsuleStatus.VALIDATED, True),
            (CapsuleStatus.DRAFT, False),
        ]  # fmt: skip
        rows = []
        for n in range(capsules):
            capsule_type = kinds[n % len(kinds)]
            draft, config_data = templates[capsule_type]
            status, is_public = rng.choice(states)
            created = some_time_this_year()
            rows.append(
                Capsule(
                    title=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} exercise {n}",
                    capsule_type=capsule_type,
                    problem_statement_md=draft.problem_statement_md,
                    language=draft.language,
                    runtime_tier=draft.runtime_tier,
                    difficulty=rng.choice(Difficulty.values),
                    config_data=config_data,
                    creator=users[n % creators],
                    status=status,
                    is_public=is_public,
                    created_at=created,
                    updated_at=created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds())),
                )
            )
        with explicit_timestamps(Capsule, Playlist, PlaylistItem):
            Capsule.objects.bulk_create(rows, batch_size=1000)
            published = [c for c in rows if c.status == CapsuleStatus.PUBLISHED and c.is_public]
            lists, items, public = [], [], []
            for n in range(playlists):
                steps = rng.randint(5, 30)
                created = some_time_this_year()
                playlist = Playlist(
                    creator=users[rng.randrange(creators)],
                    title=f"{rng.choice(TOPICS)}, part {n}",
                    description="A course for the scale benchmark.",
                    is_public=rng.random() < 0.85,
                    created_at=created,
                    updated_at=created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds())),
                )
                lists.append(playlist)
                if playlist.is_public:
                    public.append((str(playlist.playlist_id), steps))
                items += [
                    PlaylistItem(playlist=playlist, capsule=capsule, order=order, created_at=created)
                    for order, capsule in enumerate(rng.sample(published, steps), start=1)
                ]
            Playlist.objects.bulk_create(lists, batch_size=1000)
            PlaylistItem.objects.bulk_create(items, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # outside the transaction: VACUUM refuses to run in one
    dashboard = users[0]
    mine = [c for c in rows if c.creator_id == dashboard.pk]
    return Seeded(
        creator_ids=[u.pk for u in users],
        dashboard_user_id=dashboard.pk,
        public_capsules=len(published),
        public_database_capsules=sum(c.capsule_type == CapsuleType.DATABASE for c in published),
        dashboard_capsules=len(mine),
        playlists=public,
        counts={
            "users": len(users), "capsules": len(rows), "published public": len(published),
            "playlists": len(lists), "public playlists": len(public), "playlist items": len(items),
        },
    )  # fmt: skip


# --- Endpoints ------------------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    label: str
    next_path: Callable[[], str]
    auth: str = ""  # "", "session" or "token"
    queries: int | None = None
    db_ms: float = 0.0
    runs: list[Measurement] = field(default_factory=list)


def pages(count: int, size: int = API_PAGE_SIZE) -> int:
    return max(math.ceil(count / size), 1)


def endpoints(seeded: Seeded, rng: random.Random) -> list[Endpoint]:
    public_pages = pages(seeded.public_capsules)
    deep_from = max(public_pages * 3 // 4, 1)
    database_pages = min(pages(seeded.public_database_capsules), 10)
    playlist_pages = pages(len(seeded.playlists))
    dashboard_pages = pages(seeded.dashboard_capsules)

    def step_of_a_playlist(template: str) -> Callable[[], str]:
        def path() -> str:
            playlist_id, steps = rng.choice(seeded.playlists)
            return template.format(id=playlist_id, step=rng.randint(1, steps))

        return path

    def page(template: str, first: int, last: int) -> Callable[[], str]:
        return lambda: template.format(page=rng.randint(first, last))

    return [
        Endpoint("GET /api/playlists/<id>/embed?step=N", step_of_a_playlist("/api/playlists/{id}/embed?step={step}")),
        Endpoint("GET /embed/playlist/<id>?step=N", step_of_a_playlist("/embed/playlist/{id}?step={step}")),
        Endpoint("GET /api/capsules/?page=1..5", page("/api/capsules/?page={page}", 1, min(5, public_pages))),
        Endpoint(f"GET /api/capsules/?page={deep_from}..{public_pages}", page("/api/capsules/?page={page}", deep_from, public_pages)),
        Endpoint(
            f"GET /api/capsules/?capsule_type=DATABASE&page=1..{database_pages}",
            page("/api/capsules/?capsule_type=DATABASE&page={page}", 1, database_pages),
        ),
        Endpoint("GET /api/capsules/?search=WORD", lambda: f"/api/capsules/?search={rng.choice(WORDS)}"),
        Endpoint(
            f"GET /api/playlists/?scope=public&page=1..{playlist_pages}",
            page("/api/playlists/?scope=public&page={page}", 1, playlist_pages),
        ),
        Endpoint(f"GET /gallery/?page=1..{playlist_pages}", page("/gallery/?page={page}", 1, playlist_pages)),
        Endpoint(f"GET /capsules/?page=1..{dashboard_pages} (session)", page("/capsules/?page={page}", 1, dashboard_pages), auth="session"),
        Endpoint(
            f"GET /api/capsules/?mine=1&page=1..{dashboard_pages} (token)",
            page("/api/capsules/?mine=1&page={page}", 1, dashboard_pages),
            auth="token",
        ),
    ]  # fmt: skip


@dataclass
class Credentials:
    cookies: dict[str, str]  # the dashboard creator's session
    headers: dict[str, str]  # the same creator's API token

    def of(self, endpoint: Endpoint) -> dict[str, dict[str, str] | None]:
        return {
            "cookies": self.cookies if endpoint.auth == "session" else None,
            "headers": self.headers if endpoint.auth == "token" else None,
        }


def sign_in(user_id: int) -> tuple[Credentials, object]:
    """A session (made through the test client, so it is stored as a browser's would be) and a DRF token."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user = User.objects.get(pk=user_id)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    token, _ = Token.objects.get_or_create(user=user)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    return Credentials(cookies=cookies, headers={"Authorization": f"Token {token.key}"}), client


def count_queries(endpoint_list: list[Endpoint], credentials: Credentials, session_client) -> list[str]:
    """The SQL queries of one request to each endpoint (the second of two, so one-off lookups are not counted);
    returns the endpoints that did not answer 200."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    anonymous = Client(HTTP_HOST=HOST)
    with_token = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=credentials.headers["Authorization"])
    broken = []
    for endpoint in endpoint_list:
        client = {"": anonymous, "session": session_client, "token": with_token}[endpoint.auth]
        path = endpoint.next_path()
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            broken.append(f"{endpoint.label}: {path} answered {response.status_code}")
        endpoint.queries = len(captured.captured_queries)
        endpoint.db_ms = 1000 * sum(float(q["time"]) for q in captured.captured_queries)
    return broken


# --- Main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_arguments(parser, seconds=8, baseline=3)
    parser.add_argument("--capsules", type=int, default=10_000, help="capsules to seed (default 10000)")
    parser.add_argument("--playlists", type=int, default=1_000, help="playlists to seed (default 1000)")
    parser.add_argument("--creators", type=int, default=100, help="creators owning them (default 100)")
    parser.add_argument("--random-seed", type=int, default=8, help="seed of the data and request mix (default 8)")
    args = parser.parse_args()
    if args.capsules < 100 or args.playlists < 1 or args.creators < 1:
        parser.error("at least 100 capsules, 1 playlist and 1 creator")

    if not frontend_built():
        return 2
    rng = random.Random(args.random_seed)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp, django_stack(tmp) as stack:
        seed_began = time.perf_counter()
        seeded = seed(capsules=args.capsules, playlists=args.playlists, creators=args.creators, rng=rng)
        seed_seconds = time.perf_counter() - seed_began
        endpoint_list = endpoints(seeded, rng)
        credentials, session_client = sign_in(seeded.dashboard_user_id)
        broken = count_queries(endpoint_list, credentials, session_client)
        if broken:
            print("scale_bench: an endpoint does not answer 200 in-process:\n  " + "\n  ".join(broken), file=sys.stderr)
            return 2
        first_embed = f"/api/playlists/{seeded.playlists[0][0]}/embed?step=1"
        with gunicorn(stack, workers=args.workers, threads=args.threads, probe_path=first_embed) as server:
            print(describe_setup(stack, args, time.perf_counter() - began))
            print(
                f"seeded in {seed_seconds:.1f} s (bulk_create, then VACUUM ANALYZE): "
                + ", ".join(f"{v:,} {k}" for k, v in seeded.counts.items())
            )
            print(
                f"random playlists, steps, pages and search words; each client is one visitor after another "
                f"({args.session} requests on a keep-alive connection, then a new one); {args.warmup:g} s warm-up, "
                f"then {args.baseline:g} s with one client and {args.seconds:g} s with {args.clients}"
            )
            label_width = max(len(e.label) for e in endpoint_list)
            print(f"{'endpoint':<{label_width}} {STATS_HEADER}")
            failed = 0
            for endpoint in endpoint_list:
                for clients, seconds in ((1, args.baseline), (args.clients, args.seconds)):
                    m = measure(
                        server, endpoint.next_path, clients=clients, seconds=seconds, session=args.session,
                        warmup=args.warmup, **credentials.of(endpoint),
                    )  # fmt: skip
                    endpoint.runs.append(m)
                    failed += m.failed
                    print(f"{endpoint.label:<{label_width}} {stats_cells(m)}", flush=True)

            print(f"\nsummary: {args.clients} clients (latencies in ms; base = one client; queries = SQL per request, in-process)")
            print(
                f"{'endpoint':<{label_width}} {'req/s':>7} {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6} {'errors':>6} "
                f"{'cpu ms/req':>10} {'base p50':>8} {'base p99':>8} {'queries':>7} {'db ms':>6}"
            )
            for endpoint in endpoint_list:
                base, loaded = endpoint.runs
                times = loaded.result.latencies_ms
                print(
                    f"{endpoint.label:<{label_width}} {loaded.result.rps:>7.1f} {loaded.p(0.5):>6.1f} {loaded.p(0.9):>6.1f} "
                    f"{loaded.p(0.99):>6.1f} {times[-1] if times else float('nan'):>6.1f} {loaded.failed:>6} "
                    f"{loaded.cpu_ms_per_request:>10.2f} {base.p(0.5):>8.1f} {base.p(0.99):>8.1f} {endpoint.queries:>7} "
                    f"{endpoint.db_ms:>6.1f}"
                )
            print(
                "cpu ms/req: gunicorn's CPU time (master and workers) per answered request, PostgreSQL's not in it; "
                "db ms: the in-process request's SQL time"
            )
    if failed:
        print(f"{failed} request(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ClusterError, RuntimeError) as exc:
        print(f"scale_bench: {exc}", file=sys.stderr)
        sys.exit(2)
