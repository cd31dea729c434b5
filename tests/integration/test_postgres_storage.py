"""What only the PostgreSQL adapter promises: URLs, migrations, timeouts, row locks, cursors.

The behaviour every storage adapter shares is pinned by the port contract tests.
Tests that need a server work in a fresh schema of ``INVENTORY_TEST_POSTGRES_URL``
and skip, saying why, when it is unset; the URL tests and the unreachable-server
tests need no server and always run.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self, TypeVar
from urllib.parse import urlencode

import psycopg
import pytest
from psycopg import errors as pg
from psycopg.conninfo import conninfo_to_dict

import inventory.adapters.postgres.database as database_module
from inventory.adapters.cache import MemoryCache
from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.postgres.database import PostgresOptions, parse_url
from inventory.adapters.postgres.errors import translated
from inventory.adapters.postgres.rows import FETCH_BATCH
from inventory.application.caching import InSnapshot, ReadThrough
from inventory.application.catalog import add_product, add_warehouse, product_stock
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    PatchLocation,
    ReceiveStock,
)
from inventory.application.errors import Contention, Unavailable
from inventory.application.integrity import check_integrity
from inventory.application.locations import patch_location
from inventory.application.orders import reserve_order
from inventory.application.ports import ReadAhead, UnitOfWork
from inventory.application.retrying import retrying
from inventory.application.scopes import LEVELS, MOVEMENTS, PRODUCTS, product, scopes, warehouse
from inventory.application.stock import record_movement
from inventory.bootstrap import open_storage
from inventory.config import ConfigError
from inventory.domain.catalog import Product
from inventory.domain.errors import Conflict, InsufficientStock
from inventory.domain.locations import Location
from inventory.domain.lots import Tracking
from inventory.domain.movements import Movement
from inventory.domain.stock import StockLevel
from tests.factories import (
    FixedClock,
    LocationFactory,
    ProductFactory,
    ReserveOrderFactory,
    SequentialIds,
    WarehouseFactory,
)
from tests.integration.contract import given, reading
from tests.postgres import fresh_schema
from tests.waiting import wait_for

pytestmark = pytest.mark.postgres

T = TypeVar("T")

MIGRATIONS = sorted(
    path.stem for path in (Path(database_module.__file__).parent / "migrations").glob("*.sql")
)
assert MIGRATIONS[0] == "0001_initial"

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/test?pool_timeout_ms=300"
"""Nothing listens on port 1: every connection attempt is refused at once."""

PASSWORD = "hunter2-Vq8"
WAIT = 10.0
"""The longest a test waits for another thread; only reached when something is stuck."""


@pytest.fixture
def url() -> Iterator[str]:
    """The URL of a new, empty schema (skips when no test server is configured)."""
    with fresh_schema("pgtest") as schema_url:
        yield schema_url


@pytest.fixture
def open_db(url: str) -> Iterator[Callable[..., PostgresDatabase]]:
    """Opens databases on the test schema, with extra URL options; closes them afterwards."""
    opened: list[PostgresDatabase] = []

    def open_(**options: object) -> PostgresDatabase:
        extra = f"&{urlencode(options)}" if options else ""
        opened.append(PostgresDatabase.from_url(url + extra))
        return opened[-1]

    yield open_
    for database in opened:
        database.close()


@pytest.fixture
def db(open_db: Callable[..., PostgresDatabase]) -> PostgresDatabase:
    database = open_db()
    database.migrate()
    return database


Shell = psycopg.Connection[tuple[object, ...]]


@pytest.fixture
def shell(url: str) -> Iterator[Shell]:
    """A plain connection to the test schema, as an operator with psql has."""
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def count_rows(shell: Shell, table: str) -> int:
    row = shell.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(str(row[0]))


def in_threads(*actions: Callable[[], T]) -> list[T | BaseException]:
    """Run each action in its own thread; what each returned or raised, in order."""
    outcomes: list[T | BaseException] = [RuntimeError("did not run")] * len(actions)

    def run(n: int, action: Callable[[], T]) -> None:
        try:
            outcomes[n] = action()
        except BaseException as exc:
            outcomes[n] = exc

    threads = [
        threading.Thread(target=run, args=(n, action), daemon=True)
        for n, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def all_returned(outcomes: list[T | BaseException]) -> list[T]:
    """What every thread returned, after checking that none raised."""
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    return [o for o in outcomes if not isinstance(o, BaseException)]


def wait_until_waiting_for_a_lock(shell: Shell, application_name: str) -> None:
    """Returns once the session named ``application_name`` waits for a lock."""

    def waiting() -> bool:
        row = shell.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND wait_event_type = 'Lock'",
            (application_name,),
        ).fetchone()
        return row is not None and bool(row[0])

    wait_for(waiting, f"{application_name} waiting for a lock", WAIT, every=0.01)


def stock_three_products(db: PostgresDatabase, on_hand: int) -> None:
    """Products A, B and C with ``on_hand`` units each in WH-1, through the use cases."""
    clock, ids = FixedClock(), SequentialIds("setup")
    add_warehouse(CreateWarehouse(code="WH-1", name="Main hall"), db.unit_of_work(), clock)
    for sku in ("A", "B", "C"):
        add_product(CreateProduct(sku=sku, name=f"Product {sku}"), db.unit_of_work(), clock)
        receipt = ReceiveStock(sku=sku, warehouse="WH-1", quantity=on_hand, unit_cost="1.25")
        record_movement(receipt, db.unit_of_work(), clock, ids, "clerk")


# --- URLs: no server needed ---------------------------------------------------


def test_our_options_are_taken_out_and_the_rest_goes_to_libpq_as_written() -> None:
    parsed = parse_url(
        "postgresql://inventory@db.internal:5432/inventory?sslmode=disable"
        "&pool_min_size=2&pool_max_size=4&pool_timeout_ms=250"
        "&options=-c%20search_path=stock&statement_timeout_ms=1500&lock_timeout_ms=75"
    )

    assert parsed.options == PostgresOptions(
        pool_min_size=2,
        pool_max_size=4,
        pool_timeout_ms=250,
        statement_timeout_ms=1500,
        lock_timeout_ms=75,
    )
    assert "_ms" not in parsed.conninfo
    assert "pool_" not in parsed.conninfo
    # libpq decodes %XX but takes "+" literally: a space must stay %20.
    assert "options=-c%20search_path" in parsed.conninfo
    assert "+" not in parsed.conninfo
    assert conninfo_to_dict(parsed.conninfo) == {
        "user": "inventory",
        "host": "db.internal",
        "port": "5432",
        "dbname": "inventory",
        "sslmode": "disable",
        "options": "-c search_path=stock",
    }


def test_a_url_without_our_options_gets_the_defaults_and_reaches_libpq_unchanged() -> None:
    for url in ("postgresql://inventory@db/inventory", "postgres://inventory@db/inventory"):
        parsed = parse_url(url)

        assert parsed.options == PostgresOptions()
        assert parsed.conninfo == url
        assert conninfo_to_dict(parsed.conninfo) == {
            "user": "inventory",
            "host": "db",
            "dbname": "inventory",
        }


def test_a_url_without_a_host_keeps_its_slashes_for_the_local_socket() -> None:
    parsed = parse_url("postgresql:///inventory?host=/run/postgresql&pool_max_size=2")

    assert conninfo_to_dict(parsed.conninfo) == {"dbname": "inventory", "host": "/run/postgresql"}


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("postgresql://u:secret@db/inventory?no_such_option=1", 'parameter: "no_such_option"'),
        ("postgresql://u:secret@db/inventory%zz", "invalid percent-encoded token"),
    ],
)
def test_a_url_libpq_would_refuse_is_refused_at_once_without_its_password(
    url: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as refused:
        parse_url(url)

    assert "secret" not in str(refused.value)


def test_a_plus_sign_in_a_libpq_option_reaches_libpq_as_a_plus_sign() -> None:
    theirs = "postgresql://inventory@db/inventory?application_name=night+day"
    assert conninfo_to_dict(theirs)["application_name"] == "night+day"

    parsed = parse_url(f"{theirs}&pool_max_size=2")

    assert conninfo_to_dict(parsed.conninfo)["application_name"] == "night+day"


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("pool_max_size=ten", "pool_max_size must be a whole number"),
        ("pool_min_size=-1", "pool_min_size must be a whole number"),
        ("pool_timeout_ms=1.5", "pool_timeout_ms must be a whole number"),
        ("statement_timeout_ms=", "statement_timeout_ms must be a whole number"),
        ("lock_timeout_ms=%EF%BC%95", "lock_timeout_ms must be a whole number"),
        (
            "lock_timeout_ms=100&sslmode=require&lock_timeout_ms=200",
            "'lock_timeout_ms' is given twice",
        ),
        ("pool_min_size=5&pool_max_size=4", "pool_min_size must not exceed pool_max_size"),
        ("pool_max_size=0", "pool_max_size must be between 1 and 1000"),
        ("pool_max_size=1001", "pool_max_size must be between 1 and 1000"),
    ],
)
def test_a_bad_option_is_refused_naming_it_and_never_showing_the_password(
    query: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as refused:
        parse_url(f"postgresql://inventory:{PASSWORD}@db/inventory?{query}")

    assert PASSWORD not in str(refused.value)


@pytest.mark.parametrize("option", ["statement_timeout_ms", "lock_timeout_ms"])
def test_a_timeout_beyond_what_postgresql_accepts_is_refused_naming_it(option: str) -> None:
    # PostgreSQL takes at most 2147483647 ms; past that, every connection the
    # pool makes fails in SET, and the process answers 503 "unreachable" forever.
    with pytest.raises(ValueError, match=option):
        parse_url(f"postgresql://inventory@db/inventory?{option}=2147483648")


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        (f"mysql://inventory:{PASSWORD}@db/inventory", "expected postgresql://"),
        (f"postgresql://inventory:{PASSWORD}@db/inventory?sslmode", "cannot read its options"),
    ],
)
def test_a_url_that_cannot_be_read_is_refused_without_its_password(
    url: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as refused:
        parse_url(url)

    assert PASSWORD not in str(refused.value)
    assert "inventory:***@db" in str(refused.value)


def test_open_storage_turns_a_bad_postgresql_url_into_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^INVENTORY_DATABASE_URL: .*pool_max_size") as refused:
        open_storage(f"postgres://inventory:{PASSWORD}@db/inventory?pool_max_size=0")

    assert PASSWORD not in str(refused.value)


# --- an unreachable server: no server needed ------------------------------------


@pytest.fixture
def unreachable() -> Iterator[PostgresDatabase]:
    database = PostgresDatabase.from_url(UNREACHABLE)
    yield database
    database.close()


def test_a_unit_of_work_on_an_unreachable_server_is_unavailable_within_the_pool_timeout(
    unreachable: PostgresDatabase,
) -> None:
    for begin in (unreachable.unit_of_work, lambda: unreachable.unit_of_work().reading()):
        started = time.monotonic()
        with pytest.raises(Unavailable) as refused, begin():
            pass
        # The last connection attempt's error, once, naming the server without any password.
        assert refused.value.detail == (
            "cannot reach the database postgresql://postgres@127.0.0.1:1/test: connection to"
            ' server at "127.0.0.1", port 1 failed: Connection refused'
        )
        assert 0.25 < time.monotonic() - started < 5


def test_pending_migrations_on_an_unreachable_server_is_unavailable(
    unreachable: PostgresDatabase,
) -> None:
    started = time.monotonic()

    with pytest.raises(Unavailable):
        unreachable.pending_migrations()

    assert time.monotonic() - started < 5


# --- migrations -------------------------------------------------------------------


def test_migrate_applies_every_pending_migration_once_and_records_it(
    open_db: Callable[..., PostgresDatabase], shell: Shell
) -> None:
    database = open_db()
    assert database.pending_migrations() == MIGRATIONS

    assert database.migrate() == MIGRATIONS

    assert database.pending_migrations() == []
    assert database.migrate() == []
    recorded = shell.execute("SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded.fetchall() == [(int(name[:4]), name) for name in MIGRATIONS]
    # Every table landed in the schema the URL names, none in public.
    tables = shell.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename IN ('products', 'stock_levels', 'cache_changes')"
    )
    assert tables.fetchone() == (3,)


def test_databases_migrating_one_fresh_schema_at_once_apply_each_migration_once(
    open_db: Callable[..., PostgresDatabase], shell: Shell
) -> None:
    databases = [open_db() for _ in range(4)]
    start = threading.Barrier(len(databases))

    def migrate(database: PostgresDatabase) -> list[str]:
        start.wait(WAIT)
        return database.migrate()

    outcomes = in_threads(*(lambda d=d: migrate(d) for d in databases))

    applied = all_returned(outcomes)
    assert sorted(name for names in applied for name in names) == MIGRATIONS
    assert count_rows(shell, "schema_migrations") == len(MIGRATIONS)


# --- timeouts -----------------------------------------------------------------------


def test_a_row_lock_held_past_the_lock_timeout_is_unavailable_and_the_retry_succeeds(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    given(db, ProductFactory(sku="A"))
    impatient = open_db(lock_timeout_ms=200)
    held, release = threading.Event(), threading.Event()

    def hold_the_product() -> None:
        with db.unit_of_work() as uow:
            assert uow.products.get("A") is not None  # FOR NO KEY UPDATE
            held.set()
            release.wait(WAIT)

    holder = threading.Thread(target=hold_the_product, daemon=True)
    holder.start()
    try:
        assert held.wait(WAIT)
        started = time.monotonic()
        with pytest.raises(Unavailable, match="busy") as refused, impatient.unit_of_work() as uow:
            uow.products.get("A")
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(WAIT)

    assert not isinstance(refused.value, Contention)
    assert isinstance(refused.value.__cause__, pg.LockNotAvailable)
    assert 0.15 < waited < 5  # the lock timeout, not the holder's release
    with impatient.unit_of_work() as uow:
        assert uow.products.get("A") is not None
        uow.commit()


def test_a_statement_past_the_statement_timeout_is_unavailable(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    hasty = open_db(statement_timeout_ms=100)  # its lock_timeout stays 5 s

    with db.connection() as holder, holder.transaction():
        holder.execute("SELECT epoch FROM cache_epoch FOR UPDATE")  # held until the end
        with (
            pytest.raises(Unavailable, match="ran out of time") as refused,
            translated(),
            hasty.connection() as conn,
        ):
            conn.execute("SELECT epoch FROM cache_epoch FOR UPDATE")  # waits on the holder

    assert isinstance(refused.value.__cause__, pg.QueryCanceled)  # not the lock's 5 s
    with hasty.unit_of_work().reading() as uow:
        uow.versions([scopes()])


# --- deadlocks and lock order ------------------------------------------------------


def lock_both(
    db: PostgresDatabase, first: str, second: str, mine: threading.Event, theirs: threading.Event
) -> str:
    """Lock product ``first``, wait until the other unit holds its own, then lock ``second``."""
    with db.unit_of_work() as uow:
        assert uow.products.get(first) is not None
        mine.set()
        assert theirs.wait(WAIT)
        assert uow.products.get(second) is not None
        uow.warehouses.add(WarehouseFactory(code=f"WH-{first}", name=f"Locked {first} first"))
        uow.commit()
    return first


def test_a_deadlock_costs_one_unit_a_contention_and_the_other_commits(
    db: PostgresDatabase,
) -> None:
    given(db, ProductFactory(sku="A"), ProductFactory(sku="B"))
    a_held, b_held = threading.Event(), threading.Event()

    outcomes = in_threads(
        lambda: lock_both(db, "A", "B", a_held, b_held),
        lambda: lock_both(db, "B", "A", b_held, a_held),
    )

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    committed = [o for o in outcomes if isinstance(o, str)]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], Contention)
    assert isinstance(refused[0].__cause__, pg.DeadlockDetected)
    assert len(committed) == 1
    with reading(db) as uow:
        assert uow.warehouses.get(f"WH-{committed[0]}") is not None
        assert uow.warehouses.get(f"WH-{'B' if committed[0] == 'A' else 'A'}") is None


def test_retrying_gets_both_units_of_a_deadlock_through(db: PostgresDatabase) -> None:
    given(db, ProductFactory(sku="A"), ProductFactory(sku="B"))
    a_held, b_held = threading.Event(), threading.Event()
    attempts: list[str] = []

    def attempt(first: str, second: str, mine: threading.Event, theirs: threading.Event) -> str:
        attempts.append(first)
        return lock_both(db, first, second, mine, theirs)

    outcomes = in_threads(
        lambda: retrying(lambda: attempt("A", "B", a_held, b_held)),
        lambda: retrying(lambda: attempt("B", "A", b_held, a_held)),
    )

    assert outcomes == ["A", "B"]
    assert len(attempts) == 3  # the loser of the deadlock ran twice
    with reading(db) as uow:
        assert uow.warehouses.get("WH-A") is not None
        assert uow.warehouses.get("WH-B") is not None


def test_orders_naming_the_same_skus_in_every_order_at_once_never_deadlock(
    db: PostgresDatabase,
) -> None:
    stock_three_products(db, on_hand=10)
    orderings = list(itertools.permutations(["A", "B", "C"]))
    ids = itertools.count(1)
    clock = FixedClock()
    threads, orders_each = 8, 4
    start = threading.Barrier(threads)

    def new_id() -> str:
        return f"id-{next(ids):06d}"

    def place_orders(n: int) -> list[str]:
        start.wait(WAIT)
        results = []
        for k in range(orders_each):
            skus = orderings[(n + k) % len(orderings)]
            order = ReserveOrderFactory(
                reference=f"SO-{n}-{k}", warehouse="WH-1", lines=[(sku, 1) for sku in skus]
            )
            try:
                reserve_order(order, db.unit_of_work(), clock, new_id)
                results.append("reserved")
            except InsufficientStock:
                results.append("short")
        return results

    outcomes = in_threads(*(lambda n=n: place_orders(n) for n in range(threads)))

    results = [result for results in all_returned(outcomes) for result in results]
    assert results.count("reserved") == 10
    assert results.count("short") == threads * orders_each - 10
    with reading(db) as uow:
        levels = [level for sku in "ABC" for level in uow.stock.of_product(sku)]
    assert levels == [StockLevel(sku, "WH-1", on_hand=10, reserved=10) for sku in "ABC"]
    assert check_integrity(db.unit_of_work()) == []


def test_units_locking_the_same_levels_in_every_order_take_turns_and_lose_no_update(
    db: PostgresDatabase,
) -> None:
    # A's level exists; B's and C's are created by whichever unit locks them first.
    given(
        db,
        WarehouseFactory(code="WH-1", name="Main hall"),
        *(ProductFactory(sku=sku) for sku in "ABC"),
        StockLevel("A", "WH-1", on_hand=100),
    )
    orderings = list(itertools.permutations([("A", "WH-1"), ("B", "WH-1"), ("C", "WH-1")]))
    threads, rounds = 8, 5
    start = threading.Barrier(threads)

    def add_one_to_each(n: int) -> None:
        start.wait(WAIT)
        for k in range(rounds):
            with db.unit_of_work() as uow:
                levels = uow.stock.lock(orderings[(n + k) % len(orderings)])
                for level in levels.values():
                    level.on_hand += 1
                uow.stock.save_all(levels.values())
                uow.commit()

    outcomes = in_threads(*(lambda n=n: add_one_to_each(n) for n in range(threads)))

    all_returned(outcomes)
    with reading(db) as uow:
        on_hand = {sku: [lv.on_hand for lv in uow.stock.of_product(sku)] for sku in "ABC"}
    added = threads * rounds
    assert on_hand == {"A": [100 + added], "B": [added], "C": [added]}


# --- placeholder stock levels ---------------------------------------------------------


def end_without_saving(how: str, db: PostgresDatabase) -> None:
    with db.unit_of_work() as uow:
        assert uow.stock.lock([("A", "WH-1")]) == {("A", "WH-1"): StockLevel("A", "WH-1")}
        if how == "committed":
            uow.commit()
        elif how == "rolled back, then committed":
            uow.rollback()
            uow.commit()


@pytest.mark.parametrize("how", ["left", "committed", "rolled back, then committed"])
def test_a_level_locked_but_never_saved_leaves_no_row(
    db: PostgresDatabase, shell: Shell, how: str
) -> None:
    given(db, WarehouseFactory(code="WH-1", name="Main hall"), ProductFactory(sku="A"))

    end_without_saving(how, db)

    assert count_rows(shell, "stock_levels") == 0
    with reading(db) as uow:
        assert uow.stock.of_product("A") == []


def test_a_key_naming_an_unknown_product_or_warehouse_reads_as_zero_and_creates_nothing(
    db: PostgresDatabase, shell: Shell
) -> None:
    given(db, WarehouseFactory(code="WH-1", name="Main hall"), ProductFactory(sku="A"))
    keys = [("NO-SUCH-SKU", "WH-1"), ("A", "NO-SUCH-WH")]

    with db.unit_of_work() as uow:
        levels = uow.stock.lock(keys)
        uow.commit()

    assert levels == {key: StockLevel(*key) for key in keys}
    assert count_rows(shell, "stock_levels") == 0


def test_a_unit_waiting_on_a_level_another_unit_creates_sees_what_that_unit_saved(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase], shell: Shell
) -> None:
    given(db, WarehouseFactory(code="WH-1", name="Main hall"), ProductFactory(sku="A"))
    name = f"waiter-{secrets.token_hex(4)}"
    waiter = open_db(application_name=name)
    created = threading.Event()
    seen: list[StockLevel] = []

    def create_then_save() -> None:
        with db.unit_of_work() as uow:
            level = uow.stock.lock([("A", "WH-1")])["A", "WH-1"]
            created.set()
            wait_until_waiting_for_a_lock(shell, name)
            level.on_hand = 5
            uow.stock.save_all([level])
            uow.commit()

    def lock_after() -> None:
        assert created.wait(WAIT)
        with waiter.unit_of_work() as uow:
            seen.append(uow.stock.lock([("A", "WH-1")])["A", "WH-1"])

    outcomes = in_threads(create_then_save, lock_after)

    assert outcomes == [None, None]
    assert seen == [StockLevel("A", "WH-1", on_hand=5)]


# --- cache versions: what writes record, and that writers share no lock ---------------


A_SCOPES = scopes(product("A"))


def test_a_commit_that_wrote_raises_the_version_of_what_it_wrote(db: PostgresDatabase) -> None:
    warehouse_scopes = scopes(warehouse("WH-1"))
    with db.unit_of_work() as uow:
        before = uow.versions([warehouse_scopes, A_SCOPES])
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall"))
        uow.commit()
        after = uow.versions([warehouse_scopes, A_SCOPES])

    assert after[0] > before[0]
    assert after[1] == before[1]
    with db.unit_of_work() as uow:
        assert uow.versions([warehouse_scopes, A_SCOPES]) == after


READS: dict[str, Callable[[UnitOfWork], object]] = {
    "unlocked reads": lambda uow: (
        uow.warehouses.get("WH-1"),
        uow.stock.of_product("A"),
        uow.stock.available_totals(["A"]),
    ),
    # In a write unit these take row locks (FOR NO KEY UPDATE, ON CONFLICT), yet write nothing.
    "a product read for update": lambda uow: uow.products.get("A"),
    "a stock level locked": lambda uow: uow.stock.lock([("A", "WH-1")]),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_a_commit_that_only_read_leaves_the_versions_alone(db: PostgresDatabase, read: str) -> None:
    given(
        db,
        WarehouseFactory(code="WH-1", name="Main hall"),
        ProductFactory(sku="A"),
        StockLevel("A", "WH-1", on_hand=3),
    )
    watched = [A_SCOPES, scopes(warehouse("WH-1"), PRODUCTS, LEVELS)]
    with db.unit_of_work() as uow:
        before = uow.versions(watched)
        READS[read](uow)
        uow.commit()

    with db.unit_of_work() as uow:
        assert uow.versions(watched) == before


def _two_skus(db: PostgresDatabase) -> None:
    given(
        db,
        WarehouseFactory(code="WH-1", name="Main hall"),
        ProductFactory(sku="A"),
        ProductFactory(sku="B"),
        StockLevel("A", "WH-1", on_hand=3),
        StockLevel("B", "WH-1", on_hand=3),
    )


class HeldOpen(InSnapshot):
    """A write unit whose commit waits until ``release`` is set, all its writes made."""

    def __init__(self, uow: UnitOfWork, ready: threading.Event, release: threading.Event) -> None:
        self._uow = uow  # its repositories exist once it has begun: exposed by __enter__
        self.ready, self.release = ready, release

    def __enter__(self) -> Self:
        self._uow.__enter__()
        self.expose(self._uow)
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(None, None, None)

    def commit(self) -> None:
        self.ready.set()
        assert self.release.wait(WAIT)
        self._uow.commit()

    def read_ahead(self, plan: ReadAhead) -> None:
        self._uow.read_ahead(plan)


def test_two_receipts_on_different_skus_never_wait_on_each_other(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    _two_skus(db)
    impatient = open_db(lock_timeout_ms=200)
    ready, release = threading.Event(), threading.Event()
    clock = FixedClock()

    def held_receipt_on_a() -> Movement:
        receipt = ReceiveStock(sku="A", warehouse="WH-1", quantity=1, unit_cost="1.00")
        held = HeldOpen(db.unit_of_work(), ready, release)
        return record_movement(receipt, held, clock, SequentialIds("a"), "clerk")

    def receipt_on_b() -> Movement:
        assert ready.wait(WAIT)  # A has written its level, product and movement: not committed
        try:
            receipt = ReceiveStock(sku="B", warehouse="WH-1", quantity=1, unit_cost="1.00")
            return record_movement(
                receipt, impatient.unit_of_work(), clock, SequentialIds("b"), "c"
            )
        finally:
            release.set()

    outcomes = in_threads(held_receipt_on_a, receipt_on_b)

    assert [type(outcome) for outcome in outcomes] == [Movement, Movement]
    with reading(db) as uow:
        assert [level.on_hand for level in uow.stock.of_product("A")] == [4]
        assert [level.on_hand for level in uow.stock.of_product("B")] == [4]


def test_two_receipts_of_one_new_serial_into_two_warehouses_keep_it_once(
    db: PostgresDatabase, shell: Shell
) -> None:
    # Each locks its own warehouse's level, and each would find the serial new;
    # but both lock the product first, so the second waits for the first to
    # commit, and then finds the unit in stock.
    clock = FixedClock()
    for code in ("W1", "W2"):
        add_warehouse(CreateWarehouse(code=code, name=code), db.unit_of_work(), clock)
    drill = CreateProduct(sku="DRILL", name="Drill", tracking=Tracking.SERIAL)
    add_product(drill, db.unit_of_work(), clock)
    ready, release = threading.Event(), threading.Event()

    def receipt(warehouse: str) -> ReceiveStock:
        return ReceiveStock(
            sku="DRILL", warehouse=warehouse, quantity=1, unit_cost="9.00", serials=["SN-1"]
        )

    def held_receipt_into_w1() -> Movement:
        held = HeldOpen(db.unit_of_work(), ready, release)
        return record_movement(receipt("W1"), held, clock, SequentialIds("a"), "clerk")

    def receipt_into_w2() -> Movement:
        assert ready.wait(WAIT)  # W1's receipt found SN-1 new: not committed
        return retrying(
            lambda: record_movement(
                receipt("W2"), db.unit_of_work(), clock, SequentialIds("b"), "c"
            )
        )

    def release_once_w2_waits() -> None:
        try:
            assert ready.wait(WAIT)
            wait_for(lambda: _waiting_on_a_lock(shell, "products"), "W2's receipt waiting")
        finally:
            release.set()

    outcomes = in_threads(held_receipt_into_w1, receipt_into_w2, release_once_w2_waits)

    assert isinstance(outcomes[0], Movement), outcomes
    assert isinstance(outcomes[1], Conflict), outcomes
    assert "SN-1" in str(outcomes[1])
    with reading(db) as uow:
        held = uow.serials.held([("DRILL", "W1"), ("DRILL", "W2")])
        on_hand = {level.warehouse: level.on_hand for level in uow.stock.of_product("DRILL")}
        assert [(unit.serial, unit.warehouse) for unit in held] == [("SN-1", "W1")]
        assert on_hand == {"W1": 1}
    assert check_integrity(db.unit_of_work()) == []


def _waiting_on_a_lock(shell: Shell, table: str) -> bool:
    row = shell.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND datname = current_database() AND query LIKE %s",
        (f"%FROM {table}%",),
    ).fetchone()
    return row is not None and int(str(row[0])) > 0


def _stock_read(db: PostgresDatabase, cache: MemoryCache) -> list[int]:
    """A's on-hand figures through a cache, as a cached route reads them."""

    def compute(uow: UnitOfWork) -> list[int]:
        return [level.on_hand for level in product_stock("A", uow)]

    return ReadThrough(cache, 60).read(
        db.unit_of_work(), "stock:A", A_SCOPES, compute,
        lambda value: json.dumps(value).encode(), json.loads,
    )  # fmt: skip


