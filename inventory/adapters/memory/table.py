"""A committed dict seen through one unit of work's staged writes, as the repositories use it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Generic, TypeVar

from inventory.domain.errors import NotFound

K = TypeVar("K")
V = TypeVar("V")


class Table(Generic[K, V]):
    """A committed dict seen through the staged writes of one unit of work.

    A staged deletion is a tombstone in ``deleted``: the committed value stays
    until ``apply()``, so a rolled-back delete leaves it where it was.
    """

    def __init__(self, committed: dict[K, V]) -> None:
        self.committed = committed
        self.staged: dict[K, V] = {}
        self.deleted: set[K] = set()

    def get(self, key: K) -> V | None:
        if key in self.deleted:
            return None
        value = self.staged.get(key, self.committed.get(key))
        return None if value is None else copy.copy(value)

    def put(self, key: K, value: V) -> None:
        self.deleted.discard(key)
        self.staged[key] = copy.copy(value)

    def delete(self, key: K) -> None:
        """Stage the removal of ``key``; a key that is not there is no error."""
        self.staged.pop(key, None)
        self.deleted.add(key)

    def __iter__(self) -> Iterator[K]:
        """The keys held in this unit of work, without copying a value."""
        for key in self.committed.keys() | self.staged.keys():
            if key not in self.deleted:
                yield key

    def __contains__(self, key: K) -> bool:
        if key in self.deleted:
            return False
        return key in self.staged or key in self.committed

    def values(self) -> Iterator[V]:
        """Every value, staged ones winning and deleted ones left out, as copies."""
        merged = self.committed | self.staged if self.staged else self.committed
        if self.deleted:
            merged = {key: value for key, value in merged.items() if key not in self.deleted}
        return (copy.copy(value) for value in list(merged.values()))

    @property
    def changed(self) -> bool:
        """Whether anything is staged, to be written on ``apply()``."""
        return bool(self.staged or self.deleted)

    def apply(self) -> None:
        for key in self.deleted:
            self.committed.pop(key, None)
        self.committed.update(self.staged)
        self.staged.clear()
        self.deleted.clear()

    def discard(self) -> None:
        self.staged.clear()
        self.deleted.clear()


def require(table: Table[str, V], key: str, what: str) -> None:
    """Refuse with NotFound unless ``table`` holds ``key`` (``what``: the thing named)."""
    if key not in table:
        raise NotFound(f"{what} {key!r} not found")
