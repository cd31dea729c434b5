"""Copying a whole inventory from one storage to another, for every pair of adapters.

The source is built through the use cases, as clients would build it; both
sides are then read back through the ports and compared as domain objects.
Every adapter in ``conftest.STORAGES`` is a source and a target, so a new
adapter is checked against each of the others as soon as it joins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

from inventory.application.access import create_api_key, revoke_api_key
from inventory.application.alerts import keep_in_outbox
from inventory.application.catalog import add_product, add_warehouse, archive_product
from inventory.application.commands import (
    AdjustStock,
    CreateApiKey,
    CreateLocation,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    OrderLineIn,
    ReceiveStock,
    RequestReport,
    ReserveOrder,
    TransferStock,
)
from inventory.application.copying import KINDS, CopyNotVerified, copy_inventory
from inventory.application.integrity import check_integrity
from inventory.application.jobs import claim_next, record_success
from inventory.application.listing import JOB_SORTS, ORDER_SORTS, WAREHOUSE_SORTS
from inventory.application.locations import add_location, archive_location
from inventory.application.orders import cancel_order, reserve_order, ship_order
from inventory.application.outbox import OutboxMessage
from inventory.application.ports import MovementRepository, ReadAhead, Storage, UnitOfWork
from inventory.application.queries import (
    JobFilter,
    LocationFilter,
    MovementFilter,
    OrderFilter,
    PageSpec,
)
from inventory.application.reports import request_report, valuation_report
from inventory.application.scopes import Scopes
from inventory.application.stock import record_movement, record_movements
from inventory.application.wrapping import WrappedRepositories
from inventory.domain.errors import Conflict
from inventory.domain.jobs import JobStatus
from inventory.domain.keys import Role
from inventory.domain.movements import AdjustmentReason, Movement
from inventory.domain.orders import OrderStatus
from inventory.domain.stock import StockLevel
from tests.factories import FixedClock, SequentialIds, SequentialSecrets
from tests.integration.conftest import STORAGES
from tests.integration.contract import page_through


@contextmanager
def made(kind: str, folder: Path) -> Iterator[Storage]:
    folder.mkdir()
    with STORAGES[kind](folder) as storage:
        yield storage


@pytest.fixture(params=sorted(STORAGES))
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    with made(request.param, tmp_path / "source") as storage:
        yield storage


@pytest.fixture(params=sorted(STORAGES))
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    with made(request.param, tmp_path / "target") as storage:
        yield storage


@dataclass
class Shop:
    """One inventory being built through the use cases, one second per clock reading."""

    storage: Storage
    clock: FixedClock
    ids: SequentialIds

    def uow(self) -> UnitOfWork:
        return self.storage.unit_of_work()

    def move(self, command: Any) -> Movement:
        return record_movement(command, self.uow(), self.clock, self.ids, "clerk-anna")


def a_working_month(storage: Storage) -> Shop:
    """Three warehouses, an archived product, products with packs, every kind of movement
    (one entered in a pack), orders in every state but expired (a line in a pack), a
    revoked key, report jobs (one done) and a kept message."""
    shop = Shop(storage, FixedClock(step=timedelta(seconds=1)), SequentialIds("src"))
    for code in ("MAIN", "EAST", "WEST"):
        default = "DOCK" if code == "EAST" else "DEFAULT"
        warehouse = CreateWarehouse(code=code, name=f"{code} depot", default_location=default)
        add_warehouse(warehouse, shop.uow(), shop.clock)
    # A child whose code sorts before its parent's: the copy must write parents first.
    tree: dict[str, dict[str, object]] = {
        "Z-ZONE": {"kind": "zone", "pickable": False},
        "M-SHELF": {"kind": "shelf", "parent": "Z-ZONE"},
        "A-BIN": {"parent": "M-SHELF", "barcode": "LOC-A"},
        "OLD": {"kind": "staging"},
    }
    for code, fields in tree.items():
        location = CreateLocation.model_validate({"code": code, **fields})
        add_location("MAIN", location, shop.uow(), shop.clock)
    archive_location("MAIN", "OLD", shop.uow())
    products: dict[str, dict[str, object]] = {
        "WIDGET": {"reorder_point": 20, "reorder_quantity": 50, "category": "widgets"},
        "GADGET": {
            "description": "A gadget",
            "unit": "box",
            "barcode": "4006381333931",
            "packs": [{"unit": "pair", "quantity": 2, "barcode": "GADGET-PAIR"}],
        },
        "BOLT": {"category": "fasteners", "packs": [{"unit": "carton", "quantity": 100}]},
        "RETIRED": {},
        "MILK": {"tracking": "lot", "shelf_life_days": 12},
        "DRILL": {"tracking": "serial"},
    }
    for sku, fields in products.items():
        command = CreateProduct.model_validate({"sku": sku, "name": f"The {sku}", **fields})
        add_product(command, shop.uow(), shop.clock)

    shop.move(ReceiveStock(sku="WIDGET", warehouse="MAIN", quantity=10, unit_cost="2.0000"))
    shop.move(ReceiveStock(sku="WIDGET", warehouse="MAIN", quantity=30, unit_cost="4.1234"))
    shop.move(ReceiveStock(sku="GADGET", warehouse="EAST", quantity=7, unit_cost="19.99"))
    shop.move(ReceiveStock(sku="RETIRED", warehouse="WEST", quantity=3, unit_cost="1.5"))
    shop.move(IssueStock(sku="RETIRED", warehouse="WEST", quantity=3, reference="SCRAP-1"))
    archive_product("RETIRED", shop.uow(), shop.clock)
    shop.move(IssueStock(sku="WIDGET", warehouse="MAIN", quantity=4, reference="WO-7"))
    shop.move(TransferStock(sku="WIDGET", from_warehouse="MAIN", to_warehouse="EAST", quantity=6))
    for lot, n in (("L-1", 5), ("L-2", 8)):
        receipt = {"sku": "MILK", "warehouse": "MAIN", "quantity": n, "unit_cost": "0.9"}
        shop.move(
            ReceiveStock.model_validate({**receipt, "location": "A-BIN", "lot": {"code": lot}})
        )
    shop.move(IssueStock(sku="MILK", warehouse="MAIN", quantity=7))  # L-1, then 2 of L-2
    drills = ["D-1", "D-2", "D-3", "D-4"]
    shop.move(
        ReceiveStock(sku="DRILL", warehouse="MAIN", quantity=4, unit_cost="80", serials=drills)
    )
    shop.move(IssueStock(sku="DRILL", warehouse="MAIN", quantity=1, serials=["D-3"]))
    bolts = [
        ReceiveStock(sku="BOLT", warehouse="WEST", quantity=100 + n, unit_cost=f"0.{n + 10}")
        for n in range(40)
    ]
    record_movements(bolts, shop.uow(), shop.clock, shop.ids, "importer")
    shop.move(
        AdjustStock(
            sku="BOLT",
            warehouse="WEST",
            counted_quantity=40,
            unit="carton",
            reason=AdjustmentReason.COUNT,
        )
    )

    def order(
        reference: str, *lines: tuple[str, int, *tuple[str, ...]], warehouse: str = "MAIN"
    ) -> str:
        command = ReserveOrder(
            reference=reference,
            warehouse=warehouse,
            lines=[
                OrderLineIn(sku=sku, quantity=quantity, unit=unit[0] if unit else None)
                for sku, quantity, *unit in lines
            ],
            expires_at=shop.clock.now + timedelta(days=2),
        )
        return reserve_order(command, shop.uow(), shop.clock, shop.ids).id

    order("SO-1", ("WIDGET", 5), ("DRILL", 1))
    ship_order(order("SO-2", ("WIDGET", 3)), shop.uow(), shop.clock, shop.ids, "picker")
    cancel_order(order("SO-3", ("GADGET", 1, "pair"), warehouse="EAST"), shop.uow(), shop.clock)
    order("SO-4", ("GADGET", 1), ("WIDGET", 2), warehouse="EAST")

    secrets = SequentialSecrets()
    create_api_key(
        CreateApiKey(name="ops", role=Role.ADMIN), shop.uow(), shop.clock, shop.ids, secrets
    )
    old, _ = create_api_key(
        CreateApiKey(name="old", role=Role.CLERK), shop.uow(), shop.clock, shop.ids, secrets
    )
    revoke_api_key(old.id, shop.uow(), shop.clock)

    for kind in ("valuation", "low_stock"):
        request_report(RequestReport(kind=kind), shop.uow(), shop.clock, shop.ids, 5)
    done = claim_next(shop.uow(), shop.clock, "runner-1", timedelta(minutes=1))
    assert done is not None
    record_success(done, "valuation.csv", shop.uow(), shop.clock)
    message = OutboxMessage("msg-1", shop.clock(), None, "Low stock", "WIDGET is low", "unset")
    keep_in_outbox(message, shop.uow())
    return shop


def everything(storage: Storage) -> dict[str, list[Any]]:
    """Every record, of every kind, as the ports read it back (in KINDS order)."""
    with storage.unit_of_work().reading() as uow:
        warehouses = page_through(uow.warehouses.fetch_page, WAREHOUSE_SORTS, "code")
        return {
            "warehouses": warehouses,
            "locations": [
                (location, uow.locations.default_of(w.code) == location.code)
                for w in warehouses
                for location in uow.locations.fetch_page(
                    w.code, LocationFilter(), PageSpec("code", limit=100)
                )
            ],
            "products": list(uow.products.stream()),
            "lots": list(uow.lots.stream()),
            "stock_levels": list(uow.stock.stream()),
            "location_stock": list(uow.stock.stream_slots()),
            "serials": list(uow.serials.stream()),
            "movements": list(uow.movements.stream(MovementFilter())),
            "orders": page_through(
                lambda page: uow.orders.fetch_page(OrderFilter(), page), ORDER_SORTS, "created_at"
            ),
            "api_keys": uow.api_keys.list_all(),
            "jobs": page_through(
                lambda page: uow.jobs.fetch_page(JobFilter(), page), JOB_SORTS, "created_at"
            ),
            "outbox": list(uow.outbox.stream()),
        }


def valuation(storage: Storage) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The valuation's rows and its total."""
    report = valuation_report(storage.unit_of_work())
    return list(report), report.total()


