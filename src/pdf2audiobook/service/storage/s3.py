"""Storage in an S3-compatible bucket: AWS S3, Cloudflare R2, MinIO."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from pdf2audiobook.service.storage.base import (
    DownloadLink,
    Storage,
    StorageError,
    StorageKeyNotFound,
    StoredObject,
)
from pdf2audiobook.service.storage.disposition import content_disposition
from pdf2audiobook.service.storage.streams import reader

# DeleteObjects takes at most 1000 keys, which is also ListObjectsV2's largest page.
MAX_PAGE_SIZE = 1000
# put_stream holds this much in memory before spilling to a temporary file.
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_BOTO_ERRORS = (BotoCoreError, ClientError, S3UploadFailedError)


def make_s3_client(
    *,
    region: str,
    endpoint_url: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    max_retries: int = 3,
) -> Any:
    """A boto3 S3 client with bounded timeouts and standard-mode retries with backoff.

    `endpoint_url` points at R2, MinIO or a test server; such endpoints are addressed by path
    (`host/bucket/key`), which all of them accept. Without keys, boto3's usual credential chain
    applies. `max_retries` counts retries after the first attempt.
    """
    config = Config(
        region_name=region,
        signature_version="s3v4",
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_retries, "mode": "standard"},
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    # A session of our own: creating clients from boto3's shared default session is not
    # thread-safe, while a finished client is.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


class S3Storage(Storage):
    """Objects in `bucket`, through `client` (see `make_s3_client`).

    Uploads are single PUTs or completed multipart uploads, which S3 makes visible atomically.
    `list_page_size` is how many keys `delete_prefix` lists and deletes per request.
    """

    def __init__(self, bucket: str, client: Any, *, list_page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= list_page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"list_page_size must be 1 to {MAX_PAGE_SIZE}: {list_page_size}")
        self._bucket = bucket
        self._client = client
        self._list_page_size = list_page_size

    @property
    def bucket(self) -> str:
        return self._bucket

    def check(self) -> None:
        with _translated("reach the bucket"):
            self._client.head_bucket(Bucket=self._bucket)

    def _put_file(self, key: str, source: Path, content_type: str) -> None:
        with _translated("store a file"):
            self._client.upload_file(
                str(source), self._bucket, key, ExtraArgs={"ContentType": content_type}
            )

    def _put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        # Spooling first means nothing is sent until the caller's chunks have all arrived, so
        # a failing iterator leaves no object and no abandoned multipart upload behind.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            written = 0
            for chunk in chunks:
                try:
                    spool.write(chunk)
                except OSError as error:
                    raise StorageError("File storage could not buffer an upload.") from error
                written += len(chunk)
            spool.seek(0)
            with _translated("store a file"):
                self._client.upload_fileobj(
                    spool, self._bucket, key, ExtraArgs={"ContentType": content_type}
                )
        return written

    def _open_read(self, key: str) -> BinaryIO:
        with _translated("read a file", key):
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        return _body_reader(response["Body"])

    def _open_range(self, key: str, start: int, end: int | None) -> BinaryIO:
        byte_range = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key, Range=byte_range)
        except ClientError as error:
            if _error_code(error) == "InvalidRange":
                raise ValueError(f"Range {byte_range} starts past the object's end") from error
            raise _storage_error(error, "read a file", key) from error
        except _BOTO_ERRORS as error:
            raise _storage_error(error, "read a file", key) from error
        return _body_reader(response["Body"])

    def _exists(self, key: str) -> bool:
        try:
            self._head(key)
        except StorageKeyNotFound:
            return False
        return True

    def _size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def _delete(self, key: str) -> None:
        with _translated("delete a file"):
            self._client.delete_object(Bucket=self._bucket, Key=key)

    def _delete_prefix(self, prefix: str) -> int:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket,
            Prefix=prefix,
            PaginationConfig={"PageSize": self._list_page_size},
        )
        deleted = 0
        with _translated("delete files"):
            for page in pages:
                objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not objects:
                    continue
                response = self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True}
                )
                # DeleteObjects succeeds as a request even when single keys fail.
                if response.get("Errors"):
                    raise StorageError("File storage could not delete some files.")
                deleted += len(objects)
        return deleted

    def _download_to(self, key: str, destination: Path) -> None:
        # The transfer manager writes to a temporary name and renames it when complete.
        with _translated("download a file", key):
            try:
                self._client.download_file(self._bucket, key, str(destination))
            except OSError as error:
                raise StorageError("Could not write the downloaded file.") from error

    def _download_link(self, key: str, filename: str, expires_seconds: int) -> DownloadLink | None:
        suffix = PurePosixPath(key).suffix
        fallback = "download" + (suffix if len(suffix) <= 16 else "")
        # The signature carries whole seconds: rounding down keeps expires_at no later than
        # the moment S3 starts refusing the URL.
        issued_at = datetime.now(UTC).replace(microsecond=0)
        with _translated("sign a download link", key):
            url = self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition(filename, fallback),
                },
                ExpiresIn=expires_seconds,
            )
        return DownloadLink(url=str(url), expires_at=issued_at + timedelta(seconds=expires_seconds))

    def _list_objects(self, prefix: str) -> Iterator[StoredObject]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket,
            Prefix=prefix,
            PaginationConfig={"PageSize": self._list_page_size},
        )
        with _translated("list files"):
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(str(item["Key"]), item["LastModified"].astimezone(UTC))

    def _sweep_temporary(self, older_than: datetime) -> int:
        """Nothing to sweep: S3 makes a PUT or a multipart upload visible only once complete, so
        an interrupted write leaves no object. (An abandoned multipart upload's parts are
        invisible but billed; the bucket's AbortIncompleteMultipartUpload lifecycle rule is the
        place to expire them.)"""
        del older_than
        return 0

    def _head(self, key: str) -> dict[str, Any]:
        with _translated("read a file's details", key):
            response: dict[str, Any] = self._client.head_object(Bucket=self._bucket, Key=key)
        return response


def _body_reader(body: Any) -> BinaryIO:
    def read(size: int) -> bytes:
        try:
            data: bytes = body.read(size)
        except _BOTO_ERRORS as error:
            raise StorageError("File storage stopped while sending a file.") from error
        return data

    return reader(read, body.close)


@contextmanager
def _translated(action: str, key: str | None = None) -> Iterator[None]:
    """Raise boto errors as StorageKeyNotFound for a missing `key`, else as StorageError."""
    try:
        yield
    except _BOTO_ERRORS as error:
        raise _storage_error(error, action, key) from error


def _storage_error(error: Exception, action: str, key: str | None) -> StorageError:
    if key is not None and _error_code(error) in _NOT_FOUND_CODES:
        return StorageKeyNotFound(key)
    return StorageError(f"File storage could not {action}.")


def _error_code(error: Exception) -> str | None:
    if not isinstance(error, ClientError):
        return None
    code = error.response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
