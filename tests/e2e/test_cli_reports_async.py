"""``inventory report ... --async`` queues a job that ``inventory worker`` runs."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from inventory.application.reports import download_report
from inventory.bootstrap import bootstrap
from inventory.config import load_settings
from inventory.domain.errors import NotFound
from tests.e2e.shell import Cli, cli_env
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e


def stored(url: str, job_id: str, timeout: float = 30.0) -> str:
    """The report job ``job_id`` stored, as a download reads it, once it has succeeded."""
    services = bootstrap(load_settings(database_url=url), migrate=False)
    try:

        def found() -> str | None:
            try:
                _, chunks = download_report(job_id, services.uow)
            except NotFound:
                return None
            return b"".join(chunks).decode()

        return wait_for(found, f"report job {job_id} stored", timeout, every=0.1)
    finally:
        services.close()


def test_an_async_report_is_queued_then_written_by_the_worker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/inventory.db"
    cli = Cli(tmp_path, cli_env(url))
    cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    cli.ok("products", "add", "--sku", "BOLT", "--name", "Bolt")
    cli.ok("stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
           "--quantity", "4", "--unit-cost", "2.5")  # fmt: skip

    job = cli.json("report", "valuation", "--async", "--format", "json")
    plain = cli.run("report", "low-stock", "--async")
    refused = cli.run("report", "movements", "--async", "--since", "yesterday")

    assert (job["kind"], job["status"], job["params"]["kind"]) == ("report", "queued", "valuation")
    assert job["result_url"] is None  # the HTTP API's shape of a job, as --json promises
    assert "has_result" not in job
    assert plain.returncode == 0
    assert plain.stdout.strip().isalnum()
    assert "queued report job" in plain.stderr
    assert refused.returncode == 2
    assert refused.stderr.startswith("inventory: --since: ")
    worker = cli.popen("worker", "--poll", "0.1")
    try:
        written = json.loads(stored(url, job["id"]))
        low_stock = stored(url, plain.stdout.strip())
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    assert written["rows"][0] == {"sku": "BOLT", "warehouse": "MAIN", "on_hand": 4,
                                  "average_cost": "2.5000", "value": "10.0000"}  # fmt: skip
    assert written["total"] == {"on_hand": 4, "value": "10.0000"}
    assert low_stock.startswith("sku,name,available")
    assert not (tmp_path / "reports").exists()


def test_the_worker_refuses_bad_options(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))

    assert cli.run("worker", "--threads", "0").returncode == 2
    assert cli.run("worker", "--poll", "0").returncode == 2
