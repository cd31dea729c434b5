"""Read-through caching keyed by the versions of the scopes a read depends on.

A write to a scope changes its version, so no entry outlives a later write to
what it holds. See docs/adr/0017-cache-coherence-by-scoped-versions.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Self, TypeVar

from inventory.application.ports import Cache, ReadAhead, UnitOfWork
from inventory.application.scopes import Scopes
from inventory.application.wrapping import WrappedRepositories

T = TypeVar("T")


class ReadThrough:
    """Cached reads for one request; make a new one for each, never share one.

    The version of a scope set read by its first lookup is reused by later
    lookups of the same set; the versions of every set announced with
    :meth:`expect` are read with it, in one statement (so a request that
    finds its key and its answer cached reads versions once). They were read
    during this request, after every write acknowledged before it began, so
    an entry kept under them is never older than any of those writes. A miss
    reads the version again, in the snapshot it computes in, and keeps its
    entry only if the unit says it may.

    With no cache (``INVENTORY_CACHE=off``) every read is computed.
    ``counted`` hears of each lookup: True for a hit, False for a miss.
    """

    def __init__(
        self, cache: Cache | None, ttl: float, counted: Callable[[bool], None] | None = None
    ) -> None:
        self.cache = cache if ttl > 0 else None
        self.ttl = ttl
        self.versions: dict[Scopes, int] = {}
        self._expected: list[Scopes] = []
        self._counted = counted or _uncounted

    def expect(self, scopes: Scopes) -> None:
        """Announce a read of ``scopes`` to come: its version is read with the next one's."""
        if scopes not in self._expected:
            self._expected.append(scopes)

    def read(
        self,
        uow: UnitOfWork,
        key: str,
        scopes: Scopes,
        compute: Callable[[UnitOfWork], T],
        encode: Callable[[T], bytes | None],
        decode: Callable[[bytes], T],
    ) -> T:
        """The value under ``key``: from the cache, or computed and then cached.

        ``scopes`` are what the value depends on (see
        :mod:`inventory.application.scopes`): a write to any of them must be
        seen by the next read. ``compute`` reads through the unit of work it is
        given, inside the snapshot the version was read in; it may call use
        cases, whose ``reading()`` joins that snapshot. ``encode`` gives the
        bytes to keep, or None for a value not worth keeping; ``decode``
        reverses it.
        """
        cache = self.cache
        if cache is None:
            with uow.reading():
                return compute(InSnapshot(uow))
        version = self.versions.get(scopes)
        if version is not None:
            found = cache.get(entry_key(key, scopes, version))
            if found is not None:
                self._counted(True)
                return decode(found)
        with uow.reading():
            if version is None:
                wanted = [scopes, *(s for s in self._expected if s not in self.versions)]
                wanted = list(dict.fromkeys(wanted))
                self.versions.update(zip(wanted, uow.versions(wanted), strict=True))
                version = self.versions[scopes]
                found = cache.get(entry_key(key, scopes, version))
                if found is not None:
                    self._counted(True)
                    return decode(found)
            seen, keep = uow.snapshot_version(scopes)
            if seen != version:
                self.versions[scopes] = seen
                found = cache.get(entry_key(key, scopes, seen))
                if found is not None:
                    self._counted(True)
                    return decode(found)
            self._counted(False)
            value = compute(InSnapshot(uow))
        kept = encode(value) if keep else None
        if kept is not None:
            cache.set(entry_key(key, scopes, seen), kept, self.ttl)
        return value


def _uncounted(hit: bool) -> None:
    pass


def entry_key(key: str, scopes: Scopes, version: int) -> str:
    """Where an entry read at ``version`` of ``scopes`` is kept."""
    return f"{key}@{','.join(scopes)}={version}"


class InSnapshot(WrappedRepositories):
    """A unit of work inside an open snapshot, for code that opens one itself.

    ``reading()`` joins the open snapshot instead of beginning another, so a
    use case called on a cache miss reads the very data the version was read
    with. Writing is refused: a cached read never writes.
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

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        return self._uow.versions(wanted)

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        return self._uow.snapshot_version(scopes)

    def write_in_bulk(self) -> None:
        raise RuntimeError("a cached read cannot write")

    def prune_versions(self) -> int:
        raise RuntimeError("a cached read cannot write")

    def read_ahead(self, plan: ReadAhead) -> None:
        raise RuntimeError("a cached read cannot write")
