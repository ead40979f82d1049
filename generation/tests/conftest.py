"""Fixtures for generation tests. `fake_openai` is meant to move to the root conftest once other apps need it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai(settings) -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on loopback, with Django settings pointing at it (provider `openai`).

    Script it with `fake_openai.script(...)`; call `fake_openai.configure(settings, provider="azure")` to test
    the Azure provider against the same server.
    """
    with FakeOpenAI() as fake:
        fake.configure(settings)
        yield fake
