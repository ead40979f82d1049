"""Placeholder: being written (issue #5)."""


def gallery(request, **kwargs):
    raise NotImplementedError


def gallery_playlist(request, **kwargs):
    raise NotImplementedError


def embed_playlist(request, **kwargs):
    raise NotImplementedError


def embed_events(request, **kwargs):
    raise NotImplementedError


def embed_capsule(request, **kwargs):
    raise NotImplementedError


def embed_script(request, **kwargs):
    raise NotImplementedError


def oembed(request, **kwargs):
    raise NotImplementedError
