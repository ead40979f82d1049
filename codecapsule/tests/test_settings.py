"""Settings come from the environment; production mode is strict and deploy-clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from codecapsule.env import env_bool, env_choice, env_int, env_list

BASE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = "k9$Vq2!xZ7@pL4#mN8&rT1^wY6*bC3(dF5)gH0_jK-sA+eU=iO~"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "SITE_URL", "REDIS_URL", "AWS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warnings_in_production_mode():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="capsules.example.com",
        SITE_URL="https://capsules.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "capsules.example.com"}
SECURITY_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
)


def test_an_https_site_url_turns_on_hsts_secure_cookies_and_the_redirect():
    result = run_manage("shell", "-v", "0", "-c", SECURITY_SETTINGS, **PRODUCTION, SITE_URL="https://capsules.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True"]


def test_a_plain_http_site_url_leaves_them_off_for_loopback_runs():
    result = run_manage("shell", "-v", "0", "-c", SECURITY_SETTINGS, **PRODUCTION, SITE_URL="http://127.0.0.1:8000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "False", "False"]


def test_production_mode_refuses_to_start_without_a_site_url():
    result = run_manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "SITE_URL is required" in result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="capsules.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_malformed_boolean_stops_start_up_with_its_name():
    result = run_manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


class TestTypedHelpers:
    def test_env_bool_reads_the_usual_spellings(self, monkeypatch):
        monkeypatch.setenv("X_FLAG", "Yes")
        assert env_bool("X_FLAG", False) is True
        monkeypatch.setenv("X_FLAG", "off")
        assert env_bool("X_FLAG", True) is False
        monkeypatch.delenv("X_FLAG")
        assert env_bool("X_FLAG", True) is True

    def test_env_int_raises_on_garbage_and_out_of_range(self, monkeypatch):
        monkeypatch.setenv("X_NUM", "12a")
        with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
            env_int("X_NUM", 1)
        monkeypatch.setenv("X_NUM", "0")
        with pytest.raises(ImproperlyConfigured, match="at least 1"):
            env_int("X_NUM", 5, minimum=1)
        monkeypatch.setenv("X_NUM", " 42 ")
        assert env_int("X_NUM", 5) == 42

    def test_env_list_and_choice(self, monkeypatch):
        monkeypatch.setenv("X_LIST", "a.example, b.example,,")
        assert env_list("X_LIST", []) == ["a.example", "b.example"]
        monkeypatch.setenv("X_CHOICE", "Azure")
        assert env_choice("X_CHOICE", "catalog", ("openai", "azure", "catalog")) == "azure"
        monkeypatch.setenv("X_CHOICE", "bard")
        with pytest.raises(ImproperlyConfigured, match="one of openai, azure, catalog"):
            env_choice("X_CHOICE", "catalog", ("openai", "azure", "catalog"))


def test_database_url_selects_postgresql(monkeypatch):
    import dj_database_url

    parsed = dj_database_url.parse("postgres://u:p@db.internal:5433/capsules")
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"]) == ("db.internal", 5433, "capsules")
