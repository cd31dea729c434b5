"""One product's stock: the aggregate every movement, reservation and shipment goes through.

Each operation enforces the rules, picks by the picking rule and returns what
it decided, for the application to save. See docs/adr/0016-product-stock-aggregate.md
and docs/adr/0020-stock-by-location-and-lot.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from inventory.domain.catalog import Product
from inventory.domain.errors import FieldError, InsufficientStock, ValidationFailed
from inventory.domain.locations import Location
from inventory.domain.lots import Lot, Tracking
from inventory.domain.movements import AdjustmentReason, Move, MoveLine, MovementType
from inventory.domain.picking import Allocation, Bucket, pick, pick_serials
from inventory.domain.serials import SerialState, SerialStatus, arrivals, free_units, names
from inventory.domain.stock import Place, Slot, SlotLevel, StockLevel
from inventory.domain.stock_change import LowStock, StockChange
from inventory.domain.valuation import money


@dataclass(slots=True)
class ProductStock:
    """A product's stock: ``on_hand`` and ``available`` are totals over every level of
    the product, loaded or not; ``levels`` are the (sku, warehouse) levels loaded
    (:meth:`hold`), ``slots`` every (location, lot) level of those warehouses
    (:meth:`hold_slots`), and an operation may touch only those.

    Invariants: on hand never negative, ``0 <= reserved <= on_hand`` at every level,
    each warehouse's level the sum of its slots, on hand moves only by the effects
    of the moves it returns, an archived product takes no movement or reservation,
    a lot-tracked product's stock always has a lot (and an untracked one's never),
    a serial-tracked product's held units at each slot number its on hand (``serials``
    holds every held unit of the loaded warehouses, and any other unit named),
    expired lots are never picked, and every receipt refolds the average cost
    (AVCO) over the units held before it.
    """

    product: Product
    on_hand: int
    available: int
    levels: dict[Place, StockLevel] = field(default_factory=dict)
    slots: dict[Slot, SlotLevel] = field(default_factory=dict)
    lots: dict[str, Lot] = field(default_factory=dict)
    pickable: dict[tuple[str, str], bool] = field(default_factory=dict)
    """Whether each (warehouse, location) holding a slot may be picked from."""
    serials: dict[str, SerialState] = field(default_factory=dict)
    """Serial-numbered units loaded, by serial (see :meth:`hold_serials`)."""

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def tracking(self) -> Tracking:
        return self.product.details.tracking

    def hold(self, levels: Iterable[StockLevel]) -> None:
        """Take loaded levels of this product in (a place already held keeps its level)."""
        for level in levels:
            self.levels.setdefault(level.place, level)

    def hold_slots(self, slots: Iterable[tuple[SlotLevel, bool]]) -> None:
        """Take loaded (location, lot) levels in, each with whether its location is pickable."""
        for level, pickable in slots:
            self.slots.setdefault(level.slot, level)
            self.pickable[(level.warehouse, level.location)] = pickable

    def hold_serials(self, states: Iterable[SerialState]) -> None:
        """Take loaded serial-numbered units in: every held unit of the warehouses
        loaded, and any other unit an operation names (a unit already held is kept)."""
        for state in states:
            self.serials.setdefault(state.serial, state)

    def hold_lots(self, lots: Iterable[Lot]) -> None:
        for lot in lots:
            self.lots.setdefault(lot.code, lot)

    def receive_lot(
        self,
        code: str,
        at: datetime,
        today: date,
        expires_on: date | None = None,
        manufactured_on: date | None = None,
    ) -> tuple[Lot, bool]:
        """The lot a receipt names, and whether this receipt makes it: a known lot must
        keep its expiry date (409); a new one takes the shelf life if it has none."""
        self._require_tracking(Tracking.LOT, "lot")
        known = self.lots.get(code)
        if known is not None:
            known.receive_again(expires_on)
            return known, False
        shelf_life = self.product.details.shelf_life_days
        lot = Lot.receive(code, at, today, expires_on, manufactured_on, shelf_life)
        self.lots[code] = lot
        return lot, True

    def receive(
        self,
        slot: Slot,
        quantity: int,
        unit_cost: Decimal,
        at: datetime,
        serials: Sequence[str] | None = None,
    ) -> StockChange:
        """Units arrive at ``slot`` at ``unit_cost`` each; the average cost is refolded.
        A serial-tracked product's units come with their serials, one each, none held."""
        self.product.ensure_active()
        self._check_lot_given(slot.lot)
        self.levels[Place(slot.warehouse)].check_receipt(quantity)
        self._slot(slot).check_receipt(quantity)
        arrived = self._arrive(slot, quantity, serials, at)
        self.product.revalue(self.on_hand, quantity, unit_cost, at)
        line = MoveLine(slot.location, slot.lot, quantity, serials=names(arrived))
        move = Move(
            MovementType.RECEIPT,
            slot.warehouse,
            quantity,
            unit_cost=money(unit_cost),
            lines=(line,),
        )
        return self._moved(move, revalued=True, serials=arrived)

    def take(
        self,
        warehouse: str,
        quantity: int,
        today: date,
        *,
        location: str | None = None,
        lot: str | None = None,
        serials: Sequence[str] | None = None,
        leave: str | None = None,
        subject: str | None = None,
    ) -> tuple[Allocation, ...]:
        """What ``quantity`` units from ``warehouse`` would be, by the picking rule
        (FEFO, pickable locations, never an expired lot; the oldest receipts first
        for serial-tracked units) or from the ``location``, ``lot`` or ``serials``
        named; ``leave`` is a location not to take from. Changes nothing."""
        if lot is not None and self.tracking is not Tracking.LOT:
            self._require_tracking(Tracking.LOT, "lot")
        if serials is not None:
            self._require_tracking(Tracking.SERIAL, "serials")
        subject = subject or f"{self.sku} in {warehouse}"
        if self.tracking is Tracking.SERIAL:
            units = free_units(self.serials.values(), warehouse, self.pickable, leave)
            return pick_serials(
                units, quantity, location=location, serials=serials, subject=subject
            )
        buckets = [
            Bucket(
                Location(
                    warehouse, level.location, pickable=self.pickable[(warehouse, level.location)]
                ),
                None if level.lot is None else self.lots[level.lot],
                level.available,
            )
            for level in self.slots.values()
            if level.warehouse == warehouse and level.location != leave and level.available > 0
        ]
        return pick(
            buckets,
            quantity,
            today,
            location=location,
            lot=lot,
            subject=subject,
        )

    def issue(
        self,
        warehouse: str,
        quantity: int,
        today: date,
        *,
        location: str | None = None,
        lot: str | None = None,
        serials: Sequence[str] | None = None,
    ) -> StockChange:
        """Unreserved units leave ``warehouse``, from where the picking rule says."""
        self.product.ensure_active()
        taken = self.take(warehouse, quantity, today, location=location, lot=lot, serials=serials)
        left = self._units(taken)
        for state in left:
            state.leave(SerialStatus.ISSUED)
        lines = tuple(MoveLine(a.location, a.lot, a.quantity, serials=a.serials) for a in taken)
        return self._moved(Move(MovementType.ISSUE, warehouse, quantity, lines=lines), serials=left)

    def transfer(
        self,
        source: str,
        destination: Slot,
        quantity: int,
        today: date,
        *,
        from_location: str | None = None,
        lot: str | None = None,
        serials: Sequence[str] | None = None,
    ) -> StockChange:
        """Unreserved units move from ``source`` (picked there) to ``destination``'s
        location, keeping their lots; inside one warehouse, between two locations."""
        self.product.ensure_active()
        same = source == destination.warehouse
        if same and from_location == destination.location:
            raise ValidationFailed(
                "to_location: must differ from from_location",
                (FieldError("to_location", "must differ from from_location"),),
            )
        taken = self.take(
            source,
            quantity,
            today,
            location=from_location,
            lot=lot,
            serials=serials,
            leave=destination.location if same else None,
        )
        self.levels[Place(destination.warehouse)].check_receipt(0 if same else quantity)
        for a in taken:
            self._slot(destination._replace(lot=a.lot)).check_receipt(a.quantity)
        moved = self._units(taken)
        for state in moved:
            state.move(destination.warehouse, destination.location)
        lines = tuple(
            MoveLine(a.location, a.lot, a.quantity, destination.location, a.serials) for a in taken
        )
        move = Move(
            MovementType.TRANSFER, source, quantity, to_warehouse=destination.warehouse, lines=lines
        )
        return self._moved(move, serials=moved)

    def adjust(
        self,
        slot: Slot,
        counted: int,
        reason: AdjustmentReason,
        *,
        serials: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> StockChange:
        """On hand at ``slot`` becomes the counted figure; the move carries the difference.
        An expired lot may be counted (reason ``expired`` writes it off). A serial-tracked
        product names the units found (all of them) or written off (else the oldest go)."""
        self.product.ensure_active()
        self._check_lot_given(slot.lot)
        if slot.lot is not None and slot.lot not in self.lots:
            raise ValidationFailed(
                f"lot {slot.lot!r} of {self.sku} was never received",
                (FieldError("lot", f"lot {slot.lot!r} was never received"),),
            )
        level = self._slot(slot)
        level.check_count(counted)
        difference = counted - level.on_hand
        self.levels[Place(slot.warehouse)].check_receipt(max(difference, 0))
        changed = self._count_serials(slot, difference, serials, at)
        line = MoveLine(slot.location, slot.lot, difference, serials=names(changed))
        move = Move(
            MovementType.ADJUSTMENT, slot.warehouse, difference, reason=reason, lines=(line,)
        )
        return self._moved(move, serials=changed)

    def allocate(
        self,
        warehouse: str,
        quantity: int,
        today: date,
        *,
        location: str | None = None,
        lot: str | None = None,
        serials: Sequence[str] | None = None,
        order: str | None = None,
    ) -> tuple[tuple[Allocation, ...], StockChange]:
        """Reserve ``quantity`` units in ``warehouse`` for ``order``, where the picking
        rule (or the line's location, lot or serials) says; what it took, and the change."""
        self.product.ensure_active()
        taken = self.take(warehouse, quantity, today, location=location, lot=lot, serials=serials)
        units = self._units(taken)
        for state in units:
            state.reserve(order)
        level = self.levels[Place(warehouse)]
        level.reserve(quantity)
        slots = []
        for a in taken:
            slot = self._slot(Slot(warehouse, a.location, a.lot))
            slot.reserve(a.quantity)
            slots.append(slot)
        return taken, self._reserved(level, -quantity, slots, units)

    def release(self, warehouse: str, allocations: Sequence[Allocation]) -> StockChange:
        """Give the reserved units of ``allocations`` back to available stock."""
        level, slots, quantity = self._reserved_by(warehouse, allocations)
        units = self._units(allocations)
        level.release(quantity)
        for slot, a in zip(slots, allocations, strict=True):
            slot.release(a.quantity)
        for state in units:
            state.release()
        return self._reserved(level, quantity, slots, units)

    def ship(self, warehouse: str, allocations: Sequence[Allocation]) -> StockChange:
        """Issue exactly the reserved units of ``allocations``: on hand and reserved
        fall together, so the total available stays as it was."""
        level, slots, quantity = self._reserved_by(warehouse, allocations)
        units = self._units(allocations)
        level.ship(quantity)
        for slot, a in zip(slots, allocations, strict=True):
            slot.ship(a.quantity)
        for state in units:
            state.leave(SerialStatus.SHIPPED)
        self.on_hand -= quantity
        lines = tuple(
            MoveLine(a.location, a.lot, a.quantity, serials=a.serials) for a in allocations
        )
        move = Move(MovementType.ISSUE, warehouse, quantity, lines=lines)
        return StockChange((level,), move, slots=tuple(slots), serials=tuple(units))

    def _reserved_by(
        self, warehouse: str, allocations: Sequence[Allocation]
    ) -> tuple[StockLevel, list[SlotLevel], int]:
        # Checked whole before anything changes: every slot holds what is taken from it.
        level = self.levels[Place(warehouse)]
        slots = [self._slot(Slot(warehouse, a.location, a.lot)) for a in allocations]
        wanted: dict[Slot, int] = {}
        for slot, a in zip(slots, allocations, strict=True):
            wanted[slot.slot] = wanted.get(slot.slot, 0) + a.quantity
        quantity = sum(wanted.values())
        for slot in {s.slot: s for s in slots}.values():
            if wanted[slot.slot] > slot.reserved:
                raise InsufficientStock(
                    f"{slot.where()}: {wanted[slot.slot]} to release, only {slot.reserved} reserved"
                )
        if quantity > level.reserved:
            raise InsufficientStock(
                f"{level.where()}: {quantity} to release, only {level.reserved} reserved"
            )
        return level, slots, quantity

    def _slot(self, slot: Slot) -> SlotLevel:
        level = self.slots.get(slot)
        if level is None:
            if Place(slot.warehouse) not in self.levels:
                raise KeyError(f"{self.sku} in {slot.warehouse} is not loaded")
            level = self.slots[slot] = SlotLevel(
                self.sku, slot.warehouse, location=slot.location, lot=slot.lot
            )
        return level

    def _check_lot_given(self, lot: str | None) -> None:
        if self.tracking is Tracking.LOT and lot is None:
            raise ValidationFailed(
                f"{self.sku} is tracked by lot: name the lot",
                (FieldError("lot", f"required: {self.sku} is tracked by lot"),),
            )
        if lot is not None:
            self._require_tracking(Tracking.LOT, "lot")

    def _require_tracking(self, tracking: Tracking, name: str) -> None:
        if self.tracking is not tracking:
            raise ValidationFailed(
                f"{self.sku} is not tracked by {tracking.value}",
                (FieldError(name, f"{self.sku} is not tracked by {tracking.value}"),),
            )

    def _arrive(
        self, slot: Slot, quantity: int, serials: Sequence[str] | None, at: datetime | None
    ) -> tuple[SerialState, ...]:
        # Units received or found: a serial-tracked product names each, none held now.
        if self.tracking is not Tracking.SERIAL:
            if serials is not None:
                self._require_tracking(Tracking.SERIAL, "serials")
            return ()
        assert at is not None, "a serial-tracked unit arrives at a time"
        arrived = arrivals(
            self.sku, slot.warehouse, slot.location, quantity, serials or (), self.serials, at
        )
        self.serials.update((state.serial, state) for state in arrived)
        return arrived

    def _count_serials(
        self, slot: Slot, difference: int, serials: Sequence[str] | None, at: datetime | None
    ) -> tuple[SerialState, ...]:
        # A count of a serial-tracked slot: units found arrive, units missing leave.
        if serials is not None and self.tracking is not Tracking.SERIAL:
            self._require_tracking(Tracking.SERIAL, "serials")
        if difference > 0 or self.tracking is not Tracking.SERIAL:
            return self._arrive(slot, difference, serials, at) if difference > 0 else ()
        if difference == 0:
            if serials:
                self._reject_serials(0)
            return ()
        units = free_units(self.serials.values(), slot.warehouse, self.pickable)
        where = self._slot(slot).where()
        taken = pick_serials(
            units, -difference, location=slot.location, serials=serials, subject=where
        )
        gone = self._units(taken)
        for state in gone:
            state.leave(SerialStatus.WRITTEN_OFF)
        return gone

    def _reject_serials(self, quantity: int) -> None:
        raise ValidationFailed(
            f"serials named for a change of {quantity} unit(s)",
            (FieldError("serials", "the count changes nothing: name no serials"),),
        )

    def _units(self, allocations: Iterable[Allocation]) -> tuple[SerialState, ...]:
        return tuple(self.serials[serial] for a in allocations for serial in a.serials)

    def _moved(
        self, move: Move, revalued: bool = False, serials: tuple[SerialState, ...] = ()
    ) -> StockChange:
        # The one place on hand changes for a movement: by the move's own effects,
        # the same rule the ledger is summed by. Reservations are untouched, so
        # available moves with on hand.
        levels = []
        net = 0
        for warehouse, change in move.effects():
            level = self.levels[Place(warehouse)]
            level.on_hand += change
            levels.append(level)
            net += change
        slots = []
        for warehouse, location, lot, change in move.slot_effects():
            slot = self._slot(Slot(warehouse, location, lot))
            slot.on_hand += change
            slots.append(slot)
        self.on_hand += net
        low = self._change_available(net)
        return StockChange(tuple(levels), move, revalued, low, tuple(slots), serials)

    def _reserved(
        self,
        level: StockLevel,
        change: int,
        slots: list[SlotLevel],
        units: tuple[SerialState, ...] = (),
    ) -> StockChange:
        low = self._change_available(change)
        return StockChange((level,), low_stock=low, slots=tuple(slots), serials=units)

    def _change_available(self, change: int) -> LowStock | None:
        before = self.available
        self.available = before + change
        return LowStock.crossing(self.product, before, self.available)
