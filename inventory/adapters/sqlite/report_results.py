"""Stored reports in SQLite (migration 0008_report_results.sql)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from inventory.adapters.sqlite.rows import DIALECT, parse_time, time_text
from inventory.application.report_records import ReportResult
from inventory.domain.errors import Conflict, NotFound

_COLUMNS = "id, job_id, content_type, filename, created_at, size, chunks"


class SqliteReportResultRepository:
    """Reports and their chunks: no cached read holds them, so no trigger counts them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, result: ReportResult) -> None:
        r = result
        self._write(
            f"INSERT INTO report_results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (r.id, r.job_id, r.content_type, r.filename, time_text(r.created_at), r.size,
             r.chunks),
            f"report {r.id!r} already exists",
        )  # fmt: skip

    def add_chunk(self, result_id: str, seq: int, data: bytes) -> None:
        if self.get(result_id) is None:
            raise NotFound(f"report {result_id!r} does not exist")
        self._write(
            "INSERT INTO report_chunks (result_id, seq, data) VALUES (?, ?, ?)",
            (result_id, seq, data),
            f"report {result_id!r} already has chunk {seq}",
        )

    def complete(self, result_id: str, size: int, chunks: int) -> None:
        changed = self._write(
            "UPDATE report_results SET size = ?, chunks = ? WHERE id = ?", (size, chunks, result_id)
        )
        if changed == 0:
            raise NotFound(f"report {result_id!r} does not exist")

    def get(self, result_id: str) -> ReportResult | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM report_results WHERE id = ?", (result_id,)
        ).fetchone()
        if row is None:
            return None
        id, job_id, content_type, filename, created_at, size, chunks = row
        return ReportResult(
            id, job_id, content_type, filename, parse_time(created_at), size, chunks
        )

    def chunk(self, result_id: str, seq: int) -> bytes | None:
        row = self._conn.execute(
            "SELECT data FROM report_chunks WHERE result_id = ? AND seq = ?", (result_id, seq)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def delete(self, result_id: str) -> None:
        self._write("DELETE FROM report_chunks WHERE result_id = ?", (result_id,))
        self._write("DELETE FROM report_results WHERE id = ?", (result_id,))

    def delete_created_before(self, before: datetime) -> int:
        at = (time_text(before),)
        self._write(
            "DELETE FROM report_chunks WHERE result_id IN"
            " (SELECT id FROM report_results WHERE created_at < ?)",
            at,
        )
        return self._write("DELETE FROM report_results WHERE created_at < ?", at)

    def _write(self, sql: str, params: tuple[Any, ...], conflict: str = "") -> int:
        """Run a write; the number of rows it changed."""
        try:
            cursor = self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            if conflict and DIALECT.is_unique_violation(exc):
                raise Conflict(conflict) from exc
            raise
        return cursor.rowcount
