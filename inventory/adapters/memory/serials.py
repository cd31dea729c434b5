"""Serial-numbered units in memory: the same answers as the SQL repository gives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from inventory.adapters.memory.table import Table
from inventory.application.errors import RECEIVED_MEANWHILE, Contention
from inventory.application.ports import SlotKey, StockKey
from inventory.domain.serials import SerialState


class MemorySerialRepository:
    def __init__(self, table: Table[tuple[str, str], SerialState]) -> None:
        self._table = table
        self._read: set[tuple[str, str]] = set()

    def held(self, keys: Iterable[StockKey]) -> list[SerialState]:
        wanted = set(keys)
        found = [s for s in self._table.values() if s.held and (s.sku, s.warehouse) in wanted]
        self._read.update((s.sku, s.serial) for s in found)
        return sorted(found, key=lambda s: (s.sku, s.serial))

    def get_many(self, sku: str, serials: Iterable[str]) -> dict[str, SerialState]:
        found = {}
        for serial in set(serials):
            state = self._table.get((sku, serial))
            if state is not None:
                found[serial] = state
        self._read.update((sku, serial) for serial in found)
        return found

    def held_with_serial(self, serial: str) -> list[SerialState]:
        found = [s for s in self._table.values() if s.serial == serial and s.held]
        return sorted(found, key=lambda s: s.sku)

    def save_all(self, states: Sequence[SerialState]) -> None:
        for state in states:
            key = (state.sku, state.serial)
            if key not in self._read and self._table.get(key) is not None:
                raise Contention(RECEIVED_MEANWHILE)
        for state in states:
            self._table.put((state.sku, state.serial), state)
            self._read.add((state.sku, state.serial))

    def held_by_slot(self) -> Iterator[tuple[SlotKey, int]]:
        counts: Counter[SlotKey] = Counter(
            (s.sku, s.warehouse, s.location, None) for s in self._table.values() if s.held
        )
        return iter(sorted(counts.items(), key=lambda item: item[0][:3]))

    def stream(self) -> Iterator[SerialState]:
        return iter(sorted(self._table.values(), key=lambda s: (s.sku, s.serial)))
