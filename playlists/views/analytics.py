"""Placeholder: being written (issue #5)."""


def playlist_analytics(request, **kwargs):
    raise NotImplementedError
