"""An API on a throwaway data folder whose runner only queues, built per test with the
settings the test needs (log and metrics settings differ from test to test)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from tests.service.api.conftest import QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token

ClientFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def make_client(tmp_path: Path, signing_key: rsa.RSAPrivateKey) -> ClientFactory:
    @contextmanager
    def make(client_address: str = "testclient", **overrides: object) -> Iterator[TestClient]:
        settings = api_settings(tmp_path / "data", signing_key, **overrides)
        app = create_app(settings, runner=QueueOnlyRunner())
        with TestClient(app, client=(client_address, 50000)) as client:
            yield client

    return make


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """Give the root logger back its handlers and level after a test configures logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def alice_headers(signing_key: rsa.RSAPrivateKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub='user_obs_alice')}"}
