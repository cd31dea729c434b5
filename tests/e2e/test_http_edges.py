"""The edges of HTTP on a real gunicorn, over raw sockets (API.md §1, §8).

A body gunicorn cannot read (broken chunked encoding, cut short) is a 400 and
never counted as a server error; the headers every answer carries (no
``Server``, ``nosniff``), gunicorn's own refusals included; an invented
method is counted as ``other``. The behaviour is the HTTP layer's, the same on
every storage backend: SQLite serves here, with gunicorn's default sync workers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.http_server import Client, Server, metric, raw_exchange, running_server
from tests.waiting import NotReady, wait_for

pytestmark = pytest.mark.e2e

WAREHOUSES = "/api/v1/warehouses"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two sync workers (``--threads 1``, what ``inventory serve`` runs by default)."""
    with running_server(tmp_path_factory.mktemp("http-edges"), workers=2, threads=1) as running:
        yield running


def head_of(server: Server, method: str, path: str, request_id: str, **headers: str) -> bytes:
    """A request's head, with the admin key and ``X-Request-ID``; no body."""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"X-Request-ID: {request_id}",
        f"Authorization: Bearer {server.admin_key}",
        "Content-Type: application/json",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names; a repeated one keeps its last value), body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split(" ")[1]), headers, body


def server_errors(server: Server, route: str) -> float:
    text = Client(server.port).get("/metrics").body.decode()
    return metric(text, "inventory_http_requests_total", method="POST", route=route, status="500")


def counted(server: Server, status: str, route: str = WAREHOUSES) -> float:
    text = Client(server.port).get("/metrics").body.decode()
    return metric(text, "inventory_http_requests_total", method="POST", route=route, status=status)


def log_line_with(server: Server, *needles: str, timeout: float = 10.0) -> str:
    """The first server log line holding every one of ``needles``, waiting for it to be written."""

    def found() -> str | None:
        lines = server.logs().splitlines()
        return next((line for line in lines if all(n in line for n in needles)), None)

    try:
        return wait_for(found, f"a log line with {needles}", timeout, every=0.05)
    except NotReady as exc:
        raise NotReady(f"{exc}:\n{server.logs()[-3000:]}") from None


# --- a body that cannot be read ----------------------------------------------------------------

BROKEN_CHUNKS = {
    "bad chunk size": b"ZZ\r\n{}\r\n0\r\n\r\n",
    "missing chunk terminator": b"2\r\n{}XX0\r\n\r\n",
    "cut short, then half-closed": b'40\r\n{"code": ',
}


@pytest.mark.parametrize("chunks", BROKEN_CHUNKS.values(), ids=BROKEN_CHUNKS.keys())
def test_a_broken_chunked_body_is_a_bad_request(server: Server, chunks: bytes) -> None:
    before = counted(server, "400")
    request_id = f"chunks-{uuid.uuid4().hex}"
    head = head_of(server, "POST", WAREHOUSES, request_id, Transfer_Encoding="chunked")

    status, headers, body = parse(raw_exchange(server.port, head + chunks, then="half-close"))

    assert status == 400, body
    problem = json.loads(body)
    assert problem["code"] == "bad_request"
    assert problem["request_id"] == request_id == headers["x-request-id"]
    assert "could not be read" in problem["detail"]
    assert "INFO" in log_line_with(server, "request body unreadable", request_id)
    assert counted(server, "400") == before + 1
    assert server_errors(server, WAREHOUSES) == 0


def test_a_body_shorter_than_its_content_length_is_a_bad_request(server: Server) -> None:
    request_id = f"short-{uuid.uuid4().hex}"
    head = head_of(server, "POST", WAREHOUSES, request_id, Content_Length="100")

    reply = raw_exchange(server.port, head + b'{"code": "', then="half-close")

    status, _, body = parse(reply)
    assert status == 400, reply
    problem = json.loads(body)
    assert problem["code"] == "bad_request"
    assert problem["request_id"] == request_id
    assert problem["detail"] == (
        "the request body could not be read: it ended after 10 of the 100 bytes"
        " its Content-Length announced"
    )
    assert server_errors(server, WAREHOUSES) == 0


def test_a_client_that_goes_away_mid_body_is_logged_not_counted_as_a_server_error(
    server: Server,
) -> None:
    request_id = f"gone-{uuid.uuid4().hex}"
    head = head_of(server, "POST", WAREHOUSES, request_id, Content_Length="100")

    raw_exchange(server.port, head + b'{"code": "', then="leave")

    line = log_line_with(server, "request body unreadable", request_id)
    assert "INFO" in line
    assert "Traceback" not in server.logs()
    log_line_with(server, "POST /api/v1/warehouses 400", request_id)  # the access line
    assert server_errors(server, WAREHOUSES) == 0


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\n\r\n",  # 401, no key
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/v1/warehouses HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["health", "unauthorized", "unknown path", "bad length (gunicorn)", "long line (gunicorn)"],
)
def test_no_answer_names_the_server_software_and_every_one_says_nosniff(
    server: Server, request_bytes: bytes
) -> None:
    raw = raw_exchange(
        server.port, request_bytes.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
    )

    status, headers, _ = parse(raw)
    assert status > 0
    assert "server" not in headers, raw[:300]
    assert b"gunicorn" not in raw.lower()
    assert headers["x-content-type-options"] == "nosniff"


def test_an_api_answer_says_how_it_may_be_cached(server: Server) -> None:
    admin = server.client()
    sku = f"EDGE-{uuid.uuid4().hex[:8]}"
    created = admin.post("/api/v1/products", {"sku": sku, "name": "Edge"})

    read = admin.get(f"/api/v1/products/{sku}")

    assert created.header("Cache-Control") == "no-store"
    assert read.header("ETag") is not None
    assert read.header("Cache-Control") == "private, no-cache"
    assert admin.get("/api/v1/products").header("Cache-Control") == "no-store"


# --- metrics -------------------------------------------------------------------------------------


def test_an_invented_method_is_counted_as_other(server: Server) -> None:
    client = Client(server.port)

    assert client.request("XYZZY1", "/health").status == 405

    text = client.get("/metrics").body.decode()
    assert "XYZZY1" not in text
    assert metric(text, "inventory_http_requests_total", method="other", route="/health",
                  status="405") >= 1  # fmt: skip
