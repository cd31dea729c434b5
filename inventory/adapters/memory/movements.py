"""The movement ledger in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from inventory.adapters.memory.stock import slot_order
from inventory.application.listing import MOVEMENT_SORTS
from inventory.application.ports import SlotKey, StockKey
from inventory.application.queries import MovementFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.movements import Movement


class MemoryMovementRepository:
    def __init__(
        self, committed: list[Movement], index: dict[str, Movement], new: dict[str, Movement]
    ) -> None:
        self._committed, self._index, self._new = committed, index, new

    def _all(self) -> list[Movement]:
        return self._committed + list(self._new.values()) if self._new else list(self._committed)

    def add(self, movement: Movement) -> None:
        self.add_all([movement])

    def add_all(self, movements: Sequence[Movement]) -> None:
        ids = {m.id for m in movements}
        if len(ids) != len(movements) or any(id in self._index or id in self._new for id in ids):
            raise Conflict("one of the movements is already in the ledger")
        self._new.update((m.id, m) for m in movements)

    def get(self, id: str) -> Movement | None:
        return self._index.get(id) or self._new.get(id)

    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]:
        return MOVEMENT_SORTS.select(self.stream(filter), page)

    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        f = filter
        for m in sorted(self._all(), key=lambda m: (m.created_at, m.id)):
            if (
                (f.sku is None or m.sku == f.sku)
                and (f.warehouse is None or f.warehouse in (m.warehouse, m.to_warehouse))
                and (f.type is None or m.type == f.type)
                and (f.reference is None or m.reference == f.reference)
                and (f.since is None or m.created_at >= f.since)
                and (f.until is None or m.created_at < f.until)
            ):
                yield m

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        totals: dict[StockKey, int] = defaultdict(int)
        for m in self._all():
            for warehouse, change in m.effects():
                totals[m.sku, warehouse] += change
        return iter(sorted(totals.items()))

    def slots_by_ledger(self) -> Iterator[tuple[SlotKey, int]]:
        totals: dict[SlotKey, int] = defaultdict(int)
        for m in self._all():
            for warehouse, location, lot, change in m.slot_effects():
                totals[m.sku, warehouse, location, lot] += change
        return iter(sorted(totals.items(), key=lambda item: slot_order(item[0])))

    def touching_lot(self, sku: str, lot: str) -> list[Movement]:
        return [
            m
            for m in sorted(self._all(), key=lambda m: (m.created_at, m.id))
            if m.sku == sku and any(line.lot == lot for line in m.lines)
        ]

    def touching_serial(self, sku: str, serial: str) -> list[Movement]:
        return [
            m
            for m in sorted(self._all(), key=lambda m: (m.created_at, m.id))
            if m.sku == sku and any(serial in line.serials for line in m.lines)
        ]
