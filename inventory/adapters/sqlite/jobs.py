"""The job queue in SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.schema import BY_CREATION, JOB_COLUMNS
from inventory.adapters.sqlite.rows import (
    Row,
    is_unique_violation,
    parse_time,
    parse_time_or_none,
    placeholders,
    time_or_none,
    time_text,
)
from inventory.application.queries import JobFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus


def _job_row(job: Job) -> Row:
    return (
        job.id,
        job.kind.value,
        json.dumps(job.params, separators=(",", ":")),
        job.status.value,
        job.attempts,
        job.max_attempts,
        time_text(job.created_at),
        time_text(job.run_at),
        time_or_none(job.started_at),
        time_or_none(job.finished_at),
        job.error,
        job.result,
        job.runner,
        time_or_none(job.lease_until),
    )


def _job_from_row(row: Row) -> Job:
    return Job(
        id=row[0],
        kind=JobKind(row[1]),
        params=json.loads(row[2]),
        status=JobStatus(row[3]),
        attempts=row[4],
        max_attempts=row[5],
        created_at=parse_time(row[6]),
        run_at=parse_time(row[7]),
        started_at=parse_time_or_none(row[8]),
        finished_at=parse_time_or_none(row[9]),
        error=row[10],
        result=row[11],
        runner=row[12],
        lease_until=parse_time_or_none(row[13]),
    )


class SqliteJobRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, job: Job) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({placeholders(14)})", _job_row(job)
            )
        except sqlite3.IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(f"job {job.id!r} already exists") from exc
            raise

    def get(self, id: str) -> Job | None:
        row = self._conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (id,)).fetchone()
        return None if row is None else _job_from_row(row)

    def save(self, job: Job) -> None:
        row = _job_row(job)
        cursor = self._conn.execute(
            "UPDATE jobs SET status = ?, attempts = ?, run_at = ?, started_at = ?,"
            " finished_at = ?, error = ?, result = ?, runner = ?, lease_until = ? WHERE id = ?",
            (row[3], row[4], row[7], row[8], row[9], row[10], row[11], row[12], row[13], job.id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"job {job.id!r} does not exist")

    def next_due(self, now: datetime) -> Job | None:
        # One index probe per partial index; the job due earlier wins.
        at = time_text(now)
        queued = self._conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'queued' AND run_at <= ?"
            " ORDER BY run_at, id LIMIT 1",
            (at,),
        ).fetchone()
        abandoned = self._conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'running' AND lease_until <= ?"
            " ORDER BY lease_until, id LIMIT 1",
            (at,),
        ).fetchone()
        found = [_job_from_row(row) for row in (queued, abandoned) if row is not None]
        return min(found, key=lambda job: job.due_at, default=None)

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]:
        where = Where()
        where.equal("kind", filter.kind and filter.kind.value)
        where.equal("status", filter.status and filter.status.value)
        ks = keyset(page, BY_CREATION)
        where.after(ks)
        rows = self._conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs{where.clause} {ks.order_by} LIMIT ?",
            [*where.params, ks.limit],
        ).fetchall()
        return [_job_from_row(row) for row in rows]
