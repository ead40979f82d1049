"""client_address: whom the per-address limits count (codecapsule/net.py)."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from codecapsule.net import client_address


def request(remote: str, forwarded: str | None = None):
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_a_proxy_the_socket_address_counts_and_x_forwarded_for_is_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_the_proxy_the_address_it_appended_counts_not_what_the_client_wrote(settings):
    settings.BEHIND_PROXY = True
    assert client_address(request("10.0.0.2", "198.51.100.1, 203.0.113.7")) == "203.0.113.7"
    assert client_address(request("10.0.0.2")) == "10.0.0.2"


def test_an_ipv6_client_counts_as_its_64_network():
    first = client_address(request("2001:db8:1:2:aaaa::1"))
    second = client_address(request("2001:db8:1:2:ffff:ffff:ffff:fffe"))

    assert first == second == "2001:db8:1:2::/64"
    assert client_address(request("2001:db8:1:3::1")) != first


def test_an_ipv4_client_seen_over_ipv6_is_its_ipv4_address():
    assert client_address(request("::ffff:203.0.113.7")) == "203.0.113.7"
