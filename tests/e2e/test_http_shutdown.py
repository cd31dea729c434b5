"""SIGTERM lets the requests in flight and the job runner's jobs in hand finish, then exit 0."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.http_server import (
    Client,
    Server,
    hold_write_lock,
    issue,
    receipt,
    running_server,
    stocked,
    unique,
)
from tests.e2e.test_worker_shutdown import BUYER, alert_states, held_inbox, jobs_in
from tests.waiting import NotReady, wait_for

pytestmark = pytest.mark.e2e

GRACEFUL_TIMEOUT = 30.0
"""``inventory serve``'s graceful timeout (gunicorn's ``graceful_timeout``)."""


def taken_up(server: Server) -> int:
    """How many ``POST /api/v1/movements`` a worker has taken up (logged at DEBUG)."""
    return len(re.findall(r" POST /api/v1/movements$", server.logs(), re.MULTILINE))


@pytest.mark.parametrize("threads", [4, 1], ids=["gthread", "sync"])
def test_sigterm_lets_a_request_in_flight_finish_then_exits_zero(
    tmp_path: Path, threads: int
) -> None:
    # The busy timeout outlasts the test, so the POST waits for the lock, not fails. At
    # DEBUG, gunicorn logs each request as a worker takes it up ("POST /api/v1/movements").
    with running_server(
        tmp_path,
        threads=threads,
        database_query="busy_timeout_ms=15000",
        INVENTORY_LOG_LEVEL="DEBUG",
    ) as server:
        client = server.client()
        sku, warehouse = stocked(client, 0)
        reference = unique("PO")
        body = receipt(sku, warehouse, 4, "1.5000", reference=reference)
        assert server.database is not None
        with ThreadPoolExecutor(max_workers=1) as pool:
            with hold_write_lock(server.database):
                pending = pool.submit(client.post, "/api/v1/movements", body)
                wait_for(lambda: taken_up(server) == 1, "the POST taken up by a worker")
                server.process.send_signal(signal.SIGTERM)
                wait_for(lambda: "Handling signal: term" in server.logs(), "SIGTERM handled")
                assert not pending.done()  # still waiting for the lock we hold ...
                assert server.process.poll() is None  # ... and the server waiting for it
                stopping = time.monotonic()
            reply = pending.result(timeout=GRACEFUL_TIMEOUT)
        status = server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
        stopped_after = time.monotonic() - stopping

        assert reply.status == 201, reply.body
        assert reply.json["reference"] == reference
        assert reply.json["quantity"] == 4
        assert status == 0
        assert stopped_after < GRACEFUL_TIMEOUT
        levels = server.cli.json("products", "show", sku)["stock"]["totals"]
        assert levels == {"on_hand": 4, "reserved": 0, "available": 4}
        assert server.cli.run("check").returncode == 0


def _alerting(client: Client, count: int) -> None:
    """``count`` products that have just fallen below their reorder point: one alert job each."""
    warehouse = unique("WH")
    client.ok("POST", "/api/v1/warehouses", {"code": warehouse, "name": "Main"})
    for _ in range(count):
        sku = unique("SKU")
        client.ok("POST", "/api/v1/products", {"sku": sku, "name": sku, "reorder_point": 5})
        client.ok("POST", "/api/v1/movements", receipt(sku, warehouse, 10))
        client.ok("POST", "/api/v1/movements", issue(sku, warehouse, 6))


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (reaped, or a zombie waiting to be)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def test_sigterm_lets_the_job_runner_finish_its_jobs_start_no_other_and_exits_zero(
    tmp_path: Path,
) -> None:
    with (
        held_inbox() as inbox,
        running_server(
            tmp_path, workers=1, threads=1,
            INVENTORY_SMTP_URL=inbox.url, INVENTORY_ALERT_EMAIL=BUYER,
        ) as server,
    ):  # fmt: skip
        client = server.client()
        runner = re.search(r"job runner started \(pid (\d+)\)", server.logs())
        assert runner is not None, server.logs()
        _alerting(client, 2)
        # Both of the runner's threads are sending an alert; the mail server holds them.
        wait_for(lambda: inbox.arrived == 2, "both alerts at the mail server")
        report = client.post("/api/v1/reports", {"kind": "valuation", "format": "csv"}).json
        assert client.ok("GET", f"/api/v1/jobs/{report['id']}")["status"] == "queued"

        stopping = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        wait_for(lambda: "no new claims" in server.logs(), "the job runner stopping")
        inbox.release.set()
        status = server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
        stopped_after = time.monotonic() - stopping

        assert status == 0, server.logs()
        assert stopped_after < GRACEFUL_TIMEOUT
        assert _gone(int(runner.group(1)))
        assert len(inbox.accepted) == 2
        assert server.database is not None
        assert alert_states(server.database) == [("succeeded", 1), ("succeeded", 1)]
        assert jobs_in(server.database)[report["id"]] == ("report", "queued", 0)  # never started
        assert "stopped (2 done, 0 failed attempts)" in server.logs()


ORPHAN_DEADLINE = 10.0
"""How soon after the master's death its job runner and web workers must be gone."""


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.parametrize("threads", [4, 1], ids=["gthread", "sync"])
def test_the_job_runner_and_the_web_workers_exit_soon_after_the_master_is_killed(
    tmp_path: Path, threads: int
) -> None:
    started: list[int] = []
    try:
        with running_server(tmp_path, workers=2, threads=threads) as server:
            master = server.process.pid
            runner = re.search(r"job runner started \(pid (\d+)\)", server.logs())
            assert runner is not None, server.logs()
            workers = [int(pid) for pid in re.findall(r"worker ready \(pid (\d+)\)", server.logs())]
            started.extend([int(runner.group(1)), *workers])
            assert len(workers) == 2
            assert all(_parent_of(pid) == master for pid in started)

            server.process.kill()
            server.process.wait(5)

            def alive() -> list[int]:
                return [pid for pid in started if not _gone(pid)]

            with contextlib.suppress(NotReady):  # the assertion below says what is left
                wait_for(lambda: not alive(), "every child gone", ORPHAN_DEADLINE, every=0.1)

            assert alive() == [], f"still running {ORPHAN_DEADLINE} s after the master died"
            assert server.database is not None
            # The runner stopped as on SIGTERM: it removed its heartbeat, so no /ready
            # of the deployment reports a job runner that is not there.
            with closing(sqlite3.connect(server.database)) as conn:
                assert conn.execute("SELECT count(*) FROM runner_heartbeats").fetchone() == (0,)
            assert "inventory worker" in server.logs()
            assert "stopped (0 done, 0 failed attempts)" in server.logs()
    finally:
        for pid in started:  # whatever happened above, leave no process of ours behind
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
