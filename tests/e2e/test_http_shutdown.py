"""SIGTERM lets the requests in flight finish, then the server exits 0."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.http_server import hold_write_lock, receipt, running_server, stocked, unique

pytestmark = pytest.mark.e2e

GRACEFUL_TIMEOUT = 30.0
"""``inventory serve``'s graceful timeout (gunicorn's ``graceful_timeout``)."""

IN_FLIGHT = 1.0
"""How long a request is left waiting before and after SIGTERM."""


@pytest.mark.parametrize("threads", [4, 1], ids=["gthread", "sync"])
def test_sigterm_lets_a_request_in_flight_finish_then_exits_zero(
    tmp_path: Path, threads: int
) -> None:
    # The busy timeout outlasts the wait below, so the POST waits for the lock, not fails.
    with running_server(
        tmp_path, threads=threads, database_query="busy_timeout_ms=15000"
    ) as server:
        client = server.client()
        sku, warehouse = stocked(client, 0)
        reference = unique("PO")
        body = receipt(sku, warehouse, 4, "1.5000", reference=reference)
        assert server.database is not None
        with ThreadPoolExecutor(max_workers=1) as pool:
            with hold_write_lock(server.database):
                pending = pool.submit(client.post, "/api/v1/movements", body)
                time.sleep(IN_FLIGHT)  # the POST reaches a worker and waits for the lock
                assert not pending.done()
                server.process.send_signal(signal.SIGTERM)
                time.sleep(IN_FLIGHT)
                assert not pending.done()  # still waiting, and the server still running
                assert server.process.poll() is None
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
