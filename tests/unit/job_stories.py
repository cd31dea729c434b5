"""Helpers of the job tests: queue, claim and read jobs on the memory store."""

from __future__ import annotations

from datetime import timedelta

from inventory.application.jobs import claim_next, get_job, list_jobs, queue_job
from inventory.application.listing import JobList
from inventory.domain.jobs import Job, JobKind
from tests.unit.stories import Shop, given_stock

LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


def add_job(
    shop: Shop,
    kind: JobKind = JobKind.REPORT,
    max_attempts: int = 3,
    params: dict[str, object] | None = None,
) -> Job:
    with shop.uow() as uow:
        job = queue_job(
            uow, kind, params or {"kind": "valuation"}, shop.clock, shop.ids, max_attempts
        )
        uow.commit()
    return job


def try_claim(shop: Shop, runner: str = "runner-a", lease: timedelta = LEASE) -> Job | None:
    return claim_next(shop.uow(), shop.clock, runner, lease)


def claim_due(shop: Shop, runner: str = "runner-a") -> Job:
    job = try_claim(shop, runner)
    assert job is not None, "no job was due"
    return job


def job_now(shop: Shop, job: Job) -> Job:
    return get_job(job.id, shop.uow())


def every_job(shop: Shop) -> list[Job]:
    return list_jobs(JobList(limit=500), shop.uow()).items


CEILINGS = {1: 2, 2: 4, 3: 8, 4: 16, 5: 32, 6: 64, 7: 128, 8: 256, 9: 512}
"""The longest pause, in seconds, before each retry: 2 s doubling, up to 10 minutes
(from the 10th retry on)."""


def ceiling(attempt: int) -> timedelta:
    return timedelta(seconds=CEILINGS.get(attempt, 600))


def stock_main(shop: Shop) -> Shop:
    """WH-MAIN holds 10 of A and 6 of B."""
    given_stock(shop, "A", "WH-MAIN", 10)
    given_stock(shop, "B", "WH-MAIN", 6)
    return shop
