"""The guarantees that matter most, with real processes: no oversell, nothing lost or half-kept."""

from __future__ import annotations

import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.shell import Cli, cli_env

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    shell = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))
    shell.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    shell.ok("products", "add", "--sku", "BOLT", "--name", "Bolt")
    return shell


def test_concurrent_issues_from_separate_processes_never_oversell(cli: Cli) -> None:
    cli.ok("stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
           "--quantity", "10", "--unit-cost", "1")  # fmt: skip
    issue = ("stock", "issue", "--sku", "BOLT", "--warehouse", "MAIN", "--quantity", "1")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: cli.run(*issue), range(16)))

    refused = [r for r in results if r.returncode != 0]
    assert sum(r.returncode == 0 for r in results) == 10
    assert len(refused) == 6
    assert all(r.returncode == 1 and "only 0 available" in r.stderr for r in refused)
    stock = cli.json("products", "show", "BOLT")["stock"]
    assert stock["totals"] == {"on_hand": 0, "reserved": 0, "available": 0}
    assert len(cli.json("stock", "movements", "--type", "issue")["items"]) == 10
    assert cli.run("check").returncode == 0


def test_an_import_killed_half_way_leaves_nothing_and_a_consistent_ledger(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
           "--quantity", "5", "--unit-cost", "2")  # fmt: skip
    ledger = tmp_path / "ledger.csv"
    rows = "".join(
        f"receipt,BOLT,MAIN,1,3.0000,PO-{n}\n" for n in range(200_000)
    )  # far more than one batch, so the kill lands mid-import
    ledger.write_text("type,sku,warehouse,quantity,unit_cost,reference\n" + rows)

    importing = cli.popen(
        "import", "movements", str(ledger), "--progress-every", "0",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert importing.stderr is not None
    first_progress = importing.stderr.readline()  # batches are being written
    importing.send_signal(signal.SIGKILL)
    importing.wait(timeout=30)

    assert first_progress.startswith("read ")
    assert importing.returncode == -signal.SIGKILL
    stock = cli.json("products", "show", "BOLT")
    assert stock["average_cost"] == "2.0000"
    assert stock["stock"]["totals"]["on_hand"] == 5
    assert len(cli.json("stock", "movements")["items"]) == 1
    assert cli.run("check").returncode == 0


def test_every_acknowledged_receipt_survives_a_killed_writer(cli: Cli) -> None:
    receive = ("stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
               "--quantity", "1", "--unit-cost", "1")  # fmt: skip
    for _ in range(3):
        cli.ok(*receive)
    doomed = cli.popen(*receive, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    doomed.send_signal(signal.SIGKILL)  # at whatever point it has reached
    doomed.wait(timeout=30)

    on_hand = cli.json("products", "show", "BOLT")["stock"]["totals"]["on_hand"]
    movements = cli.json("stock", "movements")["items"]
    assert on_hand in (3, 4)  # the killed one either committed whole or not at all
    assert len(movements) == on_hand
    assert cli.run("check").returncode == 0
