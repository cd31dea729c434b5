"""The data generation of a unit of work: what cached reads are keyed by.

Every commit that wrote raises it; nothing else does. Every test runs once per
storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.idempotency_records import IdempotencyRecord, KeyProgress
from inventory.application.ports import Storage
from inventory.domain.stock import StockLevel
from tests.factories import T0, ApiKeyFactory, ProductFactory, WarehouseFactory
from tests.integration.contract import Stored, given, put, reading


def generation_of(storage: Storage) -> int:
    with reading(storage) as uow:
        return uow.generation()


def test_the_generation_reads_the_same_in_a_snapshot_and_in_a_write(storage: Storage) -> None:
    with reading(storage) as uow:
        seen_reading = uow.generation()
    with storage.unit_of_work() as uow:
        seen_writing = uow.generation()

    assert seen_reading == seen_writing


def test_reading_leaves_the_generation_alone(storage: Storage) -> None:
    given(storage, ProductFactory(sku="SKU-1"))
    before = generation_of(storage)

    with reading(storage) as uow:
        uow.products.get("SKU-1")
        uow.products.get("SKU-2")

    assert generation_of(storage) == before


def test_a_commit_that_wrote_nothing_leaves_the_generation_alone(storage: Storage) -> None:
    before = generation_of(storage)

    with storage.unit_of_work() as uow:
        uow.products.get("SKU-1")
        uow.commit()

    assert generation_of(storage) == before


def test_a_write_left_uncommitted_leaves_the_generation_alone(storage: Storage) -> None:
    before = generation_of(storage)

    with storage.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="SKU-1"))

    assert generation_of(storage) == before


def test_a_write_rolled_back_then_an_empty_commit_leaves_the_generation_alone(
    storage: Storage,
) -> None:
    before = generation_of(storage)

    with storage.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="SKU-1"))
        uow.rollback()
        uow.commit()

    assert generation_of(storage) == before


def test_a_write_that_fails_leaves_the_generation_alone(storage: Storage) -> None:
    before = generation_of(storage)

    def refuse_half_way() -> None:
        with storage.unit_of_work() as uow:
            uow.products.add(ProductFactory(sku="SKU-1"))
            raise RuntimeError("the use case refused half-way")

    with pytest.raises(RuntimeError):
        refuse_half_way()

    assert generation_of(storage) == before


WRITES: dict[str, Stored] = {
    "product": ProductFactory(sku="SKU-1"),
    "warehouse": WarehouseFactory(code="WH-1"),
    "stock level": StockLevel("SKU-1", "WH-1", on_hand=5),
    "api key": ApiKeyFactory(),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_a_commit_that_wrote_raises_the_generation(storage: Storage, kind: str) -> None:
    if kind == "stock level":
        given(storage, ProductFactory(sku="SKU-1"), WarehouseFactory(code="WH-1"))
    before = generation_of(storage)

    with storage.unit_of_work() as uow:
        put(uow, WRITES[kind])
        uow.commit()

    assert generation_of(storage) > before


def test_a_changed_record_raises_the_generation_as_a_new_one_does(storage: Storage) -> None:
    given(storage, ProductFactory(sku="SKU-1"))
    before = generation_of(storage)

    with storage.unit_of_work() as uow:
        product = uow.products.get("SKU-1")
        assert product is not None
        product.archived = True
        uow.products.save(product)
        uow.commit()

    assert generation_of(storage) > before


def test_an_idempotency_record_counts_as_a_write(storage: Storage) -> None:
    before = generation_of(storage)
    record = IdempotencyRecord("key-1", "idem-1", "sha256:aa", KeyProgress.IN_FLIGHT, T0, T0)

    with storage.unit_of_work() as uow:
        uow.idempotency.put(record)
        uow.commit()

    assert generation_of(storage) > before


def test_each_commit_that_wrote_in_one_unit_of_work_raises_the_generation(
    storage: Storage,
) -> None:
    start = generation_of(storage)

    with storage.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="SKU-1"))
        uow.commit()
        after_first = uow.generation()
        uow.products.add(ProductFactory(sku="SKU-2"))
        uow.commit()
        after_second = uow.generation()
        uow.commit()
        after_empty = uow.generation()

    assert start < after_first < after_second
    assert after_empty == after_second


def test_a_new_unit_of_work_sees_the_raised_generation_at_once(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        before = uow.generation()
        put(uow, ProductFactory(sku="SKU-1"))
        uow.commit()

    with reading(storage) as fresh:
        assert fresh.generation() > before
        assert fresh.products.get("SKU-1") is not None


def test_the_generation_only_grows(storage: Storage) -> None:
    seen = [generation_of(storage)]

    for n in range(5):
        given(storage, ProductFactory(sku=f"SKU-{n}"))
        seen.append(generation_of(storage))

    assert seen == sorted(set(seen))


# SQLite alone: its readers see a snapshot while another connection writes.


@pytest.fixture
def database(tmp_path: Path) -> SqliteDatabase:
    db = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'generation.db'}")
    db.migrate()
    return db


def test_a_snapshot_keeps_the_generation_of_its_data_while_another_connection_writes(
    database: SqliteDatabase,
) -> None:
    with database.unit_of_work().reading() as snapshot:
        seen = snapshot.generation()
        assert snapshot.products.get("SKU-1") is None

        given(database, ProductFactory(sku="SKU-1"))

        assert snapshot.generation() == seen
        assert snapshot.products.get("SKU-1") is None
    assert generation_of(database) > seen


def test_two_databases_start_at_different_generations(tmp_path: Path) -> None:
    first = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'first.db'}")
    second = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'second.db'}")
    first.migrate()
    second.migrate()

    assert generation_of(first) != generation_of(second)


def test_applying_a_migration_raises_the_generation(database: SqliteDatabase) -> None:
    before = generation_of(database)
    # Undo migration 0002 (one table and its index) so that migrate() applies it again.
    conn = database.connect()
    try:
        conn.execute("DROP TABLE idempotency_keys")
        conn.execute("DELETE FROM schema_migrations WHERE name = '0002_idempotency'")
    finally:
        conn.close()

    assert database.migrate() == ["0002_idempotency"]

    assert generation_of(database) > before
