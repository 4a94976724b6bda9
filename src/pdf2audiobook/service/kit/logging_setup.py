"""Logging for every process of the service: one handler on the root logger, levels,
timestamps, and the request id (and user id) of the work a line belongs to.

Without this, uvicorn configures only its own loggers, and the service's module loggers
(`logging.getLogger(__name__)`) fall through to Python's last-resort handler, which
drops everything below WARNING.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from pdf2audiobook.service.kit.settings import LogFormat, Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

MAX_REQUEST_ID_LENGTH = 64
_SAFE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID_LENGTH}}}")
# Attributes every LogRecord has; anything else was passed in `extra=` and belongs in JSON.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CONTEXT_ATTRIBUTES = ("request_id",)
# Libraries whose DEBUG lines carry request headers or bodies (a token, a presigned URL).
_QUIET_LIBRARIES = ("botocore", "boto3", "s3transfer", "urllib3", "httpcore", "httpx")


def accepted_request_id(candidate: str | None) -> str:
    """The client's `X-Request-ID` when it is short and plain, else a new one: a header that
    ends up in every log line must not be able to forge or flood them."""
    if candidate is not None and _SAFE_REQUEST_ID.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Log lines written inside carry `request_id` (a stage run on a request's behalf)."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the request it was written for (or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, context and `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request] message key=value...` for a terminal."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s.%(msecs)03dZ %(levelname)-7s %(name)s%(context)s %(message)s%(fields)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )
        self.converter = _utc

    def formatMessage(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.context = f" [{request_id}]" if request_id else ""
        extras = {
            name: value
            for name, value in vars(record).items()
            if name not in _RECORD_ATTRIBUTES
            and name not in _CONTEXT_ATTRIBUTES
            and name not in ("context", "fields")
            and value is not None
        }
        record.fields = "".join(f" {name}={value}" for name, value in extras.items())
        return super().formatMessage(record)


def _utc(seconds: float | None) -> time.struct_time:
    return time.gmtime(seconds)


def configure_logging(settings: Settings) -> None:
    """Send every logger's lines to stderr at LOG_LEVEL in LOG_FORMAT. Idempotent: the
    handler it installed before is replaced, handlers of others are left alone."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("pdf2audiobook")
    handler.addFilter(ContextFilter())
    formatter = JsonFormatter() if settings.log_format is LogFormat.JSON else TextFormatter()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "pdf2audiobook":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.value)
    for library in _QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))
    # uvicorn's loggers keep no handlers of their own; their lines reach the root's.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
