"""Seed SQL files and training exports live in S3 (django-storages + boto3), here moto's
S3-compatible server on loopback. Web processes keep no files of their own: gunicorn writes the seed SQL of a
capsule created through the API, and the judge in that same server reads it back to grade an attempt."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import boto3
import pytest

from capsules.tests.samples import capsule_data
from feedback.tests.training_samples import corrected_capsule
from prodtests.stack import ROOT
from tests.fake_openai import FakeOpenAI


def bucket_objects() -> dict[str, bytes]:
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"])
    bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
    listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing}


def post_json(server, path: str, body: dict, token: str) -> tuple[int, dict]:
    status, _, raw = server.request(
        "POST", path, body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )  # fmt: skip
    return status, json.loads(raw or b"{}")


def test_a_capsules_seed_sql_is_stored_in_s3_and_the_judge_reads_it_from_there(web_server, api_user):
    _, token = api_user
    data = capsule_data("DATABASE")
    seed_sql = data["config_data"]["seed_sql"]
    key = f"seed_sql/{hashlib.sha256(seed_sql.encode()).hexdigest()}.sql"

    status, created = post_json(web_server, "/api/capsules/", data, token)

    assert status == 201, created
    assert bucket_objects()[key] == seed_sql.encode()
    assert created["config_data"]["seed_sql_url"].startswith(f"{os.environ['AWS_S3_ENDPOINT_URL']}/")
    status, graded = post_json(
        web_server, f"/api/capsules/{created['id']}/attempts", {"code": data["config_data"]["reference_solution"]}, token
    )
    assert status == 200, graded
    assert graded["passed"] is True, graded


@pytest.mark.django_db(transaction=True)
def test_a_fine_tuning_job_keeps_its_training_data_in_s3(settings, staff, owner, other_creator):
    from feedback.finetune.services import finetune_start

    settings.FINE_TUNE_MIN_EXAMPLES = 2
    corrected_capsule(owner, "Find the maximum")
    corrected_capsule(other_creator, "Find the biggest")
    with FakeOpenAI() as fake:
        fake.configure(settings)
        job = finetune_start(actor=staff)
        [upload] = [r for r in fake.requests if r.path == "/v1/files"]

    assert job.training_export.startswith("training-exports/")
    assert bucket_objects()[job.training_export] == upload.files["file"][1]


def test_export_training_data_store_writes_to_s3(production_env, transactional_db, owner):
    corrected_capsule(owner, "Owner's capsule")

    result = subprocess.run(
        [sys.executable, "manage.py", "export_training_data", "--store"],
        cwd=ROOT, env=production_env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    name = result.stdout.strip()
    [line] = bucket_objects()[name].decode().splitlines()
    assert json.loads(json.loads(line)["messages"][2]["content"])["title"] == "Owner's capsule"


def delete_object(key: str) -> None:
    boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"]).delete_object(Bucket=os.environ["AWS_STORAGE_BUCKET_NAME"], Key=key)


def test_backup_takes_seed_sql_from_s3_and_restore_puts_it_back(web_server, api_user, production_env, tmp_path):
    """The backup and restore commands on the production stack: the archive carries the seed SQL
    files read from the bucket, and a restore into an emptied database writes them back to the bucket."""
    _, token = api_user
    data = capsule_data("DATABASE")
    key = f"seed_sql/{hashlib.sha256(data['config_data']['seed_sql'].encode()).hexdigest()}.sql"
    status, created = post_json(web_server, "/api/capsules/", data, token)
    assert status == 201, created
    archive = tmp_path / "backup.tar.gz"

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=production_env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    backup = manage("backup", "--output", str(archive))
    assert backup.returncode == 0, backup.stderr
    delete_object(key)  # the bucket loses the file: only the archive has it now
    restore = manage("restore", str(archive), "--replace")
    assert restore.returncode == 0, restore.stderr

    assert bucket_objects()[key] == data["config_data"]["seed_sql"].encode()
    status, graded = post_json(
        web_server, f"/api/capsules/{created['id']}/attempts", {"code": data["config_data"]["reference_solution"]}, token
    )
    assert status == 200 and graded["passed"] is True, graded
