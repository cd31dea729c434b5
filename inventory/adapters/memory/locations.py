"""Locations in memory: the same answers as the SQL repository gives."""

from __future__ import annotations

from collections.abc import Iterable

from inventory.adapters.memory.table import Table
from inventory.application.listing import LOCATION_SORTS
from inventory.application.queries import LocationFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.locations import Location

LocationKey = tuple[str, str]
"""(warehouse, code)."""


class MemoryLocationRepository:
    def __init__(self, table: Table[LocationKey, Location], defaults: Table[str, str]) -> None:
        self._table = table
        self._defaults = defaults

    def get(self, warehouse: str, code: str) -> Location | None:
        return self._table.get((warehouse, code))

    def get_ignoring_case(self, warehouse: str, code: str) -> Location | None:
        folded = code.lower()
        found = next(
            (key for key in self._table if key[0] == warehouse and key[1].lower() == folded), None
        )
        return None if found is None else self._table.get(found)

    def with_barcode(self, barcode: str) -> Location | None:
        return next((loc for loc in self._table.values() if loc.barcode == barcode), None)

    def with_barcodes(self, barcodes: Iterable[str]) -> list[Location]:
        wanted = set(barcodes)
        return [loc for loc in self._table.values() if loc.barcode in wanted]

    def default_location(self, warehouse: str) -> Location | None:
        code = self._defaults.get(warehouse)
        return None if code is None else self._table.get((warehouse, code))

    def default_of(self, warehouse: str) -> str | None:
        return self._defaults.get(warehouse)

    def parents(self, warehouse: str) -> dict[str, str | None]:
        return {loc.code: loc.parent for loc in self._table.values() if loc.warehouse == warehouse}

    def add(self, location: Location, *, default: bool = False) -> None:
        taken = self.get_ignoring_case(location.warehouse, location.code)
        if taken is not None:
            raise Conflict(
                f"location {taken.code!r} already exists in warehouse {location.warehouse!r}"
            )
        if location.barcode is not None and self.with_barcode(location.barcode) is not None:
            raise Conflict(f"barcode {location.barcode!r} already names another location")
        self._table.put((location.warehouse, location.code), location)
        if default:
            self._defaults.put(location.warehouse, location.code)

    def save(self, location: Location) -> None:
        self._table.put((location.warehouse, location.code), location)

    def fetch_page(self, warehouse: str, filter: LocationFilter, page: PageSpec) -> list[Location]:
        q = None if filter.q is None else filter.q.lower()

        def matches(loc: Location) -> bool:
            return (
                loc.warehouse == warehouse
                and (filter.parent is None or loc.parent == filter.parent)
                and (filter.kind is None or loc.kind.value == filter.kind)
                and (filter.pickable is None or loc.pickable == filter.pickable)
                and (q is None or loc.code.lower().startswith(q))
            )

        return LOCATION_SORTS.select((loc for loc in self._table.values() if matches(loc)), page)
