"""Logs are one JSON object per line in production and plain text in development (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from codecapsule.logging import JsonFormatter

BASE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = "k9$Vq2!xZ7@pL4#mN8&rT1^wY6*bC3(dF5)gH0_jK-sA+eU=iO~"
EMIT = "import logging; logging.getLogger('capsules.demo').warning('saved %s', 'capsule 7')"


def record(message: str = "saved %s", *args: object, exc_info=None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("capsules.services", logging.WARNING, __file__, 1, message, args or ("capsule 7",), exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def emit_through_django(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "LOG_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", EMIT],
        cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()[-1]


class TestTheJsonFormatter:
    def test_it_writes_time_level_logger_and_message_as_one_json_object(self):
        line = JsonFormatter().format(record())
        entry = json.loads(line)
        assert "\n" not in line
        assert entry["level"] == "WARNING"
        assert entry["logger"] == "capsules.services"
        assert entry["message"] == "saved capsule 7"
        when = datetime.fromisoformat(entry["time"])
        assert when.utcoffset() == timedelta(0)

    def test_it_includes_the_traceback_as_a_string_when_there_is_one(self):
        try:
            raise ValueError("bad capsule")
        except ValueError:
            entry = json.loads(JsonFormatter().format(record(exc_info=sys.exc_info())))
        assert "Traceback" in entry["exc_info"]
        assert "ValueError: bad capsule" in entry["exc_info"]

    def test_it_leaves_exc_info_out_when_there_is_none(self):
        assert "exc_info" not in json.loads(JsonFormatter().format(record()))

    def test_it_keeps_extra_fields_and_stringifies_what_json_cannot_encode(self):
        entry = json.loads(JsonFormatter().format(record(capsule_id=7, path=Path("/srv/seed.sql"))))
        assert entry["capsule_id"] == 7
        assert entry["path"] == "/srv/seed.sql"
        assert "msecs" not in entry and "args" not in entry


class TestTheSetting:
    def test_production_logs_json_by_default(self):
        line = emit_through_django(
            DJANGO_DEBUG="0", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="capsules.example.com",
            SITE_URL="https://capsules.example.com",
        )
        assert json.loads(line)["message"] == "saved capsule 7"

    def test_development_logs_text_by_default(self):
        line = emit_through_django(DJANGO_DEBUG="1")
        assert line.endswith("WARNING capsules.demo saved capsule 7")
        assert not line.startswith("{")

    def test_log_format_overrides_the_default(self):
        line = emit_through_django(DJANGO_DEBUG="1", LOG_FORMAT="json")
        assert json.loads(line)["logger"] == "capsules.demo"

    def test_an_unknown_log_format_stops_start_up_with_its_name(self):
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_"))}
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=BASE_DIR, env={**clean, "LOG_FORMAT": "xml"}, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode != 0
        assert "LOG_FORMAT must be one of json, text" in result.stderr
