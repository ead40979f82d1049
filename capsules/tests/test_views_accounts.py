"""Creator accounts and the page shell: landing page, sign-up, log in, log out, navigation."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "ada",
    "email": "ada@example.com",
    "password1": "analytical-engine-1843",
    "password2": "analytical-engine-1843",
}


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(0))


def test_it_shows_anonymous_visitors_what_codecapsule_is_with_log_in_and_sign_up(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Programming exercises that are proven to work." in html
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("signup")}"' in html


def test_it_sends_a_signed_in_creator_from_the_landing_page_to_their_capsules(client, owner):
    client.force_login(owner)
    assert client.get("/").url == reverse("capsules:list")


def test_it_signs_up_a_creator_logs_them_in_and_lands_them_on_their_capsules(client):
    response = client.post(reverse("signup"), SIGNUP, follow=True)
    assert response.redirect_chain[-1][0] == reverse("capsules:list")
    assert response.context["user"].username == "ada"
    assert User.objects.get(username="ada").email == "ada@example.com"
    assert "Welcome to CodeCapsule, ada." in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password2": "something-else-1843"}, "password2", "The two password fields didn’t match."),
        ({"password1": "password", "password2": "password"}, "password2", "This password is too common."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"username": ""}, "username", "This field is required."),
    ],
)
def test_it_refuses_a_bad_sign_up_with_the_reason_beside_the_field(client, change, field, message):
    response = client.post(reverse("signup"), {**SIGNUP, **change})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_second_account_with_the_same_email_or_username(client, owner):
    response = client.post(reverse("signup"), {**SIGNUP, "email": "OWNER@example.com"})
    assert response.context["form"].errors["email"] == ["An account with this email address already exists."]
    response = client.post(reverse("signup"), {**SIGNUP, "username": "Owner"})
    assert "username" in response.context["form"].errors


def test_it_sends_a_signed_in_creator_away_from_sign_up(client, owner):
    client.force_login(owner)
    assert client.get(reverse("signup")).url == reverse("capsules:list")


def test_it_logs_a_creator_in_and_lands_them_on_their_capsules(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "owner-pass-123"})
    assert response.url == reverse("capsules:list")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_it_refuses_a_wrong_password(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_logs_out_only_by_post(client, owner):
    client.force_login(owner)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["anonymous", "owner", "staff"])
def test_every_navigation_link_leads_to_a_page_that_exists(client, owner, staff, who):
    if who != "anonymous":
        client.force_login({"owner": owner, "staff": staff}[who])
    links = nav_links(client.get(reverse("capsules:list") if who != "anonymous" else "/", follow=True).content.decode())
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_navigation_shows_each_user_only_what_they_can_use(client, owner, staff):
    anonymous = nav_links(client.get("/").content.decode())
    assert anonymous == [reverse("api-docs")]
    client.force_login(owner)
    assert nav_links(client.get(reverse("capsules:list")).content.decode()) == [
        reverse("capsules:list"),
        reverse("playlists:list"),
        reverse("capsules:new"),
        reverse("generation:create"),
        reverse("generation:job_list"),
        reverse("feedback:dashboard"),
        reverse("api-docs"),
    ]
    client.force_login(staff)
    assert reverse("admin:index") in nav_links(client.get(reverse("capsules:list")).content.decode())


def test_the_page_shell_carries_csrf_for_htmx_a_skip_link_and_no_third_party_assets(client, owner):
    client.force_login(owner)
    html = client.get(reverse("capsules:list")).content.decode()
    token = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([^"]+)"\}'>""", html)
    assert token and len(token.group(1)) >= 32
    assert '<a class="skip-link" href="#main">' in html and 'id="main"' in html
    assert not re.search(r"""(src|href)="(https?:)?//""", html)  # nothing from a CDN: the machine is offline
