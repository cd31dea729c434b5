"""The ports low-stock alerts use: totals of available per sku, and the outbox.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.application.outbox import OutboxMessage
from inventory.application.ports import Storage
from inventory.domain.errors import Conflict
from inventory.domain.stock import StockLevel
from tests.factories import T0
from tests.integration.contract import given, products, reading, warehouses


def test_available_totals_are_on_hand_less_reserved_over_every_warehouse(
    storage: Storage,
) -> None:
    given(
        storage,
        *warehouses("W1", "W2"),
        *products("A", "B", "C"),
        StockLevel("A", "W1", 7, 2),
        StockLevel("A", "W2", 4, 4),
        StockLevel("B", "W2", 3, 0),
    )

    with reading(storage) as uow:
        totals = uow.stock.available_totals(iter(["A", "B", "C", "NOPE", "A"]))
        none = uow.stock.available_totals([])

    assert totals == {"A": 5, "B": 3, "C": 0, "NOPE": 0}
    assert none == {}


def test_available_totals_see_the_levels_saved_in_the_same_unit_of_work(
    storage: Storage,
) -> None:
    given(storage, *warehouses("W1"), *products("A"), StockLevel("A", "W1", 10, 0))

    with storage.unit_of_work() as uow:
        before = uow.stock.available_totals(["A"])
        uow.stock.save_all([StockLevel("A", "W1", 10, 6)])
        after = uow.stock.available_totals(["A"])

    assert (before, after) == ({"A": 10}, {"A": 4})


def test_available_totals_cover_more_skus_than_one_query_takes(storage: Storage) -> None:
    skus = [f"S{n:04d}" for n in range(1201)]
    given(storage, *warehouses("W1"), *products(*skus))
    given(storage, *(StockLevel(sku, "W1", n + 1, n % 2) for n, sku in enumerate(skus)))

    with reading(storage) as uow:
        totals = uow.stock.available_totals(skus)

    assert totals == {sku: n + 1 - n % 2 for n, sku in enumerate(skus)}


def _message(
    id: str, seconds: int = 0, recipient: str | None = "buyer@example.com"
) -> OutboxMessage:
    return OutboxMessage(
        id=id,
        created_at=T0 + timedelta(seconds=seconds),
        recipient=recipient,
        subject=f"Low stock: {id} (Schraube Größe M6)",
        body=f"Product {id}\nAvailable:      3\n",
        reason="INVENTORY_SMTP_URL is not set",
    )


def test_kept_messages_stream_back_oldest_first_as_stored(storage: Storage) -> None:
    later, earlier, no_address = _message("m-2", 5), _message("m-9", 1), _message("m-1", 5, None)

    with storage.unit_of_work() as uow:
        for message in (later, earlier, no_address):
            uow.outbox.add(message)
        uow.commit()

    with reading(storage) as uow:
        assert list(uow.outbox.stream()) == [earlier, no_address, later]


def test_a_message_kept_in_a_rolled_back_unit_of_work_is_gone(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.outbox.add(_message("m-1"))

    with reading(storage) as uow:
        assert list(uow.outbox.stream()) == []


def test_a_message_id_is_kept_only_once(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.outbox.add(_message("m-1"))
        uow.commit()

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.outbox.add(_message("m-1", 3))
