"""The client address a request is counted by: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from ipaddress import ip_network

from starlette.requests import Request

from pdf2audiobook.service.limits.client import client_address
from tests.service.limits.conftest import LimitedApiFactory

PROXIES = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]


def _request(peer: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address(_request("192.0.2.1", "198.51.100.1"), PROXIES) == "192.0.2.1"


def test_header_is_ignored_when_no_proxy_is_trusted() -> None:
    assert client_address(_request("10.0.0.1", "198.51.100.1"), []) == "10.0.0.1"


def test_trusted_proxy_names_the_client() -> None:
    assert client_address(_request("10.0.0.1", "198.51.100.1"), PROXIES) == "198.51.100.1"


def test_addresses_a_client_wrote_left_of_the_proxys_are_not_believed() -> None:
    request = _request("10.0.0.1", "1.2.3.4, 198.51.100.1")
    assert client_address(request, PROXIES) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_to_the_client() -> None:
    request = _request("10.0.0.1", "198.51.100.1, 10.0.0.2", "10.0.0.3")
    assert client_address(request, PROXIES) == "198.51.100.1"


def test_garbage_in_the_header_leaves_the_last_trusted_hop() -> None:
    request = _request("10.0.0.1", "198.51.100.1, not-an-address, 10.0.0.2")
    assert client_address(request, PROXIES) == "10.0.0.2"


def test_ipv6_proxies_and_clients() -> None:
    assert client_address(_request("fd00::1", "2001:db8::7"), PROXIES) == "2001:db8::7"


def test_forwarded_for_counts_only_through_a_trusted_proxy(
    limited_api: LimitedApiFactory,
) -> None:
    with limited_api(rate_limit_api="2/minute", trusted_proxies=["10.0.0.0/8"]) as api:
        proxy = api.client_at("10.1.2.3")
        one_client = [
            proxy.get("/api/v1/products", headers={"X-Forwarded-For": "198.51.100.1"})
            for _ in range(3)
        ]
        another_client = proxy.get("/api/v1/products", headers={"X-Forwarded-For": "198.51.100.2"})
        stranger = api.client_at("192.0.2.9")
        # Rotating the header from an untrusted peer escapes nothing.
        spoofed = [
            stranger.get("/api/v1/products", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            for n in range(10, 13)
        ]

    assert [r.status_code for r in one_client] == [200, 200, 429]
    assert another_client.status_code == 200
    assert [r.status_code for r in spoofed] == [200, 200, 429]
