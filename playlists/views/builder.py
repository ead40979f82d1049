"""Creator pages for playlists: the list, the builder, the share page with the embed
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
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from capsules.models import Capsule, HiddenReason
from codecapsule.errors import ApplicationError
from codecapsule.http import AuthenticatedHttpRequest, HtmxHttpRequest, SignedInUser, render_page_or_fragment, wants_fragment
from playlists import oembed as oembed_helpers
from playlists import services
from playlists.forms import (
    FILTER_FORM_ID,
    CapsulePoolFilterForm,
    EmbedOptionsForm,
    PlaylistBuilderForm,
    StepAction,
    Theme,
    apply_step_action,
)
from playlists.models import Playlist
from playlists.selectors import (
    addable_capsules,
    embed_token,
    get_playlist_for_owner,
    items_with_learner_visibility,
    playlist_items_in_order,
    playlists_owned_by,
    with_hidden_reasons,
    with_item_counts,
)
from playlists.services import StalePlaylist, playlist_create, playlist_replace

BUILDER_TEMPLATE = "playlists/playlist_builder.html"
# Where share.js puts the embed URL into the code it builds from the server's own rendering.
EMBED_SRC_PLACEHOLDER = "EMBED_SRC"


# --- List -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def playlist_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    playlists = with_item_counts(playlists_owned_by(request.user)).order_by("-updated_at", "pk")
    page = Paginator(playlists, settings.PLAYLIST_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page_or_fragment(request, "playlists/playlist_list.html", "results", {"page": page})


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
    course_owner_id: Any = None  # the builder's user: only their own capsules' moderation reasons are shown

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

    @property
    def moderation_reason(self) -> str:
        """What the moderator wrote, for a step hidden by moderation that is the course owner's own capsule
        (another creator's reason is between them and the moderators)."""
        capsule = self.capsule
        if self.hidden_reason != HiddenReason.MODERATED or capsule is None or capsule.creator_id != self.course_owner_id:
            return ""
        return capsule.moderation_reason


def reach_summary(visible: int, total: int) -> str:
    """The step count the builder and the share page both show: "4 steps", or "3 of 4 steps reach learners"
    when the embed skips some (it numbers only the steps learners see)."""
    if visible == total:
        return f"{total} step{pluralize(total)}"
    return f"{visible} of {total} step{pluralize(total)} reach{'es' if total == 1 else ''} learners"


@login_required
@require_http_methods(["GET", "POST"])
def playlist_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _builder(request, playlist=None)


@login_required
@require_http_methods(["GET", "POST"])
def playlist_edit(request: AuthenticatedHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    return _builder(request, playlist=playlist)


def _builder(request: AuthenticatedHttpRequest, *, playlist: Playlist | None) -> HttpResponse:
    """1. An htmx GET is the filter: answer the `pool` fragment.
    2. A GET renders the saved playlist; a POST renders what was posted, after the button's change.
    3. A save that succeeds redirects to the share page; one that fails renders the errors (409 when stale)."""
    filters = CapsulePoolFilterForm(_filter_data(request))
    if request.method == "GET" and wants_fragment(request):
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
    hidden_steps = [step for step in steps if step.hidden_reason]
    context = {
        "playlist": playlist,
        "form": form,
        "filters": filters,
        "filter_form_id": FILTER_FORM_ID,
        "steps": steps,
        "hidden_steps": hidden_steps,
        "step_summary": reach_summary(len(steps) - len(hidden_steps), len(steps)),
        "announcement": announcement,
        "can_save": bool(steps),
        **_pool_context(request.user, filters, set(capsule_ids)),
    }
    # htmx swaps only 2xx answers, so the refused save it asked for stays 200 there.
    status = 409 if form.stale and not request.htmx else 200
    return render_page_or_fragment(request, BUILDER_TEMPLATE, "builder", context, status=status)


def _filter_data(request: HtmxHttpRequest) -> QueryDict:
    """The left column's search and type. They belong to their own GET form: a no-JavaScript post of the
    builder carries them in its action's query string, an htmx save in its body (hx-include)."""
    if request.method == "POST" and ("q" in request.POST or "type" in request.POST):
        return request.POST
    return request.GET


def _pool_context(user: SignedInUser, filters: CapsulePoolFilterForm, added: set[UUID]) -> dict[str, Any]:
    """The capsules of the left column: at most PLAYLIST_BUILDER_CAPSULES matches, newest first. Each says
    whether the course's learners would see it as a step (`hidden_reason`), for builder.js's count."""
    addable = with_hidden_reasons(addable_capsules(user), course_owner_id=user.pk)
    matches = filters.filter(addable).select_related("creator").order_by("-created_at", "pk")
    limit = settings.PLAYLIST_BUILDER_CAPSULES
    pool = list(matches[: limit + 1])
    for capsule in pool:
        capsule.in_playlist = capsule.pk in added
        capsule.hidden_label = HiddenReason(capsule.hidden_reason).label if capsule.hidden_reason else ""
    return {
        "pool": pool[:limit],
        "pool_truncated": len(pool) > limit,
        "pool_limit": limit,
        "filters": filters,
    }


def _render_pool(request: AuthenticatedHttpRequest, filters: CapsulePoolFilterForm, added: set[UUID]) -> HttpResponse:
    response = render(request, f"{BUILDER_TEMPLATE}#pool", _pool_context(request.user, filters, added))
    patch_vary_headers(response, ("HX-Request",))
    return response


def _known_capsules(user: SignedInUser, playlist: Playlist | None, ids: list[UUID]) -> dict[UUID, Capsule]:
    """The capsules of `ids` the creator may show: addable ones, and ones already in the playlist (the
    service lets a capsule someone else unpublished stay where it is). Each says whether the course's
    learners will see it (`hidden_reason`; the builder is the owner's, so the owner is the course owner)."""
    found = {capsule.pk: capsule for capsule in with_hidden_reasons(addable_capsules(user).filter(pk__in=ids), course_owner_id=user.pk)}
    if playlist is not None and len(found) < len(ids):
        kept = Capsule.objects.filter(pk__in=ids, playlist_items__playlist=playlist).exclude(pk__in=found)
        found.update({capsule.pk: capsule for capsule in with_hidden_reasons(kept, course_owner_id=user.pk)})
    return found


def _steps(
    user: SignedInUser,
    playlist: Playlist | None,
    ids: list[UUID],
    errors: dict[int, list[str]],
    moved: tuple[UUID, str] | None,
) -> list[BuilderStep]:
    capsules = _known_capsules(user, playlist, ids)
    steps = [
        BuilderStep(
            position=index + 1,
            capsule_id=capsule_id,
            capsule=capsules.get(capsule_id),
            errors=errors.get(index, []),
            course_owner_id=user.pk,
        )
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
    user: SignedInUser, playlist: Playlist | None, ids: list[UUID], action: StepAction
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


def _save(
    request: AuthenticatedHttpRequest, form: PlaylistBuilderForm, playlist: Playlist | None, capsule_ids: list[UUID]
) -> Playlist | None:
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
    except ApplicationError as exc:
        form.add_service_error(exc)
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


def embed_url(playlist: Playlist, *, site_url: str | None = None, **options: Any) -> str:
    return (site_url or settings.SITE_URL) + embed_path(playlist, **options)


def embed_code(
    playlist: Playlist,
    *,
    step: int = 1,
    theme: str = Theme.DEFAULT,
    show_progress: bool = True,
    site_url: str | None = None,
) -> str:
    """The HTML a creator pastes into a blog: one iframe for the whole course, then embed.js, which sizes
    the iframe to its content (without it the iframe keeps its height and scrolls). Both load from
    `site_url`, SITE_URL unless the share page says otherwise (EmbedOrigin)."""
    src = embed_url(playlist, site_url=site_url, step=step, theme=theme, show_progress=show_progress)
    return _embed_code_for_src(playlist, src, site_url=site_url)


def _embed_code_for_src(playlist: Playlist, src: str, *, site_url: str | None = None) -> str:
    return oembed_helpers.embed_code(
        site_url=site_url or settings.SITE_URL,
        src=src,
        title=f"Interactive Learning Playlist: {playlist.title}",
        width="100%",
        height=settings.EMBED_DEFAULT_HEIGHT,
        playlist_id=str(playlist.pk),
    )


# --- Share ------------------------------------------------------------------------------------------------


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased and without the scheme's default port, for comparing."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class EmbedOrigin:
    """Where the share page's embed codes load from, and the warning when that is not where the page is served.

    Codes point at SITE_URL: a blog reaches the site there, whatever address the creator uses. But a SITE_URL
    that differs from the page's own origin (another port or host) makes a code that shows a broken frame once
    pasted, with nothing to say why; so the page says so. In development (DEBUG) the code is built from the
    serving origin instead, so that it works where it is being tried out.
    """

    base: str
    served_from: str
    site_url: str

    @classmethod
    def for_request(cls, request: HtmxHttpRequest) -> EmbedOrigin:
        served_from = _origin(request.build_absolute_uri("/"))
        site_url = settings.SITE_URL
        differs = served_from != _origin(site_url)
        return cls(base=served_from if differs and settings.DEBUG else site_url, served_from=served_from, site_url=site_url)

    @property
    def warning(self) -> str:
        if self.served_from == _origin(self.site_url):
            return ""
        mismatch = f"This page is served from {self.served_from} but embed codes point at {self.site_url} (SITE_URL)."
        if self.base != self.site_url:
            return (
                f"{mismatch} In development (DEBUG) the code below uses {self.served_from}, this page’s own origin, so it "
                "works where you try it; set SITE_URL to the address learners reach before you deploy."
            )
        return (
            f"{mismatch} Pasted into a blog, the code loads the course from {self.site_url}: where learners cannot reach "
            "that address they see a broken frame. Set SITE_URL to the site’s public address, or open this page there."
        )


@dataclass(frozen=True)
class ShareStep:
    """One of the playlist's items as the share page lists the ones the embed skips."""

    position: int
    title: str
    hidden_reason: str
    moderation_reason: str

    @property
    def hidden_label(self) -> str:
        return HiddenReason(self.hidden_reason).label


def _skipped_steps(playlist: Playlist) -> tuple[int, list[ShareStep]]:
    """How many items the playlist has, and the ones its learners do not see with why (one query; the same
    rule as the builder's labels and the embed's numbering, capsules.models.course_hidden_reason)."""
    items = list(items_with_learner_visibility(playlist))
    skipped = [
        ShareStep(
            position=position,
            # The title only, as the builder and the playlist API name a capsule another creator took back.
            title=item.capsule.title,
            hidden_reason=item.hidden_reason,
            # The moderator's words reach the capsule's creator only: here, when the course owner wrote it.
            moderation_reason=item.capsule.moderation_reason
            if item.hidden_reason == HiddenReason.MODERATED and item.capsule.creator_id == playlist.creator_id
            else "",
        )
        for position, item in enumerate(items, start=1)
        if item.hidden_reason
    ]
    return len(items), skipped


@login_required
@require_GET
def playlist_share(request: AuthenticatedHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    # The embed numbers only the steps learners see (selectors.learner_visible_items), so the start step does too.
    item_count, skipped = _skipped_steps(playlist)
    total_steps = item_count - len(skipped)
    form = EmbedOptionsForm(request.GET, total_steps=total_steps)
    options = form.options()
    origin = EmbedOrigin.for_request(request)
    context = {
        "playlist": playlist,
        "form": form,
        "total_steps": total_steps,
        "skipped_steps": skipped,
        "step_summary": reach_summary(total_steps, item_count),
        "origin_warning": origin.warning,
        "code": embed_code(playlist, site_url=origin.base, **options),
        # share.js rebuilds the code from these as the options change, the same way embed_code does.
        "code_template": _embed_code_for_src(playlist, EMBED_SRC_PLACEHOLDER, site_url=origin.base),
        "src_placeholder": EMBED_SRC_PLACEHOLDER,
        "site_url": origin.base,
        "embed_base": reverse("playlists:embed_playlist", args=[playlist.pk]),
        "token": "" if playlist.is_public else embed_token(playlist),
        "direct_url": embed_url(playlist, site_url=origin.base, **options),
        # Same origin as this page: the dashboard's CSP frames only 'self', whatever SITE_URL says.
        "preview_path": embed_path(playlist, **options),
        "gallery_url": _gallery_url(playlist, site_url=origin.base),
        "embed_height": settings.EMBED_DEFAULT_HEIGHT,
    }
    return render(request, "playlists/playlist_share.html", context)


def _gallery_url(playlist: Playlist, *, site_url: str) -> str:
    if not playlist.is_public:
        return ""
    return site_url + reverse("playlists:gallery_playlist", args=[playlist.pk])


# --- Delete -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def playlist_delete(request: AuthenticatedHttpRequest, playlist_id: UUID) -> HttpResponse:
    playlist = get_playlist_for_owner(request.user, playlist_id)
    if request.method == "POST":
        services.playlist_delete(playlist=playlist, actor=request.user)  # the view has the service's name
        messages.success(request, f"Deleted “{playlist.title}”. Blogs that embed it now show that it is gone.")
        return redirect("playlists:list")
    step_count = playlist.items.count()
    return render(request, "playlists/playlist_confirm_delete.html", {"playlist": playlist, "step_count": step_count})
