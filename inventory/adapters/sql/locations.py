"""Locations in SQL, written once for SQLite and PostgreSQL (migrations 0010 and 0006).

Each dialect's unit of work hands this repository a way to run a statement and
whether it writes; the stored forms of times and flags come from the dialect's codec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.paging import Where, keyset
from inventory.application.queries import LocationFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.locations import Location, LocationKind

LOCATION_COLUMNS = "warehouse, code, name, parent, kind, pickable, barcode, archived, created_at"
LOCATION_SORTS = {"code": ("code",)}

_CHUNK = 500
"""Barcodes per statement: under SQLite's limit on parameters."""

Execute = Callable[[str, Sequence[Any]], Any]
"""Run one statement with its parameters; returns the driver's cursor."""


class SqlLocationRepository:
    def __init__(self, execute: Execute, dialect: Dialect, writing: bool) -> None:
        self._execute = execute
        self._dialect = dialect
        self._writing = writing

    def get(self, warehouse: str, code: str) -> Location | None:
        return self._one("warehouse = {m} AND code = {m}", (warehouse, code))

    def get_ignoring_case(self, warehouse: str, code: str) -> Location | None:
        return self._one("warehouse = {m} AND lower(code) = {m}", (warehouse, code.lower()))

    def with_barcode(self, barcode: str) -> Location | None:
        return self._one("barcode = {m}", (barcode,))

    def with_barcodes(self, barcodes: Iterable[str]) -> list[Location]:
        wanted = sorted(set(barcodes))
        found: list[Location] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._execute(
                f"SELECT {LOCATION_COLUMNS} FROM locations"
                f" WHERE barcode IN ({self._dialect.marks(len(chunk))})",
                chunk,
            ).fetchall()
            found.extend(self._location(row) for row in rows)
        return found

    def default_location(self, warehouse: str) -> Location | None:
        row = self._execute(*self.default_location_statement(warehouse)).fetchone()
        return None if row is None else self._location(row)

    def default_location_statement(self, warehouse: str) -> tuple[str, Any]:
        """What ``default_location`` sends (to read it ahead)."""
        flag = self._dialect.codec.flag_out(True)
        return self._one_statement("warehouse = {m} AND is_default = {m}", (warehouse, flag))

    def default_of(self, warehouse: str) -> str | None:
        mark = self._dialect.mark
        row = self._execute(
            f"SELECT code FROM locations WHERE warehouse = {mark} AND is_default = {mark}",
            (warehouse, self._dialect.codec.flag_out(True)),
        ).fetchone()
        return None if row is None else str(row[0])

    def parents(self, warehouse: str) -> dict[str, str | None]:
        if self._writing:
            # Writers that reshape one warehouse's tree take turns on its row, so
            # two moves that would close a cycle between them cannot both pass.
            self._execute(
                f"SELECT 1 FROM warehouses WHERE code = {self._dialect.mark}"
                f"{self._dialect.lock(True)}",
                (warehouse,),
            )
        rows = self._execute(
            f"SELECT code, parent FROM locations WHERE warehouse = {self._dialect.mark}",
            (warehouse,),
        ).fetchall()
        return {str(code): parent for code, parent in rows}

    def add(self, location: Location, *, default: bool = False) -> None:
        flag = self._dialect.codec.flag_out
        # ON CONFLICT DO NOTHING: a code taken (ignoring case) or a barcode taken
        # inserts nothing, so that the refusal can name what holds it (after an
        # error a PostgreSQL transaction could read nothing).
        cursor = self._execute(
            f"INSERT INTO locations ({LOCATION_COLUMNS}, is_default)"
            f" VALUES ({self._dialect.marks(10)}) ON CONFLICT DO NOTHING",
            (*self._row(location), flag(default)),
        )
        if cursor.rowcount == 0:
            taken = self.get_ignoring_case(location.warehouse, location.code)
            if taken is not None:
                raise Conflict(
                    f"location {taken.code!r} already exists in warehouse {location.warehouse!r}"
                )
            raise Conflict(f"barcode {location.barcode!r} already names another location")

    def save(self, location: Location) -> None:
        mark = self._dialect.mark
        flag = self._dialect.codec.flag_out
        self._execute(
            f"UPDATE locations SET name = {mark}, parent = {mark}, kind = {mark},"
            f" pickable = {mark}, barcode = {mark}, archived = {mark}"
            f" WHERE warehouse = {mark} AND code = {mark}",
            (
                location.name,
                location.parent,
                location.kind.value,
                flag(location.pickable),
                location.barcode,
                flag(location.archived),
                location.warehouse,
                location.code,
            ),
        )

    def fetch_page(self, warehouse: str, filter: LocationFilter, page: PageSpec) -> list[Location]:
        mark = self._dialect.mark
        where = Where(self._dialect)
        where.equal("warehouse", warehouse)
        where.equal("parent", filter.parent)
        where.equal("kind", filter.kind)
        if filter.pickable is not None:
            where.add(f"pickable = {mark}", self._dialect.codec.flag_out(filter.pickable))
        if filter.q is not None:
            # Codes are ASCII letters, digits and ``._-``: a prefix of the lower-case
            # code, compared without LIKE's wildcards.
            # The length is an int, written into the statement: no driver guesses its type.
            where.add(f"substr(lower(code), 1, {len(filter.q):d}) = {mark}", filter.q.lower())
        ks = keyset(page, LOCATION_SORTS, self._dialect)
        where.after(ks)
        rows = self._execute(
            f"SELECT {LOCATION_COLUMNS} FROM locations{where.clause} {ks.order_by} LIMIT {mark}",
            (*where.params, ks.limit),
        ).fetchall()
        return [self._location(row) for row in rows]

    def _one(self, condition: str, params: tuple[Any, ...]) -> Location | None:
        row = self._execute(*self._one_statement(condition, params)).fetchone()
        return None if row is None else self._location(row)

    def _one_statement(self, condition: str, params: tuple[Any, ...]) -> tuple[str, Any]:
        where = condition.format(m=self._dialect.mark)
        return f"SELECT {LOCATION_COLUMNS} FROM locations WHERE {where}", params

    def _row(self, location: Location) -> tuple[Any, ...]:
        codec = self._dialect.codec
        assert location.created_at is not None, "a stored location has its creation time"
        return (
            location.warehouse,
            location.code,
            location.name,
            location.parent,
            location.kind.value,
            codec.flag_out(location.pickable),
            location.barcode,
            codec.flag_out(location.archived),
            codec.time_out(location.created_at),
        )

    def _location(self, row: Sequence[Any]) -> Location:
        warehouse, code, name, parent, kind, pickable, barcode, archived, created_at = row
        return Location(
            warehouse=warehouse,
            code=code,
            kind=LocationKind(kind),
            pickable=bool(pickable),
            name=name,
            parent=parent,
            barcode=barcode,
            archived=bool(archived),
            created_at=self._dialect.codec.time_in(created_at),
        )
