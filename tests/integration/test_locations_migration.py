"""The migration that adds locations gives every existing warehouse its DEFAULT location.

Run on each SQL backend, from a database migrated up to the migration before
it (SQLite 0010, PostgreSQL 0006), holding warehouses made then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import inventory.adapters.postgres.database as postgres_module
import inventory.adapters.sqlite.database as sqlite_module
from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sql.migrations import available_migrations
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.ports import Storage
from inventory.application.queries import LocationFilter, PageSpec
from inventory.domain.catalog import Warehouse
from inventory.domain.locations import DEFAULT_LOCATION, Location, LocationKind
from tests.factories import T0
from tests.integration.contract import reading
from tests.postgres import fresh_schema

NAME = "locations"
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
    with fresh_schema("loctest") as url:
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
        assert any(name.endswith(f"_{NAME}") for name in database.pending_migrations())
        yield database


def test_every_warehouse_made_before_gets_its_default_location(before: Storage) -> None:
    made = {"MAIN": T0, "north": T0 + timedelta(hours=1)}
    with before.unit_of_work() as uow:
        for code, at in made.items():
            uow.warehouses.add(Warehouse(code, f"Hall {code}", at))
        uow.commit()

    applied = before.migrate()

    assert any(name.endswith(f"_{NAME}") for name in applied)
    with reading(before) as uow:
        for code, at in made.items():
            assert uow.locations.default_of(code) == DEFAULT_LOCATION
            everything = uow.locations.fetch_page(
                code, LocationFilter(), PageSpec("code", False, 9, None)
            )
            assert everything == [
                Location(code, DEFAULT_LOCATION, LocationKind.BIN, name="Default location")
            ]
            assert everything[0].created_at == at
