"""``inventory report ... --async`` queues a job that ``inventory worker`` runs."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.shell import Cli, cli_env

pytestmark = pytest.mark.e2e


def test_an_async_report_is_queued_then_written_by_the_worker(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    cli = Cli(
        tmp_path,
        cli_env(f"sqlite:///{tmp_path}/inventory.db", INVENTORY_REPORTS_DIR=str(reports)),
    )
    cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    cli.ok("products", "add", "--sku", "BOLT", "--name", "Bolt")
    cli.ok("stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
           "--quantity", "4", "--unit-cost", "2.5")  # fmt: skip

    job = cli.json("report", "valuation", "--async", "--format", "json")
    plain = cli.run("report", "low-stock", "--async")
    refused = cli.run("report", "movements", "--async", "--since", "yesterday")

    assert (job["kind"], job["status"], job["params"]["kind"]) == ("report", "queued", "valuation")
    assert plain.returncode == 0
    assert plain.stdout.strip().isalnum()
    assert "queued report job" in plain.stderr
    assert refused.returncode == 2
    assert refused.stderr.startswith("inventory: --since: ")
    worker = cli.popen("worker", "--poll", "0.1")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(reports.glob("*.*"))) < 2:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    written = json.loads((reports / f"{job['id']}.json").read_text())
    assert written[0] == {"sku": "BOLT", "warehouse": "MAIN", "on_hand": 4,
                          "average_cost": "2.5000", "value": "10.0000"}  # fmt: skip
    assert (reports / f"{plain.stdout.strip()}.csv").read_text().startswith("sku,name,available")


def test_the_worker_refuses_bad_options(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))

    assert cli.run("worker", "--threads", "0").returncode == 2
    assert cli.run("worker", "--poll", "0").returncode == 2
