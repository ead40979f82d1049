"""Placeholder: being written (issue #7 part 6)."""


def dashboard(request):
    raise NotImplementedError
