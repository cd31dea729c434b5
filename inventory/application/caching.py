"""Read-through caching keyed by the data generation: no entry outlives a later write.

See docs/adr/0003-cache-coherence-by-generation.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self, TypeVar

from inventory.application.ports import Cache, UnitOfWork
from inventory.application.wrapping import WrappedRepositories

T = TypeVar("T")


class ReadThrough:
    """Cached reads for one request; make a new one for each, never share one.

    The generation read by its first lookup is reused by its later lookups
    (so a request reads it once, however many cached reads it makes): it was
    read during this request, after every write acknowledged before the
    request began, so an entry made at that generation is never older than
    any of them. A miss reads the generation again, in its own snapshot.

    With no cache (``INVENTORY_CACHE=off``) every read is computed.
    ``counted`` hears of each lookup: True for a hit, False for a miss.
    """

    def __init__(
        self, cache: Cache | None, ttl: float, counted: Callable[[bool], None] | None = None
    ) -> None:
        self.cache = cache if ttl > 0 else None
        self.ttl = ttl
        self.generation: int | None = None
        self._counted = counted or _uncounted

    def read(
        self,
        uow: UnitOfWork,
        key: str,
        compute: Callable[[UnitOfWork], T],
        encode: Callable[[T], bytes | None],
        decode: Callable[[bytes], T],
    ) -> T:
        """The value under ``key``: from the cache, or computed and then cached.

        ``compute`` reads through the unit of work it is given, inside the
        snapshot the generation was read in; it may call use cases, whose
        ``reading()`` joins that snapshot. ``encode`` gives the bytes to keep,
        or None for a value not worth keeping; ``decode`` reverses it.
        """
        cache = self.cache
        if cache is None:
            with uow.reading():
                return compute(InSnapshot(uow))
        if self.generation is not None:
            found = cache.get(entry_key(key, self.generation))
            if found is not None:
                self._counted(True)
                return decode(found)
        with uow.reading():
            generation = uow.generation()
            if generation != self.generation:
                self.generation = generation
                found = cache.get(entry_key(key, generation))
                if found is not None:
                    self._counted(True)
                    return decode(found)
            self._counted(False)
            value = compute(InSnapshot(uow))
        kept = encode(value)
        if kept is not None:
            cache.set(entry_key(key, generation), kept, self.ttl)
        return value


def _uncounted(hit: bool) -> None:
    pass


def entry_key(key: str, generation: int) -> str:
    """Where an entry read at ``generation`` is kept."""
    return f"{key}@{generation}"


class InSnapshot(WrappedRepositories):
    """A unit of work inside an open snapshot, for code that opens one itself.

    ``reading()`` joins the open snapshot instead of beginning another, so a
    use case called on a cache miss reads the very data the generation was
    read with. Writing is refused: a cached read never writes.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.expose(uow)

    def __enter__(self) -> Self:
        raise RuntimeError("a cached read cannot begin a write")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    @contextmanager
    def reading(self) -> Iterator[Self]:
        yield self

    def commit(self) -> None:
        raise RuntimeError("a cached read cannot commit")

    def rollback(self) -> None:
        return None

    def generation(self) -> int:
        return self._uow.generation()
