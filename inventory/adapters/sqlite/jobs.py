"""The job queue and the runners' heartbeats in SQLite."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.queries import update_job
from inventory.adapters.sql.schema import BY_CREATION, JOB_COLUMNS
from inventory.adapters.sqlite.rows import CODEC, DIALECT, parse_time_or_none, time_text
from inventory.application.queries import JobFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.jobs import Job

_UPDATE = update_job(DIALECT)


class SqliteJobRepository:
    """Jobs, and runner heartbeats (migration 0006_runner_heartbeats.sql).

    No cached read holds them, so no trigger raises a cache version for them.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, job: Job) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({DIALECT.marks(14)})", CODEC.job_row(job)
            )
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict(f"job {job.id!r} already exists") from exc
            raise

    def get(self, id: str) -> Job | None:
        row = self._conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (id,)).fetchone()
        return None if row is None else CODEC.job_from_row(row)

    def save(self, job: Job) -> None:
        cursor = self._conn.execute(_UPDATE, CODEC.job_update(job))
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
        found = [CODEC.job_from_row(row) for row in (queued, abandoned) if row is not None]
        return min(found, key=lambda job: job.due_at, default=None)

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]:
        where = Where(DIALECT)
        where.equal("kind", filter.kind and filter.kind.value)
        where.equal("status", filter.status and filter.status.value)
        ks = keyset(page, BY_CREATION, DIALECT)
        where.after(ks)
        rows = self._conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs{where.clause} {ks.order_by} LIMIT ?",
            [*where.params, ks.limit],
        ).fetchall()
        return [CODEC.job_from_row(row) for row in rows]

    def beat(self, runner: str, at: datetime) -> None:
        self._bookkeeping(
            "INSERT INTO runner_heartbeats (runner, beat_at) VALUES (?, ?)"
            " ON CONFLICT (runner) DO UPDATE SET beat_at = excluded.beat_at",
            (runner, time_text(at)),
        )

    def forget_runner(self, runner: str) -> None:
        self._bookkeeping("DELETE FROM runner_heartbeats WHERE runner = ?", (runner,))

    def forget_silent_runners(self, before: datetime) -> int:
        return self._bookkeeping(
            "DELETE FROM runner_heartbeats WHERE beat_at < ?", (time_text(before),)
        )

    def latest_beat(self) -> datetime | None:
        (latest,) = self._conn.execute("SELECT max(beat_at) FROM runner_heartbeats").fetchone()
        return parse_time_or_none(latest)

    def _bookkeeping(self, sql: str, params: tuple[str, ...]) -> int:
        """Run a heartbeat write; the number of rows it changed."""
        return self._conn.execute(sql, params).rowcount
