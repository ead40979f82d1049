"""The production-style stack itself: gunicorn on PostgreSQL, Redis and S3 answers, and reports them healthy."""

from __future__ import annotations

import json


def test_healthz_sees_postgresql_and_the_redis_broker(web_server):
    status, headers, body = web_server.get("/healthz")
    report = json.loads(body)
    assert status == 200, body
    assert report["checks"]["database"] == {**report["checks"]["database"], "ok": True, "vendor": "postgresql"}
    assert report["checks"]["broker"]["ok"] is True
    assert report["checks"]["broker"]["kind"] == "redis"


def test_static_files_are_served_compressed_from_the_manifest(web_server):
    status, _, body = web_server.get("/accounts/login/")
    assert status == 200
    page = body.decode()
    start = page.index("/static/")
    asset = page[start : page.index('"', start)]
    assert "." in asset.rsplit("/", 1)[-1].split(".", 1)[1], f"{asset} is not a hashed manifest name"
    status, headers, _ = web_server.get(asset, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    assert "max-age=315360000" in headers.get("cache-control", "")
