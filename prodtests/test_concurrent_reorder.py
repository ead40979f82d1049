"""50 concurrent reorders of one playlist, over HTTP against gunicorn on PostgreSQL, leave its orders a
permutation of 1..N with no item lost or duplicated.

`PUT /api/playlists/<id>/items` replaces the ordered item list under a lock of the playlist row
(playlists/services.py): writers queue on that lock, so whatever order they arrive in, each one sees the
previous one's committed result. Three ways clients use it:

1. Everyone sends the version they loaded: exactly one wins, the rest answer 409 stale_playlist.
2. Everyone retries on 409 with the fresh version: all 50 apply, one after another (50 version bumps).
3. Everyone sends a bare list (no version check): all 50 apply; the last one to commit wins.

In every case: no 5xx, orders exactly 1..N, the same capsules and item ids as before, and the final order
is the order of the request that committed last (the one whose answer carries the highest version).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from typing import Any

import pytest

from prodtests.stack import WebServer

ITEMS = 8
WRITERS = 50
REQUEST_SECONDS = 60  # one request waits for up to 49 others holding the playlist lock on 2 shared cores
RETRY_DEADLINE_SECONDS = 180


@pytest.fixture
def playlist(api_user) -> dict[str, Any]:
    """A playlist of ITEMS unjudged capsules owned by api_user, committed."""
    from capsules.models import Capsule
    from capsules.tests.samples import capsule_data
    from playlists.services import playlist_create

    user, _token = api_user
    data = capsule_data("CODE")
    capsules = Capsule.objects.bulk_create(
        Capsule(
            creator=user,
            title=f"Step {number}",
            capsule_type="CODE",
            problem_statement_md=data["problem_statement_md"],
            language=data["runtime_config"]["language"],
            runtime_tier="sandbox-python",
            difficulty=data["difficulty"],
            config_data=data["config_data"],
            status="validated",
        )
        for number in range(1, ITEMS + 1)
    )
    created = playlist_create(creator=user, title="Reordered a lot", items=[{"capsule_id": str(c.pk)} for c in capsules])
    return {"id": str(created.playlist_id), "capsule_ids": [str(c.pk) for c in capsules]}


class Client:
    def __init__(self, server: WebServer, token: str, playlist_id: str) -> None:
        self.server, self.playlist_id = server, playlist_id
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}

    def current(self) -> dict[str, Any]:
        status, _, body = self.server.get(f"/api/playlists/{self.playlist_id}", headers=self.headers, timeout=REQUEST_SECONDS)
        assert status == 200, body
        return json.loads(body)

    def put_items(self, capsule_ids: list[str], *, version: int | None) -> tuple[int, dict[str, Any]]:
        items = [{"capsule_id": capsule_id} for capsule_id in capsule_ids]
        payload: Any = items if version is None else {"items": items, "version": version}
        status, _, body = self.server.request(
            "PUT", f"/api/playlists/{self.playlist_id}/items", body=json.dumps(payload).encode(),
            headers=self.headers, timeout=REQUEST_SECONDS,
        )  # fmt: skip
        return status, json.loads(body) if body else {}


def run_together(work: list[Any], function: Any) -> list[Any]:
    """Run function(argument) for each argument in its own thread, all released at once; results in order.
    An exception in a thread (a reset connection, a timeout) is returned as the result, for the test to fail on."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(index: int, argument: Any) -> None:
        barrier.wait()
        try:
            results[index] = function(argument)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, a), daemon=True) for i, a in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RETRY_DEADLINE_SECONDS + REQUEST_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return results


