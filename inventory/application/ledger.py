"""Posting movements to the ledger inside one unit of work.

A :class:`Posting` keeps the products and levels it touches in memory and
writes them all at :meth:`Posting.flush`, so one movement and a million
movements run the very same rules, the latter in a few large writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from inventory.application.commands import AdjustStock, IssueStock, ReceiveStock, TransferStock
from inventory.application.ports import Clock, IdGenerator, StockKey, UnitOfWork
from inventory.domain.catalog import Product
from inventory.domain.errors import NotFound
from inventory.domain.movements import Movement, MovementType
from inventory.domain.stock import StockLevel
from inventory.domain.valuation import money

MovementCommand = ReceiveStock | IssueStock | TransferStock | AdjustStock


class Posting:
    """The working set of movements being posted in one unit of work."""

    def __init__(self, uow: UnitOfWork, clock: Clock, new_id: IdGenerator, actor: str) -> None:
        self._uow, self._clock, self._new_id, self._actor = uow, clock, new_id, actor
        self._products: dict[str, Product] = {}
        self._levels: dict[StockKey, StockLevel] = {}
        self._held: dict[str, int] = {}
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

    def post(self, cmd: MovementCommand) -> Movement:
        """Apply one movement to its levels (and cost), refusing it whole if any rule fails."""
        product = self._product(cmd.sku)
        for code in _warehouses_of(cmd):
            self._require_warehouse(code)
        held = self._held_of(cmd.sku)
        at = self._clock()
        common = {"id": self._new_id(), "sku": cmd.sku, "created_at": at, "created_by": self._actor}
        match cmd:
            case ReceiveStock():
                level = self._level(cmd.sku, cmd.warehouse)
                product.revalue(held, cmd.quantity, cmd.unit_cost, at)
                level.receive(cmd.quantity)
                self._revalued[cmd.sku] = product
                change = cmd.quantity
                movement = Movement(
                    type=MovementType.RECEIPT, warehouse=cmd.warehouse, quantity=cmd.quantity,
                    unit_cost=money(cmd.unit_cost), reference=cmd.reference, note=cmd.note,
                    **common,
                )  # fmt: skip
            case IssueStock():
                self._level(cmd.sku, cmd.warehouse).issue(cmd.quantity)
                change = -cmd.quantity
                movement = Movement(
                    type=MovementType.ISSUE, warehouse=cmd.warehouse, quantity=cmd.quantity,
                    reference=cmd.reference, note=cmd.note, **common,
                )  # fmt: skip
            case TransferStock():
                self._level(cmd.sku, cmd.from_warehouse).issue(cmd.quantity)
                self._level(cmd.sku, cmd.to_warehouse).receive(cmd.quantity)
                change = 0
                movement = Movement(
                    type=MovementType.TRANSFER, warehouse=cmd.from_warehouse,
                    to_warehouse=cmd.to_warehouse, quantity=cmd.quantity,
                    reference=cmd.reference, note=cmd.note, **common,
                )  # fmt: skip
            case AdjustStock():
                change = self._level(cmd.sku, cmd.warehouse).count(cmd.counted_quantity)
                movement = Movement(
                    type=MovementType.ADJUSTMENT, warehouse=cmd.warehouse, quantity=change,
                    reason=cmd.reason, note=cmd.note, **common,
                )  # fmt: skip
        self._held[cmd.sku] = held + change
        self._posted.append(movement)
        return movement

    def issue_reserved(self, sku: str, warehouse: str, quantity: int, reference: str) -> Movement:
        """Record the issue of units an order had reserved (levels already updated)."""
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
        """Write every touched level, revalued product and posted movement."""
        self._uow.stock.save_all(list(self._touched.values()))
        self._uow.products.save_all(list(self._revalued.values()))
        self._uow.movements.add_all(self._posted)
        self._touched.clear()
        self._revalued.clear()
        self._posted = []

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
            held = self._held[sku] = sum(lv.on_hand for lv in self._uow.stock.of_product(sku))
        return held

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
