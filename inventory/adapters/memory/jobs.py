"""Background jobs and runner heartbeats in memory, as the SQL repositories keep them."""

from __future__ import annotations

from datetime import datetime

from inventory.adapters.memory.table import Table, require
from inventory.application.listing import JOB_SORTS
from inventory.application.queries import JobFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.jobs import Job


class MemoryJobRepository:
    """The job queue; the store's lock makes a claim atomic, as SQLite's write lock does.

    ``beats`` holds each runner's latest heartbeat as (runner, at), by runner.
    """

    def __init__(self, table: Table[str, Job], beats: Table[str, tuple[str, datetime]]) -> None:
        self._table = table
        self._beats = beats

    def add(self, job: Job) -> None:
        if job.id in self._table:
            raise Conflict(f"job {job.id!r} already exists")
        self._table.put(job.id, job)

    def get(self, id: str) -> Job | None:
        return self._table.get(id)

    def save(self, job: Job) -> None:
        require(self._table, job.id, "job")
        self._table.put(job.id, job)

    def next_due(self, now: datetime) -> Job | None:
        due = [job for job in self._table.values() if job.due(now)]
        return min(due, key=lambda job: job.due_at, default=None)

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]:
        rows = (
            job
            for job in self._table.values()
            if (filter.kind is None or job.kind is filter.kind)
            and (filter.status is None or job.status is filter.status)
        )
        return JOB_SORTS.select(rows, page)

    def beat(self, runner: str, at: datetime) -> None:
        self._beats.put(runner, (runner, at))

    def forget_runner(self, runner: str) -> None:
        self._beats.delete(runner)

    def forget_silent_runners(self, before: datetime) -> int:
        silent = [runner for runner, at in self._beats.values() if at < before]
        for runner in silent:
            self._beats.delete(runner)
        return len(silent)

    def latest_beat(self) -> datetime | None:
        return max((at for _, at in self._beats.values()), default=None)
