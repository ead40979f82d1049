"""The client's address, as every per-address limit counts it (embed rate limits, the judge's admission, the API
throttles): one rule, so that a deployment behind a load balancer counts clients, not the balancer.

Behind the one load balancer of DJANGO_BEHIND_PROXY, the client is the last X-Forwarded-For entry (the one the
balancer appended; anything before it was written by the client and proves nothing); otherwise the socket's
address. An IPv6 client is counted by its /64 network: one host is routinely given a whole /64, so counting
single addresses would let one machine be 2^64 clients.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPV6_CLIENT_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The client's address for counting ("" when the server cannot tell)."""
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            raw = forwarded[-1]
    return counted_address(raw)


def counted_address(raw: str) -> str:
    """`raw` as a counter key: an IPv4 address as it is, an IPv6 one as its /64 network."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return raw.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)
