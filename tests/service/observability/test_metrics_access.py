"""`/metrics` answers a scraper the settings name, and no one else."""

from __future__ import annotations

from tests.service.observability.conftest import ClientFactory

TOKEN = "metrics-token-for-tests"


def test_metrics_route_is_absent_when_neither_token_nor_network_is_set(
    make_client: ClientFactory,
) -> None:
    with make_client() as client:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_metrics_refuse_a_missing_or_wrong_token(make_client: ClientFactory) -> None:
    with make_client(metrics_token=TOKEN) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})

    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert missing.json()["error"] == "Unauthorized"


def test_metrics_answer_the_token_in_prometheus_text(make_client: ClientFactory) -> None:
    with make_client(metrics_token=TOKEN) as client:
        client.get("/health")
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'pdf2audiobook_http_requests_total{method="GET",route="/health",status="200"}' in (
        response.text
    )
    assert "pdf2audiobook_jobs_waiting" in response.text


def test_metrics_answer_a_client_inside_an_allowed_network_without_a_token(
    make_client: ClientFactory,
) -> None:
    with make_client("10.1.2.3", metrics_allowed_networks=["10.0.0.0/8"]) as client:
        response = client.get("/metrics")

    assert response.status_code == 200


def test_metrics_refuse_a_client_outside_the_allowed_networks(
    make_client: ClientFactory,
) -> None:
    with make_client("192.0.2.7", metrics_allowed_networks=["10.0.0.0/8"]) as client:
        response = client.get("/metrics")

    assert response.status_code == 404


def test_metrics_ask_an_outside_client_for_the_token_when_both_are_set(
    make_client: ClientFactory,
) -> None:
    with make_client(
        "192.0.2.7", metrics_token=TOKEN, metrics_allowed_networks=["10.0.0.0/8"]
    ) as client:
        refused = client.get("/metrics")
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert refused.status_code == 401
    assert allowed.status_code == 200
