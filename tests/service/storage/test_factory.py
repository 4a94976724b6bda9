"""The configured backend is built from settings; an incomplete S3 setup fails at startup."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.service.kit.settings import Settings, StorageBackend
from pdf2audiobook.service.storage import (
    LocalStorage,
    S3Storage,
    StorageConfigurationError,
    storage_from_settings,
)

# _env_file=None throughout: a developer's .env must not leak into these tests.


def test_local_disk_under_the_data_folder_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STORAGE_BACKEND", raising=False)

    storage = storage_from_settings(Settings(_env_file=None, data_dir=tmp_path))

    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "files").resolve()


def test_s3_without_a_bucket_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigurationError, match="S3_BUCKET"):
        storage_from_settings(
            Settings(
                _env_file=None,
                data_dir=tmp_path,
                storage_backend=StorageBackend.S3,
                s3_bucket=None,
            )
        )


def test_s3_settings_build_a_working_bucket_storage(moto_endpoint: str, s3_bucket: str) -> None:
    settings = Settings(
        _env_file=None,
        storage_backend=StorageBackend.S3,
        s3_bucket=s3_bucket,
        s3_endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    storage = storage_from_settings(settings)

    assert isinstance(storage, S3Storage)
    storage.check()
    storage.put_stream("uploads/book.pdf", [b"%PDF"], "application/pdf")
    assert storage.size("uploads/book.pdf") == 4
