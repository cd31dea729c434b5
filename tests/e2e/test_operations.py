"""What an operator watches, on a real server: metrics over every worker, JSON logs, errors.

- ``/metrics`` sums the figures of every gunicorn worker and of the job runner;
- ``INVENTORY_LOG_FORMAT=json`` gives one JSON object per line, each access
  line with its request id, and no secret in any line, even at DEBUG;
- with ``INVENTORY_SENTRY_DSN`` set, an unhandled error reaches the Sentry
  endpoint (here a local HTTP server standing in for it) with the request id,
  and without the API key or the request body.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.http_server import Client, Server, metric, running_server, unique
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e


def json_lines(server: Server) -> list[dict[str, Any]]:
    lines = [line for line in server.logs().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    with running_server(tmp_path, workers=3, threads=1, INVENTORY_LOG_FORMAT="json") as server:
        client = server.client()
        sku = unique("M")
        client.ok("POST", "/api/v1/products", {"sku": sku, "name": "Metered"})
        requests = 60
        for _ in range(requests):
            assert client.get(f"/api/v1/products/{sku}").status == 200

        exposition = Client(server.port).get("/metrics")

        assert exposition.status == 200
        text = exposition.body.decode()
        route = "/api/v1/products/{sku}"
        labels = {"method": "GET", "route": route, "status": "200"}
        assert metric(text, "inventory_http_requests_total", **labels) == requests
        assert metric(text, "inventory_http_request_duration_seconds_count", route=route) == (
            requests
        )
        assert sku not in text  # labels are route templates, never raw paths
        served_by = {
            line["pid"] for line in json_lines(server) if line.get("route") == route
        }  # fmt: skip
        assert len(served_by) > 1, "the requests should have reached several workers"
        hits = metric(text, "inventory_cache_requests_total", result="hit")
        assert hits >= requests  # each request's key lookup, at least, once warm


def test_jobs_run_by_the_job_runner_are_counted_in_the_servers_metrics(tmp_path: Path) -> None:
    with running_server(tmp_path, workers=2, threads=1) as server:
        client = server.client()
        job = client.ok("POST", "/api/v1/reports", {"kind": "valuation", "format": "csv"})
        wait_for(
            lambda: client.ok("GET", f"/api/v1/jobs/{job['id']}")["status"] == "succeeded",
            "the report job succeeded",
            every=0.1,
        )

        text = Client(server.port).get("/metrics").body.decode()

        assert metric(text, "inventory_jobs_total", kind="report", status="succeeded") == 1


def test_json_logs_carry_request_ids_and_never_a_secret(tmp_path: Path, backend: str) -> None:
    smtp_password = "smtp-pw-" + unique("S")
    database_password = "db-pw-" + unique("D")  # in the URL on PostgreSQL
    with running_server(
        tmp_path,
        backend=backend,
        password=database_password,
        workers=2,
        threads=1,
        INVENTORY_LOG_FORMAT="json",
        INVENTORY_LOG_LEVEL="DEBUG",
        INVENTORY_SMTP_URL=f"smtp://alerts:{smtp_password}@127.0.0.1:9",
        INVENTORY_ALERT_EMAIL="ops@example.com",
    ) as server:
        client = server.client()
        viewer = server.key("viewer", "log-viewer")
        sku = unique("L")
        client.ok("POST", "/api/v1/products", {"sku": sku, "name": "Logged"})
        reply = Client(server.port, viewer).get(f"/api/v1/products/{sku}")
        assert reply.status == 200
        wrong = "inv_" + "x" * 43
        assert Client(server.port, wrong).get("/api/v1/products").status == 401
        assert server.stop() == 0

    lines = json_lines(server)  # every line parses as one JSON object
    access = [line for line in lines if line["logger"] == "inventory.access"]
    assert access
    assert all(line["request_id"] for line in access)
    (mine,) = [line for line in access if line["request_id"] == reply.header("X-Request-ID")]
    assert mine["route"] == "/api/v1/products/{sku}"
    assert mine["status"] == 200
    assert mine["key_name"] == "log-viewer"
    assert {"time", "level", "message", "method", "duration_ms"} <= set(mine)
    text = server.logs()
    for secret in (server.admin_key, viewer, wrong, smtp_password, database_password):
        assert secret not in text
    if backend == "postgres":
        assert database_password in server.url  # the server did run with it


class _Collector(ThreadingHTTPServer):
    """A stand-in for Sentry's ingestion endpoint: keeps every envelope it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Envelopes)
        self.envelopes: list[bytes] = []
        self.arrived = threading.Condition()


class _Envelopes(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with self.server.arrived:
            self.server.envelopes.append(body)
            self.server.arrived.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def sentry_endpoint() -> Iterator[_Collector]:
    collector = _Collector()
    thread = threading.Thread(target=collector.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield collector
    finally:
        collector.shutdown()
        collector.server_close()
        thread.join(5)


def events(collector: _Collector, wanted: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The error events received, waiting until there are ``wanted`` of them."""
    deadline = time.monotonic() + timeout
    with collector.arrived:
        while True:
            found = []
            for envelope in collector.envelopes:
                lines = envelope.split(b"\n")
                for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                    if json.loads(header).get("type") == "event":
                        found.append(json.loads(payload))
            left = deadline - time.monotonic()
            if len(found) >= wanted or left <= 0:
                return found
            collector.arrived.wait(left)


def test_an_unhandled_error_reaches_sentry_with_the_request_id_and_no_secret(
    tmp_path: Path,
) -> None:
    with sentry_endpoint() as collector:
        port = collector.server_address[1]
        dsn = f"http://publickey@127.0.0.1:{port}/42"
        with running_server(
            tmp_path,
            workers=1,
            threads=1,
            INVENTORY_SENTRY_DSN=dsn,
            INVENTORY_SENTRY_ENVIRONMENT="e2e",
        ) as server:
            client = server.client()
            assert server.database is not None
            # The table goes from under the running server: its next read of it fails
            # in a way no handler expects, as a corrupted or tampered database would.
            with sqlite3.connect(server.database) as db:
                db.execute("ALTER TABLE warehouses RENAME TO warehouses_gone")
            marker = unique("BODY")
            reply = client.post(
                "/api/v1/warehouses",
                {"code": marker, "name": marker},
                headers={"X-Request-ID": "sentry-e2e-1"},
            )
            assert reply.status == 500
            assert reply.json["code"] == "internal_error"

            (event,) = events(collector, 1)

        raw = b"".join(collector.envelopes)

    assert event["tags"]["request_id"] == "sentry-e2e-1"
    assert event["tags"]["route"] == "/api/v1/warehouses"
    assert event["release"].startswith("inventory@")
    assert event["environment"] == "e2e"
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "OperationalError"
    assert "request" not in event
    assert server.admin_key.encode() not in raw
    assert marker.encode() not in raw
    assert b"Bearer inv_" not in raw
