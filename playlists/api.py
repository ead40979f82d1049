"""The playlist JSON API.

    GET    /api/playlists/                 the caller's playlists (?scope=public: the public gallery)
    POST   /api/playlists/                 the seed's body {title, description, is_public, items: [{capsule_id, order}]}
    GET    /api/playlists/<id>             a playlist with its items (owner: all; anyone, for a public one: its steps)
    PUT    /api/playlists/<id>             replace title, description, is_public (and items, when sent)
    PATCH  /api/playlists/<id>             change some of them
    DELETE /api/playlists/<id>
    PUT    /api/playlists/<id>/items       the full ordered list {items: [...], version} (or a bare list)
    GET    /api/playlists/<id>/embed?step=N[&token=…]   the seed's embed shape, learner-safe; a public playlist's
                                                   answer is cacheable by shared caches (ETag, Cache-Control)

Every write goes through playlists/services.py; a stale `version` is a 409 in the one error shape. The
embed endpoint keeps the seed's own 404 body, `{"error": "Playlist or step not found"}`, because embed
clients written against the seed test for exactly that.

Items follow the one visibility rule (capsules.models.visible_q), as the embed does: anyone but
the owner gets exactly the steps a learner sees, in the embed's order and numbering; the owner gets every
item, each with `learner_visible` and, when false, a `hidden_reason` (private | moderated | unproven). A
capsule the caller may not read itself (another creator's that is no longer published and public) comes as
`capsule: null`, with its id and title only.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from capsules.api import LearnerCapsuleSerializer, capsule_representation
from capsules.models import HiddenReason
from codecapsule.errors import ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest
from playlists import selectors, services
from playlists.models import Playlist, PlaylistItem
from playlists.selectors import EmbedStep, PlaylistNotFound
from playlists.views._embed_cache import course_steps, etag_of, keep_private, not_modified, rendered, share

EMBED_NOT_FOUND = {"error": "Playlist or step not found"}


# --- Output ------------------------------------------------------------------------------------------------


def _timestamp(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def playlist_dict(playlist: Playlist, *, total_items: int) -> dict[str, Any]:
    """The seed's Playlist plus total_items and our `version` (send it back with a reorder)."""
    return {
        "playlist_id": str(playlist.playlist_id),
        "creator_id": str(playlist.creator_id),
        "title": playlist.title,
        "description": playlist.description,
        "is_public": playlist.is_public,
        "version": playlist.version,
        "total_items": total_items,
        "created_at": _timestamp(playlist.created_at),
        "updated_at": _timestamp(playlist.updated_at),
    }


def playlist_with_items(playlist: Playlist, *, user: Any) -> dict[str, Any]:
    """The seed's PlaylistWithCapsules, as `user` may see it (one query for the items either way).

    1. The owner: every item in its stored order, each saying whether learners see it and, if not, why
       (selectors.items_with_learner_visibility). Its capsule whole if it is theirs, learner-safe if it is
       another creator's they may still read, null if they may not (the capsule API answers them 404 too).
    2. Anyone else: the steps a learner sees (selectors.learner_visible_items, the embed's), learner-safe and
       numbered 1..N as the embed's `?step=N`, so total_items matches the embed's.
    """
    if user.is_authenticated and playlist.creator_id == user.pk:
        items = [
            _item_dict(item, order=item.order, hidden_reason=item.hidden_reason, user=user, readable=item.owner_may_read)
            for item in selectors.items_with_learner_visibility(playlist)
        ]
    else:
        steps = selectors.learner_visible_items(playlist).select_related("capsule")
        items = [
            _item_dict(item, order=position, hidden_reason=None, user=user, readable=True)
            for position, item in enumerate(steps, start=1)
        ]
    data = playlist_dict(playlist, total_items=len(items))
    data["items"] = items
    return data


def _item_dict(item: PlaylistItem, *, order: int, hidden_reason: str | None, user: Any, readable: bool) -> dict[str, Any]:
    return {
        "item_id": str(item.item_id),
        "playlist_id": str(item.playlist_id),
        "capsule_id": str(item.capsule_id),
        "order": order,
        "created_at": _timestamp(item.created_at),
        "title": item.capsule.title,
        "learner_visible": hidden_reason is None,
        "hidden_reason": hidden_reason,
        "capsule": capsule_representation(item.capsule, user=user) if readable else None,
    }


