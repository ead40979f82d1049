"""/api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI, served from our own static files)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

JSON_SCHEMA = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}


@pytest.fixture
def schema(api_client, db) -> dict:
    response = api_client.get("/api/schema/", **JSON_SCHEMA)
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_the_schema_is_served_as_yaml_by_default(api_client, db):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_schema_documents_the_capsule_and_token_endpoints(schema):
    paths = schema["paths"]

    assert set(paths["/api/capsules/"]) >= {"get", "post"}
    assert set(paths["/api/capsules/{capsule_id}/"]) >= {"get", "put", "patch", "delete"}
    assert "post" in paths["/api/auth/token/"]


def test_request_and_response_bodies_are_documented(schema):
    capsules = schema["paths"]["/api/capsules/"]
    create_body = capsules["post"]["requestBody"]["content"]["application/json"]["schema"]
    created = capsules["post"]["responses"]["201"]["content"]["application/json"]["schema"]

    assert create_body == {"$ref": "#/components/schemas/CapsuleInput"}
    assert created == {"$ref": "#/components/schemas/Capsule"}
    listed = capsules["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": "#/components/schemas/PaginatedCapsuleList"}


def test_config_data_is_documented_as_a_json_object(schema):
    components = schema["components"]["schemas"]

    for name in ("Capsule", "CapsuleInput"):
        assert components[name]["properties"]["config_data"]["type"] == "object"


def test_the_capsule_component_lists_the_base_capsule_keys(schema):
    properties = schema["components"]["schemas"]["Capsule"]["properties"]

    assert set(properties) == {
        "id", "title", "capsule_type", "problem_statement_md", "runtime_config", "config_data", "creator_id",
        "created_at", "difficulty", "status", "is_public", "updated_at",
    }  # fmt: skip


def test_the_error_shape_is_a_component_used_by_error_responses(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["properties"] == {"error": {"$ref": "#/components/schemas/ErrorDetail"}}
    assert set(components["ErrorDetail"]["properties"]) == {"code", "message", "fields"}

    detail = schema["paths"]["/api/capsules/{capsule_id}/"]
    for method, status in [("get", "404"), ("put", "400"), ("patch", "403"), ("delete", "401")]:
        error = detail[method]["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}


def test_the_list_filters_are_documented_as_query_parameters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/capsules/"]["get"]["parameters"] if p["in"] == "query"}

    assert parameters >= {"capsule_type", "language", "status", "difficulty", "search", "mine", "page"}


def test_token_and_session_auth_are_documented(schema):
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_schema_generates_without_warnings(db, tmp_path):
    # An endpoint drf-spectacular cannot describe is an undocumented endpoint: fail instead of guessing.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_docs_page_renders_swagger_ui(api_client, db):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b'id="swagger-ui"' in response.content
    # The set-up script is served by the same view (no inline script, so the strict CSP holds) and
    # points Swagger UI at the schema.
    assert b'<script src="/api/docs/?script="></script>' in response.content
    assert "script-src 'self';" in response["Content-Security-Policy"]
    script = api_client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"/api/schema/" in script.content


def test_the_docs_page_loads_nothing_from_another_host(api_client, db):
    html = api_client.get("/api/docs/").content.decode()

    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, flags=re.IGNORECASE)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/static/") or asset == "/api/docs/?script=" for asset in assets)


def test_the_docs_assets_ship_with_the_sidecar_package(api_client, db):
    html = api_client.get("/api/docs/").content.decode()

    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), f"{asset} is not in any static directory"
