"""Background jobs: durable units of work run outside the request that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobKind(StrEnum):
    REPORT = "report"
    LOW_STOCK_ALERT = "low_stock_alert"
    EXPIRY_ALERT = "expiry_alert"


MAX_ERROR = 2000


@dataclass(slots=True)
class Job:
    """A queued piece of work; ``params`` is JSON-able; ``result`` names its output, if any.

    A running job is leased to one runner until ``lease_until``: a runner that
    dies stops renewing the lease, and another runner may then take the job
    over. ``attempts`` counts the starts.
    """

    id: str
    kind: JobKind
    params: dict[str, Any]
    created_at: datetime
    run_at: datetime
    max_attempts: int
    status: JobStatus = JobStatus.QUEUED
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    result: str | None = None
    runner: str | None = None
    lease_until: datetime | None = None

    @classmethod
    def queue(
        cls,
        id: str,
        kind: JobKind,
        params: dict[str, Any],
        at: datetime,
        max_attempts: int,
        run_at: datetime | None = None,
    ) -> Job:
        return cls(id, kind, dict(params), at, run_at or at, max_attempts)

    def due(self, now: datetime) -> bool:
        """Whether a runner may take it now: queued and due, or running on an expired lease."""
        if self.status is JobStatus.QUEUED:
            return self.run_at <= now
        return (
            self.status is JobStatus.RUNNING
            and self.lease_until is not None
            and self.lease_until <= now
        )

    @property
    def due_at(self) -> tuple[datetime, str]:
        """When it became due (run_at, or the end of a running job's lease), then its id."""
        if self.status is JobStatus.RUNNING and self.lease_until is not None:
            return (self.lease_until, self.id)
        return (self.run_at, self.id)

    def start(self, runner: str, now: datetime, lease: timedelta) -> None:
        self.status = JobStatus.RUNNING
        self.attempts += 1
        self.started_at = now
        self.runner = runner
        self.lease_until = now + lease

    def held_by(self, runner: str, attempt: int) -> bool:
        """Whether ``runner`` still holds the job for the start numbered ``attempt``."""
        return (
            self.status is JobStatus.RUNNING and self.runner == runner and self.attempts == attempt
        )

    def succeed(self, now: datetime, result: str | None) -> None:
        self.status = JobStatus.SUCCEEDED
        self.finished_at = now
        self.result = result
        self.error = None
        self.lease_until = None

    def fail(self, now: datetime, error: str, retry_at: datetime) -> None:
        """Queue it again at ``retry_at``, or mark it failed once every attempt is spent."""
        self.error = error[:MAX_ERROR]
        self.lease_until = None
        if self.attempts < self.max_attempts:
            self.status = JobStatus.QUEUED
            self.run_at = retry_at
        else:
            self.status = JobStatus.FAILED
            self.finished_at = now
