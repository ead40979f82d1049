"""Creator pages for playlists (issue #5 parts 3 and 4): the list, the builder, the share page with the embed
code, and delete.

Every view calls its access helper first (selectors.get_playlist_for_owner, or playlists_owned_by for the
list). The builder works three ways over one template (playlist_builder.html):
- with JavaScript (static/js/builder.js): SortableJS and the buttons change the list in the page, htmx posts
  the save and swaps the `builder` fragment back when the save is refused;
- the left column's filter is a GET form; htmx fetches only its `pool` fragment;
- without JavaScript every button posts the whole list back and the page is rendered again with the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from capsules.models import Capsule, HiddenReason
from codecapsule.errors import ApplicationError, ValidationFailed
from codecapsule.views import HtmxHttpRequest
from playlists.forms import (
    FILTER_FORM_ID,
    CapsulePoolFilterForm,
    EmbedOptionsForm,
    PlaylistBuilderForm,
    StepAction,
    Theme,
    apply_step_action,
)
from playlists import oembed as oembed_helpers
from playlists.models import Playlist
from playlists.selectors import (
    addable_capsules,
    embed_token,
    get_playlist_for_owner,
    learner_visible_items,
    playlist_items_in_order,
    playlists_owned_by,
    with_hidden_reasons,
    with_item_counts,
)
from playlists import services
from playlists.services import StalePlaylist, playlist_create, playlist_replace

BUILDER_TEMPLATE = "playlists/playlist_builder.html"
# Where share.js puts the embed URL into the code it builds from the server's own rendering.
EMBED_SRC_PLACEHOLDER = "EMBED_SRC"


def _fragment_or_page(
    request: HtmxHttpRequest, template: str, fragment: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The whole page, or only `fragment` of it for an htmx request (not for htmx's history restore, which
    needs a whole page). Vary on HX-Request so a cache never serves one for the other."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#{fragment}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- List -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def playlist_list(request: HtmxHttpRequest) -> HttpResponse:
    playlists = with_item_counts(playlists_owned_by(request.user)).order_by("-updated_at", "pk")
    page = Paginator(playlists, settings.PLAYLIST_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return _fragment_or_page(request, "playlists/playlist_list.html", "results", {"page": page})


# --- Builder ----------------------------------------------------------------------------------------------


@dataclass
class BuilderStep:
    """One step of the right column. `capsule` is None for an id the creator may not use (only a tampered
    post or a capsule deleted meanwhile): it is shown as unavailable, and saving reports it."""

    position: int
    capsule_id: UUID
    capsule: Capsule | None
    errors: list[str] = field(default_factory=list)
    autofocus: str = ""  # "up" or "down": the button to focus after a no-JavaScript move

    @property
    def title(self) -> str:
        return self.capsule.title if self.capsule else "Unavailable capsule"

    @property
    def hidden_reason(self) -> str | None:
        """Why the course's learners will not see this step (selectors.with_hidden_reasons), or None."""
        return getattr(self.capsule, "hidden_reason", None)

    @property
    def hidden_label(self) -> str:
        return HiddenReason(self.hidden_reason).label if self.hidden_reason else ""


@login_required
@require_http_methods(["GET", "POST"])
def playlist_new(request: HtmxHttpRequest) -> HttpResponse:
    return _builder(request, playlist=None)


