"""Cache versions per scope: what cached reads are keyed by.

A committed write changes the version of each scope it touched, and of no
other; reads, uncommitted or rolled-back writes and bookkeeping change none.
Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from inventory.adapters.memory import MemoryStorage
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.commands import ReceiveStock
from inventory.application.copying import copy_inventory
from inventory.application.importing import BATCH as PRODUCT_BATCH
from inventory.application.importing import import_movements, import_products
from inventory.application.ports import Storage
from inventory.application.report_records import ReportResult
from inventory.application.scopes import (
    LEVELS,
    MOVEMENTS,
    PRODUCTS,
    WAREHOUSES,
    Scopes,
    api_key,
    product,
    scopes,
    warehouse,
)
from inventory.application.stock import BATCH, record_movement
from inventory.domain.errors import NotFound
from inventory.domain.stock import StockLevel
from tests.factories import (
    T0,
    ApiKeyFactory,
    FixedClock,
    ProductFactory,
    SequentialIds,
    WarehouseFactory,
)
from tests.integration.contract import given, reading

EVERY = {
    "product A": scopes(product("SKU-A")),
    "product B": scopes(product("SKU-B")),
    "products": scopes(PRODUCTS),
    "warehouse W": scopes(warehouse("WH-1")),
    "warehouse V": scopes(warehouse("WH-2")),
    "warehouses": scopes(WAREHOUSES),
    "levels": scopes(LEVELS),
    "movements": scopes(MOVEMENTS),
}


def versions_of(storage: Storage, wanted: dict[str, Scopes] = EVERY) -> dict[str, int]:
    with reading(storage) as uow:
        return dict(zip(wanted, uow.versions(list(wanted.values())), strict=True))


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    assert all(after[name] >= before[name] for name in before), "versions only rise"
    return {name for name in before if after[name] != before[name]}


@pytest.fixture
def stocked(storage: Storage) -> Storage:
    given(
        storage,
        ProductFactory(sku="SKU-A"),
        ProductFactory(sku="SKU-B"),
        WarehouseFactory(code="WH-1"),
        WarehouseFactory(code="WH-2"),
        StockLevel("SKU-A", "WH-1", on_hand=5),
        StockLevel("SKU-B", "WH-2", on_hand=5),
    )
    return storage


_IDS = SequentialIds("m")


def receive(storage: Storage, sku: str, code: str) -> None:
    command = ReceiveStock(sku=sku, warehouse=code, quantity=3, unit_cost=Decimal("1.50"))
    record_movement(command, storage.unit_of_work(), FixedClock(), _IDS, "test")


def test_a_receipt_raises_its_product_its_warehouse_and_the_lists_and_nothing_else(
    stocked: Storage,
) -> None:
    before = versions_of(stocked)

    receive(stocked, "SKU-A", "WH-1")

    # The receipt changes A's level and A's average cost (so the product list too).
    assert changed(before, versions_of(stocked)) == {
        "product A", "products", "warehouse W", "levels", "movements",
    }  # fmt: skip


def test_a_rename_raises_the_product_and_the_product_list_only(stocked: Storage) -> None:
    before = versions_of(stocked)

    with stocked.unit_of_work() as uow:
        found = uow.products.get("SKU-B")
        assert found is not None
        found.details = replace(found.details, name="Renamed")
        uow.products.save(found)
        uow.commit()

    assert changed(before, versions_of(stocked)) == {"product B", "products"}


def test_a_level_raises_its_product_and_warehouse_but_not_the_product_list(
    stocked: Storage,
) -> None:
    before = versions_of(stocked)

    given(stocked, StockLevel("SKU-B", "WH-1", on_hand=1))

    assert changed(before, versions_of(stocked)) == {"product B", "warehouse W", "levels"}


def test_a_new_warehouse_raises_the_warehouses_and_itself(stocked: Storage) -> None:
    before = versions_of(stocked, {**EVERY, "warehouse X": scopes(warehouse("WH-3"))})

    given(stocked, WarehouseFactory(code="WH-3"))

    after = versions_of(stocked, {**EVERY, "warehouse X": scopes(warehouse("WH-3"))})
    assert changed(before, after) == {"warehouses", "warehouse X"}


def test_an_api_key_raises_its_own_scope_and_no_data_scope(stocked: Storage) -> None:
    key = ApiKeyFactory()
    wanted = {**EVERY, "key": scopes(api_key(key.secret_hash)), "other": scopes(api_key("x"))}
    before = versions_of(stocked, wanted)

    given(stocked, key)
    added = versions_of(stocked, wanted)
    with stocked.unit_of_work() as uow:
        key.revoke(T0)
        uow.api_keys.save(key)
        uow.commit()

    assert changed(before, added) == {"key"}
    assert changed(added, versions_of(stocked, wanted)) == {"key"}


def test_a_set_of_scopes_rises_with_any_of_them(stocked: Storage) -> None:
    both = {"A and W": scopes(product("SKU-A"), warehouse("WH-2"))}
    before = versions_of(stocked, both)

    given(stocked, StockLevel("SKU-B", "WH-2", on_hand=9))

    assert changed(before, versions_of(stocked, both)) == {"A and W"}


def test_reading_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)

    with reading(stocked) as uow:
        uow.products.get("SKU-A")
        uow.stock.of_product("SKU-A")

    assert versions_of(stocked) == before


def test_a_commit_that_only_read_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)

    with stocked.unit_of_work() as uow:
        uow.products.get("SKU-A")  # locks it in a write unit: not a change
        uow.commit()

    assert versions_of(stocked) == before


def test_a_write_left_uncommitted_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)

    with stocked.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="SKU-C"))
        uow.stock.save_all([StockLevel("SKU-A", "WH-1", on_hand=50)])

    assert versions_of(stocked) == before


def test_a_write_rolled_back_then_an_empty_commit_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)

    with stocked.unit_of_work() as uow:
        uow.stock.save_all([StockLevel("SKU-A", "WH-1", on_hand=50)])
        uow.rollback()
        uow.commit()

    assert versions_of(stocked) == before


def test_a_write_that_fails_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)

    def refuse_half_way() -> None:
        with stocked.unit_of_work() as uow:
            uow.products.add(ProductFactory(sku="SKU-C"))
            raise RuntimeError("the use case refused half-way")

    with pytest.raises(RuntimeError):
        refuse_half_way()

    assert versions_of(stocked) == before


def test_bookkeeping_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)
    report = ReportResult("rep-1", "job-1", "text/csv", "r.csv", T0)

    with stocked.unit_of_work() as uow:
        uow.jobs.beat("runner-1", T0)
        uow.report_results.add(report)
        uow.report_results.add_chunk("rep-1", 0, b"a,b\n")
        uow.report_results.complete("rep-1", 4, 1)
        uow.prune_versions()
        uow.commit()

    assert versions_of(stocked) == before


def test_each_commit_in_one_unit_of_work_raises_what_it_wrote(stocked: Storage) -> None:
    a, b = EVERY["product A"], EVERY["product B"]

    with stocked.unit_of_work() as uow:
        start = uow.versions([a, b])
        uow.stock.save_all([StockLevel("SKU-A", "WH-1", on_hand=6)])
        uow.commit()
        first = uow.versions([a, b])
        uow.stock.save_all([StockLevel("SKU-B", "WH-2", on_hand=6)])
        uow.commit()
        second = uow.versions([a, b])
        uow.commit()
        empty = uow.versions([a, b])

    assert first[0] > start[0]
    assert first[1] == start[1]
    assert second[0] == first[0]
    assert second[1] > first[1]
    assert empty == second


def test_a_new_unit_of_work_sees_the_raised_version_at_once(stocked: Storage) -> None:
    before = versions_of(stocked)["product A"]

    given(stocked, StockLevel("SKU-A", "WH-1", on_hand=8))

    with reading(stocked) as fresh:
        assert fresh.versions([EVERY["product A"]])[0] > before
        assert fresh.snapshot_version(EVERY["product A"])[0] > before
        assert fresh.stock.of_product("SKU-A")[0].on_hand == 8


def test_in_a_quiet_store_the_snapshot_version_is_the_version_and_may_be_kept(
    stocked: Storage,
) -> None:
    with reading(stocked) as uow:
        latest = uow.versions([EVERY["movements"]])[0]
        assert uow.snapshot_version(EVERY["movements"]) == (latest, True)


def test_versions_read_before_the_snapshot_begins_are_the_latest_committed(
    stocked: Storage,
) -> None:
    wanted = [EVERY["product A"]]
    with reading(stocked) as uow:
        first = uow.versions(wanted)[0]
        given(stocked, StockLevel("SKU-A", "WH-1", on_hand=8))
        latest = uow.versions(wanted)[0]
        assert latest > first  # nothing read yet: the latest committed version

        assert uow.snapshot_version(wanted[0])[0] == latest
        assert uow.stock.of_product("SKU-A")[0].on_hand == 8


def test_pruning_changes_no_version(stocked: Storage) -> None:
    for _ in range(3):
        receive(stocked, "SKU-A", "WH-1")
    before = versions_of(stocked)

    with stocked.unit_of_work() as uow:
        uow.prune_versions()
        uow.commit()

    assert versions_of(stocked) == before
    receive(stocked, "SKU-A", "WH-1")
    assert "product A" in changed(before, versions_of(stocked))


# SQLite alone: its readers see a snapshot while another connection writes.


@pytest.fixture
def database(tmp_path: Path) -> SqliteDatabase:
    db = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'versions.db'}")
    db.migrate()
    return db


def test_a_snapshot_keeps_the_versions_of_its_data_while_another_connection_writes(
    database: SqliteDatabase,
) -> None:
    wanted = [EVERY["product A"]]
    with database.unit_of_work().reading() as snapshot:
        seen = snapshot.versions(wanted)
        assert snapshot.products.get("SKU-A") is None

        given(database, ProductFactory(sku="SKU-A"))

        assert snapshot.versions(wanted) == seen
        assert snapshot.products.get("SKU-A") is None
    assert versions_of(database)["product A"] > seen[0]


def test_a_read_unit_used_again_reads_in_a_snapshot_of_its_own(database: SqliteDatabase) -> None:
    uow = database.unit_of_work()
    with uow.reading():
        assert uow.products.get("SKU-A") is None
    with uow.reading():
        assert uow.products.get("SKU-A") is None

        given(database, ProductFactory(sku="SKU-A"))

        assert uow.products.get("SKU-A") is None
    with uow.reading():
        assert uow.products.get("SKU-A") is not None


def test_two_databases_start_at_different_versions(tmp_path: Path) -> None:
    first = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'first.db'}")
    second = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'second.db'}")
    first.migrate()
    second.migrate()

    assert versions_of(first) != versions_of(second)


def test_applying_a_migration_raises_every_version(database: SqliteDatabase) -> None:
    before = versions_of(database)
    # Undo migration 0002 (one table and its index) so that migrate() applies it again.
    conn = database.connect()
    try:
        conn.execute("DROP TABLE idempotency_keys")
        conn.execute("DELETE FROM schema_migrations WHERE name = '0002_idempotency'")
    finally:
        conn.close()

    assert database.migrate() == ["0002_idempotency"]

    assert changed(before, versions_of(database)) == set(EVERY)


def test_on_sqlite_a_long_import_raises_every_version_once(database: SqliteDatabase) -> None:
    given(database, ProductFactory(sku="SKU-B"), WarehouseFactory(code="WH-2"))
    before = versions_of(database)

    import_movements(long_import("SKU-B", "WH-2"), database.unit_of_work(), FixedClock(), _IDS,
                     "test")  # fmt: skip

    assert changed(before, versions_of(database)) == set(EVERY)
    conn = database.connect()
    try:
        assert conn.execute("SELECT count(*) FROM bulk_writes").fetchone() == (0,)
    finally:
        conn.close()


def test_on_sqlite_a_long_product_import_raises_every_version_once(
    database: SqliteDatabase,
) -> None:
    before = versions_of(database)
    csv = io.StringIO(
        "sku,name\n" + "".join(f"NEW-{n},New {n}\n" for n in range(PRODUCT_BATCH + 1))
    )

    import_products(csv, database.unit_of_work(), FixedClock())

    assert changed(before, versions_of(database)) == set(EVERY)


def test_on_sqlite_the_bulk_row_can_never_be_committed(database: SqliteDatabase) -> None:
    # Were it committed, every trigger would skip its bookkeeping for every writer.
    conn = database.connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bulk_writes (id) VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("COMMIT")
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM bulk_writes").fetchone() == (0,)
    finally:
        conn.close()


# Bulk paths: imports and copies write through the same tables, so the same triggers count them.


def test_importing_products_raises_each_product_written_and_the_list(stocked: Storage) -> None:
    before = versions_of(stocked)
    csv = io.StringIO("sku,name\nSKU-A,Renamed by import\nSKU-C,New\n")

    assert import_products(csv, stocked.unit_of_work(), FixedClock(), update=True) == 2

    assert changed(before, versions_of(stocked)) == {"product A", "products"}


def test_importing_movements_raises_what_they_touched(stocked: Storage) -> None:
    before = versions_of(stocked)
    csv = io.StringIO("type,sku,warehouse,quantity,unit_cost\nreceipt,SKU-B,WH-2,4,2.00\n")

    assert import_movements(csv, stocked.unit_of_work(), FixedClock(), _IDS, "test") == 1

    assert changed(before, versions_of(stocked)) == {
        "product B", "products", "warehouse V", "levels", "movements",
    }  # fmt: skip


def long_import(sku: str, code: str) -> io.StringIO:
    """Receipts of one unit each, one more than a batch: an import long enough to be bulk."""
    rows = f"receipt,{sku},{code},1,2.00\n" * (BATCH + 1)
    return io.StringIO("type,sku,warehouse,quantity,unit_cost\n" + rows)


def test_a_long_import_raises_at_least_what_it_touched_and_leaves_writes_counted(
    stocked: Storage,
) -> None:
    before = versions_of(stocked)

    imported = import_movements(long_import("SKU-B", "WH-2"), stocked.unit_of_work(),
                                FixedClock(), _IDS, "test")  # fmt: skip

    assert imported == BATCH + 1
    touched = {"product B", "products", "warehouse V", "levels", "movements"}
    assert changed(before, versions_of(stocked)) >= touched
    # Writes after it are counted scope by scope again.
    before = versions_of(stocked)
    receive(stocked, "SKU-A", "WH-1")
    assert changed(before, versions_of(stocked)) == {
        "product A", "products", "warehouse W", "levels", "movements",
    }  # fmt: skip


def test_a_long_product_import_raises_at_least_what_it_touched(stocked: Storage) -> None:
    before = versions_of(stocked)
    rows = "".join(f"NEW-{n},New {n}\n" for n in range(PRODUCT_BATCH))
    csv = io.StringIO(f"sku,name\nSKU-A,Renamed by import\n{rows}")

    assert (
        import_products(csv, stocked.unit_of_work(), FixedClock(), update=True) == PRODUCT_BATCH + 1
    )

    assert changed(before, versions_of(stocked)) >= {"product A", "products"}


def test_a_long_import_that_fails_changes_no_version(stocked: Storage) -> None:
    before = versions_of(stocked)
    source = long_import("SKU-B", "WH-2")
    source.seek(0, io.SEEK_END)
    source.write("receipt,NO-SUCH-SKU,WH-2,1,2.00\n")
    source.seek(0)

    with pytest.raises(NotFound):
        import_movements(source, stocked.unit_of_work(), FixedClock(), _IDS, "test")

    assert changed(before, versions_of(stocked)) == set()


def test_a_copy_into_a_store_raises_the_versions_of_everything_it_wrote(storage: Storage) -> None:
    source = MemoryStorage()
    given(source, ProductFactory(sku="SKU-A"), WarehouseFactory(code="WH-1"))
    receive(source, "SKU-A", "WH-1")  # the ledger must explain the level: the copy checks it
    before = versions_of(storage)

    assert copy_inventory(source.unit_of_work, storage.unit_of_work).ok

    assert changed(before, versions_of(storage)) == {
        "product A", "products", "warehouse W", "warehouses", "levels", "movements",
    }  # fmt: skip
