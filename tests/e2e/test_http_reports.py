"""Reports as jobs over real HTTP, the job runner ``serve`` starts, and ``inventory worker``.

The module's server (conftest ``server``) is a plain ``inventory serve``, which
starts one job runner beside its web workers. Every wait polls with a deadline.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.http_server import (
    BACKENDS,
    Client,
    Reply,
    Server,
    issue,
    order,
    receipt,
    running_server,
    server_ready,
    stocked,
    unique,
)
from tests.e2e.shell import Cli, cli_env, ends_with_this_run
from tests.waiting import free_port, wait_for

pytestmark = pytest.mark.e2e

JOB_TIMEOUT = 20.0
"""The most a report job may take from POST to success (the runner polls every second)."""
EXPIRY_TIMEOUT = 45.0
"""The runner sweeps lapsed reservations every 20 s: a deadline is met within two sweeps."""
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
CLI_REPORT = {"valuation": "valuation", "movements": "movements", "low_stock": "low-stock"}


@pytest.fixture(scope="module")
def clerk(server: Server) -> Client:
    return server.client(server.key("clerk", "clerk-reports"))


@pytest.fixture(scope="module")
def viewer(server: Server) -> Client:
    return server.client(server.key("viewer", "viewer-reports"))


@pytest.fixture(scope="module")
def shop(admin: Client) -> dict[str, str]:
    """Stock in two warehouses, a transfer, an issue, and a product below its reorder point."""
    bolt, north = stocked(admin, 40, unit_cost="2.5000")
    south = unique("WH")
    admin.ok("POST", "/api/v1/warehouses", {"code": south, "name": 'South, "the big one"'})
    admin.ok(
        "POST", "/api/v1/movements", receipt(bolt, south, 7, "3.1000", note='a "quoted", note')
    )
    admin.ok("POST", "/api/v1/movements", {"type": "transfer", "sku": bolt, "from_warehouse": north,
                                           "to_warehouse": south, "quantity": 5})  # fmt: skip
    admin.ok("POST", "/api/v1/movements", issue(bolt, north, 3, reference=unique("SO")))
    nut = unique("NUT")
    admin.ok("POST", "/api/v1/products", {"sku": nut, "name": "Nut, hex", "reorder_point": 10,
                                          "reorder_quantity": 50})  # fmt: skip
    admin.ok("POST", "/api/v1/movements", receipt(nut, north, 4, "0.2000"))
    return {"bolt": bolt, "nut": nut, "north": north, "south": south}


def finished(client: Client, location: str, timeout: float = JOB_TIMEOUT) -> Any:
    """The job at ``location`` once it has succeeded or failed."""

    def ended() -> Any:
        job = client.ok("GET", location)
        return job if job["status"] in ("succeeded", "failed") else None

    return wait_for(ended, f"{location} succeeded or failed", timeout, every=0.1)


def queued_report(client: Client, body: dict[str, Any]) -> tuple[str, Any]:
    """POST /api/v1/reports: the job's Location and the job as first answered."""
    reply = client.post("/api/v1/reports", body)
    assert reply.status == 202, reply.body
    location = reply.header("Location")
    job = reply.json
    assert location == f"/api/v1/jobs/{job['id']}"
    return location, job


def rows_of(text: str, fmt: str) -> list[dict[str, Any]]:
    """The rows of a report; a valuation's total (its own member or line) is not one of them."""
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return rows[:-1] if rows and rows[-1].get("warehouse") == "TOTAL" else rows
    document = json.loads(text)
    found: list[dict[str, Any]] = document["rows"] if isinstance(document, dict) else document
    return found


def total_of(text: str, fmt: str) -> dict[str, str]:
    """A valuation's grand total as text: the CSV's last line, or the JSON's ``total``."""
    if fmt == "csv":
        last = list(csv.DictReader(io.StringIO(text)))[-1]
        assert (last["sku"], last["warehouse"], last["average_cost"]) == ("", "TOTAL", "")
        return {"on_hand": last["on_hand"], "value": last["value"]}
    document = json.loads(text)
    assert list(document) == ["rows", "total"]
    return {name: str(value) for name, value in document["total"].items()}


def downloaded(client: Client, job: Any) -> Reply:
    assert job["result_url"] == f"/api/v1/jobs/{job['id']}/result"
    reply = client.get(job["result_url"])
    assert reply.status == 200, reply.body
    return reply


