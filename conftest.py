"""Fixtures shared by every app's tests: a few named users and a way to make capsules.

Named users: `owner`, `other_creator`, `staff`; anonymous learners use an
unauthenticated client.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from capsules.models import Capsule
from capsules.services import capsule_create
from capsules.tests.samples import capsule_data
from tests.fake_openai import FakeOpenAI
from tests.judge_slots import claim_uid_range, private_slot_dir


@pytest.fixture(scope="session", autouse=True)
def _own_judge_slots(tmp_path_factory) -> Iterator[None]:
    """The suite judges in slots of its own (tests/judge_slots.py), never a server's on the same host. Set in the
    environment too, so the processes the production-style tests start (gunicorn, qcluster) use them as well."""
    from django.conf import settings as django_settings

    base, lease = claim_uid_range()
    directory = private_slot_dir(tmp_path_factory.mktemp("judge"))
    saved = {name: getattr(django_settings, name) for name in ("JUDGE_UID_BASE", "JUDGE_SLOT_DIR")}
    values = {"JUDGE_UID_BASE": base, "JUDGE_SLOT_DIR": str(directory)}
    for name, value in values.items():
        setattr(django_settings, name, value)
        os.environ[name] = str(value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(django_settings, name, value)
            os.environ.pop(name, None)
        os.close(lease)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate limits, throttles, the judge's in-flight marks and debounce keys live in the cache (Redis in the
    production-style run), which outlives a test: every test starts, and leaves, with it empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's production work factor costs ~0.3 s per user; tests need hashing to work, not to be slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("owner", "owner@example.com", "owner-pass-123")


@pytest.fixture
def other_creator(db) -> User:
    return User.objects.create_user("other", "other@example.com", "other-pass-123")


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("staff", "staff@example.com", "staff-pass-123", is_staff=True, is_superuser=True)


@pytest.fixture
def make_capsule(db) -> Callable[..., Capsule]:
    """make_capsule(creator, "DATABASE", status="published", is_public=True, title=...)"""

    def make(creator: User, capsule_type: str = "CODE", *, status: str | None = None, **overrides: Any) -> Capsule:
        capsule = capsule_create(creator=creator, data=capsule_data(capsule_type, **overrides))
        if status is not None:
            Capsule.objects.filter(pk=capsule.pk).update(status=status)
            capsule.refresh_from_db()
        return capsule

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def owner_api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An administrative URL of a real PostgreSQL server for the judge's postgresql dialect: JUDGE_POSTGRES_URL (or
    CODECAPSULE_PG_ADMIN_URL) when the PostgreSQL pass of `make test` set it (scripts/with_postgres.py), otherwise a
    throwaway cluster started for this session (the SQLite pass). Never skipped."""
    url = os.environ.get("JUDGE_POSTGRES_URL") or os.environ.get("CODECAPSULE_PG_ADMIN_URL")
    if url:
        yield url
        return
    from scripts.with_postgres import throwaway_cluster

    with throwaway_cluster() as cluster:
        yield cluster.url("postgres")


@pytest.fixture
def fake_openai(settings) -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on loopback, with Django settings pointing at it (provider `openai`).

    Script it with `fake_openai.script(...)`; call `fake_openai.configure(settings, provider="azure")` to test
    the Azure provider against the same server.
    """
    with FakeOpenAI() as fake:
        fake.configure(settings)
        yield fake


# --- The PostgreSQL pass: only the tests a database can change ------------------------------------------------

# Fixtures that reach the database; a test that asks for none of them (directly or through other fixtures)
# and has no django_db mark cannot touch it (pytest-django refuses database access without them).
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_setup", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (make test's PostgreSQL pass: the others, such as the "
        "sandbox and the language runtimes, give the same answer whatever the database, and ran on SQLite)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    independent = [item for item in items if not _uses_database(item)]
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if _uses_database(item)]


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return not _DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
