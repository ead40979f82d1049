"""Writes of playlists and learner progress. The builder page, the API, the admin and commands all call these.

Every change of a playlist's items is one transaction that leaves `order` contiguous 1..N and bumps the
playlist's `version`. A caller that names the version its change was made from gets a Conflict (HTTP 409)
when someone else changed the items since: a stale reorder must never undo a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac

from capsules.models import Capsule
from codecapsule.errors import Conflict, ErrorCode, ValidationFailed
from codecapsule.http import SignedInUser
from playlists.models import LearnerDraft, LearnerEvent, LearnerProgress, Playlist, PlaylistItem
from playlists.selectors import addable_capsules

TITLE_MAX_LENGTH = cast(int, Playlist._meta.get_field("title").max_length)  # a CharField always has one


class StalePlaylist(Conflict):
    code = ErrorCode.STALE_PLAYLIST


# --- Input ----------------------------------------------------------------------------------------------


def _playlist_error(fields: dict[str, str]) -> ValidationFailed:
    return ValidationFailed.for_fields(fields, subject="The playlist")


def playlist_parse_items(raw: Any, *, path: str = "items") -> list[UUID]:
    """The seed's `items: [{capsule_id, order}]` as capsule ids in playlist order.

    `order` is optional and defaults to the item's position (1-based); when given, items are sorted by it
    and renumbered 1..N, so `[{order: 10}, {order: 20}]` is fine but two items with one order are not.
    Errors are field paths: `items[2].capsule_id: must be a UUID`.
    """
    if not isinstance(raw, list):
        raise _playlist_error({path: "must be a list of {capsule_id, order} objects"})
    errors: dict[str, str] = {}
    keyed: list[tuple[int, int, UUID]] = []
    seen_orders: dict[int, int] = {}
    seen_capsules: dict[UUID, int] = {}
    for index, entry in enumerate(raw):
        here = f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            errors[here] = "must be an object with capsule_id and optional order"
            continue
        capsule_id = _parse_uuid(entry.get("capsule_id"))
        if capsule_id is None:
            errors[f"{here}.capsule_id"] = "Field required" if entry.get("capsule_id") is None else "must be a UUID"
        elif capsule_id in seen_capsules:
            errors[f"{here}.capsule_id"] = f"is already item {seen_capsules[capsule_id] + 1} of the playlist"
        else:
            seen_capsules[capsule_id] = index
        order = entry.get("order", index + 1)
        if order is None:
            order = index + 1
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            errors[f"{here}.order"] = "must be a positive integer"
        elif order in seen_orders:
            errors[f"{here}.order"] = f"is also the order of {path}[{seen_orders[order]}]"
        else:
            seen_orders[order] = index
        if capsule_id is not None and f"{here}.capsule_id" not in errors and f"{here}.order" not in errors:
            keyed.append((order, index, capsule_id))
    if errors:
        raise _playlist_error(errors)
    return [capsule_id for _order, _index, capsule_id in sorted(keyed)]


def _all_or_nothing(*parsers: Callable[[], Any]) -> list[Any]:
    """Run every parser and report all their errors together, so one 400 names every bad field."""
    results: list[Any] = []
    errors: dict[str, str] = {}
    for parse in parsers:
        try:
            results.append(parse())
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise _playlist_error(errors)
    return results


def _parse_uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _details(*, title: Any, description: Any, is_public: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "Field required" if title in (None, "") else "must be a non-empty string"
    elif len(title.strip()) > TITLE_MAX_LENGTH:
        errors["title"] = f"must be at most {TITLE_MAX_LENGTH} characters"
    if description is None:
        description = ""
    if not isinstance(description, str):
        errors["description"] = "must be a string"
    if not isinstance(is_public, bool):
        errors["is_public"] = "must be true or false"
    if errors:
        raise _playlist_error(errors)
    return {"title": title.strip(), "description": description.strip(), "is_public": is_public}


def _check_addable(actor: SignedInUser, capsule_ids: Sequence[UUID], *, path: str = "items") -> None:
    allowed = set(addable_capsules(actor).filter(pk__in=capsule_ids).values_list("pk", flat=True))
    errors = {
        f"{path}[{index}].capsule_id": "is not one of your capsules or a published public capsule"
        for index, capsule_id in enumerate(capsule_ids)
        if capsule_id not in allowed
    }
    if errors:
        raise _playlist_error(errors)


def _ensure_owner(playlist: Playlist, actor: SignedInUser) -> None:
    if not actor.is_authenticated or playlist.creator_id != actor.pk:
        raise PermissionDenied("Only the playlist's creator can change it.")


# --- Writing the order ------------------------------------------------------------------------------------


def _write_orders(playlist: Playlist, items_in_order: Sequence[PlaylistItem]) -> None:
    """Give `items_in_order` the orders 1..N (they are all of the playlist's items).

    With a deferrable UNIQUE(playlist, order) (PostgreSQL) the constraint is checked at commit, so one
    bulk update may pass through duplicates. Elsewhere (SQLite checks row by row) every order first
    moves above any final value, then takes its final value: no two rows ever share an order.
    """
    changed = [item for position, item in enumerate(items_in_order, start=1) if item.order != position]
    if not changed:
        return
    if not connection.features.supports_deferrable_unique_constraints:
        offset = len(items_in_order) + max(item.order for item in items_in_order)
        PlaylistItem.objects.filter(pk__in=[item.pk for item in changed]).update(order=F("order") + offset)
    for position, item in enumerate(items_in_order, start=1):
        item.order = position
    PlaylistItem.objects.bulk_update(changed, ["order"])


def _lock(playlist: Playlist, *, version: int | None) -> Playlist:
    locked = Playlist.objects.select_for_update().get(pk=playlist.pk)
    if version is not None and version != locked.version:
        raise StalePlaylist(
            f"The playlist changed since you loaded it (version {version}, now {locked.version}). "
            "Refresh to see the current order, then try again.",
            fields={"version": f"is {version}; the current version is {locked.version}"},
        )
    return locked


def _bump(locked: Playlist, playlist: Playlist) -> None:
    """Save the locked row (details included) with the next version, and tell the caller's copy."""
    locked.version += 1
    locked.save(update_fields=["title", "description", "is_public", "version", "updated_at"])
    playlist.version, playlist.updated_at = locked.version, locked.updated_at


# --- Services ---------------------------------------------------------------------------------------------


def playlist_create(
    *,
    creator: SignedInUser,
    title: Any,
    description: Any = "",
    is_public: Any = False,
    items: Any = (),
) -> Playlist:
    """A new playlist with its items (the seed's create body), in one transaction."""
    details, capsule_ids = _all_or_nothing(
        lambda: _details(title=title, description=description, is_public=is_public),
        lambda: playlist_parse_items(list(items) if isinstance(items, tuple) else items),
    )
    _check_addable(creator, capsule_ids)
    with transaction.atomic():
        playlist = Playlist.objects.create(creator=creator, **details)
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, capsule_id=capsule_id, order=position)
            for position, capsule_id in enumerate(capsule_ids, start=1)
        )
    return playlist