# --- the report of each kind, in each format ------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("kind", ["valuation", "movements", "low_stock"])
def test_a_report_job_is_queued_run_and_downloaded_with_the_rows_the_cli_prints(
    server: Server, clerk: Client, viewer: Client, shop: dict[str, str], kind: str, fmt: str
) -> None:
    location, queued = queued_report(clerk, {"kind": kind, "format": fmt})
    assert (queued["kind"], queued["status"], queued["attempts"]) == ("report", "queued", 0)
    assert queued["result_url"] is None

    job = finished(viewer, location)
    assert (job["status"], job["attempts"], job["error"]) == ("succeeded", 1, None)
    assert job["started_at"] is not None
    assert job["finished_at"] >= job["started_at"] >= job["created_at"]
    reply = downloaded(viewer, job)

    assert reply.header("Content-Type") == MEDIA_TYPES[fmt]
    assert reply.header("Content-Disposition") == (
        f'attachment; filename="{kind}-{job["id"]}.{fmt}"'
    )
    assert int(reply.header("Content-Length") or -1) == len(reply.body)
    text = reply.body.decode()
    printed = server.cli.ok("report", CLI_REPORT[kind], "--format", fmt)
    assert rows_of(text, fmt) == rows_of(printed, fmt)
    assert text == printed
    rows = rows_of(text, fmt)
    if kind == "valuation":
        mine = [
            (r["sku"], r["warehouse"], str(r["on_hand"])) for r in rows if r["sku"] == shop["bolt"]
        ]
        assert sorted(mine) == sorted([(shop["bolt"], shop["north"], "32"),
                                       (shop["bolt"], shop["south"], "12")])  # fmt: skip
        total = total_of(text, fmt)
        assert int(total["on_hand"]) == sum(int(r["on_hand"]) for r in rows)
        assert Decimal(total["value"]) == sum(Decimal(r["value"]) for r in rows)
        assert all(r["warehouse"] != "TOTAL" for r in rows)
    elif kind == "movements":
        notes = [r["note"] for r in rows if r["sku"] == shop["bolt"] and r["note"]]
        assert notes == ['a "quoted", note']
        assert len([r for r in rows if r["sku"] == shop["bolt"]]) == 4
    else:
        (nut,) = [r for r in rows if r["sku"] == shop["nut"]]
        assert (str(nut["available"]), str(nut["reorder_point"])) == ("4", "10")
        assert all(r["sku"] != shop["bolt"] for r in rows)


def test_a_movements_report_keeps_to_its_warehouse_and_window(
    server: Server, clerk: Client, shop: dict[str, str]
) -> None:
    since = "2000-01-01T00:00:00Z"
    params = {"warehouse": shop["south"], "since": since}
    location, _ = queued_report(clerk, {"kind": "movements", "format": "json", "params": params})
    job = finished(clerk, location)
    assert job["status"] == "succeeded", job["error"]
    rows = downloaded(clerk, job).json

    printed = server.cli.ok(
        "report", "movements", "--warehouse", shop["south"], "--since", since, "--format", "json"
    )
    assert rows == json.loads(printed)
    assert [(r["type"], r["quantity"]) for r in rows] == [("receipt", 7), ("transfer", 5)]


def test_an_invalid_report_request_is_refused_and_queues_nothing(clerk: Client) -> None:
    before = clerk.ok("GET", "/api/v1/jobs?limit=500")["items"]

    reply = clerk.post("/api/v1/reports", {"kind": "inventory-turns", "format": "xlsx"})

    assert reply.status == 422, reply.body
    assert clerk.ok("GET", "/api/v1/jobs?limit=500")["items"] == before


def test_report_jobs_are_listed_and_filtered_by_kind_and_status(
    clerk: Client, viewer: Client
) -> None:
    location, queued = queued_report(clerk, {"kind": "valuation"})
    finished(viewer, location)

    listed = viewer.ok("GET", "/api/v1/jobs?kind=report&status=succeeded&sort=-created_at")
    assert listed["items"][0]["id"] == queued["id"]
    assert {j["kind"] for j in listed["items"]} == {"report"}
    assert {j["status"] for j in listed["items"]} == {"succeeded"}
    assert viewer.ok("GET", "/api/v1/jobs?kind=report&status=failed")["items"] == []


def test_an_unknown_job_and_its_result_are_not_found(viewer: Client) -> None:
    for path in ("/api/v1/jobs/no-such-job", "/api/v1/jobs/no-such-job/result"):
        reply = viewer.get(path)
        assert (reply.status, reply.json["code"]) == (404, "not_found"), path


def test_serve_starts_one_job_runner_process(server: Server) -> None:
    assert server.logs().count("running jobs; SIGTERM stops") == 1


# --- serve --no-jobs, and inventory worker as a process of its own --------------------


@contextmanager
def serving_without_jobs(directory: Path) -> Iterator[Server]:
    """``inventory serve --no-jobs`` (one web worker) on a fresh SQLite file in ``directory``."""
    database = directory / "inventory.db"
    cli = Cli(directory, cli_env(f"sqlite:///{database}", INVENTORY_RATE_LIMIT="off"))
    admin_key = cli.ok("keys", "create", "--name", "admin", "--role", "admin").strip()
    port = free_port()
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "inventory", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--no-jobs"],
            cwd=directory, env=cli.env, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=ends_with_this_run(),
        )  # fmt: skip
    server = Server(process, port, cli, admin_key, log, f"sqlite:///{database}", database)
    try:
        # Not /ready: with no job runner anywhere, the server is up but not ready.
        server_ready(port, process, log, workers=1, path="/health")
        yield server
    finally:
        server.stop()