@login_required
@require_http_methods(["GET", "POST"])
def playlist_edit(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    return _builder(request, playlist=playlist)


def _builder(request: HtmxHttpRequest, *, playlist: Playlist | None) -> HttpResponse:
    """1. An htmx GET is the filter: answer the `pool` fragment.
    2. A GET renders the saved playlist; a POST renders what was posted, after the button's change.
    3. A save that succeeds redirects to the share page; one that fails renders the errors (409 when stale)."""
    filters = CapsulePoolFilterForm(_filter_data(request))
    if request.method == "GET" and request.htmx and not request.htmx.history_restore_request:
        added = set(PlaylistBuilderForm(request.GET).capsule_ids)
        return _render_pool(request, filters, added)

    form = PlaylistBuilderForm(request.POST if request.method == "POST" else None, playlist=playlist)
    announcement, moved = "", None
    if request.method == "GET":
        capsule_ids = [item.capsule_id for item in playlist_items_in_order(playlist)] if playlist else []
    else:
        capsule_ids = form.capsule_ids
        if form.wants_save and form.ready_to_save():
            saved = _save(request, form, playlist, capsule_ids)
            if saved is not None:
                return _saved(request, saved)
        elif form.action is not None:
            capsule_ids, announcement, moved = _apply_action(request.user, playlist, capsule_ids, form.action)

    steps = _steps(request.user, playlist, capsule_ids, form.step_errors, moved)
    context = {
        "playlist": playlist,
        "form": form,
        "filters": filters,
        "filter_form_id": FILTER_FORM_ID,
        "steps": steps,
        "announcement": announcement,
        "can_save": bool(steps),
        **_pool_context(request.user, filters, set(capsule_ids)),
    }
    # htmx swaps only 2xx answers, so the refused save it asked for stays 200 there.
    status = 409 if form.stale and not request.htmx else 200
    return _fragment_or_page(request, BUILDER_TEMPLATE, "builder", context, status=status)


def _filter_data(request: HtmxHttpRequest) -> QueryDict:
    """The left column's search and type. They belong to their own GET form: a no-JavaScript post of the
    builder carries them in its action's query string, an htmx save in its body (hx-include)."""
    if request.method == "POST" and ("q" in request.POST or "type" in request.POST):
        return request.POST
    return request.GET


def _pool_context(user: AbstractBaseUser, filters: CapsulePoolFilterForm, added: set[UUID]) -> dict[str, Any]:
    """The capsules of the left column: at most PLAYLIST_BUILDER_CAPSULES matches, newest first."""
    matches = filters.filter(addable_capsules(user)).select_related("creator").order_by("-created_at", "pk")
    limit = settings.PLAYLIST_BUILDER_CAPSULES
    pool = list(matches[: limit + 1])
    for capsule in pool:
        capsule.in_playlist = capsule.pk in added
    return {
        "pool": pool[:limit],
        "pool_truncated": len(pool) > limit,
        "pool_limit": limit,
        "filters": filters,
    }


def _render_pool(request: HtmxHttpRequest, filters: CapsulePoolFilterForm, added: set[UUID]) -> HttpResponse:
    response = render(request, f"{BUILDER_TEMPLATE}#pool", _pool_context(request.user, filters, added))
    patch_vary_headers(response, ("HX-Request",))
    return response


def _known_capsules(user: AbstractBaseUser, playlist: Playlist | None, ids: list[UUID]) -> dict[UUID, Capsule]:
    """The capsules of `ids` the creator may show: addable ones, and ones already in the playlist (the
    service lets a capsule someone else unpublished stay where it is). Each says whether the course's
    learners will see it (`hidden_reason`; the builder is the owner's, so the owner is the course owner)."""
    found = {capsule.pk: capsule for capsule in with_hidden_reasons(addable_capsules(user).filter(pk__in=ids), course_owner_id=user.pk)}
    if playlist is not None and len(found) < len(ids):
        kept = Capsule.objects.filter(pk__in=ids, playlist_items__playlist=playlist).exclude(pk__in=found)
        found.update({capsule.pk: capsule for capsule in with_hidden_reasons(kept, course_owner_id=user.pk)})
    return found


def _steps(
    user: AbstractBaseUser,
    playlist: Playlist | None,
    ids: list[UUID],
    errors: dict[int, list[str]],
    moved: tuple[UUID, str] | None,
) -> list[BuilderStep]:
    capsules = _known_capsules(user, playlist, ids)
    steps = [
        BuilderStep(position=index + 1, capsule_id=capsule_id, capsule=capsules.get(capsule_id), errors=errors.get(index, []))
        for index, capsule_id in enumerate(ids)
    ]
    if moved is not None:
        _set_autofocus(steps, *moved)
    return steps


def _set_autofocus(steps: list[BuilderStep], capsule_id: UUID, direction: str) -> None:
    """Keep a keyboard user on the button they pressed; at the end of the list that button is disabled,
    so the other one takes the focus."""
    for step in steps:
        if step.capsule_id == capsule_id:
            at_edge = (direction == "up" and step.position == 1) or (direction == "down" and step.position == len(steps))
            step.autofocus = ("down" if direction == "up" else "up") if at_edge else direction


def _apply_action(
    user: AbstractBaseUser, playlist: Playlist | None, ids: list[UUID], action: StepAction
) -> tuple[list[UUID], str, tuple[UUID, str] | None]:
    """A no-JavaScript button press: the new list, the sentence the live region says, and the moved step."""
    capsule = _known_capsules(user, playlist, [action.capsule_id]).get(action.capsule_id)
    title = capsule.title if capsule else "That capsule"
    if action.kind == "add" and capsule is None:
        return ids, "That capsule cannot be added: it is not yours or not published.", None
    new_ids, position = apply_step_action(ids, action)
    if action.kind == "add":
        text = f"Added {title} at position {position}" if position else f"{title} is already in the playlist"
        return new_ids, text, None
    if action.kind == "remove":
        return new_ids, (f"Removed {title}" if len(new_ids) < len(ids) else ""), None
    if position is None:
        return new_ids, f"{title} cannot move {action.kind} any further", (action.capsule_id, action.kind)
    return new_ids, f"Moved {title} to position {position}", (action.capsule_id, action.kind)


def _save(request: HtmxHttpRequest, form: PlaylistBuilderForm, playlist: Playlist | None, capsule_ids: list[UUID]) -> Playlist | None:
    """Save the details and the steps; None (with the errors on the form) when refused.

    An edit is one transaction (services.playlist_replace, which the API's PUT calls too): playlist_update,
    then playlist_set_items with the version the page was rendered from. A stale version raises inside it,
    so the details saved just before are rolled back too.
    """
    items = [{"capsule_id": capsule_id} for capsule_id in capsule_ids]
    try:
        if playlist is None:
            return playlist_create(creator=request.user, items=items, **form.details())
        return playlist_replace(playlist=playlist, actor=request.user, items=items, version=form.cleaned_data["version"], **form.details())
    except StalePlaylist:
        form.stale = True
    except ApplicationError as exc:  # ValidationFailed names its fields; anything else is about the whole form
        if isinstance(exc, ValidationFailed) and exc.fields:
            form.add_service_errors(exc.fields)
        else:
            form.add_error(None, exc.message)
    if playlist is not None:
        playlist.refresh_from_db()  # the services updated the object before the rollback
    return None


def _saved(request: HtmxHttpRequest, playlist: Playlist) -> HttpResponse:
    messages.success(request, f"Saved “{playlist.title}”. Copy the embed code below into your blog.")
    url = reverse("playlists:share", args=[playlist.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- Embed code -------------------------------------------------------------------------------------------


def embed_path(playlist: Playlist, *, step: int = 1, theme: str = Theme.DEFAULT, show_progress: bool = True) -> str:
    """`/embed/playlist/<id>?…`: the options that differ from the embed's defaults (the seed's
    generateAdvancedPlaylistEmbed), then the token a private playlist needs, in the embed's own order."""
    params: list[tuple[str, Any]] = []
    if step != 1:
        params.append(("step", step))
    if theme != Theme.DEFAULT:
        params.append(("theme", theme))
    if not show_progress:
        params.append(("progress", "false"))
    if not playlist.is_public:
        params.append(("token", embed_token(playlist)))
    path = reverse("playlists:embed_playlist", args=[playlist.pk])
    return f"{path}?{urlencode(params)}" if params else path


def embed_url(playlist: Playlist, **options: Any) -> str:
    return settings.SITE_URL + embed_path(playlist, **options)


def embed_code(playlist: Playlist, *, step: int = 1, theme: str = Theme.DEFAULT, show_progress: bool = True) -> str:
    """The HTML a creator pastes into a blog: one iframe for the whole course, then embed.js, which sizes
    the iframe to its content (without it the iframe keeps its height and scrolls)."""
    return _embed_code_for_src(playlist, embed_url(playlist, step=step, theme=theme, show_progress=show_progress))


def _embed_code_for_src(playlist: Playlist, src: str) -> str:
    return oembed_helpers.embed_code(
        site_url=settings.SITE_URL,
        src=src,
        title=f"Interactive Learning Playlist: {playlist.title}",
        width="100%",
        height=settings.EMBED_DEFAULT_HEIGHT,
        playlist_id=str(playlist.pk),
    )


# --- Share ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def playlist_share(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    # The embed numbers only the steps learners see (selectors.learner_visible_items), so the start step does too.
    total_steps = learner_visible_items(playlist).count()
    form = EmbedOptionsForm(request.GET, total_steps=total_steps)
    options = form.options()
    context = {
        "playlist": playlist,
        "form": form,
        "total_steps": total_steps,
        "code": embed_code(playlist, **options),
        # share.js rebuilds the code from these as the options change, the same way embed_code does.
        "code_template": _embed_code_for_src(playlist, EMBED_SRC_PLACEHOLDER),
        "src_placeholder": EMBED_SRC_PLACEHOLDER,
        "site_url": settings.SITE_URL,
        "embed_base": reverse("playlists:embed_playlist", args=[playlist.pk]),
        "token": "" if playlist.is_public else embed_token(playlist),
        "direct_url": embed_url(playlist, **options),
        # Same origin as this page: the dashboard's CSP frames only 'self', whatever SITE_URL says.
        "preview_path": embed_path(playlist, **options),
        "gallery_url": _gallery_url(playlist),
        "embed_height": settings.EMBED_DEFAULT_HEIGHT,
    }
    return render(request, "playlists/playlist_share.html", context)


def _gallery_url(playlist: Playlist) -> str:
    if not playlist.is_public:
        return ""
    return settings.SITE_URL + reverse("playlists:gallery_playlist", args=[playlist.pk])


# --- Delete -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def playlist_delete(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    if request.method == "POST":
        services.playlist_delete(playlist=playlist, actor=request.user)  # the view has the service's name
        messages.success(request, f"Deleted “{playlist.title}”. Blogs that embed it now show that it is gone.")
        return redirect("playlists:list")
    step_count = playlist.items.count()
    return render(request, "playlists/playlist_confirm_delete.html", {"playlist": playlist, "step_count": step_count})
