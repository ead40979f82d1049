"""Reads of playlists: access helpers, the embed view of one step, progress.

Visibility:
- The owner reads and changes their playlists (get_playlist_for_owner).
- A public playlist is embeddable by plain URL; a private one only with the signed token its embed code
  carries (get_playlist_for_embed). Anything else is a 404: we never reveal that a private one exists.
- A learner sees the steps whose capsule is the playlist owner's own and proven by the judge (validated or
  published), or anyone's published and public one, and never one hidden by moderation (rejected or
  flagged). Step numbers count only those, so a capsule someone else unpublished (or a draft) drops out
  of the course instead of leaving a hole. The rule itself is capsules.models.visible_q (through
  `Capsule.objects.visible_to`), the same one every capsule read uses; nothing here writes it out again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.crypto import constant_time_compare

from capsules.models import MODERATED_STATUSES, Capsule, course_hidden_reason, visible_q
from codecapsule.http import User
from playlists.models import LearnerDraft, LearnerProgress, Playlist, PlaylistItem

_EMBED_TOKEN_SALT = "playlists.embed-token"


class PlaylistNotFound(Http404):
    """A missing playlist or step; the API answers the seed's `404 {"error": "Playlist or step not found"}`."""


# --- Capsules a creator may add --------------------------------------------------------------------------


def addable_capsules(actor: User) -> QuerySet[Capsule]:
    """Capsules `actor` may put in a playlist: what they may see (their own and published public ones), less
    their own that moderation hid (a published public capsule never is)."""
    if not actor.is_authenticated:
        return Capsule.objects.none()
    return Capsule.objects.visible_to(actor).exclude(status__in=MODERATED_STATUSES)


# --- Access helpers ---------------------------------------------------------------------------------------


def playlists_owned_by(user: User) -> QuerySet[Playlist]:
    if not user.is_authenticated:
        return Playlist.objects.none()
    return Playlist.objects.filter(creator=user)


def playlists_public() -> QuerySet[Playlist]:
    """The gallery: public playlists, newest change first."""
    return Playlist.objects.filter(is_public=True).order_by("-updated_at", "playlist_id")


def _get_or_404(playlist_id: UUID | str) -> Playlist:
    try:
        return Playlist.objects.get(pk=playlist_id)
    except (Playlist.DoesNotExist, ValidationError, ValueError):
        raise PlaylistNotFound("Playlist or step not found") from None


def get_playlist_for_reader(user: User, playlist_id: UUID | str) -> Playlist:
    """The playlist if it is public or the user's own; 404 otherwise."""
    playlist = _get_or_404(playlist_id)
    if playlist.is_public or (user.is_authenticated and playlist.creator_id == user.pk):
        return playlist
    raise PlaylistNotFound("Playlist or step not found")


def get_playlist_for_owner(user: User, playlist_id: UUID | str) -> Playlist:
    """The playlist if the user owns it; 404 if they cannot even read it, 403 if they can but do not own it."""
    playlist = get_playlist_for_reader(user, playlist_id)
    if not user.is_authenticated or playlist.creator_id != user.pk:
        raise PermissionDenied("Only the playlist's creator can change it.")
    return playlist


def embed_token(playlist: Playlist) -> str:
    """The signed token that makes a private playlist embeddable. It is stable (the embed code pasted into
    a blog keeps working) and changes only with SECRET_KEY."""
    return signing.Signer(salt=_EMBED_TOKEN_SALT).signature(str(playlist.playlist_id))


def embed_token_valid(playlist: Playlist, token: str | None) -> bool:
    if not token:
        return False
    return constant_time_compare(token, embed_token(playlist))


def may_embed(playlist: Playlist, *, token: str | None, user: User | None) -> bool:
    """The embed rule: a public playlist, or the one its token names, or its owner's own. `user` is only looked at
    for a playlist that is neither public nor opened by its token: a lazy `request.user` then reads the session (and
    makes the answer vary on Cookie) only for those."""
    if playlist.is_public or embed_token_valid(playlist, token):
        return True
    return user is not None and user.is_authenticated and playlist.creator_id == user.pk


