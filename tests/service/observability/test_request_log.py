"""One log line per request: route template, status, duration, request id and user."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest

from pdf2audiobook.service.kit.logging_setup import (
    MAX_REQUEST_ID_LENGTH,
    ContextFilter,
    JsonFormatter,
    configure_logging,
    request_context,
)
from pdf2audiobook.service.kit.settings import Settings
from tests.service.observability.conftest import ClientFactory


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "pdf2audiobook.request"]


def test_request_line_names_route_template_status_user_and_the_clients_request_id(
    make_client: ClientFactory,
    alice_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    missing = str(uuid.uuid4())
    with make_client() as client, caplog.at_level(logging.INFO, "pdf2audiobook.request"):
        response = client.get(
            f"/api/v1/jobs/{missing}", headers={**alice_headers, "X-Request-ID": "trace-42.a:b"}
        )

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "trace-42.a:b"
    (line,) = _request_lines(caplog)
    assert line.__dict__["method"] == "GET"
    assert line.__dict__["route"] == "/api/v1/jobs/{job_id}"
    assert line.__dict__["status"] == 404
    assert line.__dict__["request_id"] == "trace-42.a:b"
    assert line.__dict__["user_id"]
    assert line.__dict__["duration_ms"] >= 0
    assert missing not in line.getMessage()


@pytest.mark.parametrize(
    "unsafe",
    ["x" * (MAX_REQUEST_ID_LENGTH + 1), "two words", "a\u00e9b", "id;rm", "spoof\r\nline"],
)
def test_unsafe_request_id_is_replaced_by_a_generated_one(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture, unsafe: str
) -> None:
    with make_client() as client, caplog.at_level(logging.INFO, "pdf2audiobook.request"):
        response = client.get("/health", headers={b"X-Request-ID": unsafe.encode("utf-8")})

    generated = response.headers["X-Request-ID"]
    assert generated != unsafe
    assert len(generated) == 32
    int(generated, 16)
    (line,) = _request_lines(caplog)
    assert line.__dict__["request_id"] == generated
    assert line.__dict__["user_id"] is None


def test_request_without_an_id_gets_a_new_one_each_time(make_client: ClientFactory) -> None:
    with make_client() as client:
        first = client.get("/health").headers["X-Request-ID"]
        second = client.get("/health").headers["X-Request-ID"]

    assert first != second


def test_unknown_path_is_logged_under_one_route_label_without_its_path(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with make_client() as client, caplog.at_level(logging.INFO, "pdf2audiobook.request"):
        client.get("/wp-admin/secret-probe?token=abc")

    (line,) = _request_lines(caplog)
    assert line.__dict__["route"] == "unmatched"
    assert line.__dict__["status"] == 404
    assert "probe" not in line.getMessage()
    assert "abc" not in line.getMessage()


def test_json_format_writes_one_object_a_line_with_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.observability.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with request_context("req-1"):
            logger.warning("stage %s done", "extracting", extra={"job_id": "j1"})
    finally:
        logger.removeHandler(handler)

    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "stage extracting done"
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == "req-1"
    assert entry["job_id"] == "j1"
    assert entry["time"].endswith("+00:00")


@pytest.mark.usefixtures("restore_root_logger")
def test_configured_logging_keeps_the_services_info_lines_with_a_timestamp(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings(_env_file=None, log_level="info", log_format="text"))

    logging.getLogger("pdf2audiobook.service.jobs.example").info("job %s queued", "j-7")
    logging.getLogger("pdf2audiobook.service.jobs.example").debug("not at INFO")

    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert "INFO" in line
    assert "job j-7 queued" in line
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ", line), line


@pytest.mark.usefixtures("restore_root_logger")
def test_configuring_twice_leaves_one_handler_of_ours() -> None:
    settings = Settings(_env_file=None, log_format="json")
    configure_logging(settings)
    configure_logging(settings)

    ours = [h for h in logging.getLogger().handlers if h.get_name() == "pdf2audiobook"]
    assert len(ours) == 1
