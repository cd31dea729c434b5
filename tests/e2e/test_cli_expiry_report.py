"""``inventory report expiry [--warehouse W] [--days N]``, in-process on a SQLite file.

The lots are received through the use cases (the CLI has no lot options yet),
on today's date, with expiry dates far enough apart that midnight cannot move
a lot in or out of the window while the test runs.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import CreateWarehouse
from inventory.application.stock import record_movement
from inventory.bootstrap import bootstrap
from inventory.config import load_settings
from inventory.entrypoints.cli.main import main
from tests.factories import LotTrackedProductFactory, ReceiveLotFactory

pytestmark = pytest.mark.e2e

HEADER = "sku,lot,expires_on,warehouse,on_hand,average_cost,value"


@pytest.fixture
def expiring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> date:
    """MILK: lot SOON (10 days left) 4 in MAIN and 6 in EAST, lot LATER (100 days) 5 in
    MAIN, all at 2.0000; returns today's date."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("INVENTORY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("INVENTORY_DATABASE_URL", f"sqlite:///{tmp_path / 'inventory.db'}")
    services = bootstrap(load_settings())
    today = datetime.now(UTC).date()
    try:
        uow, clock, ids = services.uow, services.clock, services.new_id
        for code in ("MAIN", "EAST"):
            add_warehouse(CreateWarehouse(code=code, name=code), uow(), clock)
        add_product(LotTrackedProductFactory(sku="MILK"), uow(), clock)
        for code, days, warehouse, quantity in [
            ("SOON", 10, "MAIN", 4), ("SOON", 10, "EAST", 6), ("LATER", 100, "MAIN", 5),
        ]:  # fmt: skip
            receipt = ReceiveLotFactory(
                sku="MILK", code=code, expires_on=today + timedelta(days=days),
                warehouse=warehouse, quantity=quantity, unit_cost="2",
            )  # fmt: skip
            record_movement(receipt, uow(), clock, ids, "clerk")
    finally:
        services.close()
    return today


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_expiry_report_covers_the_warning_window_and_ends_with_its_total(
    expiring: date, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = (expiring + timedelta(days=10)).isoformat()

    status, out, _ = run(capsys, "report", "expiry")

    assert status == 0
    assert out.splitlines() == [
        HEADER,
        f"MILK,SOON,{soon},EAST,6,2.0000,12.0000",
        f"MILK,SOON,{soon},MAIN,4,2.0000,8.0000",
        ",TOTAL,,,10,,20.0000",
    ]


def test_warehouse_and_days_narrow_and_widen_it_and_json_keeps_the_total_apart(
    expiring: date, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "report", "expiry", "--warehouse", "MAIN", "--days", "365", "--format", "json"
    )

    assert status == 0
    document = json.loads(out)
    assert [(row["lot"], row["on_hand"], row["value"]) for row in document["rows"]] == [
        ("SOON", 4, "8.0000"),
        ("LATER", 5, "10.0000"),
    ]
    assert document["total"] == {"on_hand": 9, "value": "18.0000"}


def test_a_negative_number_of_days_is_bad_usage_naming_the_option(
    expiring: date, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "report", "expiry", "--days", "-1")

    assert (status, out) == (2, "")
    assert "--days" in err


def test_an_async_expiry_report_is_queued_with_its_days(
    expiring: date, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "--json", "report", "expiry", "--async", "--days", "7")

    assert status == 0
    job = json.loads(out)
    assert (job["kind"], job["params"]["kind"], job["params"]["params"]["days"]) == (
        "report",
        "expiry",
        7,
    )
