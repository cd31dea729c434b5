"""What only the SQLite adapter promises: schema, migrations, PRAGMAs, locking, URLs.

The behaviour every storage adapter shares is pinned by the port contract tests.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import inventory.adapters.sqlite.database as database_module
from inventory.adapters.sqlite import SqliteDatabase, parse_url
from inventory.application.errors import Unavailable
from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.movements import Movement, MovementType
from inventory.domain.stock import StockLevel
from tests.factories import WarehouseFactory

T0 = datetime(2026, 11, 26, 19, 25, 20, 123456, tzinfo=UTC)
MIGRATIONS = sorted(
    path.stem for path in (Path(database_module.__file__).parent / "migrations").glob("*.sql")
)
assert MIGRATIONS[:2] == ["0001_initial", "0002_idempotency"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "inventory.db")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def raw() -> Iterator[Callable[[Path], sqlite3.Connection]]:
    """Plain connections, as an operator with a SQL shell (or another process) has."""
    opened: list[sqlite3.Connection] = []

    def connect(path: Path) -> sqlite3.Connection:
        opened.append(sqlite3.connect(path, isolation_level=None))
        return opened[-1]

    yield connect
    for conn in opened:
        conn.close()


Shell = Callable[[Path], sqlite3.Connection]


def stock_a_pallet(db: SqliteDatabase) -> None:
    with db.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
        uow.warehouses.add(WarehouseFactory(code="WH-2", name="Overflow", created_at=T0))
        uow.products.add(Product.register("SKU-1", ProductDetails(name="Pallet jack"), T0))
        uow.stock.save_all([StockLevel("SKU-1", "WH-1", on_hand=5, reserved=2)])
        uow.movements.add(
            Movement(
                "M-1", MovementType.RECEIPT, "SKU-1", "WH-1", 5, T0, "clerk", unit_cost=Decimal("3")
            )
        )
        uow.commit()


# --- migrations -------------------------------------------------------------


def test_migrate_applies_every_migration_and_records_it(tmp_path: Path, raw: Shell) -> None:
    database = SqliteDatabase(tmp_path / "inventory.db")
    assert database.pending_migrations() == MIGRATIONS

    applied = database.migrate()

    assert applied == MIGRATIONS
    assert database.pending_migrations() == []
    rows = raw(database.path).execute(
        "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
    )
    recorded = rows.fetchall()
    assert [(version, name) for version, name, _ in recorded] == [
        (int(name[:4]), name) for name in MIGRATIONS
    ]
    for _, _, applied_at in recorded:
        assert len(applied_at) == len("2026-11-26T19:25:20.123456Z")
        assert applied_at.endswith("Z")


def test_migrating_twice_changes_nothing(tmp_path: Path, raw: Shell) -> None:
    database = SqliteDatabase(tmp_path / "inventory.db")
    database.migrate()

    assert database.migrate() == []
    assert raw(database.path).execute("SELECT count(*) FROM schema_migrations").fetchone() == (
        len(MIGRATIONS),
    )


@pytest.mark.parametrize("attempt", range(3))
def test_processes_migrating_a_fresh_file_at_once_all_succeed(
    tmp_path: Path, attempt: int, raw: Shell
) -> None:
    path = tmp_path / f"fresh-{attempt}.db"
    databases = [SqliteDatabase(path) for _ in range(4)]
    start = threading.Barrier(len(databases))
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def migrate(database: SqliteDatabase) -> None:
        start.wait()
        try:
            results.append(database.migrate())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == len(databases)
    # Each migration is applied once, by whichever process got to it first, in order.
    assert sorted(name for names in results for name in names) == MIGRATIONS
    assert all(names == sorted(names) for names in results)
    assert raw(path).execute("SELECT count(*) FROM schema_migrations").fetchone() == (
        len(MIGRATIONS),
    )


def test_a_database_in_a_missing_directory_is_refused_not_created(tmp_path: Path) -> None:
    database = SqliteDatabase.from_url(f"sqlite:///{tmp_path}/var/lib/inventory.db")

    with pytest.raises(Unavailable, match="no such directory"):
        database.migrate()

    assert not (tmp_path / "var").exists()


# --- the database guards the ledger and the stock invariants -----------------


def test_updating_a_movement_by_hand_is_refused(db: SqliteDatabase, raw: Shell) -> None:
    stock_a_pallet(db)

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(db.path).execute("UPDATE movements SET quantity = 500 WHERE id = 'M-1'")


def test_deleting_a_movement_by_hand_is_refused(db: SqliteDatabase, raw: Shell) -> None:
    stock_a_pallet(db)

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(db.path).execute("DELETE FROM movements")

    assert raw(db.path).execute("SELECT count(*) FROM movements").fetchone() == (1,)


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ("on_hand = -1, reserved = 0", "on_hand_not_negative"),
        ("reserved = -1", "reserved_not_negative"),
        ("reserved = 6", "reserved_within_on_hand"),
        ("on_hand = 1", "reserved_within_on_hand"),
    ],
)
def test_stock_levels_that_break_the_invariant_are_refused(
    db: SqliteDatabase, change: str, constraint: str, raw: Shell
) -> None:
    stock_a_pallet(db)

    with pytest.raises(sqlite3.IntegrityError, match=constraint):
        raw(db.path).execute(f"UPDATE stock_levels SET {change}")

    assert raw(db.path).execute("SELECT on_hand, reserved FROM stock_levels").fetchone() == (5, 2)


def test_a_transfer_to_nowhere_is_refused(db: SqliteDatabase) -> None:
    # Inside one warehouse a transfer moves between locations (API.md §11); it must
    # still name where it goes.
    stock_a_pallet(db)
    loop = Movement("M-2", MovementType.TRANSFER, "SKU-1", "WH-1", 1, T0, "clerk")

    refused = pytest.raises(sqlite3.IntegrityError, match="transfer_moves_between_two_warehouses")
    with refused, db.unit_of_work() as uow:
        uow.movements.add(loop)


def test_stock_of_an_unknown_product_is_refused(db: SqliteDatabase) -> None:
    stock_a_pallet(db)

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), db.unit_of_work() as uow:
        uow.stock.save_all([StockLevel("NO-SUCH-SKU", "WH-1", on_hand=1)])


def test_times_and_money_are_stored_as_fixed_width_text(db: SqliteDatabase, raw: Shell) -> None:
    in_paris = datetime(2026, 11, 26, 20, 25, 20, tzinfo=timezone(timedelta(hours=1)))
    product = Product.register("SKU-9", ProductDetails(name="Shrink wrap"), in_paris)
    product.average_cost = Decimal("12.5")
    with db.unit_of_work() as uow:
        uow.products.add(product)
        uow.commit()

    stored = raw(db.path).execute("SELECT created_at, average_cost, archived FROM products")

    assert stored.fetchone() == ("2026-11-26T19:25:20.000000Z", "12.5000", 0)
    with db.unit_of_work().reading() as uow:
        assert uow.products.get("SKU-9") == product


# --- connections and transactions --------------------------------------------


def test_connections_run_in_wal_mode_with_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    database = SqliteDatabase.from_url(f"sqlite:///{tmp_path}/inventory.db")

    with closing(database.connect()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (5000,)


def test_synchronous_normal_and_busy_timeout_can_be_chosen_in_the_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/inventory.db?synchronous=normal&busy_timeout_ms=250"

    with closing(SqliteDatabase.from_url(url).connect()) as conn:
        assert conn.execute("PRAGMA synchronous").fetchone() == (1,)
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (250,)


def test_a_unit_of_work_that_is_not_committed_leaves_nothing(db: SqliteDatabase) -> None:
    with db.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))

    with db.unit_of_work().reading() as uow:
        assert uow.warehouses.get("WH-1") is None


def test_a_failing_unit_of_work_leaves_nothing_and_its_error_propagates(
    db: SqliteDatabase,
) -> None:
    def add_a_warehouse_then_fail() -> None:
        with db.unit_of_work() as uow:
            uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
            raise RuntimeError("label printer jammed")

    with pytest.raises(RuntimeError, match="label printer jammed"):
        add_a_warehouse_then_fail()

    with db.unit_of_work().reading() as uow:
        assert uow.warehouses.get("WH-1") is None


def test_a_write_made_after_commit_is_not_kept(db: SqliteDatabase) -> None:
    with db.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
        uow.commit()
        uow.warehouses.add(WarehouseFactory(code="WH-2", name="Overflow", created_at=T0))

    with db.unit_of_work().reading() as uow:
        assert uow.warehouses.get("WH-1") is not None
        assert uow.warehouses.get("WH-2") is None


def test_units_of_work_nested_in_one_thread_each_have_their_own_transaction(
    db: SqliteDatabase,
) -> None:
    with db.unit_of_work() as writer:
        writer.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
        with db.unit_of_work().reading() as reader:
            assert reader.warehouses.get("WH-1") is None
        writer.commit()

    with db.unit_of_work().reading() as reader:
        assert reader.warehouses.get("WH-1") is not None


def test_a_second_writer_waits_until_the_first_commits(db: SqliteDatabase) -> None:
    first_holds_the_lock, second_tries, second_began = (threading.Event() for _ in range(3))
    events: list[str] = []
    seen_by_second: list[Warehouse | None] = []

    def first() -> None:
        with db.unit_of_work() as uow:
            uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
            first_holds_the_lock.set()
            assert second_tries.wait(10)
            # No sign can show that the second is waiting; for a while it must not begin.
            if second_began.wait(0.3):
                events.append("second began while the first held the lock")
            events.append("first commits")
            uow.commit()

    def second() -> None:
        first_holds_the_lock.wait()
        second_tries.set()
        with db.unit_of_work() as uow:
            second_began.set()
            events.append("second begins")
            seen_by_second.append(uow.warehouses.get("WH-1"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert events == ["first commits", "second begins"]
    assert seen_by_second == [WarehouseFactory(code="WH-1", name="Main hall", created_at=T0)]


def test_a_writer_that_cannot_get_the_lock_in_time_is_told_to_retry(
    tmp_path: Path, raw: Shell
) -> None:
    path = tmp_path / "inventory.db"
    SqliteDatabase(path).migrate()
    impatient = SqliteDatabase.from_url(f"sqlite:///{path}?busy_timeout_ms=50")
    other_process = raw(path)
    other_process.execute("BEGIN IMMEDIATE")

    with pytest.raises(Unavailable, match="busy"), impatient.unit_of_work():
        pass

    other_process.execute("ROLLBACK")
    with impatient.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall", created_at=T0))
        uow.commit()


def test_readers_are_not_blocked_by_a_writer(db: SqliteDatabase, raw: Shell) -> None:
    stock_a_pallet(db)
    other_process = raw(db.path)
    other_process.execute("BEGIN IMMEDIATE")
    other_process.execute("UPDATE stock_levels SET on_hand = 9")

    with db.unit_of_work().reading() as uow:
        assert [level.on_hand for level in uow.stock.of_product("SKU-1")] == [5]

    other_process.execute("ROLLBACK")


def test_a_closed_database_refuses_new_units_of_work(db: SqliteDatabase) -> None:
    db.close()

    with pytest.raises(RuntimeError, match="closed"), db.unit_of_work():
        pass


# --- URLs --------------------------------------------------------------------


def test_a_relative_url_names_a_path_from_the_working_directory() -> None:
    url = parse_url("sqlite:///data/inventory.db")

    assert (url.path, url.synchronous, url.busy_timeout_ms) == (
        Path("data/inventory.db"),
        "full",
        5000,
    )


def test_an_absolute_url_has_four_slashes() -> None:
    url = parse_url("sqlite:////var/lib/inventory/inventory.db?synchronous=NORMAL")

    assert (url.path, url.synchronous) == (Path("/var/lib/inventory/inventory.db"), "normal")


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("postgresql://inventory@db:5432/inventory", "expected sqlite:///"),
        ("sqlite://backup-host/inventory.db", "no host"),
        ("sqlite:///", "no database file"),
        ("sqlite:///data/", "no database file"),
        ("sqlite:///:memory:", "only database files"),
        ("sqlite:///inventory.db?synchronous=off", "synchronous must be full or normal"),
        ("sqlite:///inventory.db?busy_timeout_ms=-5", "busy_timeout_ms must be a whole number"),
        ("sqlite:///inventory.db?busy_timeout_ms=soon", "busy_timeout_ms must be a whole number"),
        ("sqlite:///inventory.db?cache=shared", "unknown option"),
        ("sqlite:///inventory.db?synchronous=full&synchronous=normal", "given twice"),
        ("sqlite:///inventory.db?synchronous", "cannot read the options"),
    ],
)
def test_a_bad_url_is_refused_with_a_reason(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        SqliteDatabase.from_url(url)
