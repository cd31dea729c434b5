"""Posting movements to the ledger inside one unit of work.

A :class:`Posting` runs the same rules for one movement or a million, writes
at :meth:`Posting.flush`, and queues a low-stock alert for every crossing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from inventory.application.alerts import (
    DEFAULT_ALERTS,
    AlertPolicy,
    LowStock,
    queue_low_stock_alerts,
)
from inventory.application.commands import (
    AdjustStock,
    IssueStock,
    MovementCommand,
    ReceiveStock,
    TransferStock,
)
from inventory.application.ports import Clock, IdGenerator, StockKey, UnitOfWork
from inventory.domain.catalog import Product
from inventory.domain.errors import NotFound
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.stock import StockLevel
from inventory.domain.valuation import money

WORKING_SET = 100_000
"""Products plus levels kept in memory across batches before they are dropped."""


class Posting:
    """The working set of movements being posted in one unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        new_id: IdGenerator,
        actor: str,
        alerts: AlertPolicy = DEFAULT_ALERTS,
    ) -> None:
        self._uow, self._clock, self._new_id, self._actor = uow, clock, new_id, actor
        self._alerts = alerts
        self._products: dict[str, Product] = {}
        self._levels: dict[StockKey, StockLevel] = {}
        self._held: dict[str, int] = {}
        self._available: dict[str, int] = {}
        self._low: list[LowStock] = []
        self._warehouses: set[str] = set()
        self._revalued: dict[str, Product] = {}
        self._touched: dict[StockKey, StockLevel] = {}
        self._posted: list[Movement] = []

    def prepare(self, commands: Iterable[MovementCommand]) -> None:
        """Load what ``commands`` will touch in a few queries instead of one per movement."""
        skus: set[str] = set()
        keys: set[StockKey] = set()
        for cmd in commands:
            skus.add(cmd.sku)
            keys.update((cmd.sku, code) for code in _warehouses_of(cmd))
        self._products.update(self._uow.products.get_many(skus - self._products.keys()))
        self._levels.update(self._uow.stock.lock(keys - self._levels.keys()))
        self._held.update(self._uow.stock.on_hand_totals(skus - self._held.keys()))
        self._available.update(self._uow.stock.available_totals(skus - self._available.keys()))

    def post(self, cmd: MovementCommand) -> Movement:
        """Apply one movement to its levels (and cost), refusing it whole if any rule fails."""
        product = self._product(cmd.sku)
        for code in _warehouses_of(cmd):
            self._require_warehouse(code)
        held = self._held_of(cmd.sku)
        available = self._available_of(cmd.sku)
        at = self._clock()
        match cmd:
            case ReceiveStock():
                level = self._level(cmd.sku, cmd.warehouse)
                product.revalue(held, cmd.quantity, cmd.unit_cost, at)
                level.receive(cmd.quantity)
                self._revalued[cmd.sku] = product
                change = cmd.quantity
                movement = self._record(
                    cmd, MovementType.RECEIPT, cmd.warehouse, cmd.quantity, at,
                    reference=cmd.reference, unit_cost=money(cmd.unit_cost),
                )  # fmt: skip
            case IssueStock():
                self._level(cmd.sku, cmd.warehouse).issue(cmd.quantity)
                change = -cmd.quantity
                movement = self._record(
                    cmd, MovementType.ISSUE, cmd.warehouse, cmd.quantity, at,
                    reference=cmd.reference,
                )  # fmt: skip
            case TransferStock():
                self._level(cmd.sku, cmd.from_warehouse).issue(cmd.quantity)
                self._level(cmd.sku, cmd.to_warehouse).receive(cmd.quantity)
                change = 0
                movement = self._record(
                    cmd, MovementType.TRANSFER, cmd.from_warehouse, cmd.quantity, at,
                    reference=cmd.reference, to_warehouse=cmd.to_warehouse,
                )  # fmt: skip
            case AdjustStock():
                change = self._level(cmd.sku, cmd.warehouse).count(cmd.counted_quantity)
                movement = self._record(
                    cmd, MovementType.ADJUSTMENT, cmd.warehouse, change, at, reason=cmd.reason
                )
        self._held[cmd.sku] = held + change
        # A movement never touches reservations, so available moves with on hand.
        self._available[cmd.sku] = available + change
        low = LowStock.crossing(product, available, available + change)
        if low is not None:
            self._low.append(low)
        return movement

    def _record(
        self,
        cmd: MovementCommand,
        type: MovementType,
        warehouse: str,
        quantity: int,
        at: datetime,
        reference: str | None = None,
        to_warehouse: str | None = None,
        unit_cost: Decimal | None = None,
        reason: AdjustmentReason | None = None,
    ) -> Movement:
        movement = Movement(
            self._new_id(), type, cmd.sku, warehouse, quantity, at, self._actor,
            reference, cmd.note, to_warehouse, unit_cost, reason,
        )  # fmt: skip
        self._posted.append(movement)
        return movement

    def issue_reserved(self, sku: str, warehouse: str, quantity: int, reference: str) -> Movement:
        """Record the issue of units an order had reserved (levels already updated).

        On hand and reserved fall together, so the total available stays as it was.
        """
        if sku in self._held:
            self._held[sku] -= quantity
        movement = Movement(
            id=self._new_id(), type=MovementType.ISSUE, sku=sku, warehouse=warehouse,
            quantity=quantity, reference=reference, created_at=self._clock(),
            created_by=self._actor,
        )  # fmt: skip
        self._posted.append(movement)
        return movement

    def flush(self) -> None:
        """Write every touched level, revalued product and posted movement, and queue
        the low-stock alerts of the reorder points crossed since the last flush.

        What was loaded stays cached (it now equals what storage holds, and the
        unit of work keeps other writers out) until it grows past
        ``WORKING_SET``, so a long run of batches needs bounded memory.
        """
        self._uow.stock.save_all(list(self._touched.values()))
        self._uow.products.save_costs(list(self._revalued.values()))
        self._uow.movements.add_all(self._posted)
        queue_low_stock_alerts(self._uow, self._low, self._clock, self._new_id, self._alerts)
        self._low = []
        self._touched.clear()
        self._revalued.clear()
        self._posted = []
        if len(self._levels) + len(self._products) > WORKING_SET:
            self._products.clear()
            self._levels.clear()
            self._held.clear()
            self._available.clear()

    def _product(self, sku: str) -> Product:
        product = self._products.get(sku)
        if product is None:
            product = self._uow.products.get(sku)
            if product is None:
                raise NotFound(f"product {sku!r} not found")
            self._products[sku] = product
        product.ensure_active()
        return product

    def _require_warehouse(self, code: str) -> None:
        if code not in self._warehouses:
            if self._uow.warehouses.get(code) is None:
                raise NotFound(f"warehouse {code!r} not found")
            self._warehouses.add(code)

    def _held_of(self, sku: str) -> int:
        # Read from storage before this posting changes any level of the sku (levels
        # are written only at flush), then kept in step by every post.
        held = self._held.get(sku)
        if held is None:
            held = self._held[sku] = self._uow.stock.on_hand_totals([sku])[sku]
        return held

    def _available_of(self, sku: str) -> int:
        # As for _held_of: read before any level of the sku changes, then kept in step.
        available = self._available.get(sku)
        if available is None:
            available = self._available[sku] = self._uow.stock.available_totals([sku])[sku]
        return available

    def _level(self, sku: str, warehouse: str) -> StockLevel:
        key = (sku, warehouse)
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = self._uow.stock.lock([key])[key]
        self._touched[key] = level
        return level


def _warehouses_of(cmd: MovementCommand) -> tuple[str, ...]:
    if isinstance(cmd, TransferStock):
        return (cmd.from_warehouse, cmd.to_warehouse)
    return (cmd.warehouse,)
