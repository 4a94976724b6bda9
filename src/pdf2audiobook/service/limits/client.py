"""The client's address: the peer's, or what a trusted proxy says in `X-Forwarded-For`."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import Request

Network = IPv4Network | IPv6Network
MAX_FORWARDED_HOPS = 20
"""Hops of `X-Forwarded-For` looked at; a longer header is a client's invention."""


def _parsed(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """Who sent the request, as a string to count requests by.

    `X-Forwarded-For` is read only when the peer is a trusted proxy, from the right: each
    trusted proxy appended the address it received from, so the first untrusted one is the
    client (anything left of it the client may have written itself). Without trusted
    proxies, or from any other peer, the header is ignored: a client cannot pick its own
    address and escape its limit.
    """
    peer = request.client.host if request.client else "unknown"
    peer_address = _parsed(peer)
    if peer_address is None or not _trusted(peer_address, trusted_proxies):
        return peer
    hops = [
        hop
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        address = _parsed(hop)
        if address is None:
            # Not an address: nothing further left can be trusted; count the proxy's hop.
            break
        if not _trusted(address, trusted_proxies):
            return str(address)
        peer_address = address
    return str(peer_address)