# --- a faithful copy ----------------------------------------------------------------


def test_a_copy_holds_every_record_of_its_source_unchanged(
    source: Storage, target: Storage
) -> None:
    a_working_month(source)
    before = everything(source)

    report = copy_inventory(source.unit_of_work, target.unit_of_work)

    after = everything(target)
    for kind in KINDS:
        assert after[kind] == before[kind], kind
    assert report.ok
    assert report.counts == {kind: len(rows) for kind, rows in before.items()}
    assert everything(source) == before


def test_the_source_is_realistic_enough_to_prove_something(source: Storage) -> None:
    shop = a_working_month(source)

    held = everything(shop.storage)

    assert all(held[kind] for kind in KINDS), "every kind has rows to copy"
    assert any(p.archived for p in held["products"])
    assert any(p.details.packs for p in held["products"])
    assert any(m.entered is not None for m in held["movements"])
    assert any(line.entered is not None for o in held["orders"] for line in o.lines)
    assert {o.status for o in held["orders"]} == {
        OrderStatus.RESERVED, OrderStatus.SHIPPED, OrderStatus.CANCELLED
    }  # fmt: skip
    assert {m.type.value for m in held["movements"]} == {
        "receipt", "issue", "transfer", "adjustment"
    }  # fmt: skip
    assert any(k.revoked_at is not None for k in held["api_keys"])
    assert {j.status for j in held["jobs"]} >= {JobStatus.QUEUED, JobStatus.SUCCEEDED}