def test_an_entry_read_while_an_older_writer_is_open_is_not_kept(
    db: PostgresDatabase, shell: Shell, url: str
) -> None:
    """The xmin rule: without it the second read serves the figures W1 never reached.

    W1 (older) writes A's level in WH-1 and stays open; W2 (newer) writes A's
    level in WH-2 and commits. A read now sees W2, not W1, under version W2.
    When W1 commits, A's version stays W2's (the highest txid): an entry kept
    under it would hide W1's write from every later reader.
    """
    given(
        db,
        WarehouseFactory(code="WH-1", name="Main hall"),
        WarehouseFactory(code="WH-2", name="Annex"),
        ProductFactory(sku="A"),
        StockLevel("A", "WH-1", on_hand=1),
        StockLevel("A", "WH-2", on_hand=1),
    )
    cache = MemoryCache()
    with psycopg.connect(url) as older, psycopg.connect(url) as newer:
        older.execute("UPDATE stock_levels SET on_hand = 10 WHERE sku = 'A' AND warehouse = 'WH-1'")
        newer.execute("UPDATE stock_levels SET on_hand = 20 WHERE sku = 'A' AND warehouse = 'WH-2'")
        newer.commit()

        assert _stock_read(db, cache) == [1, 20]
        older.commit()

    assert _stock_read(db, cache) == [10, 20]

    # Kept once no older writer is open anywhere in the database: another test's
    # transaction (a parallel worker's) may hold the horizon back for a moment.
    # Every read, kept or not, shows W1's write.
    def a_hit() -> bool:
        hits = cache.stats().hits
        assert _stock_read(db, cache) == [10, 20]
        return cache.stats().hits > hits

    wait_for(a_hit, "a read of A's stock served from the cache")
    assert cache.stats().misses >= 2


