"""Stored reports in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from inventory.adapters.memory.table import Table
from inventory.application.report_records import ReportResult
from inventory.domain.errors import Conflict, NotFound

Chunk = tuple[str, int, bytes]
"""(result id, seq, data)."""


class MemoryReportResultRepository:
    """Reports by id, and their chunks by (result id, seq)."""

    def __init__(
        self, results: Table[str, ReportResult], chunks: Table[tuple[str, int], Chunk]
    ) -> None:
        self._results = results
        self._chunks = chunks

    def add(self, result: ReportResult) -> None:
        if result.id in self._results:
            raise Conflict(f"report {result.id!r} already exists")
        self._results.put(result.id, result)

    def add_chunk(self, result_id: str, seq: int, data: bytes) -> None:
        if result_id not in self._results:
            raise NotFound(f"report {result_id!r} does not exist")
        if (result_id, seq) in self._chunks:
            raise Conflict(f"report {result_id!r} already has chunk {seq}")
        self._chunks.put((result_id, seq), (result_id, seq, bytes(data)))

    def complete(self, result_id: str, size: int, chunks: int) -> None:
        result = self._results.get(result_id)
        if result is None:
            raise NotFound(f"report {result_id!r} does not exist")
        self._results.put(result_id, dataclasses.replace(result, size=size, chunks=chunks))

    def get(self, result_id: str) -> ReportResult | None:
        return self._results.get(result_id)

    def chunk(self, result_id: str, seq: int) -> bytes | None:
        found = self._chunks.get((result_id, seq))
        return None if found is None else found[2]

    def delete(self, result_id: str) -> None:
        self._results.delete(result_id)
        for owner, seq, _ in self._chunks.values():
            if owner == result_id:
                self._chunks.delete((owner, seq))

    def delete_created_before(self, before: datetime) -> int:
        old = [result.id for result in self._results.values() if result.created_at < before]
        for result_id in old:
            self.delete(result_id)
        return len(old)
