"""How the long-running processes (server workers, job runners) write their log lines.

One handler on stderr, text or JSON lines (``INVENTORY_LOG_FORMAT``), with the request
id; every line goes through :func:`~inventory.redaction.redact`; access lines by a shorter
way, same bytes. See docs/operating.md#logs and docs/adr/0018-a-lean-read-path.md.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import TextIO

from inventory.config import Settings
from inventory.redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "key_name")
"""What an access line adds to the JSON object (passed as ``extra=`` by the HTTP layer)."""

ACCESS_MESSAGE = "%s %s %s %.1fms key=%s"
"""An access line's message: method, route template, status, milliseconds, key name."""

access_log = logging.getLogger("inventory.access")

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


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The process's one handler: records as any handler does, and access lines made directly.

    :meth:`access_line` gives the text that :func:`formatter` makes of the
    record the HTTP layer would log, without making the record: no caller
    lookup, no ``LogRecord``, no ``extra`` merged in, no ``%``-style template
    parsed twice, and the date part of the time made once a second. A test
    holds the two ways to the same output, byte for byte.
    """

    def __init__(self, log_format: str, stream: TextIO) -> None:
        super().__init__(stream)
        self.log_format = log_format
        self.setFormatter(formatter(log_format))
        self._second = -1
        self._date = ""

    def access_line(
        self,
        method: str,
        route: str,
        status: str,
        seconds: float,
        key_name: str,
        request_id: str | None,
        now_ns: int,
    ) -> str:
        """The access line (without its newline) for a request answered at ``now_ns``."""
        second, rest = divmod(now_ns, 1_000_000_000)
        millis = rest // 1_000_000
        if second != self._second:
            if self.log_format == "json":
                self._date = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            else:
                self._date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._second = second
        message = ACCESS_MESSAGE % (method, route, status, seconds * 1000, key_name)
        if self.log_format != "json":
            text = f"{self._date},{millis:03d} INFO inventory.access [{os.getpid()}] {message}"
            if request_id is not None:
                first, newline, others = text.partition("\n")
                text = f"{first} id={request_id}{newline}{others}"
            return redact(text)
        state = str(int(status)) if status.isdigit() else encode_basestring(status)
        request = "" if request_id is None else f', "request_id": {encode_basestring(request_id)}'
        return redact(
            f'{{"time": "{self._date}.{millis:03d}+00:00", "level": "INFO",'
            f' "logger": "inventory.access", "message": {encode_basestring(message)},'
            f' "pid": {os.getpid()}{request}, "method": {encode_basestring(method)},'
            f' "route": {encode_basestring(route)}, "status": {state},'
            f' "duration_ms": {float.__repr__(round(seconds * 1000, 1))},'
            f' "key_name": {encode_basestring(key_name)}}}'
        )

    def write_line(self, line: str) -> None:
        """Write one line made by :meth:`access_line`, as ``emit`` writes a record's."""
        self.acquire()
        try:
            self.stream.write(line + self.terminator)
            self.stream.flush()
        finally:
            self.release()


def log_access(method: str, route: str, status: str, seconds: float, key_name: str) -> None:
    """Log the access line of one answered request (INFO, ``inventory.access``).

    When the line would reach the :class:`LineHandler` of :func:`configure_logging`
    alone, it is made and written directly; any other set-up (a handler or a
    filter added, as tests do) gets the usual record, with the fields as ``extra``.
    """
    if not access_log.isEnabledFor(logging.INFO):
        return
    handler = _only_handler()
    if handler is None:
        fields = {
            "method": method,
            "route": route,
            "status": int(status) if status.isdigit() else status,
            "duration_ms": round(seconds * 1000, 1),
            "key_name": key_name,
        }
        args = (method, route, status, seconds * 1000, key_name)
        access_log.info(ACCESS_MESSAGE, *args, extra=fields)
        return
    try:
        line = handler.access_line(
            method, route, status, seconds, key_name, _request_id.get(), time.time_ns()
        )
        handler.write_line(line)
    except RecursionError:  # as StreamHandler.emit does
        raise
    except Exception:  # reported as for any record; the request goes on
        args = (method, route, status, seconds * 1000, key_name)
        handler.handleError(access_log.makeRecord(access_log.name, logging.INFO, "", 0,
                                                  ACCESS_MESSAGE, args, None))  # fmt: skip


def _only_handler() -> LineHandler | None:
    """The handler an access record would reach, when it is a :class:`LineHandler` alone."""
    if access_log.disabled:  # the record path drops the line, as logging does
        return None
    found: LineHandler | None = None
    logger: logging.Logger | None = access_log
    while logger is not None:
        if logger.filters:
            return None
        for handler in logger.handlers:
            if found is not None or type(handler) is not LineHandler or handler.filters:
                return None
            if handler.level > logging.INFO:
                return None
            found = handler
        if not logger.propagate:
            break
        logger = logger.parent
    return found


def configure_logging(settings: Settings) -> None:
    """Every logger of the process (gunicorn's included) to stderr, in the configured format."""
    handler = LineHandler(settings.log_format, sys.stderr)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
