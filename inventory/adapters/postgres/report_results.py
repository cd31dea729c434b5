"""Stored reports in PostgreSQL (migration 0004_report_results.sql).

Bookkeeping that no cached read holds: no trigger records a cache change for
them (migration 0005_cache_changes.sql).
"""

from __future__ import annotations

from datetime import datetime

from psycopg import errors as pg

from inventory.adapters.postgres.rows import Transaction
from inventory.application.report_records import ReportResult
from inventory.domain.errors import Conflict, NotFound

_COLUMNS = "id, job_id, content_type, filename, created_at, size, chunks"


class PostgresReportResultRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, result: ReportResult) -> None:
        r = result
        try:
            self._tx.execute(
                f"INSERT INTO report_results ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (r.id, r.job_id, r.content_type, r.filename, r.created_at, r.size, r.chunks),
            )
        except pg.UniqueViolation as exc:
            raise Conflict(f"report {r.id!r} already exists") from exc

    def add_chunk(self, result_id: str, seq: int, data: bytes) -> None:
        if self.get(result_id) is None:
            raise NotFound(f"report {result_id!r} does not exist")
        try:
            self._tx.execute(
                "INSERT INTO report_chunks (result_id, seq, data) VALUES (%s, %s, %s)",
                (result_id, seq, data),
            )
        except pg.UniqueViolation as exc:
            raise Conflict(f"report {result_id!r} already has chunk {seq}") from exc

    def complete(self, result_id: str, size: int, chunks: int) -> None:
        cursor = self._tx.execute(
            "UPDATE report_results SET size = %s, chunks = %s WHERE id = %s",
            (size, chunks, result_id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"report {result_id!r} does not exist")

    def get(self, result_id: str) -> ReportResult | None:
        row = self._tx.execute(
            f"SELECT {_COLUMNS} FROM report_results WHERE id = %s", (result_id,)
        ).fetchone()
        if row is None:
            return None
        id, job_id, content_type, filename, created_at, size, chunks = row
        return ReportResult(
            str(id), str(job_id), str(content_type), str(filename), created_at,
            None if size is None else int(size), int(chunks),
        )  # fmt: skip

    def chunk(self, result_id: str, seq: int) -> bytes | None:
        row = self._tx.execute(
            "SELECT data FROM report_chunks WHERE result_id = %s AND seq = %s", (result_id, seq)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def delete(self, result_id: str) -> None:
        self._tx.execute("DELETE FROM report_chunks WHERE result_id = %s", (result_id,))
        self._tx.execute("DELETE FROM report_results WHERE id = %s", (result_id,))

    def delete_created_before(self, before: datetime) -> int:
        self._tx.execute(
            "DELETE FROM report_chunks WHERE result_id IN"
            " (SELECT id FROM report_results WHERE created_at < %s)",
            (before,),
        )
        cursor = self._tx.execute("DELETE FROM report_results WHERE created_at < %s", (before,))
        return cursor.rowcount
