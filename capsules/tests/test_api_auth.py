"""POST /api/auth/token/, and the two ways to authenticate against the API: token and session."""

from __future__ import annotations

from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from capsules.models import Capsule
from capsules.tests.samples import capsule_data

TOKEN_URL = "/api/auth/token/"


def test_it_returns_a_token_for_a_valid_username_and_password(api_client, owner):
    response = api_client.post(TOKEN_URL, {"username": "owner", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=owner).key}


def test_it_returns_the_same_token_on_every_login(api_client, owner):
    body = {"username": "owner", "password": "owner-pass-123"}
    first = api_client.post(TOKEN_URL, body, format="json").json()["token"]
    second = api_client.post(TOKEN_URL, body, format="json").json()["token"]

    assert first == second


def test_the_token_path_works_without_a_trailing_slash(api_client, owner):
    response = api_client.post("/api/auth/token", {"username": "owner", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 200


def test_it_refuses_a_wrong_password_with_a_400_in_the_error_shape(api_client, owner):
    response = api_client.post(TOKEN_URL, {"username": "owner", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "Unable to log in with the username and password given.",
            "fields": {},
        }
    }
    assert not Token.objects.exists()


def test_it_refuses_an_unknown_user_like_a_wrong_password(api_client, db):
    response = api_client.post(TOKEN_URL, {"username": "nobody", "password": "whatever"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_it_refuses_an_inactive_user(api_client, owner):
    owner.is_active = False
    owner.save()

    response = api_client.post(TOKEN_URL, {"username": "owner", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 400


def test_it_names_the_missing_fields(api_client, db):
    response = api_client.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"username", "password"}


def test_it_slows_down_password_guessing(api_client, owner, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth-token": "3/minute"})
    for _ in range(3):
        assert api_client.post(TOKEN_URL, {"username": "owner", "password": "guess"}, format="json").status_code == 400

    response = api_client.post(TOKEN_URL, {"username": "owner", "password": "owner-pass-123"}, format="json")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"


def test_a_made_up_x_forwarded_for_does_not_escape_the_throttle(api_client, owner, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth-token": "3/minute"})
    guess = {"username": "owner", "password": "guess"}
    for n in range(3):
        assert api_client.post(TOKEN_URL, guess, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 400

    assert api_client.post(TOKEN_URL, guess, format="json", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_one_proxy_the_throttle_counts_the_address_the_proxy_saw(api_client, owner, monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth-token": "3/minute"})
    guess = {"username": "owner", "password": "guess"}

    def post(forwarded_for: str) -> int:
        return api_client.post(TOKEN_URL, guess, format="json", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The client forges the first entries; the load balancer appends the address it saw.
    assert [post(f"10.0.0.{n}, 203.0.113.9") for n in range(4)] == [400, 400, 400, 429]
    assert post("10.0.0.1, 198.51.100.7") == 400  # another client has its own count


def test_a_token_in_the_authorization_header_authenticates_api_calls(api_client, owner):
    token = api_client.post(TOKEN_URL, {"username": "owner", "password": "owner-pass-123"}, format="json").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.post("/api/capsules/", capsule_data("CODE"), format="json")

    assert response.status_code == 201
    assert response.json()["creator_id"] == str(owner.pk)


def test_an_invalid_token_is_refused_with_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/capsules/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_logged_in_session_authenticates_api_reads(owner, make_capsule):
    private = make_capsule(owner, title="My private draft")
    client = APIClient()
    client.login(username="owner", password="owner-pass-123")

    response = client.get(f"/api/capsules/{private.pk}")

    assert response.status_code == 200
    assert response.json()["title"] == "My private draft"


def test_a_session_write_without_the_csrf_token_is_refused(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="owner", password="owner-pass-123")

    response = client.post("/api/capsules/", capsule_data("CODE"), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    assert not Capsule.objects.exists()


def test_a_session_write_with_the_csrf_token_is_accepted(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="owner", password="owner-pass-123")
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret

    response = client.post("/api/capsules/", capsule_data("CODE"), format="json", HTTP_X_CSRFTOKEN=secret)

    assert response.status_code == 201
