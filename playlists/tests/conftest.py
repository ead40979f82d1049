"""Fixtures for playlist tests: capsules made without the judge (playlists do not care how a capsule was
proven, and a 200-step playlist must not cost 200 judge runs) and a small playlist to start from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import User

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from playlists.models import Playlist
from playlists.selectors import playlist_steps
from playlists.services import playlist_create, playlist_set_items, progress_record_step_completed


def unjudged_capsule(
    creator: User, *, title: str, status: str = "validated", is_public: bool = False, capsule_type: str = "CODE"
) -> Capsule:
    data = capsule_data(capsule_type)
    return Capsule(
        creator=creator,
        title=title,
        capsule_type=capsule_type,
        problem_statement_md=data["problem_statement_md"],
        language=data["runtime_config"]["language"],
        runtime_tier="sandbox-" + data["runtime_config"]["language"],
        difficulty=data["difficulty"],
        config_data=data["config_data"],
        status=status,
        is_public=is_public,
    )


def complete_steps(playlist: Playlist, key: str, *positions: int) -> None:
    """Record that the learner `key` completed the steps at `positions` (1-based), as a passing Submit would."""
    steps = playlist_steps(playlist)
    for position in positions:
        progress_record_step_completed(
            playlist=playlist, learner_key=key, step=position, item_id=steps[position - 1].item_id,
            all_item_ids=[step.item_id for step in steps],
        )  # fmt: skip


def capsule_ids_in_order(playlist: Playlist) -> list[UUID]:
    """The capsule of every step of `playlist`, hidden ones included, in step order: what a builder save sends."""
    return list(playlist.items.order_by("order").values_list("capsule_id", flat=True))


def reverse_steps(playlist: Playlist, actor: User) -> None:
    """Save the steps in reverse order through the builder's service (a new version, as another tab's save)."""
    playlist_set_items(playlist=playlist, actor=actor, capsule_ids=capsule_ids_in_order(playlist)[::-1])


def append_step(playlist: Playlist, actor: User, capsule: Capsule) -> None:
    """Save the steps with `capsule` added at the end, through the builder's service."""
    playlist_set_items(playlist=playlist, actor=actor, capsule_ids=[*capsule_ids_in_order(playlist), capsule.pk])


@pytest.fixture
def quick_capsules(db) -> Callable[..., list[Capsule]]:
    """quick_capsules(creator, 3, status="published", is_public=True) → capsules titled "Step 1".. "Step 3"."""

    def make(creator: User, count: int, *, prefix: str = "Step", **fields: Any) -> list[Capsule]:
        return Capsule.objects.bulk_create(
            unjudged_capsule(creator, title=f"{prefix} {n}", **fields) for n in range(1, count + 1)
        )

    return make


@pytest.fixture
def three_step_playlist(owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 3)
    return playlist_create(
        creator=owner, title="Python 101", description="Three steps", items=[{"capsule_id": str(c.pk)} for c in capsules]
    )


@pytest.fixture
def course(owner, quick_capsules) -> Playlist:
    """A public course of three published public capsules titled "Step 1".."Step 3"."""
    capsules = quick_capsules(owner, 3, status="published", is_public=True)
    return playlist_create(creator=owner, title="Python 101", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])


@pytest.fixture
def private_course(owner, quick_capsules) -> Playlist:
    """A private course of two validated, private capsules titled "Secret 1" and "Secret 2"."""
    capsules = quick_capsules(owner, 2, prefix="Secret")
    return playlist_create(creator=owner, title="Private course", items=[{"capsule_id": str(c.pk)} for c in capsules])
