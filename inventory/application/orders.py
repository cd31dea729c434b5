"""Use cases of orders: reserve, ship, cancel, and read."""

from __future__ import annotations

from inventory.application.catalog import require_warehouse
from inventory.application.commands import ReserveOrder
from inventory.application.ledger import Posting
from inventory.application.listing import ORDER_SORTS, OrderList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, UnitOfWork
from inventory.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from inventory.domain.orders import Order, OrderLine


def reserve_order(cmd: ReserveOrder, uow: UnitOfWork, clock: Clock, new_id: IdGenerator) -> Order:
    """Reserve every line of an order in one warehouse, or nothing at all."""
    now = clock()
    if cmd.expires_at is not None and cmd.expires_at <= now:
        message = "must be in the future"
        raise ValidationFailed(f"expires_at: {message}", (FieldError("expires_at", message),))
    with uow:
        if uow.orders.get_by_reference(cmd.reference) is not None:
            raise Conflict(f"order {cmd.reference!r} already exists")
        require_warehouse(uow, cmd.warehouse)
        products = uow.products.get_many(line.sku for line in cmd.lines)
        for line in cmd.lines:
            if line.sku not in products:
                raise NotFound(f"product {line.sku!r} not found")
            products[line.sku].ensure_active()
        levels = uow.stock.lock((line.sku, cmd.warehouse) for line in cmd.lines)
        lines = [OrderLine(line.sku, line.quantity) for line in cmd.lines]
        order = Order.reserve(
            new_id(), cmd.reference, cmd.warehouse, lines, levels, now, cmd.expires_at
        )
        uow.stock.save_all(levels.values())
        uow.orders.add(order)
        uow.commit()
    return order


def ship_order(id: str, uow: UnitOfWork, clock: Clock, new_id: IdGenerator, actor: str) -> Order:
    """Ship a reserved order: one issue movement per line, referencing the order."""
    with uow:
        order = _require_order(uow, id)
        levels = uow.stock.lock(order.stock_keys)
        order.ship(levels, clock())
        posting = Posting(uow, clock, new_id, actor)
        for line in order.lines:
            posting.issue_reserved(line.sku, order.warehouse, line.quantity, order.reference)
        uow.stock.save_all(levels.values())
        posting.flush()
        uow.orders.save(order)
        uow.commit()
    return order


def cancel_order(id: str, uow: UnitOfWork, clock: Clock) -> Order:
    """Cancel a reserved order and release its stock."""
    with uow:
        order = _require_order(uow, id)
        levels = uow.stock.lock(order.stock_keys)
        order.cancel(levels, clock())
        uow.stock.save_all(levels.values())
        uow.orders.save(order)
        uow.commit()
    return order


def get_order(id: str, uow: UnitOfWork) -> Order:
    """One order by id."""
    with uow.reading():
        return _require_order(uow, id)


def list_orders(params: OrderList, uow: UnitOfWork) -> Page[Order]:
    """A page of orders, oldest first."""
    spec = ORDER_SORTS.spec(params)
    with uow.reading():
        rows = uow.orders.fetch_page(params.filter(), spec)
    return ORDER_SORTS.page(rows, spec)


def _require_order(uow: UnitOfWork, id: str) -> Order:
    order = uow.orders.get(id)
    if order is None:
        raise NotFound(f"order {id!r} not found")
    return order