def test_a_copy_passes_the_integrity_check_and_values_stock_as_its_source(
    source: Storage, target: Storage
) -> None:
    a_working_month(source)

    report = copy_inventory(source.unit_of_work, target.unit_of_work)

    assert check_integrity(target.unit_of_work()) == []
    assert valuation(target) == valuation(source)
    assert f"{report.valuation:.4f}" == valuation(source)[1]["value"]


def test_an_empty_inventory_copies_to_an_empty_one(source: Storage, target: Storage) -> None:
    report = copy_inventory(source.unit_of_work, target.unit_of_work)

    assert report.ok
    assert report.rows == 0
    assert everything(target) == {kind: [] for kind in KINDS}


def test_progress_is_told_per_kind_then_once_for_the_check(
    source: Storage, target: Storage
) -> None:
    a_working_month(source)
    told: list[tuple[str, int]] = []

    report = copy_inventory(
        source.unit_of_work, target.unit_of_work, lambda *step: told.append(step)
    )

    kinds = [kind for kind, _ in told[:-1]]
    assert kinds == [kind for kind in KINDS if report.counts[kind]]
    assert told[-1] == ("verifying", report.rows)


# --- refusals and failures leave the target as it was -------------------------------


def test_a_target_that_holds_anything_is_refused_and_left_unchanged(
    source: Storage, target: Storage
) -> None:
    a_working_month(source)
    clock = FixedClock()
    add_warehouse(CreateWarehouse(code="OLD", name="Old depot"), target.unit_of_work(), clock)
    create_api_key(
        CreateApiKey(name="k", role=Role.VIEWER),
        target.unit_of_work(),
        clock,
        SequentialIds("tgt"),
        SequentialSecrets(),
    )
    before = everything(target)

    with pytest.raises(
        Conflict, match="already holds warehouses, locations, api_keys; copy into a new"
    ):
        copy_inventory(source.unit_of_work, target.unit_of_work)

    assert everything(target) == before


