"""The expiry report on SQLite and PostgreSQL: its rows, its total, as CSV and as JSON.

Lots come from receipts of a lot-tracked product, all at 1.2500 a unit, so the
average cost every row shows is 1.2500. The report is asked for as a client
does (a job), made by the job's handler and downloaded (API.md §6, §12).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import AdjustStock, CreateWarehouse, RequestReport
from inventory.application.jobs import claim_next, record_success
from inventory.application.ports import Storage, UnitOfWork
from inventory.application.reports import (
    CONTENT_TYPES,
    ReportFormat,
    download_report,
    expiry_report,
    produce_report,
    request_report,
    write_expiry,
)
from inventory.application.stock import record_movement
from inventory.domain.movements import AdjustmentReason
from tests.factories import (
    T0,
    FixedClock,
    LotTrackedProductFactory,
    ReceiveLotFactory,
    SequentialIds,
)
from tests.integration.conftest import STORAGES

SKU = "MILK"
TODAY = T0.date()  # 2026-11-26; the report is made five days later, on 2026-12-01
HEADER = "sku,lot,expires_on,warehouse,on_hand,average_cost,value"


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


class Lots:
    """A lot-tracked product in MAIN and EAST, and the report's clock and ids."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.clock = FixedClock()
        self.ids = SequentialIds()

    def uow(self) -> UnitOfWork:
        return self.storage.unit_of_work()

    def receive(self, code: str, expires_on: date | None, quantity: int, warehouse: str) -> None:
        cmd = ReceiveLotFactory(
            sku=SKU, code=code, expires_on=expires_on, quantity=quantity,
            warehouse=warehouse, unit_cost="1.2500",
        )  # fmt: skip
        record_movement(cmd, self.uow(), self.clock, self.ids, "clerk")

    def report(self, fmt: str, **params: object) -> str:
        """The expiry report a client asks for, made by a runner's handler and downloaded."""
        request = RequestReport.model_validate({"kind": "expiry", "format": fmt, "params": params})
        queued = request_report(request, self.uow(), self.clock, self.ids, 1)
        job = claim_next(self.uow(), self.clock, "runner-1", timedelta(minutes=1))
        assert job is not None
        assert job.id == queued.id
        produced = produce_report(job, self.uow, self.clock, self.ids, 1_000_000, warning_days=30)
        assert record_success(job, produced, self.uow(), self.clock)
        result, chunks = download_report(job.id, self.uow)
        assert result.content_type == CONTENT_TYPES[fmt]
        assert result.filename == f"expiry-{job.id}.{fmt}"
        return b"".join(chunks).decode()


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A fresh, migrated, empty database of each kind in turn."""
    with STORAGES[request.param](tmp_path) as made:
        yield made


@pytest.fixture
def lots(storage: Storage) -> Lots:
    """Received on 2026-11-26, then five days pass:

    L-A (expires 2026-11-28, expired by then): 4 in MAIN;
    L-B (2026-12-16): 6 in MAIN, 5 in EAST;
    L-C (2027-01-25): 10 in MAIN; L-D (no expiry date): 3 in MAIN.
    """
    made = Lots(storage)
    for code in ("MAIN", "EAST"):
        add_warehouse(CreateWarehouse(code=code, name=f"Warehouse {code}"), made.uow(), made.clock)
    add_product(LotTrackedProductFactory(sku=SKU), made.uow(), made.clock)
    made.receive("L-A", in_days(2), 4, "MAIN")
    made.receive("L-B", in_days(20), 6, "MAIN")
    made.receive("L-B", in_days(20), 5, "EAST")
    made.receive("L-C", in_days(60), 10, "MAIN")
    made.receive("L-D", None, 3, "MAIN")
    made.clock.advance(timedelta(days=5))
    return made


def test_the_csv_lists_each_lot_and_warehouse_in_the_window_soonest_first_then_the_total(
    lots: Lots,
) -> None:
    assert lots.report("csv").splitlines() == [
        HEADER,
        "MILK,L-A,2026-11-28,MAIN,4,1.2500,5.0000",
        "MILK,L-B,2026-12-16,EAST,5,1.2500,6.2500",
        "MILK,L-B,2026-12-16,MAIN,6,1.2500,7.5000",
        ",TOTAL,,,15,,18.7500",
    ]


def test_the_json_is_the_rows_and_their_total(lots: Lots) -> None:
    document = json.loads(lots.report("json", warehouse="MAIN"))

    assert document == {
        "rows": [
            {"sku": SKU, "lot": "L-A", "expires_on": "2026-11-28", "warehouse": "MAIN",
             "on_hand": 4, "average_cost": "1.2500", "value": "5.0000"},
            {"sku": SKU, "lot": "L-B", "expires_on": "2026-12-16", "warehouse": "MAIN",
             "on_hand": 6, "average_cost": "1.2500", "value": "7.5000"},
        ],
        "total": {"on_hand": 10, "value": "12.5000"},
    }  # fmt: skip


def test_days_widens_or_narrows_the_window_and_expired_lots_are_always_in_it(lots: Lots) -> None:
    assert lots.report("csv", days=0).splitlines() == [
        HEADER,
        "MILK,L-A,2026-11-28,MAIN,4,1.2500,5.0000",
        ",TOTAL,,,4,,5.0000",
    ]
    assert lots.report("csv", days=55, warehouse="MAIN").splitlines() == [
        HEADER,
        "MILK,L-A,2026-11-28,MAIN,4,1.2500,5.0000",
        "MILK,L-B,2026-12-16,MAIN,6,1.2500,7.5000",
        "MILK,L-C,2027-01-25,MAIN,10,1.2500,12.5000",
        ",TOTAL,,,20,,25.0000",
    ]


def test_a_lot_with_nothing_left_on_hand_is_not_in_the_report(lots: Lots) -> None:
    write_off = AdjustStock(
        sku=SKU, warehouse="MAIN", lot="L-A", counted_quantity=0, reason=AdjustmentReason.EXPIRED
    )
    record_movement(write_off, lots.uow(), lots.clock, lots.ids, "clerk")

    out = io.StringIO()
    count = write_expiry(expiry_report(lots.uow(), lots.clock().date(), 30), ReportFormat.JSON, out)

    assert count == 2
    assert json.loads(out.getvalue())["total"] == {"on_hand": 11, "value": "13.7500"}


def test_an_empty_expiry_report_is_a_header_and_a_zero_total(lots: Lots) -> None:
    assert lots.report("csv", warehouse="NOWHERE").splitlines() == [HEADER, ",TOTAL,,,0,,0.0000"]
