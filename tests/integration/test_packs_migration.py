"""The migration that adds packs leaves existing products with none, and existing
movements entered in base units (SQLite 0013, PostgreSQL 0009; ADR 0021).

Run on each SQL backend, from a database migrated up to the migration before it,
holding a product and a movement written then (with the columns of that time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import inventory.adapters.postgres.rows as postgres_rows
import inventory.adapters.sqlite.rows as sqlite_rows
from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sql.schema import MOVEMENT_COLUMNS, PRODUCT_COLUMNS
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.ports import Storage
from inventory.application.queries import MovementFilter
from inventory.domain.catalog import ProductDetails
from tests.factories import MovementFactory, ProductFactory, WarehouseFactory
from tests.integration.contract import given, reading
from tests.integration.test_locations_migration import BACKENDS, Module

NAME = "product_packs"
OLD_PRODUCT_COLUMNS = PRODUCT_COLUMNS.removesuffix(", packs")
OLD_MOVEMENT_COLUMNS = MOVEMENT_COLUMNS.removesuffix(", entered_unit, entered_quantity")


@pytest.fixture(params=sorted(BACKENDS))
def before(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """A database migrated up to the migration before the one under test."""
    with BACKENDS[request.param](tmp_path) as (database, module):
        _migrate_before(database, module, monkeypatch)
        yield database


def _migrate_before(database: Storage, module: Module, monkeypatch: pytest.MonkeyPatch) -> None:
    every = module.available_migrations(module.__name__.rpartition(".")[0])
    (ours,) = [version for version, name, _ in every if name.endswith(f"_{NAME}")]
    with monkeypatch.context() as patched:
        patched.setattr(
            module, "available_migrations", lambda package: [m for m in every if m[0] < ours]
        )
        database.migrate()
    assert any(name.endswith(f"_{NAME}") for name in database.pending_migrations())


def _write_as_before(database: Storage) -> None:
    """A product and a receipt of it, as the adapters wrote them before packs."""
    product = ProductFactory(
        sku="WATER", details=ProductDetails(name="Water", unit="bottle", barcode="96385074")
    )
    receipt = MovementFactory(id="mv-1", sku="WATER", warehouse="MAIN", quantity=24)
    given(database, WarehouseFactory(code="MAIN"))
    if isinstance(database, SqliteDatabase):
        codec, mark = sqlite_rows.CODEC, "?"
    else:
        codec, mark = postgres_rows.CODEC, "%s"
    product_row = (*codec.product_row(product)[:-1], "water")
    movement_row = codec.movement_row(receipt)[:-2]
    product_sql = (
        f"INSERT INTO products ({OLD_PRODUCT_COLUMNS}, name_folded)"
        f" VALUES ({', '.join([mark] * len(product_row))})"
    )
    movement_sql = (
        f"INSERT INTO movements ({OLD_MOVEMENT_COLUMNS})"
        f" VALUES ({', '.join([mark] * len(movement_row))})"
    )
    if isinstance(database, SqliteDatabase):
        conn = database.connect()
        try:
            conn.execute("BEGIN")
            conn.execute(product_sql, product_row)
            conn.execute(movement_sql, movement_row)
            conn.execute("COMMIT")
        finally:
            conn.close()
    else:
        assert isinstance(database, PostgresDatabase)
        with database.connection() as pg, pg.transaction():
            pg.execute(product_sql, product_row)
            pg.execute(movement_sql, movement_row)


def test_products_and_movements_made_before_have_no_packs_and_nothing_entered(
    before: Storage,
) -> None:
    _write_as_before(before)

    applied = before.migrate()

    assert any(name.endswith(f"_{NAME}") for name in applied)
    with reading(before) as uow:
        product = uow.products.get("WATER")
        (movement,) = list(uow.movements.stream(MovementFilter()))
        by_barcode = uow.products.by_barcode(["96385074"])
    assert product is not None
    assert (product.details.unit, product.details.packs) == ("bottle", ())
    assert (movement.quantity, movement.entered) == (24, None)
    assert [p.sku for p in by_barcode] == ["WATER"]
