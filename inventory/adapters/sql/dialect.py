"""What differs between SQLite and PostgreSQL, in one object per database.

The code written once for both (``paging``, ``queries``, ``rows``) takes a
:class:`Dialect`; each database's adapter makes its own in its ``rows`` module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inventory.adapters.sql.rows import RowCodec


@dataclass(frozen=True, slots=True)
class Dialect:
    mark: str
    """The parameter placeholder: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    row_lock: str
    """What a write unit's read appends to lock the rows it reads ("" where the
    unit holds the whole database's write lock already, as SQLite's does)."""
    unique_violation: Callable[[BaseException], bool]
    """Whether an error is the database refusing a duplicate key."""
    codec: RowCodec
    """Stored forms of times, money, flags, JSON and bytes, and the row mappings."""

    def marks(self, count: int) -> str:
        """``count`` placeholders, comma-separated, for a VALUES or IN list."""
        return ", ".join([self.mark] * count)

    def lock(self, writing: bool) -> str:
        """The row lock for a read in a write unit; nothing in a read unit."""
        return self.row_lock if writing else ""

    def is_unique_violation(self, error: BaseException) -> bool:
        return self.unique_violation(error)
