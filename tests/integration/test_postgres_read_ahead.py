"""Reads taken ahead on PostgreSQL answer only what the database would (ADR 0019).

:meth:`Transaction.read_ahead` runs a unit's next reads in one round trip; a
statement read ahead is answered from that result only while nothing else was
sent or queued. These tests hold it to that, and show that a unit of work's
``read_ahead`` leaves no level behind that nobody saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.postgres.rows import Transaction
from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import CreateProduct, CreateWarehouse
from inventory.application.ports import ReadAhead
from tests.factories import FixedClock
from tests.integration.conftest import postgres_storage
from tests.roundtrips import counting

pytestmark = pytest.mark.postgres

# The "rows" are settings local to the test's transaction: no table to leave behind.
_SELECT = "SELECT current_setting('read_ahead.' || %s)::integer"
_SET = "SELECT set_config('read_ahead.' || %s, %s, true)"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[PostgresDatabase]:
    with postgres_storage(tmp_path) as storage:
        assert isinstance(storage, PostgresDatabase)
        yield storage


@pytest.fixture
def tx(database: PostgresDatabase) -> Iterator[Transaction]:
    with database.connection() as conn:
        tx = Transaction(conn, "BEGIN", writing=True)
        tx.execute_all([(_SET, ("a", "1")), (_SET, ("b", "2"))])
        try:
            yield tx
        finally:
            conn.execute("ROLLBACK")


def test_a_statement_read_ahead_is_answered_without_a_round_trip(tx: Transaction) -> None:
    with counting() as ahead:
        tx.read_ahead([(_SELECT, ("a",)), (_SELECT, ("b",))])
    assert ahead.round_trips == 1

    with counting() as asked:
        b = tx.execute(_SELECT, ("b",)).fetchone()
        a = tx.execute(_SELECT, ("a",)).fetchone()
    assert (a, b) == ((1,), (2,))
    assert asked.round_trips == 0

    with counting() as again:  # each is answered once: asked again, it is sent
        assert tx.execute(_SELECT, ("a",)).fetchone() == (1,)
    assert again.round_trips == 1


def test_a_write_queued_after_the_read_sends_the_statement_again(tx: Transaction) -> None:
    tx.read_ahead([(_SELECT, ("a",))])
    tx.defer(_SET, ("a", "10"))

    assert tx.execute(_SELECT, ("a",)).fetchone() == (10,)


def test_another_statement_between_ends_every_answer_read_ahead(tx: Transaction) -> None:
    tx.read_ahead([(_SELECT, ("a",)), (_SELECT, ("b",))])
    tx.execute(_SET, ("b", "20"))

    with counting() as asked:
        assert tx.execute(_SELECT, ("b",)).fetchone() == (20,)
    assert asked.round_trips == 1


def test_other_parameters_are_another_statement(tx: Transaction) -> None:
    tx.read_ahead([(_SELECT, ("a",))])

    with counting() as asked:
        assert tx.execute(_SELECT, ("b",)).fetchone() == (2,)
    assert asked.round_trips == 1


def test_levels_read_ahead_and_never_asked_for_are_not_kept(database: PostgresDatabase) -> None:
    # The lock's first statement makes the levels it locks; read ahead, it runs
    # whether or not the unit goes on to ask for them.
    clock = FixedClock()
    add_warehouse(CreateWarehouse(code="W", name="W"), database.unit_of_work(), clock)
    add_product(CreateProduct(sku="P", name="P"), database.unit_of_work(), clock)

    with database.unit_of_work() as uow:
        uow.read_ahead(ReadAhead(stock=(("P", "W"),), default_locations=("W",)))
        uow.commit()

    with database.connection() as conn:
        assert conn.execute("SELECT count(*) FROM stock_levels").fetchone() == (0,)