def test_a_failure_half_way_leaves_the_target_empty(source: Storage, target: Storage) -> None:
    a_working_month(source)

    breaking = LedgerBreaksAfterOneBatch(target)

    with pytest.raises(OSError, match="disk full"):
        copy_inventory(source.unit_of_work, lambda: breaking)

    assert breaking.ledger.written > 0, "the failure came after rows were written"
    assert everything(target) == {kind: [] for kind in KINDS}


def test_a_copy_that_disagrees_with_its_source_keeps_nothing(
    source: Storage, target: Storage
) -> None:
    a_working_month(source)
    with source.unit_of_work() as uow:  # a level the ledger does not account for
        uow.stock.save_all([StockLevel("GADGET", "WEST", on_hand=9)])
        uow.commit()

    with pytest.raises(CopyNotVerified, match=r"on_hand of GADGET in WEST: stored 9, expected 0"):
        copy_inventory(source.unit_of_work, target.unit_of_work)

    assert everything(target) == {kind: [] for kind in KINDS}


class BreakingLedger:
    """A ledger that writes its first batch and then fails, as a full disk would."""

    def __init__(self, inner: MovementRepository) -> None:
        self._inner = inner
        self.written = 0

    def add_all(self, movements: Sequence[Movement]) -> None:
        self._inner.add_all(movements)
        self.written += len(movements)
        raise OSError("disk full")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class LedgerBreaksAfterOneBatch(WrappedRepositories):
    """A target unit of work whose ledger fails once it has written one batch."""

    def __init__(self, storage: Storage) -> None:
        self._inner = storage.unit_of_work()

    def __enter__(self) -> Self:
        self._inner.__enter__()
        self.expose(self._inner)
        self.ledger = BreakingLedger(self._inner.movements)
        self.movements = self.ledger
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def reading(self) -> Any:
        return self._inner.reading()

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        return self._inner.versions(wanted)

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        return self._inner.snapshot_version(scopes)

    def write_in_bulk(self) -> None:
        self._inner.write_in_bulk()

    def prune_versions(self) -> int:
        return self._inner.prune_versions()

    def read_ahead(self, plan: ReadAhead) -> None:
        self._inner.read_ahead(plan)