def permutations(capsule_ids: list[str], count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [rng.sample(capsule_ids, len(capsule_ids)) for _ in range(count)]


def assert_playlist_intact(playlist_id: str, capsule_ids: list[str], item_ids: set[str]) -> list[str]:
    """Orders are 1..N over the same capsules and item ids as before, read from the database itself.
    Returns the capsule ids in order."""
    from playlists.models import PlaylistItem

    rows = list(PlaylistItem.objects.filter(playlist_id=playlist_id).order_by("order").values_list("order", "capsule_id", "item_id"))
    assert [order for order, _, _ in rows] == list(range(1, len(capsule_ids) + 1))
    assert sorted(str(capsule) for _, capsule, _ in rows) == sorted(capsule_ids)
    assert {str(item) for _, _, item in rows} == item_ids
    return [str(capsule) for _, capsule, _ in rows]


def last_applied(results: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """The successful answer with the highest version: the write that committed last."""
    return max((body for status, body in results if status == 200), key=lambda body: body["version"])


def _version_in_db(playlist_id: str) -> int:
    from playlists.models import Playlist

    return Playlist.objects.get(pk=playlist_id).version


def test_fifty_reorders_from_one_version_let_exactly_one_win(web_server, api_user, playlist):
    client = Client(web_server, api_user[1], playlist["id"])
    before = client.current()
    item_ids = {item["item_id"] for item in before["items"]}
    orders = permutations(playlist["capsule_ids"], WRITERS, seed=1)

    results = run_together(orders, lambda order: (order, *client.put_items(order, version=before["version"])))

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    statuses = Counter(status for _, status, _ in results)
    print(f"\none version, {WRITERS} writers: {dict(statuses)}")
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] == 1, statuses
    [(winner, _, answer)] = [(order, status, body) for order, status, body in results if status == 200]
    for _, status, body in results:
        if status == 409:
            assert body["error"]["code"] == "stale_playlist"
            assert set(body["error"]["fields"]) == {"version"}
    assert answer["version"] == before["version"] + 1
    assert [item["capsule_id"] for item in answer["items"]] == winner
    assert assert_playlist_intact(playlist["id"], playlist["capsule_ids"], item_ids) == winner
    assert _version_in_db(playlist["id"]) == before["version"] + 1


def test_fifty_writers_retrying_on_409_all_apply_one_after_another(web_server, api_user, playlist):
    client = Client(web_server, api_user[1], playlist["id"])
    before = client.current()
    item_ids = {item["item_id"] for item in before["items"]}
    orders = permutations(playlist["capsule_ids"], WRITERS, seed=2)
    conflicts = Counter()

    def write_until_applied(order: list[str]) -> tuple[int, dict[str, Any]]:
        """A client that reloads and tries again on 409, as the builder page does."""
        deadline = time.monotonic() + RETRY_DEADLINE_SECONDS
        version = before["version"]
        while True:
            status, body = client.put_items(order, version=version)
            if status != 409 or time.monotonic() > deadline:
                return status, body
            conflicts["409"] += 1
            time.sleep(random.uniform(0, 0.05))  # jitter, so the losers do not collide again in lockstep
            version = client.current()["version"]

    started = time.monotonic()
    results = run_together(orders, write_until_applied)
    elapsed = time.monotonic() - started

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    print(f"\nretrying on 409: {WRITERS} writes applied after {conflicts['409']} conflicts in {elapsed:.1f} s")
    assert [status for status, _ in results] == [200] * WRITERS, Counter(status for status, _ in results)
    versions = sorted(body["version"] for _, body in results)
    assert versions == list(range(before["version"] + 1, before["version"] + WRITERS + 1))  # one at a time
    final = last_applied(results)
    assert (
        assert_playlist_intact(playlist["id"], playlist["capsule_ids"], item_ids)
        == orders[next(i for i, (_, body) in enumerate(results) if body is final)]
    )
    assert _version_in_db(playlist["id"]) == before["version"] + WRITERS


def test_fifty_reorders_without_a_version_all_apply_and_the_last_one_wins(web_server, api_user, playlist):
    client = Client(web_server, api_user[1], playlist["id"])
    before = client.current()
    item_ids = {item["item_id"] for item in before["items"]}
    orders = permutations(playlist["capsule_ids"], WRITERS, seed=3)

    results = run_together(orders, lambda order: client.put_items(order, version=None))

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    assert [status for status, _ in results] == [200] * WRITERS, Counter(status for status, _ in results)
    # Serialized by the row lock: every write saw the one before it, so the versions are 50 distinct steps.
    assert sorted(body["version"] for _, body in results) == list(range(before["version"] + 1, before["version"] + WRITERS + 1))
    # Each answer is read under its own write's lock: it shows exactly the order that write saved.
    for order, (_, body) in zip(orders, results, strict=True):
        assert [item["capsule_id"] for item in body["items"]] == order
    final = last_applied(results)
    winner = orders[next(i for i, (_, body) in enumerate(results) if body is final)]
    assert assert_playlist_intact(playlist["id"], playlist["capsule_ids"], item_ids) == winner
    assert _version_in_db(playlist["id"]) == before["version"] + WRITERS
