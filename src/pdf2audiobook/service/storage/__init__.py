"""Where uploads and audio live: local disk by default, or an S3-compatible bucket."""

from pdf2audiobook.service.storage.base import (
    DownloadLink,
    Storage,
    StorageConfigurationError,
    StorageError,
    StorageKeyNotFound,
)
from pdf2audiobook.service.storage.disposition import content_disposition, safe_filename
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.storage.keys import new_object_key, validate_key
from pdf2audiobook.service.storage.local import LocalStorage
from pdf2audiobook.service.storage.s3 import S3Storage, make_s3_client

__all__ = [
    "DownloadLink",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "StorageConfigurationError",
    "StorageError",
    "StorageKeyNotFound",
    "content_disposition",
    "make_s3_client",
    "new_object_key",
    "safe_filename",
    "storage_from_settings",
    "validate_key",
]
