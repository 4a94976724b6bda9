"""Build the configured storage backend from settings; one entry per backend."""

from __future__ import annotations

from collections.abc import Callable

from pdf2audiobook.service.kit.settings import Settings, StorageBackend
from pdf2audiobook.service.storage.base import Storage, StorageConfigurationError
from pdf2audiobook.service.storage.local import LocalStorage
from pdf2audiobook.service.storage.s3 import S3Storage, make_s3_client

LOCAL_FOLDER = "files"


def storage_from_settings(settings: Settings) -> Storage:
    """The backend `settings.storage_backend` names, ready to use; call it once at startup.

    Raises StorageConfigurationError when the settings are incomplete (S3 without a bucket).
    It does not contact the backend: call `check()` for that.
    """
    return _BUILDERS[settings.storage_backend](settings)


def _local_storage(settings: Settings) -> Storage:
    return LocalStorage(settings.data_dir / LOCAL_FOLDER)


def _s3_storage(settings: Settings) -> Storage:
    if not settings.s3_bucket:
        raise StorageConfigurationError("S3_BUCKET must be set when STORAGE_BACKEND is s3.")
    client = make_s3_client(
        region=settings.aws_region,
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.aws_access_key_id,
        secret_access_key=settings.aws_secret_access_key,
    )
    return S3Storage(settings.s3_bucket, client)


_BUILDERS: dict[StorageBackend, Callable[[Settings], Storage]] = {
    StorageBackend.LOCAL: _local_storage,
    StorageBackend.S3: _s3_storage,
}
