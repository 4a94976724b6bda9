"""S3: signed download links that work over HTTP, content types, and failures as StorageError."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pdf2audiobook.service.storage import (
    S3Storage,
    StorageError,
    StorageKeyNotFound,
    content_disposition,
    make_s3_client,
)

LINK_SECONDS = 300


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_download_link_downloads_the_object_under_the_display_name(
    s3_storage: S3Storage,
) -> None:
    s3_storage.put_stream("audio/book.mp3", [b"ID3 audio bytes"], "audio/mpeg")
    before = datetime.now(UTC)

    link = s3_storage.download_link("audio/book.mp3", "../Müller \u2013 Über.mp3", LINK_SECONDS)

    assert link is not None
    response = httpx.get(link.url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"ID3 audio bytes"
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["content-disposition"] == content_disposition(
        "Müller \u2013 Über.mp3", "download.mp3"
    )
    assert before < link.expires_at <= datetime.now(UTC) + timedelta(seconds=LINK_SECONDS)


def test_download_link_is_signed_for_exactly_the_requested_lifetime(
    s3_storage: S3Storage,
) -> None:
    s3_storage.put_stream("audio/book.mp3", [b"x"], "audio/mpeg")

    link = s3_storage.download_link("audio/book.mp3", "book.mp3", LINK_SECONDS)

    assert link is not None
    query = parse_qs(urlsplit(link.url).query)
    assert query["X-Amz-Expires"] == [str(LINK_SECONDS)]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert link.expires_at <= signed_at + timedelta(seconds=LINK_SECONDS)


def test_put_file_keeps_the_content_type(s3_storage: S3Storage, tmp_path: Path) -> None:
    source = tmp_path / "book.m4b"
    source.write_bytes(b"m4b bytes")

    s3_storage.put_file("audio/book.m4b", source, "audio/mp4")

    link = s3_storage.download_link("audio/book.m4b", "book.m4b", LINK_SECONDS)
    assert link is not None
    assert httpx.get(link.url, timeout=10).headers["content-type"] == "audio/mp4"


def test_missing_bucket_fails_check_as_storage_error_not_missing_key(s3_client: Any) -> None:
    storage = S3Storage("no-such-bucket", s3_client)

    with pytest.raises(StorageError) as raised:
        storage.check()

    assert not isinstance(raised.value, StorageKeyNotFound)
    assert raised.value.status_code == 503


def test_writing_to_a_missing_bucket_raises_storage_error(s3_client: Any) -> None:
    storage = S3Storage("no-such-bucket", s3_client)

    with pytest.raises(StorageError):
        storage.put_stream("audio/book.mp3", [b"x"], "audio/mpeg")


@pytest.mark.timeout(15)
def test_check_against_an_unreachable_endpoint_raises_storage_error() -> None:
    client = make_s3_client(
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        access_key_id="testing",
        secret_access_key="testing",
        connect_timeout=0.5,
        read_timeout=0.5,
        max_retries=0,
    )

    with pytest.raises(StorageError) as raised:
        S3Storage("any-bucket", client).check()

    assert raised.value.__cause__ is not None


@pytest.mark.parametrize("page_size", [0, 1001])
def test_page_size_beyond_what_delete_objects_accepts_is_refused(
    s3_client: Any, page_size: int
) -> None:
    with pytest.raises(ValueError, match="list_page_size"):
        S3Storage("any-bucket", s3_client, list_page_size=page_size)
