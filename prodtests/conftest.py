"""The production-style run. `make test-production` runs this directory as

    scripts/with_postgres.py -- scripts/with_services.py -- scripts/run_pytest.sh prodtests

so this process and every server it starts share one PostgreSQL database (pytest-django's test database), one
Redis (django-q2's broker, Django's cache) and one S3 bucket (moto in server mode). Django settings in this
process are the production-style ones from the start: Q_CLUSTER on Redis, CACHES on Redis, default storage on S3.

Fixtures:
    production_env   the environment of a production-style process (prodtests/stack.py), with the test database
    web_server       gunicorn serving the app (session-wide; started once, restarted by tests that need to)
    start_qcluster   start_qcluster(**env) -> a running django-q2 cluster, stopped after the test
    api_user         a creator with an API token, committed (servers see only committed rows)

Tests here use the `transactional_db` fixture (directly or through these), because the servers read the database
through their own connections.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator

import pytest

from prodtests.stack import QCluster, WebServer, collect_static, production_environment

REQUIRED_ENVIRONMENT = ("DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL")


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name)]
    if missing or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise pytest.UsageError(
            "prodtests need PostgreSQL, Redis and S3: run them with `make test-production` "
            f"(missing or not PostgreSQL: {', '.join(missing) or 'DATABASE_URL'})"
        )


def database_url_of(settings_dict: dict) -> str:
    user, password = settings_dict["USER"], settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def production_env(django_db_setup, django_db_blocker) -> dict[str, str]:
    """The environment of production-style processes, pointing at pytest-django's test database."""
    from django.conf import settings
    from django.db import connection

    static_root = tempfile.mkdtemp(prefix="codecapsule-static-")
    # One secret key with this process: it queues django-q2 tasks (signed packages) and logs users in for them.
    env = production_environment(
        database_url=database_url_of(connection.settings_dict), static_root=static_root, secret_key=settings.SECRET_KEY
    )
    collect_static(env)
    return env


@pytest.fixture(scope="session")
def _web_server(production_env) -> Iterator[WebServer]:
    server = WebServer(production_env).start()
    yield server
    server.stop()


@pytest.fixture
def web_server(_web_server: WebServer, transactional_db) -> WebServer:
    """gunicorn with production settings; restarted if an earlier test stopped it."""
    if not _web_server.alive():
        _web_server.start()
    return _web_server


@pytest.fixture
def start_qcluster(production_env, transactional_db) -> Iterator[Callable[..., QCluster]]:
    clusters: list[QCluster] = []

    def start(**env: str) -> QCluster:
        cluster = QCluster({**production_env, **env}).start()
        clusters.append(cluster)
        return cluster

    yield start
    for cluster in clusters:
        cluster.stop()


@pytest.fixture
def api_user(transactional_db):
    """(user, token key): a creator who can call the API with `Authorization: Token <key>`."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user("prod-owner", "prod-owner@example.com", "prod-owner-pass-123")
    return user, Token.objects.create(user=user).key
