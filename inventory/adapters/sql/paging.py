"""Keyset pagination: the WHERE and ORDER BY fragments for one page of a sorted list.

Column names come only from each repository's fixed table of sort keys, never
from the request; the cursor's values are always bound as parameters, with
the dialect's placeholder (``?`` for sqlite3, ``%s`` for psycopg).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inventory.application.queries import PageSpec

if TYPE_CHECKING:
    from inventory.adapters.sql.dialect import Dialect

SortKeys = Mapping[str, tuple[str, ...]]
"""Sort field name -> the columns of its key, the last one unique."""


@dataclass(frozen=True, slots=True)
class Keyset:
    after: str | None
    """``(a, b) > (?, ?)`` (``<`` when descending), or None on the first page."""
    params: tuple[str, ...]
    order_by: str
    limit: int


def keyset(page: PageSpec, sort_keys: SortKeys, dialect: Dialect, prefix: str = "") -> Keyset:
    """The fragments that select ``page.limit + 1`` rows strictly after ``page.after``.

    ``prefix`` qualifies the columns (``"o."``) when the query joins tables.
    """
    key = sort_keys.get(page.sort)
    if key is None:
        raise ValueError(f"cannot sort by {page.sort!r}; expected one of {sorted(sort_keys)}")
    columns = [prefix + column for column in key]
    direction = " DESC" if page.descending else ""
    order_by = "ORDER BY " + ", ".join(column + direction for column in columns)
    limit = page.limit + 1
    if page.after is None:
        return Keyset(None, (), order_by, limit)
    if len(page.after) != len(columns):
        raise ValueError(
            f"a position in a list sorted by {page.sort!r} has {len(columns)} value(s),"
            f" got {len(page.after)}"
        )
    op = "<" if page.descending else ">"
    mark = dialect.mark
    if len(columns) == 1:
        after = f"{columns[0]} {op} {mark}"
    else:
        after = f"({', '.join(columns)}) {op} ({', '.join([mark] * len(columns))})"
    return Keyset(after, tuple(page.after), order_by, limit)


@dataclass
class Where:
    """AND-ed conditions and their parameters, built up from optional filters."""

    dialect: Dialect
    """Whose placeholder the conditions built here use."""
    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, condition: str, *params: object) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def equal(self, column: str, value: object | None) -> None:
        """``column = value``, unless the filter is absent (None)."""
        if value is not None:
            self.add(f"{column} = {self.dialect.mark}", value)

    def after(self, ks: Keyset) -> None:
        """Only rows after the page's keyset position, if it has one."""
        if ks.after is not None:
            self.add(ks.after, *ks.params)

    @property
    def clause(self) -> str:
        """`` WHERE a AND b``, or nothing when there is no condition."""
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""