def get_playlist_for_embed(playlist_id: UUID | str, *, token: str | None, user: User | None = None) -> Playlist:
    """The playlist if it is public, the token is its embed token, or `user` owns it; else 404."""
    playlist = _get_or_404(playlist_id)
    if may_embed(playlist, token=token, user=user):
        return playlist
    raise PlaylistNotFound("Playlist or step not found")


# --- What an embed's content depends on ------------------------------------------------------------------


_SENTINEL_ID = UUID(int=0)


@lru_cache(maxsize=4)
def _stamp_sql(vendor: str) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """get_playlist_with_embed_stamp's SQL, and where the playlist id goes among its parameters.

    1. The counts come from one aggregate over the playlist's items joined to their capsules (and the playlist, for
       the owner the visibility rule needs), compiled by the ORM from the one rule (visible_q).
    2. The playlist's row is joined to that one-row aggregate by hand: three correlated subqueries (what the ORM
       would write) took PostgreSQL 1.7 ms to plan and 0.7 ms to run on every request; this, 0.4 and 0.3.
    3. Built once per process (and database vendor): the ORM takes ~4 ms of Python to compile it, ten times what
       running it costs, and it is the same SQL for every playlist but its id.
    """
    owner = F("playlist__creator_id")
    counts = (
        PlaylistItem.objects.filter(playlist_id=_SENTINEL_ID)
        .order_by()
        .values("playlist")
        .annotate(
            stamp_items=Count("pk"),
            stamp_steps=Count("pk", filter=visible_q(course_owner_id=owner, prefix="capsule__")),
            stamp_changed=Max("capsule__updated_at"),
        )
    )
    inner, inner_params = counts.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(f"p.{quote(field.column)}" for field in Playlist._meta.concrete_fields)
    sql = (
        f"SELECT {columns}, a.stamp_items AS item_count, a.stamp_steps AS step_count, a.stamp_changed AS capsules_changed_at "
        f"FROM {quote(Playlist._meta.db_table)} p LEFT JOIN ({inner}) a ON 1 = 1 WHERE p.{quote(Playlist._meta.pk.column)} = %s"
    )
    params = (*inner_params, _SENTINEL_ID)
    sentinel = Playlist._meta.pk.get_db_prep_value(_SENTINEL_ID, connection)
    return sql, params, tuple(index for index, value in enumerate(params) if value in (sentinel, _SENTINEL_ID))


def get_playlist_with_embed_stamp(playlist_id: UUID | str) -> Playlist | None:
    """The playlist, annotated with what the learner-visible content of its embed depends on besides its own row,
    in one query of one row: `item_count`, `step_count` (the items learners see) and `capsules_changed_at` (the
    newest `updated_at` among its capsules). None when there is no such playlist. No access check: see
    get_playlist_for_embed's rule, which the embed views apply."""
    try:
        pk = playlist_id if isinstance(playlist_id, UUID) else UUID(str(playlist_id))
    except ValueError:
        return None
    sql, params, at = _stamp_sql(connection.vendor)
    prepared = Playlist._meta.pk.get_db_prep_value(pk, connection)
    values = [prepared if index in at else value for index, value in enumerate(params)]
    playlist = next(iter(Playlist.objects.raw(sql, values)), None)
    if playlist is not None and playlist.item_count is None:  # no items: the aggregate had no group
        playlist.item_count = playlist.step_count = 0
    return playlist


def embed_stamp(playlist: Playlist) -> str:
    """A short digest that changes whenever what learners see of the playlist may have changed: its own row
    (every service write saves `updated_at`, an item change bumps `version`), its owner (whose proven capsules
    count as steps), the number of items and of steps learners see (a capsule deleted, hidden or published
    without its `updated_at` moving, as moderation's queryset updates do), and the newest capsule change (a
    title, statement or configuration edited through the capsule services). `playlist` comes from
    get_playlist_with_embed_stamp."""
    parts = (
        playlist.pk, playlist.updated_at.isoformat(), playlist.version, playlist.is_public, playlist.creator_id,
        playlist.item_count, playlist.step_count, playlist.capsules_changed_at,  # a datetime, or SQLite's text of one
    )  # fmt: skip
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def learner_step_ids(playlist: Playlist) -> list[tuple[UUID, UUID, str]]:
    """(item id, capsule id, capsule type) of every step a learner sees, in step order: what a learner's state
    needs to number their completed items and find a step's capsule, without the titles."""
    return list(learner_visible_items(playlist).values_list("item_id", "capsule_id", "capsule__capsule_type"))


