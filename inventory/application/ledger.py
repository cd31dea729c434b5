"""Loading products' stock, asking it to change, and saving what it decided.

A :class:`Posting` loads each product's stock once, a few queries per batch,
and writes levels, costs, movements and low-stock alerts at
:meth:`Posting.flush`, for one movement or a million.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from inventory.application.alerts import DEFAULT_ALERTS, AlertPolicy, queue_low_stock_alerts
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
from inventory.domain.movements import Movement
from inventory.domain.product_stock import LowStock, ProductStock, StockChange
from inventory.domain.stock import Place, StockLevel

WORKING_SET = 100_000
"""Products plus levels kept in memory across batches before they are dropped."""


class Posting:
    """The working set of products' stock being changed in one unit of work."""

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
        self._stocks: dict[str, ProductStock] = {}
        self._loaded = 0
        self._warehouses: set[str] = set()
        self._low: list[LowStock] = []
        self._revalued: dict[str, Product] = {}
        self._touched: dict[StockKey, StockLevel] = {}
        self._posted: list[Movement] = []

    def prepare(self, commands: Iterable[MovementCommand]) -> None:
        """Load what ``commands`` will touch in a few queries instead of one per movement."""
        keys = {(cmd.sku, code) for cmd in commands for code in _warehouses_of(cmd)}
        self._load(keys)

    def stocks(self, skus: Iterable[str], warehouse: str) -> dict[str, ProductStock]:
        """The stock of each known product of ``skus``, its level in ``warehouse`` loaded
        (and locked); an unknown sku is left out."""
        skus = set(skus)
        self._load((sku, warehouse) for sku in skus)
        return {sku: self._stocks[sku] for sku in skus if sku in self._stocks}

    def post(self, cmd: MovementCommand) -> Movement:
        """Apply one movement to its product's stock, refused whole if any rule fails."""
        stock = self._stock(cmd.sku)
        # Checked here too so an archived product is refused before an unknown warehouse.
        stock.product.ensure_active()
        for code in _warehouses_of(cmd):
            self._require_warehouse(code)
        at = self._clock()
        match cmd:
            case ReceiveStock():
                place = self._place(stock, cmd.warehouse)
                change = stock.receive(place, cmd.quantity, cmd.unit_cost, at)
                reference = cmd.reference
            case IssueStock():
                change = stock.issue(self._place(stock, cmd.warehouse), cmd.quantity)
                reference = cmd.reference
            case TransferStock():
                source = self._place(stock, cmd.from_warehouse)
                change = stock.transfer(source, self._place(stock, cmd.to_warehouse), cmd.quantity)
                reference = cmd.reference
            case AdjustStock():
                place = self._place(stock, cmd.warehouse)
                change = stock.adjust(place, cmd.counted_quantity, cmd.reason)
                reference = None
        movement = self.keep(stock, change, at, reference, cmd.note)
        assert movement is not None  # every movement command moves stock
        return movement

    def keep(
        self,
        stock: ProductStock,
        change: StockChange,
        at: datetime,
        reference: str | None = None,
        note: str | None = None,
    ) -> Movement | None:
        """Hold what ``stock`` decided until the next flush; the movement it recorded, if any."""
        for level in change.levels:
            self._touched[level.key] = level
        if change.revalued:
            self._revalued[stock.sku] = stock.product
        if change.low_stock is not None:
            self._low.append(change.low_stock)
        if change.move is None:
            return None
        movement = change.move.recorded(self._new_id(), stock.sku, at, self._actor, reference, note)
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
        if self._loaded > WORKING_SET:
            self._stocks.clear()
            self._loaded = 0

    def _load(self, keys: Iterable[StockKey]) -> None:
        # Products first, then levels, then totals: the order every writer locks in,
        # and totals read once the levels are locked.
        keys = set(keys)
        new = {sku for sku, _ in keys} - self._stocks.keys()
        products = self._uow.products.get_many(new)
        wanted = [
            key
            for key in keys
            if key[0] in products
            or (key[0] in self._stocks and Place(key[1]) not in self._stocks[key[0]].levels)
        ]
        levels = self._uow.stock.lock(wanted)
        on_hand = self._uow.stock.on_hand_totals(products.keys())
        available = self._uow.stock.available_totals(products.keys())
        for sku, product in products.items():
            self._stocks[sku] = ProductStock(product, on_hand[sku], available[sku])
        for level in levels.values():
            self._stocks[level.sku].hold((level,))
        self._loaded += len(products) + len(levels)

    def _stock(self, sku: str) -> ProductStock:
        stock = self._stocks.get(sku)
        if stock is None:
            product = self._uow.products.get(sku)
            if product is None:
                raise NotFound(f"product {sku!r} not found")
            on_hand = self._uow.stock.on_hand_totals([sku])[sku]
            available = self._uow.stock.available_totals([sku])[sku]
            stock = self._stocks[sku] = ProductStock(product, on_hand, available)
            self._loaded += 1
        return stock

    def _place(self, stock: ProductStock, warehouse: str) -> Place:
        place = Place(warehouse)
        if place not in stock.levels:
            stock.hold(self._uow.stock.lock([(stock.sku, warehouse)]).values())
            self._loaded += 1
        return place

    def _require_warehouse(self, code: str) -> None:
        if code not in self._warehouses:
            if self._uow.warehouses.get(code) is None:
                raise NotFound(f"warehouse {code!r} not found")
            self._warehouses.add(code)


def _warehouses_of(cmd: MovementCommand) -> tuple[str, ...]:
    if isinstance(cmd, TransferStock):
        return (cmd.from_warehouse, cmd.to_warehouse)
    return (cmd.warehouse,)