def embed_dict(step: EmbedStep) -> dict[str, Any]:
    """The seed's embed response for one step."""
    previous, following = step.previous, step.next
    return {
        "playlist": {
            "playlist_id": str(step.playlist.playlist_id),
            "title": step.playlist.title,
            "total_items": step.total,
            "current_position": step.position,
        },
        "current_capsule": LearnerCapsuleSerializer(step.capsule).data,
        "navigation": {
            "has_previous": previous is not None,
            "has_next": following is not None,
            "previous_title": previous.title if previous else None,
            "next_title": following.title if following else None,
        },
    }


# --- Documentation of the shapes (the dictionaries above are the definition) ------------------------------


class PlaylistItemInputSerializer(serializers.Serializer):
    capsule_id = serializers.UUIDField()
    order = serializers.IntegerField(min_value=1, required=False, help_text="Defaults to the item's position.")


class PlaylistInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False, default=False)
    items = PlaylistItemInputSerializer(many=True, required=False)


class PlaylistItemsInputSerializer(serializers.Serializer):
    items = PlaylistItemInputSerializer(many=True)
    version = serializers.IntegerField(
        required=False, help_text="The version you loaded; a different current version answers 409."
    )


class PlaylistSerializer(serializers.Serializer):
    playlist_id = serializers.UUIDField()
    creator_id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    is_public = serializers.BooleanField()
    version = serializers.IntegerField()
    total_items = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PlaylistItemSerializer(serializers.Serializer):
    item_id = serializers.UUIDField()
    playlist_id = serializers.UUIDField()
    capsule_id = serializers.UUIDField()
    order = serializers.IntegerField(
        help_text="The owner: the stored order. Anyone else: the step number learners see (1..N, as the embed's `step`)."
    )
    created_at = serializers.DateTimeField()
    title = serializers.CharField(help_text="The capsule's title (also when `capsule` is null).")
    learner_visible = serializers.BooleanField(
        help_text="Whether learners see this step in the embed. Always true for anyone but the owner, who alone "
        "is shown the items learners do not see."
    )
    hidden_reason = serializers.ChoiceField(
        choices=HiddenReason.choices,
        allow_null=True,
        help_text=(
            "Why learners do not see the step (null when they do): `private`, another creator's capsule that is "
            "not published and public (any more); `moderated`, rejected or flagged by moderation; `unproven`, the "
            "owner's own capsule that has not passed the judge yet (a draft)."
        ),
    )
    capsule = LearnerCapsuleSerializer(
        allow_null=True,
        help_text="The whole capsule for its creator, learner-safe for anyone else; null (owner only) for another "
        "creator's capsule the caller may no longer read.",
    )


class PlaylistWithItemsSerializer(PlaylistSerializer):
    items = PlaylistItemSerializer(many=True)


EmbedSerializer = inline_serializer(
    "PlaylistEmbed",
    {
        "playlist": inline_serializer(
            "PlaylistEmbedPlaylist",
            {
                "playlist_id": serializers.UUIDField(),
                "title": serializers.CharField(),
                "total_items": serializers.IntegerField(),
                "current_position": serializers.IntegerField(),
            },
        ),
        "current_capsule": LearnerCapsuleSerializer(),
        "navigation": inline_serializer(
            "PlaylistEmbedNavigation",
            {
                "has_previous": serializers.BooleanField(),
                "has_next": serializers.BooleanField(),
                "previous_title": serializers.CharField(allow_null=True),
                "next_title": serializers.CharField(allow_null=True),
            },
        ),
    },
)

_PLAYLIST_ID = OpenApiParameter("playlist_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The playlist's id.")
_PLAYLIST_404 = {404: "No such playlist, or one the caller may not read."}


# --- Input helpers -------------------------------------------------------------------------------------------


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed.for_fields({"__all__": "expected a JSON object"}, subject="The playlist")
    return data


def _version(data: dict[str, Any]) -> int | None:
    version = data.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed.for_fields({"version": "must be an integer"}, subject="The playlist")
    return version


def _detail_url(playlist: Playlist) -> str:
    return reverse("api-playlist-detail", kwargs={"playlist_id": playlist.playlist_id})


# --- Views -----------------------------------------------------------------------------------------------------