# --- Steps ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSummary:
    """What the header, the dots and the jump menu need of every step (no capsule content)."""

    position: int
    item_id: UUID
    capsule_id: UUID
    title: str
    capsule_type: str


@dataclass(frozen=True)
class EmbedStep:
    playlist: Playlist
    steps: list[StepSummary]
    current: StepSummary
    capsule: Capsule

    @property
    def position(self) -> int:
        return self.current.position

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def previous(self) -> StepSummary | None:
        return self.steps[self.position - 2] if self.position > 1 else None

    @property
    def next(self) -> StepSummary | None:
        return self.steps[self.position] if self.position < self.total else None

    @property
    def is_last(self) -> bool:
        return self.position == self.total


def _learner_visible(course_owner_id: Any) -> Any:
    """The one visibility rule as a filter on items, inside a course whose owner is `course_owner_id` (a value,
    or an OuterRef() to the playlist's creator): a join to the capsule, not a per-row check."""
    return visible_q(course_owner_id=course_owner_id, prefix="capsule__")


def learner_visible_items(playlist: Playlist) -> QuerySet[PlaylistItem]:
    """The playlist's items a learner sees, in order (see the module docstring)."""
    return PlaylistItem.objects.filter(_learner_visible(playlist.creator_id), playlist=playlist).order_by("order")


def items_with_learner_visibility(playlist: Playlist) -> QuerySet[PlaylistItem]:
    """Every item with its capsule, in order, for the playlist's owner (the API); one query. Annotated:
    - `hidden_reason`: None for a step learners see, else why they do not (capsules.models.HiddenReason);
    - `owner_may_read`: whether the owner may read the capsule itself (their own, or published and public),
      so that a capsule another creator took back is not handed to them through their playlist either."""
    owner_reads = visible_q(reader_id=playlist.creator_id, prefix="capsule__")
    return (
        PlaylistItem.objects.filter(playlist=playlist)  # type: ignore[no-redef]  # declared on the model (not a column)
        .select_related("capsule")
        .annotate(
            hidden_reason=course_hidden_reason(course_owner_id=playlist.creator_id, prefix="capsule__"),
            owner_may_read=ExpressionWrapper(owner_reads, output_field=BooleanField()),
        )
        .order_by("order")
    )


def _count_of(items: QuerySet[PlaylistItem]) -> Coalesce:
    """COUNT(*) of `items` (which filter on OuterRef("pk")) as a correlated subquery, computed for the rows read
    up to the end of the page. A Count() over a join grouped every playlist's items before the page was cut out:
    10-18 ms per request with a thousand playlists (benchmarks/scale_bench.py)."""
    counted = items.order_by().values("playlist").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_hidden_reasons(capsules: QuerySet[Capsule], *, course_owner_id: Any) -> QuerySet[Capsule]:
    """Annotate `hidden_reason` on capsules that are (or are about to be) steps of a course of `course_owner_id`:
    None when its learners would see them, else why not (the builder's steps, saved or not)."""
    return capsules.annotate(hidden_reason=course_hidden_reason(course_owner_id=course_owner_id))  # type: ignore[no-redef]  # declared on the model (not a column)


def _visible_items_of_outer_playlist() -> QuerySet[PlaylistItem]:
    return PlaylistItem.objects.filter(_learner_visible(OuterRef("creator_id")), playlist=OuterRef("pk"))


def public_playlists_with_steps() -> QuerySet[Playlist]:
    """The gallery: public playlists with their creator, leaving out courses with no step a learner sees
    (EXISTS, which stops at the first visible step)."""
    return playlists_public().select_related("creator").filter(Exists(_visible_items_of_outer_playlist()))


