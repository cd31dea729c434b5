"""X-Request-ID on every answer, and what a crash or an unavailable store looks like (API.md §1)."""

from __future__ import annotations

import json
import re

import pytest

from inventory.application.errors import Unavailable
from inventory.domain.keys import Role
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route
from tests.unit.http.driver import Api
from tests.unit.logs import json_lines

LEAK = "password=hunter2 at /srv/inventory/secret.py"


def _crash(call: Call) -> Response:
    raise RuntimeError(LEAK)


def _busy(call: Call) -> Response:
    raise Unavailable("the database is busy")


@pytest.fixture
def failing() -> Api:
    """The API plus two routes: one whose handler crashes, one whose store is unavailable."""
    return Api(
        extra_routes=[
            Route("GET", "/api/v1/crash", _crash, Role.VIEWER, "Crash", "test"),
            Route("GET", "/api/v1/busy", _busy, None, "Busy", "test"),
        ]
    )


# --- X-Request-ID -----------------------------------------------------------------


@pytest.mark.parametrize("sent", ["abc-123", "r" * 128, "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "1"])
def test_a_sane_request_id_is_echoed(api: Api, sent: str) -> None:
    reply = api.get("/health", headers={"X-Request-ID": sent})

    assert reply.headers_named("X-Request-ID") == [sent]


@pytest.mark.parametrize(
    "sent",
    ["r" * 129, "has space", "tab\there", "bell\x07", "del\x7f", "caf\xe9", "", "line\r\nbreak"],
    ids=["too-long", "space", "tab", "control", "del", "latin-1", "empty", "crlf"],
)
def test_an_insane_request_id_is_replaced_by_a_generated_one(api: Api, sent: str) -> None:
    reply = api.get("/health", headers={"X-Request-ID": sent})

    (echoed,) = reply.headers_named("X-Request-ID")
    assert echoed != sent
    assert 1 <= len(echoed) <= 128
    assert re.fullmatch(r"[0-9A-Za-z]+", echoed)


def test_a_request_id_ending_in_a_newline_is_replaced(api: Api) -> None:
    # No validator here: it would refuse the bad header before this assertion could.
    reply = api.get("/health", headers={"X-Request-ID": "abc\n"}, validate=False)

    (echoed,) = reply.headers_named("X-Request-ID")
    assert "\n" not in echoed


def test_a_request_id_is_made_for_a_request_that_sends_none(api: Api) -> None:
    first = api.get("/health").header("X-Request-ID")
    second = api.get("/health").header("X-Request-ID")

    assert first is not None
    assert second is not None
    assert first != second


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/nowhere", "admin", 404),
        ("DELETE", "/api/v1/products", "admin", 405),
        ("GET", "/api/v1/products", None, 401),
        ("GET", "/api/v1/api-keys", "viewer", 403),
        ("GET", "/api/v1/products?limit=0", "admin", 400),
        ("POST", "/api/v1/products", "admin", 400),
    ],
)
def test_a_refusal_carries_the_request_id_in_the_header_and_the_problem(
    api: Api, method: str, path: str, key: str | None, status: int
) -> None:
    secret = None if key is None else api.admin if key == "admin" else api.viewer

    reply = api.request(method, path, key=secret, headers={"X-Request-ID": "req-42"})

    assert reply.status == status
    assert reply.header("X-Request-ID") == "req-42"
    assert reply.json["request_id"] == "req-42"


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("OPTIONS", "/api/v1/products", {}, 204),
        ("HEAD", "/api/v1/products/BOLT", {}, 200),
        ("GET", "/api/v1/products/BOLT", {"If-None-Match": '"v2"'}, 304),
        ("DELETE", "/api/v1/api-keys/NOSUCHKEY", {}, 404),
        ("GET", "/docs", {}, 200),
    ],
)
def test_every_kind_of_answer_carries_one_request_id(
    stocked: Api, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    reply = stocked.request(method, path, headers={"X-Request-ID": "every-1", **headers})

    assert reply.status == status
    assert reply.headers_named("X-Request-ID") == ["every-1"]


def test_a_generated_request_id_is_the_one_in_the_problem(api: Api) -> None:
    reply = api.get("/api/v1/products/NOPE")

    assert reply.json["request_id"] == reply.header("X-Request-ID")


# --- 500 ------------------------------------------------------------------------------


def test_a_crash_is_an_internal_error_that_reveals_nothing(failing: Api) -> None:
    reply = failing.get("/api/v1/crash", headers={"X-Request-ID": "crash-1"})

    assert reply.status == 500
    assert reply.media_type == "application/problem+json"
    assert reply.code == "internal_error"
    assert reply.json["request_id"] == "crash-1"
    assert "crash-1" in reply.json["detail"]
    text = reply.body.decode()
    for leak in ("hunter2", "RuntimeError", "Traceback", "secret.py", ".py"):
        assert leak not in text
    assert reply.header("X-Request-ID") == "crash-1"


def test_a_crash_is_logged_with_its_traceback_and_request_id(failing: Api) -> None:
    with json_lines("inventory.http") as lines:
        failing.get("/api/v1/crash", headers={"X-Request-ID": "crash-2"})

    (line,) = [json.loads(text) for text in lines.getvalue().splitlines()]
    assert line["level"] == "ERROR"
    assert line["request_id"] == "crash-2"
    assert line["message"] == "unhandled error in GET /api/v1/crash"
    assert "Traceback" in line["exception"]
    assert LEAK in line["exception"]


def test_a_crash_still_needs_a_key_first(failing: Api) -> None:
    assert failing.get("/api/v1/crash", key=None).status == 401


# --- 503 ------------------------------------------------------------------------------


def test_an_unavailable_store_is_a_503_with_retry_after(failing: Api) -> None:
    reply = failing.get("/api/v1/busy", headers={"X-Request-ID": "busy-1"})

    assert reply.status == 503
    assert reply.code == "unavailable"
    assert reply.json["detail"] == "the database is busy"
    assert reply.json["request_id"] == "busy-1"
    retry_after = reply.header("Retry-After")
    assert retry_after is not None
    assert int(retry_after) >= 1
