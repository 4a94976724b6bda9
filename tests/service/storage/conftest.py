"""Storage backends for the shared behaviour suite: a folder, and a bucket on a moto server.

The moto server (`moto_server` in `tests/service/conftest.py`) is a separate process speaking
real S3 over HTTP on a loopback port it picks itself; it starts once per session, only if a
test asks for S3, and is stopped by its pid.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from pdf2audiobook.service.storage import LocalStorage, S3Storage, Storage, make_s3_client

# Small pages make delete_prefix walk several list/delete rounds with a few dozen objects.
TEST_PAGE_SIZE = 7


@pytest.fixture(scope="session")
def moto_endpoint(moto_server: str) -> str:
    """The URL of the session's one moto server (`tests/service/conftest.py`).

    Modules elsewhere import this fixture by name, which gives each of them its own copy
    of it; the server behind every copy is the same process.
    """
    return moto_server


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> Any:
    return make_s3_client(
        region="us-east-1",
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
    )


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A new, empty bucket for each test, so no test sees another's objects."""
    name = f"test-{uuid.uuid4().hex}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage(s3_client: Any, s3_bucket: str) -> S3Storage:
    return S3Storage(s3_bucket, s3_client, list_page_size=TEST_PAGE_SIZE)


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Each backend in turn; the moto server starts only when the S3 case first runs."""
    backend: Storage = request.getfixturevalue(f"{request.param}_storage")
    return backend