def test_jobs_queued_on_a_server_without_a_runner_are_run_by_a_separate_worker(
    tmp_path: Path,
) -> None:
    with serving_without_jobs(tmp_path) as server:
        admin = server.client()
        sku, warehouse = stocked(admin, 6, unit_cost="1.5000")
        location, queued = queued_report(admin, {"kind": "valuation", "format": "csv"})
        result_url = f"{location}/result"

        # No runner: the job stays queued, and there is no result to download yet.
        early = admin.get(result_url)
        assert (early.status, early.json["code"]) == (404, "not_found")
        # serve logs the runner it starts before its workers boot: none was started.
        assert "job runner started" not in server.logs()
        assert admin.ok("GET", location)["status"] == "queued"
        unready = admin.get("/ready")
        assert (unready.status, unready.json["checks"]["jobs"]) == (
            503, "no job runner has reported")  # fmt: skip

        worker = server.cli.popen(
            "worker", "--poll", "0.1", stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            # The worker's heartbeat, in the shared database, makes this server ready.
            server_ready(port=server.port, process=server.process, log=server.log)
            job = finished(admin, location)
            assert job["status"] == "succeeded", job["error"]
            text = downloaded(admin, job).body.decode()
            assert f"{sku},{warehouse},6,1.5000,9.0000" in text.splitlines()
        finally:
            worker.send_signal(signal.SIGTERM)
            _, err = worker.communicate(timeout=30)

    assert worker.returncode == 0, err
    assert "stopped (1 done, 0 failed attempts)" in err
    assert job["id"] == queued["id"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_report_a_worker_in_another_directory_made_is_downloaded_from_the_server(
    tmp_path: Path, backend: str
) -> None:
    served, elsewhere = tmp_path / "server", tmp_path / "worker"
    served.mkdir()
    elsewhere.mkdir()
    with running_server(served, workers=1, threads=1, backend=backend, jobs=False) as server:
        admin = server.client()
        sku, _ = stocked(admin, 6, unit_cost="1.5000")
        admin.ok("POST", "/api/v1/products", {"sku": unique("NUT"), "name": "Nut",
                                              "reorder_point": 3})  # fmt: skip
        asked = [(kind, fmt) for kind in CLI_REPORT for fmt in MEDIA_TYPES]
        locations = [queued_report(admin, {"kind": k, "format": f})[0] for k, f in asked]
        # Started in another directory than the server, with no setting of where reports go.
        worker = Cli(elsewhere, server.cli.env).popen(
            "worker", "--poll", "0.1", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            for (kind, fmt), location in zip(asked, locations, strict=True):
                job = finished(admin, location)
                assert job["status"] == "succeeded", job["error"]
                reply = downloaded(admin, job)
                assert reply.header("Content-Type") == MEDIA_TYPES[fmt]
                text = reply.body.decode()
                assert text == server.cli.ok("report", CLI_REPORT[kind], "--format", fmt)
                if kind == "valuation":
                    assert [r["value"] for r in rows_of(text, fmt) if r["sku"] == sku] == ["9.0000"]
        finally:
            worker.send_signal(signal.SIGTERM)
            _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "stopped (6 done, 0 failed attempts)" in err
    assert not (served / "reports").exists()
    assert not (elsewhere / "reports").exists()


# --- reservation expiry ---------------------------------------------------------------


def test_a_reservation_past_its_deadline_expires_releases_its_stock_and_cannot_be_shipped(
    admin: Client, clerk: Client
) -> None:
    sku, warehouse = stocked(admin, 10)
    deadline = datetime.now(UTC) + timedelta(seconds=2)
    body = {**order(warehouse, {sku: 4}), "expires_at": deadline.isoformat().replace("+00:00", "Z")}
    reserved = clerk.ok("POST", "/api/v1/orders", body)
    assert reserved["status"] == "reserved"
    stock = f"/api/v1/products/{sku}/stock"
    assert admin.ok("GET", stock)["totals"] == {"on_hand": 10, "reserved": 4, "available": 6}

    def expired() -> bool:
        status = admin.ok("GET", f"/api/v1/orders/{reserved['id']}")["status"]
        assert status in ("reserved", "expired")
        return bool(status == "expired")

    wait_for(expired, "the order expired", timeout=EXPIRY_TIMEOUT, every=0.25)

    assert datetime.now(UTC) >= deadline
    assert admin.ok("GET", stock)["totals"] == {"on_hand": 10, "reserved": 0, "available": 10}
    for action in ("ship", "cancel"):
        refused = clerk.post(f"/api/v1/orders/{reserved['id']}/{action}")
        assert (refused.status, refused.json["code"]) == (409, "invalid_state"), action
    assert admin.ok("GET", stock)["totals"] == {"on_hand": 10, "reserved": 0, "available": 10}
    assert admin.ok("GET", f"/api/v1/movements?sku={sku}")["items"][-1]["type"] == "receipt"