def playlist_update(
    *,
    playlist: Playlist,
    actor: SignedInUser,
    title: Any,
    description: Any = "",
    is_public: Any = False,
    version: int | None = None,
) -> Playlist:
    """Change the title, description and visibility (not the items: see playlist_set_items). Bumps the
    version too, so a builder open elsewhere cannot silently overwrite the new title."""
    _ensure_owner(playlist, actor)
    details = _details(title=title, description=description, is_public=is_public)
    with transaction.atomic():
        locked = _lock(playlist, version=version)
        _apply_details(locked, playlist, details)
        _bump(locked, playlist)
    return playlist


def _apply_details(locked: Playlist, playlist: Playlist, details: dict[str, Any]) -> None:
    for field, value in details.items():
        setattr(locked, field, value)
        setattr(playlist, field, value)


def playlist_set_items(
    *, playlist: Playlist, actor: SignedInUser, capsule_ids: Sequence[UUID], version: int | None = None
) -> list[PlaylistItem]:
    """Make the playlist exactly `capsule_ids`, in that order (the builder's save and `PUT …/items`).

    1. Every capsule must be addable by the actor (see addable_capsules), except ones already in the
       playlist: a capsule someone else unpublished may stay where it is (the embed hides it).
    2. Under a lock of the playlist row, `version` (when given) must be current.
    3. Items no longer listed are deleted, kept ones keep their item_id (and learners' progress),
       new ones are created; then orders become 1..N and the version goes up.
    """
    _ensure_owner(playlist, actor)
    if len(set(capsule_ids)) != len(capsule_ids):
        raise _playlist_error({"items": "lists a capsule more than once"})
    with transaction.atomic():
        locked = _lock(playlist, version=version)
        ordered = _set_items_locked(locked, actor, capsule_ids)
        _bump(locked, playlist)
    return ordered


