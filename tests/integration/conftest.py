"""Storage for the port contract tests: one fixture, one parameter per adapter.

Adding an adapter is adding one maker to ``STORAGES``: every contract test
then runs on it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from inventory.adapters.memory import MemoryStorage
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.ports import Storage
from tests.postgres import emptied_schema

StorageMaker = Callable[[Path], AbstractContextManager[Storage]]


@contextmanager
def memory_storage(tmp_path: Path) -> Iterator[Storage]:
    yield MemoryStorage()


@contextmanager
def sqlite_storage(tmp_path: Path) -> Iterator[Storage]:
    database = SqliteDatabase.from_url(f"sqlite:///{tmp_path / 'contract.db'}")
    database.migrate()
    try:
        yield database
    finally:
        database.close()


@contextmanager
def postgres_storage(tmp_path: Path) -> Iterator[Storage]:
    """The run's own schema, emptied; skipped, saying why, when no test server is configured."""
    from inventory.adapters.postgres import PostgresDatabase

    with emptied_schema() as url:
        database = PostgresDatabase.from_url(url)
        try:
            yield database
        finally:
            database.close()


STORAGES: dict[str, StorageMaker] = {
    "memory": memory_storage,
    "sqlite": sqlite_storage,
    "postgres": postgres_storage,
}


@pytest.fixture(params=sorted(STORAGES))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A fresh, migrated, empty store of each kind in turn."""
    with STORAGES[request.param](tmp_path) as made:
        yield made
