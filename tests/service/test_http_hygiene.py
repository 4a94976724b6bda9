"""Every response's hygiene: compression where it pays, security headers, CORS only for
listed origins, docs off in production, unsafe production settings refused, private files."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.settings import Settings
from tests.service.api.conftest import QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import public_pem

ORIGIN = "https://app.example.com"


@pytest.fixture
def client(tmp_path: Path, signing_key: rsa.RSAPrivateKey) -> Iterator[TestClient]:
    settings = api_settings(tmp_path / "data", signing_key, cors_origins=[ORIGIN])
    with TestClient(create_app(settings, runner=QueueOnlyRunner())) as client:
        yield client


def test_large_json_is_compressed_and_small_answers_are_not(client: TestClient) -> None:
    catalogue = client.get("/api/v1/products", headers={"Accept-Encoding": "gzip"})
    assert len(catalogue.content) > 1000
    assert catalogue.headers["content-encoding"] == "gzip"
    health = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in health.headers


def test_api_answers_carry_security_headers_and_the_docs_page_can_run(
    client: TestClient,
) -> None:
    answer = client.get("/health")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers
    assert "strict-transport-security" not in answer.headers  # not production


def test_cors_answers_listed_origins_only(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/api/v1/jobs", headers={"Origin": ORIGIN, **preflight})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    other = client.options("/api/v1/jobs", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers


def _production(tmp_path: Path, key: rsa.RSAPrivateKey, **values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "secret_key": "a-long-private-production-secret",
        "data_dir": tmp_path / "data",
        "jwt_public_key_pem": public_pem(key),
        "jwt_issuer": "https://clerk.example.com",
        "jwt_authorized_parties": [ORIGIN],
    }
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def test_production_hides_the_docs_unless_asked_and_sends_hsts(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey
) -> None:
    with TestClient(create_app(_production(tmp_path, signing_key), runner=QueueOnlyRunner())) as c:
        assert c.get("/docs").status_code == 404
        assert c.get("/openapi.json").status_code == 404
        assert c.get("/health").headers["strict-transport-security"].startswith("max-age=")
    shown = _production(tmp_path, signing_key, docs_enabled=True)
    with TestClient(create_app(shown, runner=QueueOnlyRunner())) as c:
        assert c.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"jwt_issuer": None}, "JWT_ISSUER"),
        ({"jwt_authorized_parties": []}, "JWT_AUTHORIZED_PARTIES"),
        ({"debug": True}, "DEBUG"),
        ({"cors_origins": ["*"]}, "CORS_ORIGINS"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, values: dict[str, object], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        _production(tmp_path, signing_key, **values)


def test_the_data_folder_and_database_are_private_to_the_service(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    with TestClient(create_app(api_settings(data, signing_key), runner=QueueOnlyRunner())):
        pass
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "pdf2audiobook.db").stat().st_mode) == 0o600
