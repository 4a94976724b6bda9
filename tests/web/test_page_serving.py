"""How the page and its assets are served: inside the package, outside the API schema,
under a policy that runs only the page's own files, revalidated rather than kept stale;
and `/api/v1/config`, which tells the page how people sign in here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.web.clerk import clerk_sign_in
from pdf2audiobook.service.web.content_policy import page_content_policy
from pdf2audiobook.service.web.pages import STATIC_DIR
from tests.service.api.conftest import QueueOnlyRunner

CLERK_JWKS = "https://clerk.example.com/.well-known/jwks.json"
_IMPORT = re.compile(r"""^import .* from "\./([\w-]+\.js)";$""", re.MULTILINE)


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": "test-secret-not-for-production",
        "data_dir": data_dir,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path), runner=QueueOnlyRunner())) as served:
        yield served


def directives(policy: str) -> dict[str, list[str]]:
    named = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in named}


def test_the_page_runs_only_its_own_module_scripts(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts == ['<script type="module" src="/static/js/app.js">']
    assert " style=" not in response.text


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    modules = {"app.js"}
    for source in (STATIC_DIR / "js").glob("*.js"):
        modules |= set(_IMPORT.findall(source.read_text()))

    answers = {name: client.get(f"/static/js/{name}") for name in sorted(modules)}

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        modules, 200
    )
    assert all("javascript" in answer.headers["content-type"] for answer in answers.values())


def test_assets_are_revalidated_by_their_etag(client: TestClient) -> None:
    first = client.get("/static/styles.css")
    again = client.get("/static/styles.css", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304


def test_the_page_and_its_assets_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert "/" not in paths
    assert not [path for path in paths if path.startswith("/static")]


def test_config_without_clerk_offers_personal_tokens_only(client: TestClient) -> None:
    response = client.get("/api/v1/config")

    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.json()["clerk"] is None
    assert response.json()["payments_enabled"] is False


def test_config_with_clerk_names_its_hosted_sign_in_which_the_page_may_reach(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, clerk_jwks_url=CLERK_JWKS)
    with TestClient(create_app(settings, runner=QueueOnlyRunner())) as client:
        config = client.get("/api/v1/config").json()
        policy = directives(client.get("/").headers["content-security-policy"])

    assert config["clerk"] == {
        "frontend_api": "https://clerk.example.com",
        "sign_in_url": "https://accounts.example.com/sign-in",
    }
    assert "https://clerk.example.com" in policy["connect-src"]


@pytest.mark.parametrize(
    ("jwks_url", "sign_in_url"),
    [
        (CLERK_JWKS, "https://accounts.example.com/sign-in"),
        (
            "https://happy-otter-12.clerk.accounts.dev/.well-known/jwks.json",
            "https://happy-otter-12.accounts.dev/sign-in",
        ),
        ("https://login.example.org/keys", None),
        ("http://clerk.example.com/.well-known/jwks.json", None),
    ],
)
def test_clerk_hosted_sign_in_is_found_from_its_key_address(
    jwks_url: str, sign_in_url: str | None
) -> None:
    found = clerk_sign_in(jwks_url)

    assert (found.sign_in_url if found else None) == sign_in_url


def test_audio_links_to_a_bucket_may_be_played_by_the_page(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        storage_backend="s3",
        s3_bucket="books",
        s3_endpoint_url="https://minio.example.net:9000/",
    )

    policy = directives(page_content_policy(settings))

    assert "https://minio.example.net:9000" in policy["media-src"]
    assert "https://minio.example.net:9000" in policy["connect-src"]