class PlaylistListView(GenericAPIView):
    serializer_class = PlaylistSerializer  # reads for everyone (anonymous: the public gallery), writes signed in

    @extend_schema(
        operation_id="playlists_list",
        summary="List playlists",
        description=(
            "The caller's own playlists, newest change first; `scope=public` (the default for anonymous "
            "callers) lists everyone's public playlists instead. `total_items` counts what the detail lists "
            "for the caller: every item of their own playlists, the steps learners see of anyone else's."
        ),
        parameters=[OpenApiParameter("scope", OpenApiTypes.STR, enum=["mine", "public"], required=False)],
        responses={200: PlaylistSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        scope = request.query_params.get("scope") or ("mine" if request.user.is_authenticated else "public")
        if scope not in ("mine", "public") or (scope == "mine" and not request.user.is_authenticated):
            raise ValidationFailed.for_fields(
                {"scope": "must be `mine` (signed in) or `public`"}, subject="The query"
            )
        base = selectors.playlists_owned_by(request.user) if scope == "mine" else selectors.playlists_public()
        playlists = selectors.with_item_counts_for(base.order_by("-updated_at", "playlist_id"), request.user)
        page = self.paginate_queryset(playlists)
        assert page is not None  # DEFAULT_PAGINATION_CLASS is set: every list is paginated
        return self.get_paginated_response([playlist_dict(p, total_items=p.item_count) for p in page])

    @extend_schema(
        operation_id="playlists_create",
        summary="Create a playlist",
        description="The seed's body. Items may be your own capsules or published public ones.",
        request=PlaylistInputSerializer,
        responses={201: PlaylistWithItemsSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = _body(request.data)
        playlist = services.playlist_create(
            creator=request.user,
            title=data.get("title"),
            description=data.get("description", ""),
            is_public=data.get("is_public", False),
            items=data.get("items", []),
        )
        return Response(
            playlist_with_items(playlist, user=request.user),
            status=status.HTTP_201_CREATED,
            headers={"Location": _detail_url(playlist)},
        )


class PlaylistDetailView(GenericAPIView):
    serializer_class = PlaylistWithItemsSerializer  # reads: get_playlist_for_reader; writes: get_playlist_for_owner

    @extend_schema(
        operation_id="playlists_retrieve",
        summary="Read a playlist with its items",
        description=(
            "The owner gets every item; each says whether learners see it (`learner_visible`) and, when they do "
            "not, why (`hidden_reason`). Anyone else (a public playlist) gets the steps learners see, exactly as "
            "the embed shows them: same steps, same order, numbered 1..N, `total_items` their count."
        ),
        parameters=[_PLAYLIST_ID],
        responses={200: PlaylistWithItemsSerializer, **error_responses(404, descriptions=_PLAYLIST_404)},
    )
    def get(self, request: Request, playlist_id: str) -> Response:
        playlist = selectors.get_playlist_for_reader(request.user, playlist_id)
        return Response(playlist_with_items(playlist, user=request.user))

    @extend_schema(
        operation_id="playlists_update",
        summary="Replace a playlist's details (and items, when sent)",
        description="`items`, when present, replaces the whole list as `PUT …/items` does; all in one transaction.",
        parameters=[_PLAYLIST_ID],
        request=PlaylistInputSerializer,
        responses={200: PlaylistWithItemsSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request: AuthenticatedRequest, playlist_id: str) -> Response:
        playlist = self._owned(request, playlist_id)
        return self._save(request, playlist, _body(request.data))

    @extend_schema(
        operation_id="playlists_partial_update",
        summary="Change part of a playlist",
        parameters=[_PLAYLIST_ID],
        request=PlaylistInputSerializer,
        responses={200: PlaylistWithItemsSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: AuthenticatedRequest, playlist_id: str) -> Response:
        playlist = self._owned(request, playlist_id)
        current = {"title": playlist.title, "description": playlist.description, "is_public": playlist.is_public}
        return self._save(request, playlist, {**current, **_body(request.data)})

    @extend_schema(
        operation_id="playlists_destroy",
        summary="Delete a playlist",
        parameters=[_PLAYLIST_ID],
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: AuthenticatedRequest, playlist_id: str) -> Response:
        playlist = self._owned(request, playlist_id)
        services.playlist_delete(playlist=playlist, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_object(self) -> Playlist:
        """What DRF's OPTIONS metadata asks for to decide whether to describe PUT: the owner's playlist, or 404/403
        (which it answers by leaving PUT out). GenericAPIView's own get_object needs a queryset this view does not
        have, and OPTIONS on a playlist answered 500."""
        return self._owned(self.request, self.kwargs["playlist_id"])

    def _owned(self, request: Request, playlist_id: str) -> Playlist:
        return selectors.get_playlist_for_owner(request.user, playlist_id)

    def _save(self, request: AuthenticatedRequest, playlist: Playlist, data: dict[str, Any]) -> Response:
        with transaction.atomic():  # answer with this write's items, read under its lock (see PlaylistItemsView.put)
            services.playlist_replace(
                playlist=playlist,
                actor=request.user,
                title=data.get("title"),
                description=data.get("description", ""),
                is_public=data.get("is_public", False),
                items=data.get("items"),
                version=_version(data),
            )
            payload = playlist_with_items(playlist, user=request.user)
        return Response(payload)


class PlaylistItemsView(APIView):
    @extend_schema(
        operation_id="playlists_items_replace",
        summary="Set a playlist's items, in order",
        description=(
            "The full ordered list: items not listed are removed, new ones added, and orders become 1..N. "
            "Send the `version` you loaded: if the playlist changed since, nothing is saved and the answer is 409. "
            "A bare JSON list of items is accepted too (no version check)."
        ),
        parameters=[_PLAYLIST_ID],
        request=PlaylistItemsInputSerializer,
        responses={200: PlaylistWithItemsSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request: AuthenticatedRequest, playlist_id: str) -> Response:
        playlist = selectors.get_playlist_for_owner(request.user, playlist_id)
        data = {"items": request.data} if isinstance(request.data, list) else _body(request.data)
        if "items" not in data:
            raise ValidationFailed.for_fields({"items": "Field required"}, subject="The playlist")
        capsule_ids = services.playlist_parse_items(data["items"])
        # The answer is read inside the write's transaction, under its lock of the playlist row: read after the
        # commit, a concurrent writer's order could come back beside this write's version.
        with transaction.atomic():
            services.playlist_set_items(playlist=playlist, actor=request.user, capsule_ids=capsule_ids, version=_version(data))
            payload = playlist_with_items(playlist, user=request.user)
        return Response(payload)


class PlaylistEmbedView(APIView):
    permission_classes = [AllowAny]
    # Learners are anonymous and embed pages are public: no session, so no CSRF or login machinery runs.
    authentication_classes: list = []

    @extend_schema(
        operation_id="playlists_embed",
        summary="One step of a playlist, for an embed",
        description=(
            "The seed's embed shape with the learner-safe capsule. Public playlists need no token; a private "
            "one needs the `token` its embed code carries."
        ),
        parameters=[
            _PLAYLIST_ID,
            OpenApiParameter("step", OpenApiTypes.INT, description="1-based; default 1."),
            OpenApiParameter("token", OpenApiTypes.STR, description="The embed token of a private playlist."),
        ],
        responses={
            200: EmbedSerializer,
            404: OpenApiResponse(
                inline_serializer("EmbedNotFound", {"error": serializers.CharField()}),
                description='`{"error": "Playlist or step not found"}` (the seed\'s body).',
            ),
        },
    )
    def get(self, request: Request, playlist_id: str) -> HttpResponse:
        """The same for everyone who may read it, so a public playlist's answer is a shared one (ETag,
        `Cache-Control: public`, views/_embed_cache.py) and a private one's (its token opens it) is never stored.
        One query answers a revalidation or a cached rendering; a rendering costs two more (titles, capsule)."""
        token = request.query_params.get("token") or None
        playlist = selectors.get_playlist_with_embed_stamp(playlist_id)
        if playlist is None or not selectors.may_embed(playlist, token=token, user=None):
            return _embed_not_found()
        position = selectors.parse_step(request.query_params.get("step"))
        if position is None or not 1 <= position <= playlist.step_count:
            return _embed_not_found()
        etag = etag_of("embed-json", selectors.embed_stamp(playlist), position)
        answer = not_modified(request, etag)
        if answer is None:
            try:
                body = rendered(etag, lambda: _render_embed(playlist, position))
            except PlaylistNotFound:  # a step went away between the stamp and the step list
                return _embed_not_found()
            answer = HttpResponse(body, content_type="application/json")
        if playlist.is_public:
            return share(answer, etag=etag)
        answer["ETag"] = etag
        return keep_private(answer)


def _render_embed(playlist: Playlist, position: int) -> bytes:
    steps = course_steps(playlist, selectors.embed_stamp(playlist))
    return JSONRenderer().render(embed_dict(selectors.embed_step(playlist, position, steps=steps)))


def _embed_not_found() -> HttpResponse:
    """The seed's 404 body; never stored, so a playlist made public (or given the step) shows at once."""
    return keep_private(HttpResponse(JSONRenderer().render(EMBED_NOT_FOUND), status=404, content_type="application/json"))
