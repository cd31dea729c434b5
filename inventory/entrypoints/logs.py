"""How the long-running processes (server workers, job runners) write their log lines.

One handler on stderr, text or JSON lines (``INVENTORY_LOG_FORMAT``), with the
request id; every line goes through :func:`~inventory.redaction.redact`.
See docs/operating.md#logs.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from inventory.config import Settings
from inventory.redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "key_name")
"""What an access line adds to the JSON object (passed as ``extra=`` by the HTTP layer)."""

_request_id: ContextVar[str | None] = ContextVar("inventory_request_id", default=None)


@contextmanager
def request_context(request_id: str) -> Iterator[None]:
    """Tag every line logged while serving one request with its id."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            line["request_id"] = request_id
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The readable line, with `` id=REQUEST_ID`` when logged while serving a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = current_request_id()
        if request_id is not None and not hasattr(record, "request_id"):
            first, newline, rest = text.partition("\n")
            text = f"{first} id={request_id}{newline}{rest}"
        return text


class Redacting(logging.Formatter):
    """Another formatter's output with secrets replaced (see :func:`redact`)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def formatter(log_format: str) -> logging.Formatter:
    return Redacting(JsonFormatter() if log_format == "json" else TextFormatter())


def configure_logging(settings: Settings) -> None:
    """Every logger of the process (gunicorn's included) to stderr, in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
