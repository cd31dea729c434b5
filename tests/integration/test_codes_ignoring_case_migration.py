"""The migration that makes codes unique ignoring case, on a database that already breaks the rule.

It must stop before changing anything, naming every pair that collides, and
apply once they are renamed. Run on each SQL backend, from a database
migrated up to the migration before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def sqlite_database(tmp_path: Path) -> Iterator[tuple[Storage, Module]]:
    database = SqliteDatabase(tmp_path / "inventory.db")
    try:
        yield database, sqlite_module
    finally:
        database.close()


@contextmanager
def postgres_database(tmp_path: Path) -> Iterator[tuple[Storage, Module]]:
    with fresh_schema("casetest") as url:
        database = PostgresDatabase.from_url(url)
        try:
            yield database, postgres_module
        finally:
            database.close()


BACKENDS: dict[str, Callable[[Path], Any]] = {
    "sqlite": sqlite_database,
    "postgres": postgres_database,
}


@pytest.fixture(params=sorted(BACKENDS))
def before(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """A database migrated up to the migration before the one under test."""
    with BACKENDS[request.param](tmp_path) as (database, module):
        every = available_migrations(module.__name__.rpartition(".")[0])
        (ours,) = [version for version, name, _ in every if name.endswith(f"_{NAME}")]
        with monkeypatch.context() as patched:
            patched.setattr(
                module, "available_migrations", lambda package: [m for m in every if m[0] < ours]
            )
            database.migrate()
        yield database


def given_colliding_codes(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        for sku in ("BOLT-M8", "NUT", "bolt-m8", "Bolt-M8", "washer", "WASHER"):
            uow.products.add(ProductFactory(sku=sku))
        for code in ("MAIN", "main", "NORTH"):
            uow.warehouses.add(Warehouse(code, f"Hall {code}", T0))
        uow.commit()


def stored_codes(storage: Storage) -> tuple[list[str], list[str]]:
    with reading(storage) as uow:
        skus = [p.sku for p in uow.products.stream()]
        codes = [code for code in ("MAIN", "main", "NORTH") if uow.warehouses.get(code)]
    return skus, codes


def test_colliding_codes_stop_the_migration_naming_each_group_and_change_nothing(
    before: Storage,
) -> None:
    given_colliding_codes(before)
    pending = before.pending_migrations()
    stored = stored_codes(before)

    with pytest.raises(Conflict) as refused:
        before.migrate()

    assert refused.value.detail == (
        f"cannot make codes unique ignoring case (migration {pending[0]}), as these differ"
        " only in case: skus BOLT-M8, Bolt-M8 and bolt-m8; skus WASHER and washer;"
        " warehouse codes MAIN and main. Rename all but one of each, then migrate again"
    )
    assert before.pending_migrations() == pending
    assert stored_codes(before) == stored
    with before.unit_of_work() as uow:  # no unique index came in: another spelling still goes in
        uow.products.add(ProductFactory(sku="nut"))


def test_once_the_collisions_are_gone_the_migration_applies_and_enforces_the_rule(
    before: Storage,
) -> None:
    with before.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="BOLT-M8"))
        uow.warehouses.add(Warehouse("MAIN", "Main hall", T0))
        uow.commit()
    pending = before.pending_migrations()

    assert before.migrate() == pending
    with before.unit_of_work() as uow, pytest.raises(Conflict, match="'BOLT-M8' already exists"):
        uow.products.add(ProductFactory(sku="bolt-m8"))
    with before.unit_of_work() as uow, pytest.raises(Conflict, match="'MAIN' already exists"):
        uow.warehouses.add(Warehouse("main", "Second hall", T0))
