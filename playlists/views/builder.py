"""Placeholder: being written (issue #5)."""


def playlist_list(request, **kwargs):
    raise NotImplementedError


def playlist_new(request, **kwargs):
    raise NotImplementedError


def playlist_edit(request, **kwargs):
    raise NotImplementedError


def playlist_share(request, **kwargs):
    raise NotImplementedError


def playlist_delete(request, **kwargs):
    raise NotImplementedError
