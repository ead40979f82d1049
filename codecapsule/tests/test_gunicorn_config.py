"""The web process's gunicorn configuration (Procfile, gunicorn.conf.py) is valid and read from the environment."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def load_config(monkeypatch, **env: str) -> dict:
    for name in ("PORT", "GUNICORN_BIND", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))


def test_gunicorn_accepts_the_config_and_loads_the_application():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [str(GUNICORN), "--check-config", "-c", "gunicorn.conf.py", "codecapsule.wsgi"],
        cwd=BASE_DIR, env={**clean, "DJANGO_DEBUG": "1"}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_procfile_runs_gunicorn_with_this_config_and_a_qcluster_worker():
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    assert "web: gunicorn codecapsule.wsgi --config gunicorn.conf.py" in lines
    assert "worker: python manage.py qcluster" in lines


def test_it_binds_to_the_platforms_port(monkeypatch):
    assert load_config(monkeypatch, PORT="5123")["bind"] == "0.0.0.0:5123"


def test_an_explicit_bind_wins_over_the_port(monkeypatch):
    assert load_config(monkeypatch, PORT="5123", GUNICORN_BIND="unix:/run/cc.sock")["bind"] == "unix:/run/cc.sock"


def test_web_concurrency_sets_the_workers_and_the_default_is_capped(monkeypatch):
    assert load_config(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    default = load_config(monkeypatch)["workers"]
    assert default == min(2 * os.cpu_count() + 1, 12)


def test_it_uses_threaded_workers_logs_access_to_stdout_and_trusts_only_loopback_proxies_by_default(monkeypatch):
    config = load_config(monkeypatch)
    assert config["worker_class"] == "gthread"
    assert config["accesslog"] == "-"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert load_config(monkeypatch, FORWARDED_ALLOW_IPS="10.0.0.5")["forwarded_allow_ips"] == "10.0.0.5"