def test_pruning_keeps_one_row_per_scope_and_every_version(
    db: PostgresDatabase, shell: Shell
) -> None:
    _two_skus(db)
    clock, ids = FixedClock(), SequentialIds("m")
    for sku in ("A", "A", "B"):
        receipt = ReceiveStock(sku=sku, warehouse="WH-1", quantity=1, unit_cost="1.00")
        record_movement(receipt, db.unit_of_work(), clock, ids, "clerk")
    watched = [A_SCOPES, scopes(product("B")), scopes(MOVEMENTS), scopes(warehouse("WH-1"))]
    with reading(db) as uow:
        before = uow.versions(watched)
    rows = "SELECT count(*), count(DISTINCT scope) FROM cache_changes"
    found = shell.execute(rows).fetchone()
    assert found is not None
    count, distinct = int(str(found[0])), int(str(found[1]))
    assert count > distinct

    with db.unit_of_work() as uow:
        assert uow.prune_versions() == count - distinct
        uow.commit()

    assert shell.execute(rows).fetchone() == (distinct, distinct)
    with reading(db) as uow:
        assert uow.versions(watched) == before


def test_a_prune_while_another_prunes_skips_its_turn_without_waiting(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    _two_skus(db)
    clock, ids = FixedClock(), SequentialIds("m")
    for _ in range(2):
        receipt = ReceiveStock(sku="A", warehouse="WH-1", quantity=1, unit_cost="1.00")
        record_movement(receipt, db.unit_of_work(), clock, ids, "clerk")
    impatient = open_db(lock_timeout_ms=200)

    with db.unit_of_work() as first:
        pruned = first.prune_versions()
        with impatient.unit_of_work() as second:
            assert second.prune_versions() == 0  # the first holds the turn: no wait, no rows
        first.commit()

    assert pruned > 0


def test_applying_a_migration_raises_every_version(db: PostgresDatabase, shell: Shell) -> None:
    _two_skus(db)
    with reading(db) as uow:
        before = uow.versions([A_SCOPES, scopes(MOVEMENTS)])
    shell.execute(
        "DROP INDEX products_sku_ignoring_case; DROP INDEX warehouses_code_ignoring_case;"
        " DELETE FROM schema_migrations WHERE name = '0003_codes_unique_ignoring_case'"
    )

    assert db.migrate() == ["0003_codes_unique_ignoring_case"]

    with reading(db) as uow:
        after = uow.versions([A_SCOPES, scopes(MOVEMENTS)])
    assert after[0] > before[0]
    assert after[1] > before[1]


# --- streams ----------------------------------------------------------------------


def test_streams_of_two_repositories_consumed_in_step_both_complete(db: PostgresDatabase) -> None:
    count = FETCH_BATCH + FETCH_BATCH // 2  # each stream fetches twice, in turn
    skus = [f"SKU-{n:05d}" for n in range(count)]
    with db.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall"))
        uow.products.add_all([ProductFactory(sku=sku) for sku in skus])
        uow.stock.save_all([StockLevel(sku, "WH-1", on_hand=n) for n, sku in enumerate(skus)])
        uow.commit()

    with reading(db) as uow:
        pairs = list(zip(uow.products.stream(), uow.stock.stream(), strict=True))

    assert [(product.sku, level.sku, level.on_hand) for product, level in pairs] == [
        (sku, sku, n) for n, sku in enumerate(skus)
    ]


def test_a_stream_left_unfinished_does_not_disturb_the_next_unit_on_its_connection(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    given(db, *(ProductFactory(sku=f"SKU-{n}") for n in range(3)))
    one_connection = open_db(pool_max_size=1)

    with reading(one_connection) as uow:
        left = uow.products.stream()
        next(left)
    # Let go of late, as when an exception's traceback kept the stream alive
    # past its unit: its connection meanwhile serves another unit.
    with one_connection.unit_of_work() as uow:
        del left
        uow.warehouses.add(WarehouseFactory(code="WH-1", name="Main hall"))
        uow.commit()

    with reading(one_connection) as uow:
        assert uow.warehouses.get("WH-1") is not None


def test_two_products_given_one_new_barcode_take_turns(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    # No index holds barcodes unique across products, packs and locations (ADR 0021):
    # the second writer must wait for the first to end before it checks.
    impatient = open_db(lock_timeout_ms=200)
    ready, release = threading.Event(), threading.Event()
    clock = FixedClock()

    def first() -> Product:
        held = HeldOpen(db.unit_of_work(), ready, release)
        return add_product(CreateProduct(sku="A", name="A", barcode="96385074"), held, clock)

    def second() -> Product:
        assert ready.wait(WAIT)  # A holds the barcode, not committed yet
        try:
            pack = {"unit": "case", "quantity": 6, "barcode": "00000096385074"}
            command = CreateProduct.model_validate({"sku": "B", "name": "B", "packs": [pack]})
            return add_product(command, impatient.unit_of_work(), clock)
        finally:
            release.set()

    added, refused = in_threads(first, second)

    assert isinstance(added, Product)
    assert isinstance(refused, (Contention, Unavailable)), refused
    with pytest.raises(Conflict, match="product 'A'"):
        add_product(
            CreateProduct.model_validate(
                {"sku": "B", "name": "B", "packs": [{"unit": "case", "quantity": 6,
                                                     "barcode": "96385074"}]}
            ),
            db.unit_of_work(),
            clock,
        )  # fmt: skip
    with reading(db) as seen:
        assert [p.sku for p in seen.products.by_barcode(["96385074"])] == ["A"]


def test_two_moves_that_would_close_a_cycle_of_locations_take_turns(
    db: PostgresDatabase, open_db: Callable[..., PostgresDatabase]
) -> None:
    given(db, WarehouseFactory(code="MAIN"))
    with db.unit_of_work() as uow:
        for code in ("A", "B"):
            uow.locations.add(LocationFactory(code=code))
        uow.commit()
    impatient = open_db(lock_timeout_ms=200)
    ready, release = threading.Event(), threading.Event()

    def a_into_b() -> Location:
        held = HeldOpen(db.unit_of_work(), ready, release)
        return patch_location("MAIN", "A", PatchLocation(parent="B"), held)

    def b_into_a() -> Location:
        assert ready.wait(WAIT)  # A lies in B, not committed yet
        try:
            return patch_location("MAIN", "B", PatchLocation(parent="A"), impatient.unit_of_work())
        finally:
            release.set()

    moved, refused = in_threads(a_into_b, b_into_a)

    assert isinstance(moved, Location)
    assert moved.parent == "B"
    assert isinstance(refused, (Contention, Unavailable)), refused
    with reading(db) as seen:
        assert seen.locations.parents("MAIN") == {"DEFAULT": None, "A": "B", "B": None}
