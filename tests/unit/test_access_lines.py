"""The access line the server's handler writes directly is the one a record would give.

The HTTP layer hands each access line to ``log_access``; with the server's
handler alone in place, the line is made without a ``LogRecord``. These tests
hold that line, byte for byte, to what the formatters make of the record
(docs/operating.md#logs), and check that any other set-up still gets records.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from inventory.entrypoints.logs import (
    ACCESS_MESSAGE,
    LineHandler,
    formatter,
    log_access,
    request_context,
)

# 2026-11-28 04:31:43.227 UTC and a few neighbours: a second's edge, a fresh second.
NOW = 1_795_840_303_227_654_321
MOMENTS = [NOW, NOW + 772_000_000, NOW + 773_000_000, NOW + 86_400_000_000_000, NOW - 227_654_321]


def record_for(
    method: str, route: str, status: str, seconds: float, key_name: str, now_ns: int
) -> logging.LogRecord:
    """The record the HTTP layer logs for this answer, as if made at ``now_ns``."""
    second, rest = divmod(now_ns, 1_000_000_000)
    args = (method, route, status, seconds * 1000, key_name)
    return logging.makeLogRecord(
        {
            "name": "inventory.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": ACCESS_MESSAGE,
            "args": args,
            "created": second + rest / 1e9,
            "msecs": float(rest // 1_000_000),
            "process": os.getpid(),
            "method": method,
            "route": route,
            "status": int(status) if status.isdigit() else status,
            "duration_ms": round(seconds * 1000, 1),
            "key_name": key_name,
        }
    )


CASES = [
    ("GET", "/api/v1/products/{sku}", "200", 0.00123, "scanner-1"),
    ("POST", "/api/v1/movements", "201", 0.25, "-"),
    ("GET", "unmatched", "404", 0.00004, "-"),
    ("HEAD", "/health", "-", 0.0, "-"),  # no status seen: the answer never started
    ("other", "/api/v1/orders/{id}", "405", 12.3456, 'näme "quoted" \\ back\tslash'),
    ("GET", "/api/v1/products", "200", 0.00005, "a\nsecond line"),
    ("GET", "/api/v1/products", "200", 0.001, "inv_abcdefghijkl"),  # a secret: redacted
    ("GET", "/api/v1/products", "200", 0.001, "Bearer token-1 via https://u:pw@host/x"),
    ("GET", "/api/v1/products", "200", 0.00015, "emoji \U0001f600 and \u2028"),
]


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("request_id", ["d318367ec8784ba39846cc0b3c385397", None, "inv_secret12"])
@pytest.mark.parametrize("case", CASES)
def test_the_direct_line_is_the_formatted_record(
    log_format: str, request_id: str | None, case: tuple[str, str, str, float, str]
) -> None:
    handler = LineHandler(log_format, io.StringIO())
    expected_format = formatter(log_format)

    for now_ns in MOMENTS:  # also across seconds: the date part is kept for one second only
        direct = handler.access_line(*case, request_id, now_ns)
        if request_id is None:
            expected = expected_format.format(record_for(*case, now_ns))
        else:
            with request_context(request_id):
                expected = expected_format.format(record_for(*case, now_ns))

        assert direct == expected


def test_a_json_line_is_one_object_with_every_field() -> None:
    handler = LineHandler("json", io.StringIO())

    line = handler.access_line(
        "GET", "/api/v1/products/{sku}", "200", 0.0025, "scanner-1", "r-1", NOW
    )

    assert json.loads(line) == {
        "time": "2026-11-28T04:31:43.227+00:00",
        "level": "INFO",
        "logger": "inventory.access",
        "message": "GET /api/v1/products/{sku} 200 2.5ms key=scanner-1",
        "pid": os.getpid(),
        "request_id": "r-1",
        "method": "GET",
        "route": "/api/v1/products/{sku}",
        "status": 200,
        "duration_ms": 2.5,
        "key_name": "scanner-1",
    }


@contextmanager
def access_handlers(*handlers: logging.Handler) -> Iterator[None]:
    access = logging.getLogger("inventory.access")
    level, propagate = access.level, access.propagate
    access.setLevel(logging.INFO)
    access.propagate = False  # the test's handlers alone, whatever the root has
    for handler in handlers:
        access.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            access.removeHandler(handler)
        access.setLevel(level)
        access.propagate = propagate


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_server_handler_alone_gets_the_line_without_a_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    access = logging.getLogger("inventory.access")

    def no_record(*args: object, **kwargs: object) -> logging.LogRecord:
        raise AssertionError("a record was made")

    monkeypatch.setattr(access, "makeRecord", no_record)
    with access_handlers(LineHandler("json", stream)), request_context("r-2"):
        log_access("GET", "/health", "200", 0.001, "-")

    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["request_id"] == "r-2"
    assert json.loads(line)["message"] == "GET /health 200 1.0ms key=-"


def test_another_handler_beside_it_gets_records_and_both_get_the_line() -> None:
    stream = io.StringIO()
    records = Records()

    with access_handlers(LineHandler("text", stream), records):
        log_access("POST", "/api/v1/movements", "201", 0.002, "scanner-1")

    (record,) = records.records
    assert record.getMessage() == "POST /api/v1/movements 201 2.0ms key=scanner-1"
    assert record.__dict__["status"] == 201
    assert record.__dict__["key_name"] == "scanner-1"
    assert stream.getvalue().count("POST /api/v1/movements 201 2.0ms key=scanner-1") == 1


def test_a_filter_on_the_logger_still_sees_every_access_record() -> None:
    stream = io.StringIO()
    access = logging.getLogger("inventory.access")

    def drop_health(record: logging.LogRecord) -> bool:
        return record.__dict__.get("route") != "/health"

    access.addFilter(drop_health)
    try:
        with access_handlers(LineHandler("text", stream)):
            log_access("GET", "/health", "200", 0.001, "-")
            log_access("GET", "/ready", "200", 0.001, "-")
    finally:
        access.removeFilter(drop_health)

    assert "/health" not in stream.getvalue()
    assert "GET /ready 200 1.0ms key=-" in stream.getvalue()


def test_nothing_is_made_below_the_access_level() -> None:
    stream = io.StringIO()

    with access_handlers(LineHandler("text", stream)):
        logging.getLogger("inventory.access").setLevel(logging.WARNING)
        log_access("GET", "/health", "200", 0.001, "-")

    assert stream.getvalue() == ""


def test_a_disabled_access_logger_writes_nothing() -> None:
    stream = io.StringIO()
    access = logging.getLogger("inventory.access")

    with access_handlers(LineHandler("text", stream)):
        access.disabled = True  # as logging.config does to the loggers it leaves out
        try:
            log_access("GET", "/health", "200", 0.001, "-")
        finally:
            access.disabled = False

    assert stream.getvalue() == ""
