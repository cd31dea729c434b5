"""Loading products' stock, asking it to change, and saving what it decided.

A :class:`Posting` loads each product's stock once, a few queries per batch,
and writes levels, costs, movements and low-stock alerts at
:meth:`Posting.flush`, for one movement or a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from inventory.application.alerts import DEFAULT_ALERTS, AlertPolicy, queue_low_stock_alerts
from inventory.application.commands import (
    MAX_QUANTITY,
    AdjustStock,
    IssueStock,
    MovementCommand,
    ReceiveStock,
    TransferStock,
)
from inventory.application.ports import (
    Clock,
    IdGenerator,
    ReadAhead,
    SlotKey,
    StockKey,
    UnitOfWork,
)
from inventory.domain.catalog import Product
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.lots import Lot, Tracking
from inventory.domain.movements import Movement
from inventory.domain.packs import Entered
from inventory.domain.product_stock import ProductStock
from inventory.domain.serials import SerialState
from inventory.domain.stock import Place, Slot, SlotLevel, StockLevel
from inventory.domain.stock_change import LowStock, StockChange


def local_today(at: datetime) -> date:
    """The date expiry is judged by (API.md §12): ``at``'s date in its own zone. The
    service's clock reads in INVENTORY_TIMEZONE (UTC unless set), so a time from the
    clock gives that zone's calendar date."""
    return at.date()


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
        self._touched_slots: dict[SlotKey, SlotLevel] = {}
        self._touched_serials: dict[tuple[str, str], SerialState] = {}
        self._new_lots: list[tuple[str, Lot]] = []
        self._posted: list[Movement] = []
        self._defaults: dict[str, str] = {}
        self._sites: dict[tuple[str, str], bool] = {}

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
        if cmd.sku not in self._stocks:
            # What it reads, in the order it reads it: the stock, then the warehouses.
            warehouses = tuple(dict.fromkeys(_warehouses_of(cmd)))
            keys = tuple((cmd.sku, code) for code in warehouses)
            defaults = tuple(code for code in warehouses if code not in self._warehouses)
            self._uow.read_ahead(ReadAhead(stock=keys, default_locations=defaults))
            self._load(keys)
        stock = self._stock(cmd.sku)
        # Checked here too so an archived product is refused before an unknown warehouse.
        stock.product.ensure_active()
        for code in _warehouses_of(cmd):
            self._require_warehouse(code)
        at = self._clock()
        today = local_today(at)
        units = stock.product.units
        if isinstance(cmd, AdjustStock):
            counted, entered = units.convert(
                cmd.counted_quantity,
                cmd.unit,
                field="counted_quantity",
                minimum=0,
                maximum=MAX_QUANTITY,
            )
        else:
            quantity, entered = units.convert(cmd.quantity, cmd.unit, maximum=MAX_QUANTITY)
        match cmd:
            case ReceiveStock():
                self._place(stock, cmd.warehouse)
                location = self._location(stock, cmd.warehouse, cmd.location, "location")
                lot = None
                if cmd.lot is not None:
                    self._hold_lots(stock, [cmd.lot.code])
                    made, new = stock.receive_lot(
                        cmd.lot.code, at, today, cmd.lot.expires_on, cmd.lot.manufactured_on
                    )
                    if new:
                        self._new_lots.append((stock.sku, made))
                    lot = made.code
                slot = Slot(cmd.warehouse, location, lot)
                self.hold_named_serials(stock, cmd.serials)
                change = stock.receive(slot, quantity, cmd.unit_cost, at, cmd.serials)
                reference = cmd.reference
            case IssueStock():
                self._place(stock, cmd.warehouse)
                self.check_location(cmd.warehouse, cmd.location, "location")
                change = stock.issue(
                    cmd.warehouse,
                    quantity,
                    today,
                    location=cmd.location,
                    lot=cmd.lot,
                    serials=cmd.serials,
                )
                reference = cmd.reference
            case TransferStock():
                self._place(stock, cmd.from_warehouse)
                self._place(stock, cmd.to_warehouse)
                self.check_location(cmd.from_warehouse, cmd.from_location, "from_location")
                to = self._location(stock, cmd.to_warehouse, cmd.to_location, "to_location")
                change = stock.transfer(
                    cmd.from_warehouse,
                    Slot(cmd.to_warehouse, to),
                    quantity,
                    today,
                    from_location=cmd.from_location,
                    lot=cmd.lot,
                    serials=cmd.serials,
                )
                reference = cmd.reference
            case AdjustStock():
                self._place(stock, cmd.warehouse)
                location = self._location(stock, cmd.warehouse, cmd.location, "location")
                if cmd.lot is not None:
                    self._hold_lots(stock, [cmd.lot])
                slot = Slot(cmd.warehouse, location, cmd.lot)
                self.hold_named_serials(stock, cmd.serials)
                change = stock.adjust(slot, counted, cmd.reason, serials=cmd.serials, at=at)
                reference = None
        movement = self.keep(stock, change, at, reference, cmd.note, entered)
        assert movement is not None  # every movement command moves stock
        return movement

    def keep(
        self,
        stock: ProductStock,
        change: StockChange,
        at: datetime,
        reference: str | None = None,
        note: str | None = None,
        entered: Entered | None = None,
    ) -> Movement | None:
        """Hold what ``stock`` decided until the next flush; the movement it recorded, if any."""
        for level in change.levels:
            self._touched[level.key] = level
        for slot in change.slots:
            self._touched_slots[(slot.sku, *slot.slot)] = slot
        for unit in change.serials:
            self._touched_serials[(unit.sku, unit.serial)] = unit
        if change.revalued:
            self._revalued[stock.sku] = stock.product
        if change.low_stock is not None:
            self._low.append(change.low_stock)
        if change.move is None:
            return None
        movement = change.move.recorded(
            self._new_id(), stock.sku, at, self._actor, reference, note, entered
        )
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
        self._uow.stock.save_slots(list(self._touched_slots.values()))
        self._uow.lots.add_all(self._new_lots)
        self._uow.products.save_costs(list(self._revalued.values()))
        self._uow.movements.add_all(self._posted)
        self._uow.serials.save_all(list(self._touched_serials.values()))
        queue_low_stock_alerts(self._uow, self._low, self._clock, self._new_id, self._alerts)
        self._low = []
        self._new_lots = []
        self._touched_slots.clear()
        self._touched_serials.clear()
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
        self._hold_slots(levels)
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
            levels = self._uow.stock.lock([(stock.sku, warehouse)])
            stock.hold(levels.values())
            self._hold_slots(levels)
            self._loaded += 1
        return place

    def _hold_slots(self, levels: Mapping[StockKey, StockLevel]) -> None:
        # Every (location, lot) level under the levels just locked, with their lots.
        if not levels:
            return
        for held in self._uow.stock.slots(levels.keys()):
            stock = self._stocks[held.level.sku]
            stock.hold_slots([(held.level, held.pickable)])
            if held.lot is not None:
                stock.hold_lots([held.lot])
            self._loaded += 1
        # A serial-tracked product's held units, under the same lock as its slots.
        tracked = [key for key in levels if self._stocks[key[0]].tracking is Tracking.SERIAL]
        if tracked:
            for unit in self._uow.serials.held(tracked):
                self._stocks[unit.sku].hold_serials([unit])
                self._loaded += 1

    def hold_named_serials(self, stock: ProductStock, serials: Iterable[str] | None) -> None:
        """Load the units a request names that ``stock`` does not hold yet (a unit held
        in a warehouse not loaded, or one received before and gone)."""
        if serials is None or stock.tracking is not Tracking.SERIAL:
            return
        missing = [serial for serial in serials if serial not in stock.serials]
        if missing:
            stock.hold_serials(self._uow.serials.get_many(stock.sku, missing).values())

    def _hold_lots(self, stock: ProductStock, codes: Iterable[str]) -> None:
        missing = [code for code in codes if code not in stock.lots]
        if missing:
            stock.hold_lots(self._uow.lots.get_many(stock.sku, missing).values())

    def _location(self, stock: ProductStock, warehouse: str, code: str | None, field: str) -> str:
        """The location named, checked, or the warehouse's default one; the stock
        learns whether it is pickable (units may be put where none were held)."""
        if code is None:
            code = self._defaults.get(warehouse)
            if code is None:  # only a warehouse made before locations existed
                raise NotFound(f"warehouse {warehouse!r} has no default location")
        stock.pickable.setdefault((warehouse, code), self._site(warehouse, code, field))
        return code

    def check_location(self, warehouse: str, code: str | None, field: str) -> None:
        """Refuse a location a request names that is not in ``warehouse`` (404) or is
        archived (409); None names none."""
        if code is not None:
            self._site(warehouse, code, field)

    def _site(self, warehouse: str, code: str, field: str) -> bool:
        # A location a request names must exist in that warehouse and take stock;
        # whether it is pickable.
        pickable = self._sites.get((warehouse, code))
        if pickable is None:
            location = self._uow.locations.get(warehouse, code)
            if location is None:
                raise NotFound(f"{field}: location {code!r} not found in warehouse {warehouse!r}")
            if location.archived:
                raise Conflict(f"{field}: location {code!r} in {warehouse!r} is archived")
            pickable = self._sites[(warehouse, code)] = location.pickable
        return pickable

    def _require_warehouse(self, code: str) -> None:
        # One read: a warehouse's default location proves the warehouse exists too.
        if code not in self._warehouses:
            default = self._uow.locations.default_location(code)
            if default is not None:
                self._defaults[code] = default.code
                self._sites[(code, default.code)] = default.pickable  # never archived
            elif self._uow.warehouses.get(code) is None:
                raise NotFound(f"warehouse {code!r} not found")
            self._warehouses.add(code)


def _warehouses_of(cmd: MovementCommand) -> tuple[str, ...]:
    if isinstance(cmd, TransferStock):
        return (cmd.from_warehouse, cmd.to_warehouse)
    return (cmd.warehouse,)