def _set_items_locked(locked: Playlist, actor: SignedInUser, capsule_ids: Sequence[UUID]) -> list[PlaylistItem]:
    """playlist_set_items' steps 1 and 3, inside the caller's transaction and lock."""
    existing = {item.capsule_id: item for item in PlaylistItem.objects.filter(playlist=locked)}
    new_ids = [capsule_id for capsule_id in capsule_ids if capsule_id not in existing]
    if new_ids:
        allowed = set(addable_capsules(actor).filter(pk__in=new_ids).values_list("pk", flat=True))
        errors = {
            f"items[{index}].capsule_id": "is not one of your capsules or a published public capsule"
            for index, capsule_id in enumerate(capsule_ids)
            if capsule_id in new_ids and capsule_id not in allowed
        }
        if errors:
            raise _playlist_error(errors)
    wanted = set(capsule_ids)
    PlaylistItem.objects.filter(pk__in=[item.pk for capsule_id, item in existing.items() if capsule_id not in wanted]).delete()
    kept = [existing[capsule_id] for capsule_id in capsule_ids if capsule_id in existing]
    top = max((item.order for item in kept), default=0) + len(capsule_ids)
    created = {
        capsule_id: PlaylistItem(playlist=locked, capsule_id=capsule_id, order=top + offset)
        for offset, capsule_id in enumerate(new_ids, start=1)
    }
    PlaylistItem.objects.bulk_create(created.values())
    ordered = [existing.get(capsule_id) or created[capsule_id] for capsule_id in capsule_ids]
    _write_orders(locked, ordered)
    return ordered


def playlist_replace(
    *,
    playlist: Playlist,
    actor: SignedInUser,
    title: Any,
    description: Any = "",
    is_public: Any = False,
    items: Any = None,
    version: int | None = None,
) -> Playlist:
    """New details and, when `items` is given, a new item list (the seed's item shape), in one transaction:
    a bad item or a stale version leaves the details unchanged too. Errors of both are reported together."""
    _ensure_owner(playlist, actor)
    parsers: list[Callable[[], Any]] = [lambda: _details(title=title, description=description, is_public=is_public)]
    if items is not None:
        parsers.append(lambda: playlist_parse_items(items))
    parsed = _all_or_nothing(*parsers)
    if items is not None and len(set(parsed[1])) != len(parsed[1]):
        raise _playlist_error({"items": "lists a capsule more than once"})
    with transaction.atomic():
        locked = _lock(playlist, version=version)
        _apply_details(locked, playlist, parsed[0])
        if items is not None:
            _set_items_locked(locked, actor, parsed[1])
        _bump(locked, playlist)
    return playlist


def playlist_delete(*, playlist: Playlist, actor: SignedInUser) -> None:
    _ensure_owner(playlist, actor)
    playlist.delete()


