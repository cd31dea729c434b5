"""Use cases of the job queue: queue, claim, renew, finish, release and read jobs.

Every step is its own short unit of work; runners record heartbeats.
See docs/adr/0006-job-runner-in-the-database.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from inventory.application.listing import JOB_SORTS, JobList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, UnitOfWork
from inventory.domain.errors import NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus

JobHandler = Callable[[Job], str | None]
"""Runs one job; returns what it produced (e.g. a report file's name), or raises."""

JobHandlers = Mapping[JobKind, JobHandler]

BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(minutes=10)


def backoff(attempt: int, jitter: float) -> timedelta:
    """The pause before retry number ``attempt`` (1 = the first retry).

    Exponential (2 s, 4 s, 8 s ... up to 10 min), then "equal jitter": a
    random point in the upper half, so that jobs failing together (an SMTP
    server down) do not all come back at the same instant. ``jitter`` is
    uniform in [0, 1).
    """
    ceiling: timedelta = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(attempt - 1, 0), 20))
    return ceiling * (0.5 + 0.5 * jitter)


def queue_job(
    uow: UnitOfWork,
    kind: JobKind,
    params: Mapping[str, Any],
    clock: Clock,
    new_id: IdGenerator,
    max_attempts: int,
    run_at: datetime | None = None,
) -> Job:
    """Add a job to the queue in ``uow``'s transaction (the caller commits).

    ``run_at`` delays it: no runner takes it before then.
    """
    job = Job.queue(new_id(), kind, dict(params), clock(), max_attempts, run_at)
    uow.jobs.add(job)
    return job


ABANDONED = "its runner stopped renewing the lease (the process died or was killed)"


def claim_next(uow: UnitOfWork, clock: Clock, runner: str, lease: timedelta) -> Job | None:
    """Start the job that is due first, leased to ``runner``; None when nothing is due.

    A job abandoned on its last attempt (its runner died: perhaps the job
    itself killed it) is marked failed instead of being started yet again.
    """
    with uow:
        now = clock()
        while (job := uow.jobs.next_due(now)) is not None:
            if job.status is JobStatus.RUNNING and job.attempts >= job.max_attempts:
                job.fail(now, ABANDONED, now)
                uow.jobs.save(job)
                continue
            if job.status is JobStatus.RUNNING:
                job.error = f"attempt {job.attempts}: {ABANDONED}"
            job.start(runner, now, lease)
            uow.jobs.save(job)
            break
        uow.commit()
    return job


def renew_lease(job: Job, uow: UnitOfWork, clock: Clock, lease: timedelta) -> bool:
    """Extend the lease of a job still held by its runner; False if it was lost meanwhile."""
    with uow:
        stored = uow.jobs.get(job.id)
        if stored is None or job.runner is None or not stored.held_by(job.runner, job.attempts):
            return False
        stored.lease_until = clock() + lease
        uow.jobs.save(stored)
        uow.commit()
    return True


def record_success(job: Job, result: str | None, uow: UnitOfWork, clock: Clock) -> bool:
    """Mark the job succeeded, if its runner still holds it."""
    with uow:
        stored = _held(uow, job)
        if stored is None:
            return False
        stored.succeed(clock(), result)
        uow.jobs.save(stored)
        uow.commit()
    return True


def record_failure(job: Job, error: str, jitter: float, uow: UnitOfWork, clock: Clock) -> bool:
    """Queue the job again after a backoff, or mark it failed once its attempts are spent."""
    with uow:
        stored = _held(uow, job)
        if stored is None:
            return False
        now = clock()
        stored.fail(now, error, now + backoff(stored.attempts, jitter))
        uow.jobs.save(stored)
        uow.commit()
    return True


def release_job(job: Job, uow: UnitOfWork, clock: Clock) -> bool:
    """Give a job its runner still holds back to the queue, due at once; False if not held.

    For a runner that is stopping: the attempt is not counted (it neither
    failed nor ran out), so another runner takes the job straight away rather
    than after its lease ends, and with every attempt still before it.
    """
    with uow:
        stored = _held(uow, job)
        if stored is None:
            return False
        stored.status = JobStatus.QUEUED
        stored.attempts -= 1
        stored.run_at = clock()
        stored.lease_until = None
        uow.jobs.save(stored)
        uow.commit()
    return True


HEARTBEAT_KEPT = timedelta(days=1)
"""How long the heartbeat of a runner that died (and so never removed it) is kept."""


def record_heartbeat(runner: str, uow: UnitOfWork, clock: Clock) -> None:
    """Record that ``runner`` is alive now; forget the runners silent for over a day.

    Also prunes the cache versions no read needs any more: each runner beats
    every few seconds, so they never pile up (ADR 0017).
    """
    with uow:
        now = clock()
        uow.jobs.beat(runner, now)
        uow.jobs.forget_silent_runners(now - HEARTBEAT_KEPT)
        uow.prune_versions()
        uow.commit()


def forget_heartbeat(runner: str, uow: UnitOfWork) -> None:
    """Remove ``runner``'s heartbeat: it has stopped, and no longer runs jobs."""
    with uow:
        uow.jobs.forget_runner(runner)
        uow.commit()


def runner_heartbeat(
    uow: UnitOfWork, clock: Clock, max_age: timedelta = timedelta(seconds=30)
) -> str:
    """``"ok"`` when some job runner has reported within ``max_age``; otherwise why not."""
    with uow.reading():
        latest = uow.jobs.latest_beat()
    if latest is None:
        return "no job runner has reported"
    age = clock() - latest
    if age > max_age:
        return f"last heartbeat {int(age.total_seconds())} s ago"
    return "ok"


def get_job(id: str, uow: UnitOfWork) -> Job:
    """One job by id."""
    with uow.reading():
        job = uow.jobs.get(id)
    if job is None:
        raise NotFound(f"job {id!r} not found")
    return job


def list_jobs(params: JobList, uow: UnitOfWork) -> Page[Job]:
    """A page of jobs, oldest first unless sorted otherwise."""
    spec = JOB_SORTS.spec(params)
    with uow.reading():
        rows = uow.jobs.fetch_page(params.filter(), spec)
    return JOB_SORTS.page(rows, spec)


def _held(uow: UnitOfWork, job: Job) -> Job | None:
    stored = uow.jobs.get(job.id)
    if stored is None or job.runner is None or not stored.held_by(job.runner, job.attempts):
        return None  # the lease ran out and another runner took over: its outcome counts
    return stored
