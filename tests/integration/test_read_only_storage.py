"""A database that refuses writes: writes are unavailable (503, one CLI line), reads still work.

SQLite: a read-only file, or a directory where the journal files cannot be
made. PostgreSQL: a read-only transaction (a hot standby, or
``default_transaction_read_only=on`` as here). ``check_writable`` is what
``/ready`` asks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.errors import ReadOnly, Unavailable
from inventory.application.ports import Storage
from inventory.domain.catalog import Warehouse
from tests.factories import T0, ProductFactory
from tests.integration.contract import given, reading
from tests.postgres import emptied_schema
from tests.postgres import read_only as read_only_url


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` (a file or a directory) made unwritable for this process, root or not."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    # Root ignores permission bits; the immutable attribute binds root too.
    subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True, text=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def stocked(storage: Storage) -> None:
    given(storage, ProductFactory(sku="BOLT"), Warehouse("MAIN", "Main hall", T0))


@contextmanager
def read_only_sqlite(tmp_path: Path) -> Iterator[Storage]:
    path = tmp_path / "inventory.db"
    made = SqliteDatabase(path)
    made.migrate()
    stocked(made)
    made.close()
    with unwritable(path):
        database = SqliteDatabase(path)
        try:
            yield database
        finally:
            database.close()


@contextmanager
def read_only_postgres(tmp_path: Path) -> Iterator[Storage]:
    with emptied_schema() as url:
        made = PostgresDatabase.from_url(url)
        try:
            stocked(made)
        finally:
            made.close()
        database = PostgresDatabase.from_url(read_only_url(url))
        try:
            yield database
        finally:
            database.close()


READ_ONLY = {"sqlite": read_only_sqlite, "postgres": read_only_postgres}


@pytest.fixture(params=sorted(READ_ONLY))
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A migrated database holding BOLT and MAIN, opened where it cannot be written."""
    with READ_ONLY[request.param](tmp_path) as storage:
        yield storage


def test_a_write_to_a_read_only_database_is_refused_as_read_only(read_only: Storage) -> None:
    with pytest.raises(ReadOnly) as refused, read_only.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="NUT"))

    assert isinstance(refused.value, Unavailable)  # so: 503 `unavailable`, and exit 1
    assert "read-only" in refused.value.detail
    assert "\n" not in refused.value.detail


def test_a_read_only_database_still_migrates_when_up_to_date_and_reads(
    read_only: Storage,
) -> None:
    assert read_only.migrate() == []
    assert read_only.pending_migrations() == []
    with reading(read_only) as uow:
        assert uow.products.get("BOLT") is not None
        assert uow.warehouses.get("MAIN") is not None


def test_a_read_only_database_says_it_is_not_writable(read_only: Storage) -> None:
    with pytest.raises(ReadOnly) as refused:
        read_only.check_writable()

    assert refused.value.detail


def test_a_writable_database_says_nothing(storage: Storage) -> None:
    storage.check_writable()


def test_a_database_in_a_directory_that_cannot_be_written_is_unavailable_naming_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    made = SqliteDatabase(folder / "inventory.db")
    made.migrate()
    made.close()
    assert sorted(p.name for p in folder.iterdir()) == ["inventory.db"]  # no -wal, -shm left

    with unwritable(folder):
        database = SqliteDatabase(folder / "inventory.db")
        try:
            with pytest.raises(ReadOnly) as not_writable:
                database.check_writable()
            with pytest.raises(Unavailable) as refused, database.unit_of_work() as uow:
                uow.products.add(ProductFactory(sku="NUT"))
        finally:
            database.close()

    assert str(folder) in not_writable.value.detail
    assert str(folder / "inventory.db") in refused.value.detail