def playlist_unlist(*, playlist: Playlist, actor: SignedInUser) -> bool:
    """Moderation: make a public playlist private (out of the gallery; its signed embed code keeps working).
    Staff only. Returns whether anything changed."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can unlist other creators' playlists.")
    changed = Playlist.objects.filter(pk=playlist.pk, is_public=True).update(is_public=False)
    playlist.is_public = False
    return bool(changed)


# --- Learner progress ---------------------------------------------------------------------------------------


def progress_record_view(*, playlist: Playlist, learner_key: str, step: int, item_id: UUID | str | None) -> LearnerProgress:
    """A learner looked at step `step`: move their position and append a `viewed` event.

    Looking completes nothing: a step is complete when the judge passes the learner's work
    (progress_record_step_completed), and the course when every step is.
    """
    with transaction.atomic():
        progress, _created = LearnerProgress.objects.select_for_update().get_or_create(
            playlist=playlist, learner_key=learner_key
        )
        progress.position = step
        progress.save()
        LearnerEvent.objects.create(playlist=playlist, item_id=item_id, learner_key=learner_key, verb="viewed", step=step)
    return progress


def progress_record_step_completed(
    *, playlist: Playlist, learner_key: str, step: int, item_id: UUID | str, all_item_ids: Iterable[UUID | str]
) -> tuple[LearnerProgress, bool]:
    """A learner completed a step (graded by the judge). Returns the progress and whether the whole
    playlist became complete with it. Completing a step twice records nothing new."""
    item_key = str(item_id)
    with transaction.atomic():
        progress, _created = LearnerProgress.objects.select_for_update().get_or_create(
            playlist=playlist, learner_key=learner_key, defaults={"position": step}
        )
        if item_key in progress.completed_items:
            return progress, False
        progress.completed_items = [*progress.completed_items, item_key]
        events = [
            LearnerEvent(playlist=playlist, item_id=item_id, learner_key=learner_key, verb="step-completed", step=step)
        ]
        newly_complete = progress.completed_at is None and {str(i) for i in all_item_ids} <= set(progress.completed_items)
        if newly_complete:
            progress.completed_at = timezone.now()
            events.append(
                LearnerEvent(playlist=playlist, item_id=item_id, learner_key=learner_key, verb="completed", step=step)
            )
        progress.save()
        LearnerEvent.objects.bulk_create(events)
    return progress, newly_complete


# --- Learner drafts -----------------------------------------------------------------------------------------

# A learner key is free to mint, so what one key may store is bounded: its newest drafts (a long course's worth;
# the oldest goes when a new one comes), each at most JUDGE_MAX_CODE_BYTES (what the judge would take anyway).
DRAFTS_PER_LEARNER = 100
# A draft nobody touched for this long is deleted by the daily schedule (migration 0002). Learner progress has no
# retention of its own; half a year keeps a semester's unfinished work.
DRAFT_MAX_AGE = timedelta(days=180)


def address_key(address: str) -> str:
    """The key drafts are counted under for a client address (codecapsule.net.client_address): a keyed hash, so the
    table holds no addresses; "" (an address the server cannot tell) is one bucket, as for the rate limits."""
    return salted_hmac("learner-draft-address", address).hexdigest()[:32]


def draft_save(*, learner_key: str, capsule: Capsule, code: str, address: str) -> LearnerDraft | None:
    """Keep `code` as the learner's draft of `capsule`, saved from client `address`. The starting code is no draft:
    saving it (a Reset) deletes the draft, so a reload shows the starting code. Returns the draft, or None when there
    is none now. Past DRAFTS_PER_LEARNER drafts of the key, or LEARNER_DRAFT_BYTES_PER_ADDRESS bytes of the address,
    the oldest drafts go."""
    size = len(code.encode())
    if size > settings.JUDGE_MAX_CODE_BYTES:
        raise ValidationFailed.for_fields({"code": f"may not exceed {settings.JUDGE_MAX_CODE_BYTES} bytes"}, subject="The draft")
    drafts = LearnerDraft.objects.filter(learner_key=learner_key)
    counted_as = address_key(address)
    with transaction.atomic():
        if code == (capsule.config_data or {}).get("boilerplate_code", ""):
            drafts.filter(capsule=capsule).delete()
            return None
        draft, created = LearnerDraft.objects.update_or_create(
            learner_key=learner_key, capsule=capsule, defaults={"code": code, "size": size, "address_key": counted_as}
        )
        if created:
            _evict_oldest_drafts(learner_key)
        _keep_address_within_budget(counted_as, keep=draft.pk)
    return draft


def _keep_address_within_budget(counted_as: str, *, keep: int) -> None:
    """Delete the address's least recently saved drafts (never `keep`, the one just saved) until its drafts fit in
    LEARNER_DRAFT_BYTES_PER_ADDRESS. One SUM over the address's rows (indexed) per save; rarely any deletion."""
    drafts = LearnerDraft.objects.filter(address_key=counted_as)
    over = (drafts.aggregate(total=Sum("size"))["total"] or 0) - settings.LEARNER_DRAFT_BYTES_PER_ADDRESS
    if over <= 0:
        return
    doomed: list[int] = []
    for pk, size in drafts.exclude(pk=keep).order_by("updated_at", "pk").values_list("pk", "size").iterator():
        doomed.append(pk)
        over -= size
        if over <= 0:
            break
    LearnerDraft.objects.filter(pk__in=doomed).delete()


def _evict_oldest_drafts(learner_key: str) -> None:
    drafts = LearnerDraft.objects.filter(learner_key=learner_key)
    surplus = drafts.order_by("-updated_at", "-pk").values_list("pk", flat=True)[DRAFTS_PER_LEARNER:]
    # Materialized: MySQL and some SQLite builds refuse a LIMIT/OFFSET subquery inside IN.
    LearnerDraft.objects.filter(pk__in=list(surplus)).delete()


def drafts_expire(*, now: datetime | None = None) -> int:
    """Delete the drafts untouched for DRAFT_MAX_AGE; how many. The daily schedule runs this."""
    deleted, _ = LearnerDraft.objects.filter(updated_at__lt=(now or timezone.now()) - DRAFT_MAX_AGE).delete()
    return deleted
