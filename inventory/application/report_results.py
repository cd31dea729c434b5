"""Finished reports, kept with the data in chunks, so that every instance can serve them.

See docs/adr/0007-reports-kept-in-the-database.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from inventory.application.ports import Clock, UnitOfWorkFactory
from inventory.application.report_records import ReportResult
from inventory.domain.errors import DomainError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

CHUNK_BYTES = 256 * 1024
"""The size of each stored piece of a report (the last one may be shorter)."""

REPORTS_KEPT = timedelta(days=7)
"""How long a report is kept for download after it was made; the job runners remove it then."""

SWEEP_SECONDS = 3600.0
"""How often each job runner removes the reports older than :data:`REPORTS_KEPT`."""


class ReportTooLarge(Exception):
    """A report grew past the size a deployment keeps (``INVENTORY_REPORT_MAX_BYTES``)."""


class ResultWriter(io.RawIOBase):
    """A binary stream into a stored report: every ``chunk_bytes`` written become one chunk.

    Each chunk is written in a unit of work of its own; :meth:`finish` writes
    the rest and marks the report complete. Past ``max_bytes``, a write raises
    :class:`ReportTooLarge` and stores nothing more.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        result: ReportResult,
        max_bytes: int,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        super().__init__()
        self._uow = uow
        self._result = result
        self._max_bytes = max_bytes
        self._chunk_bytes = chunk_bytes
        self._pending = bytearray()
        self._size = 0
        self._chunks = 0
        self._discarded = False

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data)
        if self._discarded:  # what a closing wrapper still flushes: nowhere to go
            return view.nbytes
        if self._size + view.nbytes > self._max_bytes:
            raise ReportTooLarge(
                f"the report is larger than {self._max_bytes:,} bytes"
                " (INVENTORY_REPORT_MAX_BYTES): ask for less of it (one warehouse, a shorter"
                " time window) or raise the limit"
            )
        self._pending += view
        self._size += view.nbytes
        while len(self._pending) >= self._chunk_bytes:
            self._store(bytes(self._pending[: self._chunk_bytes]))
            del self._pending[: self._chunk_bytes]
        return view.nbytes

    def finish(self) -> ReportResult:
        """Store what is left and mark the report complete; returns it as stored."""
        if self._pending:
            self._store(bytes(self._pending))
            self._pending.clear()
        with self._uow() as uow:
            uow.report_results.complete(self._result.id, self._size, self._chunks)
            uow.commit()
        return replace(self._result, size=self._size, chunks=self._chunks)

    def discard(self) -> None:
        """Store nothing more (the report failed): later writes are accepted and dropped."""
        self._discarded = True
        self._pending.clear()

    def _store(self, data: bytes) -> None:
        with self._uow() as uow:
            uow.report_results.add_chunk(self._result.id, self._chunks, data)
            uow.commit()
        self._chunks += 1


def start_result(result: ReportResult, uow: UnitOfWorkFactory) -> None:
    """Record a report about to be written (incomplete until its writer finishes)."""
    with uow() as unit:
        unit.report_results.add(result)
        unit.commit()


def forget_result(result_id: str, uow: UnitOfWorkFactory) -> bool:
    """Remove a report and its chunks, e.g. one whose writing failed; False if it could not.

    Storage busy or gone: the retention sweep removes it later.
    """
    try:
        with uow() as unit:
            unit.report_results.delete(result_id)
            unit.commit()
    except DomainError:
        return False
    return True


def stored_report(result_id: str, uow: UnitOfWorkFactory) -> ReportResult | None:
    """The complete report ``result_id``, or None (never finished, or no longer kept)."""
    with uow().reading() as unit:
        result = unit.report_results.get(result_id)
    return result if result is not None and result.complete else None


def report_chunks(result: ReportResult, uow: UnitOfWorkFactory) -> Iterator[bytes]:
    """The bytes of a complete report, chunk by chunk, each read in a short unit of its own.

    No connection is held between two chunks, however slowly they are sent.
    A report removed meanwhile ends early: a client sees fewer bytes than the
    size it was told, and knows the download failed.
    """
    for seq in range(result.chunks):
        with uow().reading() as unit:
            data = unit.report_results.chunk(result.id, seq)
        if data is None:
            return
        yield data


def forget_old_reports(uow: UnitOfWorkFactory, clock: Clock, kept: timedelta = REPORTS_KEPT) -> int:
    """Remove the reports made over ``kept`` ago (finished or not); returns how many."""
    with uow() as unit:
        removed = unit.report_results.delete_created_before(clock() - kept)
        unit.commit()
    return removed
