"""Orders in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from inventory.adapters.memory.stock import slot_order
from inventory.adapters.memory.table import Table, require
from inventory.application.listing import ORDER_SORTS
from inventory.application.ports import SlotKey, StockKey
from inventory.application.queries import OrderFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.orders import Order, OrderStatus


class MemoryOrderRepository:
    def __init__(self, table: Table[str, Order]) -> None:
        self._table = table

    def get(self, id: str) -> Order | None:
        return self._table.get(id)

    def get_by_reference(self, reference: str) -> Order | None:
        return next((o for o in self._table.values() if o.reference == reference), None)

    def add(self, order: Order) -> None:
        if order.id in self._table or self.get_by_reference(order.reference):
            raise Conflict(f"order {order.reference!r} already exists")
        self._table.put(order.id, order)

    def save(self, order: Order) -> None:
        require(self._table, order.id, "order")
        self._table.put(order.id, order)

    def fetch_page(self, filter: OrderFilter, page: PageSpec) -> list[Order]:
        rows = (
            o
            for o in self._table.values()
            if (filter.status is None or o.status == filter.status)
            and (filter.warehouse is None or o.warehouse == filter.warehouse)
            and (filter.reference is None or o.reference == filter.reference)
        )
        return ORDER_SORTS.select(rows, page)

    def expiring(self, now: datetime, limit: int) -> list[str]:
        due = sorted(
            (order.expires_at, order.id)
            for order in self._table.values()
            if order.status is OrderStatus.RESERVED
            and order.expires_at is not None
            and order.expires_at <= now
        )
        return [id for _, id in due[:limit]]

    def reserved_by_open_orders(self) -> Iterator[tuple[StockKey, int]]:
        totals: dict[StockKey, int] = defaultdict(int)
        for order in self._table.values():
            if order.status is OrderStatus.RESERVED:
                for line in order.lines:
                    totals[line.sku, order.warehouse] += line.quantity
        return iter(sorted(totals.items()))

    def reserved_slots_by_open_orders(self) -> Iterator[tuple[SlotKey, int]]:
        totals: dict[SlotKey, int] = defaultdict(int)
        for order in self._table.values():
            if order.status is OrderStatus.RESERVED:
                for line in order.lines:
                    for a in line.allocations:
                        totals[line.sku, order.warehouse, a.location, a.lot] += a.quantity
        return iter(sorted(totals.items(), key=lambda item: slot_order(item[0])))

    def touching_lot(self, sku: str, lot: str) -> list[Order]:
        return sorted(
            (
                order
                for order in self._table.values()
                if any(
                    line.sku == sku and any(a.lot == lot for a in line.allocations)
                    for line in order.lines
                )
            ),
            key=lambda order: (order.created_at, order.id),
        )
