"""The OrderRepository contract: orders, their lines, filters and open reservations.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.application.listing import ORDER_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import OrderFilter
from inventory.domain.orders import Order, OrderLine, OrderStatus
from tests.factories import T0, OrderFactory
from tests.integration.contract import SECOND, given, page_through, products, reading, warehouses

# --- round trips ----------------------------------------------------------------------


def test_an_order_comes_back_with_its_lines_in_order(storage: Storage) -> None:
    order = Order(
        id="ord-1",
        reference="SO-1",
        warehouse="WH-MAIN",
        lines=(OrderLine("C", 3), OrderLine("A", 1), OrderLine("B", 2)),
        created_at=T0,
        updated_at=T0 + SECOND,
        expires_at=T0 + timedelta(hours=1, microseconds=5),
    )
    given(storage, *warehouses("WH-MAIN"), *products("A", "B", "C"), order)

    with reading(storage) as uow:
        by_id, by_reference = uow.orders.get("ord-1"), uow.orders.get_by_reference("SO-1")

    assert by_id == by_reference == order
    assert by_id is not None
    assert by_id.status is OrderStatus.RESERVED


def test_saving_an_order_stores_its_new_status(storage: Storage) -> None:
    order = OrderFactory(id="ord-1", lines=(OrderLine("A", 1),))
    given(storage, *warehouses("WH-MAIN"), *products("A"), order)
    shipped = replace(order, status=OrderStatus.SHIPPED, updated_at=T0 + SECOND)

    with storage.unit_of_work() as uow:
        uow.orders.save(shipped)
        uow.commit()

    with reading(storage) as uow:
        assert uow.orders.get("ord-1") == shipped


# --- listing --------------------------------------------------------------------------


def _orders(storage: Storage) -> list[Order]:
    given(storage, *warehouses("W1", "W2"), *products("A", "B"))
    orders = [
        OrderFactory(id="o-5", reference="SO-5", warehouse="W1", created_at=T0,
                           lines=(OrderLine("A", 2), OrderLine("B", 1))),
        OrderFactory(id="o-2", reference="SO-2", warehouse="W2", created_at=T0,
                           lines=(OrderLine("A", 4),)),
        OrderFactory(id="o-9", reference="SO-9", warehouse="W1", created_at=T0 + SECOND,
                           lines=(OrderLine("A", 3),)),
        OrderFactory(id="o-1", reference="SO-1", warehouse="W1", created_at=T0 + SECOND,
                           lines=(OrderLine("B", 5),), status=OrderStatus.SHIPPED),
        OrderFactory(id="o-7", reference="SO-7", warehouse="W2", created_at=T0 + 2 * SECOND,
                           lines=(OrderLine("A", 1),), status=OrderStatus.CANCELLED),
        OrderFactory(id="o-3", reference="SO-3", warehouse="W2", created_at=T0 + 2 * SECOND,
                           lines=(OrderLine("B", 6),), status=OrderStatus.EXPIRED),
    ]  # fmt: skip
    given(storage, *orders)
    return orders


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (OrderFilter(), ["o-2", "o-5", "o-1", "o-9", "o-3", "o-7"]),
        (OrderFilter(status=OrderStatus.RESERVED), ["o-2", "o-5", "o-9"]),
        (OrderFilter(status=OrderStatus.EXPIRED), ["o-3"]),
        (OrderFilter(warehouse="W2"), ["o-2", "o-3", "o-7"]),
        (OrderFilter(reference="SO-9"), ["o-9"]),
        (OrderFilter(status=OrderStatus.RESERVED, warehouse="W1"), ["o-5", "o-9"]),
        (OrderFilter(reference="NOPE"), []),
    ],
    ids=["all", "reserved", "expired", "warehouse", "reference", "combined", "no-match"],
)
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_orders_page_by_creation_time_then_id_with_every_filter(
    storage: Storage, filter: OrderFilter, expected: list[str], limit: int
) -> None:
    orders = {o.id: o for o in _orders(storage)}

    with reading(storage) as uow:
        forwards = page_through(
            lambda spec: uow.orders.fetch_page(filter, spec), ORDER_SORTS, "created_at",
            limit=limit,
        )  # fmt: skip
        backwards = page_through(
            lambda spec: uow.orders.fetch_page(filter, spec), ORDER_SORTS, "created_at",
            descending=True, limit=limit,
        )  # fmt: skip

    assert forwards == [orders[id] for id in expected]
    assert [o.id for o in backwards] == expected[::-1]


def test_reserved_units_are_summed_over_open_orders_only(storage: Storage) -> None:
    _orders(storage)

    with reading(storage) as uow:
        reserved = list(uow.orders.reserved_by_open_orders())

    assert reserved == [(("A", "W1"), 5), (("A", "W2"), 4), (("B", "W1"), 1)]
