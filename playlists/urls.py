"""Playlist routes: creator pages (`urlpatterns`, namespace `playlists:`), learner-facing embed pages and the
public gallery (`public_urlpatterns`, no namespace prefix in their paths), and the JSON API
(`api_urlpatterns`, mounted under /api/ by codecapsule/urls.py)."""

from django.urls import path, re_path

from playlists import api
from playlists.views import analytics, builder, drafts, embed, terminal, workspace

app_name = "playlists"

urlpatterns: list = [
    # Creator pages (playlists/views/builder.py, analytics.py)
    path("playlists/", builder.playlist_list, name="list"),
    path("playlists/new", builder.playlist_new, name="new"),
    path("playlists/<uuid:playlist_id>/edit", builder.playlist_edit, name="edit"),
    path("playlists/<uuid:playlist_id>/share", builder.playlist_share, name="share"),
    path("playlists/<uuid:playlist_id>/delete", builder.playlist_delete, name="delete"),
    path("playlists/<uuid:playlist_id>/analytics", analytics.playlist_analytics, name="analytics"),
    # Public pages (playlists/views/embed.py)
    path("gallery/", embed.gallery, name="gallery"),
    path("gallery/<uuid:playlist_id>/", embed.gallery_playlist, name="gallery_playlist"),
    path("embed/playlist/<uuid:playlist_id>", embed.embed_playlist, name="embed_playlist"),
    path("embed/playlist/<uuid:playlist_id>/events", embed.embed_events, name="embed_events"),
    path("embed/playlist/<uuid:playlist_id>/state", embed.embed_playlist_state, name="embed_playlist_state"),
    path("embed/capsule/<uuid:capsule_id>", embed.embed_capsule, name="embed_capsule"),
    path("embed/capsule/<uuid:capsule_id>/state", embed.embed_capsule_state, name="embed_capsule_state"),
    # The learner's workspace in an embed (playlists/views/workspace.py)
    path("embed/playlist/<uuid:playlist_id>/steps/<int:step>/run", workspace.grade, {"mode": "run"}, name="step_run"),
    path("embed/playlist/<uuid:playlist_id>/steps/<int:step>/submit", workspace.grade, {"mode": "submit"}, name="step_submit"),
    path("embed/capsule/<uuid:capsule_id>/run", workspace.grade, {"mode": "run"}, name="capsule_run"),
    path("embed/capsule/<uuid:capsule_id>/submit", workspace.grade, {"mode": "submit"}, name="capsule_submit"),
    # The visible seed of a capsule whose Run happens in the browser
    path("embed/playlist/<uuid:playlist_id>/steps/<int:step>/seed", workspace.browser_seed, name="step_seed"),
    path("embed/capsule/<uuid:capsule_id>/seed", workspace.browser_seed, name="capsule_seed"),
    # The learner's code drafts, kept on the server (playlists/views/drafts.py)
    path("embed/playlist/<uuid:playlist_id>/steps/<int:step>/draft", drafts.save_draft, name="step_draft"),
    path("embed/capsule/<uuid:capsule_id>/draft", drafts.save_draft, name="capsule_draft"),
    # The TERMINAL workspace in an embed (playlists/views/terminal.py)
    path(
        "embed/playlist/<uuid:playlist_id>/steps/<int:step>/terminal/run",
        terminal.terminal_action,
        {"action": "run"},
        name="step_terminal_run",
    ),
    path(
        "embed/playlist/<uuid:playlist_id>/steps/<int:step>/terminal/check",
        terminal.terminal_action,
        {"action": "check"},
        name="step_terminal_check",
    ),
    path(
        "embed/playlist/<uuid:playlist_id>/steps/<int:step>/terminal/reset",
        terminal.terminal_action,
        {"action": "reset"},
        name="step_terminal_reset",
    ),
    path("embed/capsule/<uuid:capsule_id>/terminal/run", terminal.terminal_action, {"action": "run"}, name="capsule_terminal_run"),
    path("embed/capsule/<uuid:capsule_id>/terminal/check", terminal.terminal_action, {"action": "check"}, name="capsule_terminal_check"),
    path("embed/capsule/<uuid:capsule_id>/terminal/reset", terminal.terminal_action, {"action": "reset"}, name="capsule_terminal_reset"),
    path("embed.js", embed.embed_script, name="embed_script"),
    path("oembed", embed.oembed, name="oembed"),
]

# DRF views: playlists/api.py. Paths match with or without a trailing slash, like the capsule API.
api_urlpatterns: list = [
    re_path(r"^playlists/?$", api.PlaylistListView.as_view(), name="api-playlist-list"),
    re_path(r"^playlists/(?P<playlist_id>[^/]+)/items/?$", api.PlaylistItemsView.as_view(), name="api-playlist-items"),
    re_path(r"^playlists/(?P<playlist_id>[^/]+)/embed/?$", api.PlaylistEmbedView.as_view(), name="api-playlist-embed"),
    re_path(r"^playlists/(?P<playlist_id>[^/]+)/?$", api.PlaylistDetailView.as_view(), name="api-playlist-detail"),
]
