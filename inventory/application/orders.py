"""Use cases of orders: reserve, ship, cancel, and read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from inventory.application.alerts import DEFAULT_ALERTS, AlertPolicy
from inventory.application.catalog import require_warehouse
from inventory.application.commands import MAX_QUANTITY, OrderLineIn, ReserveOrder
from inventory.application.ledger import Posting, local_today
from inventory.application.listing import ORDER_SORTS, OrderList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, ReadAhead, UnitOfWork, UnitOfWorkFactory
from inventory.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from inventory.domain.orders import Order, OrderLine, OrderStatus, Stocks
from inventory.domain.packs import Units
from inventory.domain.stock_change import StockChange


def reserve_order(
    cmd: ReserveOrder,
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
    *,
    alerts: AlertPolicy = DEFAULT_ALERTS,
) -> Order:
    """Reserve every line of an order in one warehouse, or nothing at all.

    A reservation that takes a product's total available down to its reorder
    point or below queues a low-stock alert job with it.
    """
    now = clock()
    if cmd.expires_at is not None and cmd.expires_at <= now:
        message = "must be in the future"
        raise ValidationFailed(f"expires_at: {message}", (FieldError("expires_at", message),))
    with uow:
        keys = tuple((line.sku, cmd.warehouse) for line in cmd.lines)
        uow.read_ahead(ReadAhead(cmd.reference, cmd.warehouse, keys))
        if uow.orders.get_by_reference(cmd.reference) is not None:
            raise Conflict(f"order {cmd.reference!r} already exists")
        require_warehouse(uow, cmd.warehouse)
        posting = Posting(uow, clock, new_id, "", alerts)
        stocks = posting.stocks((line.sku for line in cmd.lines), cmd.warehouse)
        for line in cmd.lines:
            if line.sku not in stocks:
                raise NotFound(f"product {line.sku!r} not found")
            stocks[line.sku].product.ensure_active()
        for n, line in enumerate(cmd.lines):
            posting.check_location(cmd.warehouse, line.location, f"lines.{n}.location")
        lines = [_line(n, line, stocks[line.sku].product.units) for n, line in enumerate(cmd.lines)]
        order, changes = Order.reserve(
            new_id(),
            cmd.reference,
            cmd.warehouse,
            lines,
            stocks,
            now,
            local_today(now),
            cmd.expires_at,
        )
        # The alerts of one order are queued by sku, as the totals were always compared.
        by_sku = sorted(zip(order.lines, changes, strict=True), key=lambda lc: lc[0].sku)
        _keep(posting, stocks, order, by_sku, now)
        uow.orders.add(order)
        uow.commit()
    return order


def _line(n: int, line: OrderLineIn, units: Units) -> OrderLine:
    quantity, entered = units.convert(
        line.quantity, line.unit, field=f"lines.{n}.quantity", maximum=MAX_QUANTITY
    )
    serials = None if line.serials is None else tuple(line.serials)
    return OrderLine(line.sku, quantity, line.location, line.lot, serials=serials, entered=entered)


def ship_order(id: str, uow: UnitOfWork, clock: Clock, new_id: IdGenerator, actor: str) -> Order:
    """Ship a reserved order: one issue movement per line, referencing the order."""
    with uow:
        order = _require_order(uow, id)
        posting = Posting(uow, clock, new_id, actor)
        stocks = posting.stocks(order.skus, order.warehouse)
        at = clock()
        _keep(posting, stocks, order, zip(order.lines, order.ship(stocks, at), strict=True), at)
        uow.orders.save(order)
        uow.commit()
    return order


def cancel_order(id: str, uow: UnitOfWork, clock: Clock) -> Order:
    """Cancel a reserved order and release its stock."""
    with uow:
        order = _require_order(uow, id)
        posting = Posting(uow, clock, _no_ids, "")
        stocks = posting.stocks(order.skus, order.warehouse)
        at = clock()
        _keep(posting, stocks, order, zip(order.lines, order.cancel(stocks, at), strict=True), at)
        uow.orders.save(order)
        uow.commit()
    return order


def expire_orders(uow: UnitOfWorkFactory, clock: Clock, batch: int = 100) -> int:
    """Release every reservation past its deadline; returns how many orders expired.

    Each order expires in its own unit of work, re-read under the write lock,
    so an order shipped or cancelled meanwhile is left as it is.
    """
    expired = 0
    while True:
        reader = uow()
        with reader.reading():
            due = reader.orders.expiring(clock(), batch)
        done = sum(_expire(id, uow(), clock) for id in due)
        expired += done
        if len(due) < batch or done == 0:
            return expired


def _expire(id: str, uow: UnitOfWork, clock: Clock) -> bool:
    with uow:
        order = uow.orders.get(id)
        now = clock()
        if (
            order is None
            or order.status is not OrderStatus.RESERVED
            or order.expires_at is None
            or order.expires_at > now
        ):
            return False
        posting = Posting(uow, clock, _no_ids, "")
        stocks = posting.stocks(order.skus, order.warehouse)
        _keep(posting, stocks, order, zip(order.lines, order.expire(stocks, now), strict=True), now)
        uow.orders.save(order)
        uow.commit()
    return True


def get_order(id: str, uow: UnitOfWork) -> Order:
    """One order by id."""
    with uow.reading():
        return _require_order(uow, id)


def find_order(id_or_reference: str, uow: UnitOfWork) -> Order:
    """One order by its id or, when no order has that id, by its reference."""
    with uow.reading():
        order = uow.orders.get(id_or_reference) or uow.orders.get_by_reference(id_or_reference)
    if order is None:
        raise NotFound(f"order {id_or_reference!r} not found")
    return order


def list_orders(params: OrderList, uow: UnitOfWork) -> Page[Order]:
    """A page of orders, oldest first."""
    spec = ORDER_SORTS.spec(params)
    with uow.reading():
        rows = uow.orders.fetch_page(params.filter(), spec)
    return ORDER_SORTS.page(rows, spec)


def _keep(
    posting: Posting,
    stocks: Stocks,
    order: Order,
    changes: Iterable[tuple[OrderLine, StockChange]],
    at: datetime,
) -> None:
    # In the order given: line order for the movements of a shipment.
    for line, change in changes:
        posting.keep(stocks[line.sku], change, at, order.reference, entered=line.entered)
    posting.flush()


def _no_ids() -> str:
    # Releasing stock records no movement and crosses no reorder point downwards.
    raise AssertionError("a release needs no id")


def _require_order(uow: UnitOfWork, id: str) -> Order:
    order = uow.orders.get(id)
    if order is None:
        raise NotFound(f"order {id!r} not found")
    return order
