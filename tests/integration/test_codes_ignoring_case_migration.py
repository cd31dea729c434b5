"""The migration that makes codes unique ignoring case, on a database that already breaks the rule.

It must stop before changing anything, naming every pair that collides, and
apply once they are renamed. Run on each SQL backend, from a database
migrated up to the migration before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

import inventory.adapters.postgres.database as postgres_module
import inventory.adapters.sqlite.database as sqlite_module
from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sql.migrations import available_migrations
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.ports import Storage
from inventory.domain.catalog import Warehouse
from inventory.domain.errors import Conflict
from tests.factories import T0, ProductFactory
from tests.integration.contract import reading
from tests.postgres import fresh_schema

NAME = "codes_unique_ignoring_case"
Module = Any


# Rows are written and read with SQL of the schema before the migration: today's
# adapters speak the latest schema, which later migrations have moved on.
Execute = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
_PRODUCT = (
    "INSERT INTO products (sku, name, description, category, unit, barcode, reorder_point,"
    " reorder_quantity, average_cost, archived, created_at, updated_at, version, name_folded)"
    " VALUES ({m}, 'A product', '', '', 'each', NULL, 0, 0, '0.0000', {no}, {at}, {at}, 1,"
    " 'a product')"
)


@contextmanager
def sqlite_database(tmp_path: Path) -> Iterator[tuple[Storage, Module, Execute, str]]:
    path = tmp_path / "inventory.db"
    database = SqliteDatabase(path)

    def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(path)) as conn, conn:
            return conn.execute(sql, params).fetchall()

    try:
        yield (
            database,
            sqlite_module,
            execute,
            _PRODUCT.format(m="?", no="0", at="'2026-01-01T00:00:00.000000Z'"),
        )
    finally:
        database.close()


@contextmanager
def postgres_database(tmp_path: Path) -> Iterator[tuple[Storage, Module, Execute, str]]:
    with fresh_schema("casetest") as url:
        database = PostgresDatabase.from_url(url)

        def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            with psycopg.connect(url, autocommit=True) as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

        try:
            yield (
                database,
                postgres_module,
                execute,
                _PRODUCT.format(m="%s", no="false", at="'2026-01-01T00:00:00Z'"),
            )
        finally:
            database.close()


BACKENDS: dict[str, Callable[[Path], Any]] = {
    "sqlite": sqlite_database,
    "postgres": postgres_database,
}


@dataclass(frozen=True)
class Before:
    """A database migrated up to the migration before the one under test, and raw SQL on it."""

    storage: Storage
    execute: Execute
    insert_product: str

    def add_product(self, sku: str) -> None:
        self.execute(self.insert_product, (sku,))


@pytest.fixture(params=sorted(BACKENDS))
def before(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Before]:
    """A database migrated up to the migration before the one under test."""
    with BACKENDS[request.param](tmp_path) as (database, module, execute, insert_product):
        every = available_migrations(module.__name__.rpartition(".")[0])
        (ours,) = [version for version, name, _ in every if name.endswith(f"_{NAME}")]
        with monkeypatch.context() as patched:
            patched.setattr(
                module, "available_migrations", lambda package: [m for m in every if m[0] < ours]
            )
            database.migrate()
        yield Before(database, execute, insert_product)


def given_colliding_codes(before: Before) -> None:
    for sku in ("BOLT-M8", "NUT", "bolt-m8", "Bolt-M8", "washer", "WASHER"):
        before.add_product(sku)
    with before.storage.unit_of_work() as uow:
        for code in ("MAIN", "main", "NORTH"):
            uow.warehouses.add(Warehouse(code, f"Hall {code}", T0))
        uow.commit()


def stored_codes(before: Before) -> tuple[list[str], list[str]]:
    skus = [row[0] for row in before.execute("SELECT sku FROM products ORDER BY sku", ())]
    with reading(before.storage) as uow:
        codes = [code for code in ("MAIN", "main", "NORTH") if uow.warehouses.get(code)]
    return skus, codes


def test_colliding_codes_stop_the_migration_naming_each_group_and_change_nothing(
    before: Before,
) -> None:
    given_colliding_codes(before)
    pending = before.storage.pending_migrations()
    stored = stored_codes(before)

    with pytest.raises(Conflict) as refused:
        before.storage.migrate()

    assert refused.value.detail == (
        f"cannot make codes unique ignoring case (migration {pending[0]}), as these differ"
        " only in case: skus BOLT-M8, Bolt-M8 and bolt-m8; skus WASHER and washer;"
        " warehouse codes MAIN and main. Rename all but one of each, then migrate again"
    )
    assert before.storage.pending_migrations() == pending
    assert stored_codes(before) == stored
    before.add_product("nut")  # no unique index came in: another spelling still goes in


def test_once_the_collisions_are_gone_the_migration_applies_and_enforces_the_rule(
    before: Before,
) -> None:
    before.add_product("BOLT-M8")
    with before.storage.unit_of_work() as uow:
        uow.warehouses.add(Warehouse("MAIN", "Main hall", T0))
        uow.commit()
    pending = before.storage.pending_migrations()

    assert before.storage.migrate() == pending
    storage = before.storage
    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="'BOLT-M8' already exists"):
        uow.products.add(ProductFactory(sku="bolt-m8"))
    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="'MAIN' already exists"):
        uow.warehouses.add(Warehouse("main", "Second hall", T0))