def with_step_counts(playlists: QuerySet[Playlist]) -> QuerySet[Playlist]:
    """Annotate `step_count`, the number of steps a learner sees. A subquery per row: give it one page's rows
    (PostgreSQL also computes it for every row an OFFSET skips)."""
    return playlists.annotate(step_count=_count_of(_visible_items_of_outer_playlist()))  # type: ignore[no-redef]  # declared on the model (not a column)


def playlist_steps(playlist: Playlist) -> list[StepSummary]:
    """Every learner-visible step, numbered 1..N, in one query of titles only."""
    rows = learner_visible_items(playlist).values_list("item_id", "capsule_id", "capsule__title", "capsule__capsule_type")
    return [
        StepSummary(position=position, item_id=item_id, capsule_id=capsule_id, title=title, capsule_type=capsule_type)
        for position, (item_id, capsule_id, title, capsule_type) in enumerate(rows, start=1)
    ]


def parse_step(raw: str | None, *, default: int = 1) -> int | None:
    """`?step=N` as a positive integer; the default when absent; None when it is not a step number."""
    if raw is None or raw == "":
        return default
    try:
        step = int(raw)
    except (TypeError, ValueError):
        return None
    return step if step >= 1 else None


def embed_step(playlist: Playlist, step: int | None, *, steps: list[StepSummary] | None = None) -> EmbedStep:
    """Step `step` of the playlist as a learner sees it: two queries whatever the playlist's length
    (the step titles, unless `steps` are given, then the current capsule). PlaylistNotFound for a step that does
    not exist."""
    steps = playlist_steps(playlist) if steps is None else steps
    if step is None or not 1 <= step <= len(steps):
        raise PlaylistNotFound("Playlist or step not found")
    current = steps[step - 1]
    try:
        # The rule again, not a bare get: a capsule unpublished between the two queries is not shown.
        capsule = Capsule.objects.visible_to(None, course_owner_id=playlist.creator_id).get(pk=current.capsule_id)
    except Capsule.DoesNotExist:
        raise PlaylistNotFound("Playlist or step not found") from None
    return EmbedStep(playlist=playlist, steps=steps, current=current, capsule=capsule)


# --- Progress ---------------------------------------------------------------------------------------------


def learner_progress(playlist: Playlist, learner_key: str | None) -> LearnerProgress | None:
    if not learner_key:
        return None
    return LearnerProgress.objects.filter(playlist=playlist, learner_key=learner_key).first()


def learner_draft(learner_key: str, capsule_id: UUID) -> str | None:
    """The learner's saved code of a capsule (services.draft_save), or None. The caller has checked that the
    request may read the capsule."""
    return LearnerDraft.objects.filter(learner_key=learner_key, capsule_id=capsule_id).values_list("code", flat=True).first()


def playlist_items_in_order(playlist: Playlist) -> list[PlaylistItem]:
    """Every item with its capsule (the builder's right column), in order."""
    return list(PlaylistItem.objects.filter(playlist=playlist).select_related("capsule").order_by("order"))


def with_item_counts(playlists: QuerySet[Playlist]) -> QuerySet[Playlist]:
    """Annotate `item_count` (all items, as the owner counts them) in the same query (see _count_of)."""
    return playlists.annotate(item_count=_count_of(PlaylistItem.objects.filter(playlist=OuterRef("pk"))))  # type: ignore[no-redef]  # declared on the model (not a column)


def with_item_counts_for(playlists: QuerySet[Playlist], viewer: User) -> QuerySet[Playlist]:
    """Annotate `item_count` as `viewer` is shown the items (the API's total_items): every item of their own
    playlists, the steps a learner sees of anyone else's. Still one query; each row runs one of the two
    counts."""
    learner_steps = _count_of(_visible_items_of_outer_playlist())
    if not viewer.is_authenticated:
        return playlists.annotate(item_count=learner_steps)  # type: ignore[no-redef]  # declared on the model (not a column)
    every_item = _count_of(PlaylistItem.objects.filter(playlist=OuterRef("pk")))
    return playlists.annotate(  # type: ignore[no-redef]  # declared on the model (not a column)
        item_count=Case(When(creator_id=viewer.pk, then=every_item), default=learner_steps, output_field=IntegerField())
    )
