"""Deleting a capsule: the owner confirms and POSTs; nobody else can, and a GET never deletes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capsules.models import Capsule

pytestmark = pytest.mark.django_db


def delete_url(capsule: Capsule) -> str:
    return reverse("capsules:delete", args=[capsule.pk])


def test_the_owner_is_asked_to_confirm_and_a_get_deletes_nothing(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    response = client.get(delete_url(capsule))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Delete “{capsule.title}”?" in html
    assert f'<form method="post" action="{delete_url(capsule)}"' in html
    assert Capsule.objects.filter(pk=capsule.pk).exists()


def test_the_owner_deletes_by_post_and_lands_on_the_list_with_a_message(client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    client.force_login(owner)
    response = client.post(delete_url(capsule), follow=True)
    assert response.redirect_chain == [(reverse("capsules:list"), 302)]
    assert f"Deleted “{capsule.title}”." in response.content.decode()
    assert not Capsule.objects.filter(pk=capsule.pk).exists()


@pytest.mark.parametrize(("state", "status_code"), [({}, 404), ({"status": "published", "is_public": True}, 403)])
def test_another_creator_cannot_delete(client, owner, other_creator, make_capsule, state, status_code):
    capsule = make_capsule(owner, "CODE", **state)
    client.force_login(other_creator)
    assert client.get(delete_url(capsule)).status_code == status_code
    assert client.post(delete_url(capsule)).status_code == status_code
    assert Capsule.objects.filter(pk=capsule.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_deleted(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    response = client.post(delete_url(capsule))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Capsule.objects.filter(pk=capsule.pk).exists()


def test_delete_refuses_other_methods(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    assert client.put(delete_url(capsule)).status_code == 405
    assert Capsule.objects.filter(pk=capsule.pk).exists()
