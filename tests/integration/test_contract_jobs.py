"""The JobRepository contract, and ``OrderRepository.expiring`` (what the expiry sweep reads).

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.application.jobs import release_job
from inventory.application.listing import JOB_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import JobFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.orders import OrderStatus
from tests.factories import T0, OrderFactory
from tests.integration.contract import SECOND, given, page_through, products, reading, warehouses

LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)
NESTED = {
    "kind": "movements",
    "format": "json",
    "params": {"warehouse": "WH-ÉST", "since": "2026-11-01T00:00:00.000001Z", "until": None},
    "tags": ["a", 1, 2.5, True, None, {"deep": [[]]}],
    "empty": {},
}


def _job(id: str, run_at: timedelta = timedelta(0), **fields: object) -> Job:
    job = Job.queue(id, JobKind.REPORT, {"kind": "valuation"}, T0, 3, T0 + run_at)
    return replace(job, **fields)  # type: ignore[arg-type]


def _running(
    id: str, lease_until: timedelta, run_at: timedelta = timedelta(0), **fields: object
) -> Job:
    return _job(
        id,
        run_at,
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=T0 + run_at,
        runner="host:1/job-runner-0",
        lease_until=T0 + lease_until,
        **fields,
    )


def _given_jobs(storage: Storage, *jobs: Job) -> None:
    with storage.unit_of_work() as uow:
        for job in jobs:
            uow.jobs.add(job)
        uow.commit()


def _get(storage: Storage, id: str) -> Job | None:
    with reading(storage) as uow:
        return uow.jobs.get(id)


def _next_due(storage: Storage, now: timedelta) -> str | None:
    with storage.unit_of_work() as uow:
        job = uow.jobs.next_due(T0 + now)
    return None if job is None else job.id


# --- round trips ----------------------------------------------------------------------


ROUND_TRIPS = {
    "queued": Job.queue("job-q", JobKind.LOW_STOCK_ALERT, {"sku": "A"}, T0, 5),
    "delayed": Job.queue(
        "job-d", JobKind.REPORT, NESTED, T0, 1, run_at=T0 + timedelta(days=2, microseconds=7)
    ),
    "running": Job(
        id="job-r",
        kind=JobKind.REPORT,
        params=NESTED,
        created_at=T0,
        run_at=T0 + timedelta(seconds=3, microseconds=1),
        max_attempts=5,
        status=JobStatus.RUNNING,
        attempts=2,
        started_at=T0 + timedelta(seconds=4, microseconds=999_999),
        error="TimeoutError: the first attempt timed out",
        runner="host-a:4242/job-runner-1",
        lease_until=T0 + timedelta(minutes=2, seconds=4, microseconds=999_999),
    ),
    "succeeded": Job(
        id="job-s",
        kind=JobKind.REPORT,
        params={"kind": "valuation", "format": "csv", "params": {}},
        created_at=T0,
        run_at=T0,
        max_attempts=3,
        status=JobStatus.SUCCEEDED,
        attempts=1,
        started_at=T0 + timedelta(microseconds=10),
        finished_at=T0 + timedelta(seconds=1, microseconds=20),
        result="job-s.csv",
        runner="host-a:4242/job-runner-0",
    ),
    "failed": Job(
        id="job-f",
        kind=JobKind.LOW_STOCK_ALERT,
        params={"sku": "A", "note": "line one\nline two, \"quoted\" 'single' \u2603"},
        created_at=T0,
        run_at=T0 + timedelta(seconds=6),
        max_attempts=3,
        status=JobStatus.FAILED,
        attempts=3,
        started_at=T0 + timedelta(seconds=6),
        finished_at=T0 + timedelta(seconds=7, microseconds=1),
        error="x" * 2000,
        runner="host-b:7/job-runner-3",
    ),
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_a_job_comes_back_with_every_field(storage: Storage, name: str) -> None:
    job = ROUND_TRIPS[name]
    _given_jobs(storage, job)

    stored = _get(storage, job.id)

    assert stored == job
    assert stored is not None
    assert type(stored.kind) is JobKind
    assert type(stored.status) is JobStatus


def test_an_unknown_job_is_none(storage: Storage) -> None:
    assert _get(storage, "nope") is None


def test_a_job_that_was_not_committed_is_not_stored(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.jobs.add(_job("job-1"))

    assert _get(storage, "job-1") is None


def test_a_job_is_visible_in_its_own_unit_of_work_before_commit(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.jobs.add(_job("job-1"))
        assert uow.jobs.get("job-1") == _job("job-1")
        assert uow.jobs.next_due(T0) == _job("job-1")


def test_adding_a_job_with_an_id_already_used_is_a_conflict(storage: Storage) -> None:
    _given_jobs(storage, _job("job-1"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="job-1"):
        uow.jobs.add(_job("job-1", run_at=timedelta(hours=1)))

    assert _get(storage, "job-1") == _job("job-1")


def test_saving_a_job_stores_its_new_state(storage: Storage) -> None:
    _given_jobs(storage, _job("job-1"))
    started = _get(storage, "job-1")
    assert started is not None
    started.start("host:1/job-runner-0", T0 + timedelta(seconds=1, microseconds=3), LEASE)

    with storage.unit_of_work() as uow:
        uow.jobs.save(started)
        uow.commit()

    assert _get(storage, "job-1") == started
    started.fail(T0 + 2 * SECOND, "boom", T0 + timedelta(seconds=9, microseconds=5))
    with storage.unit_of_work() as uow:
        uow.jobs.save(started)
        uow.commit()
    assert _get(storage, "job-1") == started


def test_saving_a_job_that_does_not_exist_is_not_found(storage: Storage) -> None:
    with storage.unit_of_work() as uow, pytest.raises(NotFound, match="job-1"):
        uow.jobs.save(_job("job-1"))


# --- next_due -------------------------------------------------------------------------


def test_with_no_job_nothing_is_due(storage: Storage) -> None:
    assert _next_due(storage, timedelta(days=1)) is None


def test_the_queued_job_due_first_by_run_at_is_next(storage: Storage) -> None:
    # Created and named in the opposite order of their run_at: only run_at counts.
    _given_jobs(
        storage,
        _job("job-1", run_at=timedelta(seconds=30)),
        _job("job-2", run_at=timedelta(seconds=20)),
        _job("job-3", run_at=timedelta(seconds=10)),
    )

    assert _next_due(storage, timedelta(minutes=1)) == "job-3"


def test_jobs_due_at_the_same_moment_come_by_id(storage: Storage) -> None:
    _given_jobs(storage, _job("job-b"), _job("job-c"), _job("job-a"))

    assert _next_due(storage, timedelta(0)) == "job-a"


def test_a_job_whose_run_at_is_still_ahead_is_not_due(storage: Storage) -> None:
    _given_jobs(storage, _job("job-1", run_at=timedelta(seconds=10)))

    assert _next_due(storage, timedelta(seconds=10) - TICK) is None
    assert _next_due(storage, timedelta(seconds=10)) == "job-1"


def test_a_due_job_is_found_behind_one_that_is_not_yet_due(storage: Storage) -> None:
    _given_jobs(
        storage,
        _job("job-a", run_at=timedelta(hours=1)),
        _job("job-b", run_at=timedelta(seconds=1)),
    )

    assert _next_due(storage, timedelta(seconds=1)) == "job-b"


def test_a_running_job_is_due_only_once_its_lease_has_ended(storage: Storage) -> None:
    _given_jobs(storage, _running("job-1", lease_until=timedelta(minutes=2)))

    assert _next_due(storage, timedelta(minutes=2) - TICK) is None
    assert _next_due(storage, timedelta(minutes=2)) == "job-1"


def test_an_abandoned_job_comes_before_a_queued_job_that_became_due_later(
    storage: Storage,
) -> None:
    _given_jobs(
        storage,
        _job("job-a", run_at=timedelta(seconds=50)),
        _running("job-z", lease_until=timedelta(seconds=40)),
    )

    assert _next_due(storage, timedelta(minutes=1)) == "job-z"


def test_a_queued_job_comes_before_an_abandoned_one_whose_lease_ended_later(
    storage: Storage,
) -> None:
    _given_jobs(
        storage,
        _running("job-a", lease_until=timedelta(seconds=50)),
        _job("job-z", run_at=timedelta(seconds=40)),
    )

    assert _next_due(storage, timedelta(minutes=1)) == "job-z"


def test_a_job_released_by_its_runner_is_stored_queued_and_due_at_once(storage: Storage) -> None:
    held = _running("job-1", lease_until=LEASE)
    _given_jobs(storage, held, _job("job-2", run_at=timedelta(seconds=5)))
    after = timedelta(seconds=3, microseconds=7)

    assert release_job(held, storage.unit_of_work(), lambda: T0 + after)

    released = _get(storage, "job-1")
    assert released == replace(held, status=JobStatus.QUEUED, attempts=0, run_at=T0 + after,
                               lease_until=None)  # fmt: skip
    assert _next_due(storage, after - TICK) is None  # long before its lease would have ended
    assert _next_due(storage, after) == "job-1"
    assert _next_due(storage, timedelta(seconds=10)) == "job-1"  # and before job-2


def test_finished_jobs_are_never_due(storage: Storage) -> None:
    _given_jobs(storage, ROUND_TRIPS["succeeded"], ROUND_TRIPS["failed"])

    assert _next_due(storage, timedelta(days=365)) is None


# --- listing --------------------------------------------------------------------------


def _listed(storage: Storage) -> list[Job]:
    jobs = [
        _job("j-5", created_at=T0),
        _job("j-2", created_at=T0, kind=JobKind.LOW_STOCK_ALERT),
        _job("j-9", created_at=T0 + SECOND),
        _running("j-1", lease_until=LEASE, created_at=T0 + SECOND),
        _job("j-7", created_at=T0 + 2 * SECOND, status=JobStatus.FAILED, attempts=3),
        _job("j-3", created_at=T0 + 2 * SECOND, kind=JobKind.LOW_STOCK_ALERT,
             status=JobStatus.SUCCEEDED, attempts=1),
    ]  # fmt: skip
    _given_jobs(storage, *jobs)
    return jobs


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (JobFilter(), ["j-2", "j-5", "j-1", "j-9", "j-3", "j-7"]),
        (JobFilter(kind=JobKind.REPORT), ["j-5", "j-1", "j-9", "j-7"]),
        (JobFilter(kind=JobKind.LOW_STOCK_ALERT), ["j-2", "j-3"]),
        (JobFilter(status=JobStatus.QUEUED), ["j-2", "j-5", "j-9"]),
        (JobFilter(status=JobStatus.RUNNING), ["j-1"]),
        (JobFilter(kind=JobKind.LOW_STOCK_ALERT, status=JobStatus.SUCCEEDED), ["j-3"]),
        (JobFilter(kind=JobKind.LOW_STOCK_ALERT, status=JobStatus.FAILED), []),
    ],
)
def test_jobs_are_listed_by_creation_then_id_filtered_by_kind_and_status(
    storage: Storage, filter: JobFilter, expected: list[str]
) -> None:
    _listed(storage)

    with reading(storage) as uow:
        rows = uow.jobs.fetch_page(filter, PageSpec("created_at", limit=50))

    assert [job.id for job in rows] == expected


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_paging_through_jobs_visits_each_once_in_order(
    storage: Storage, descending: bool, limit: int
) -> None:
    _listed(storage)

    with reading(storage) as uow:
        seen = page_through(
            lambda page: uow.jobs.fetch_page(JobFilter(), page),
            JOB_SORTS,
            "created_at",
            descending,
            limit,
        )

    ascending = ["j-2", "j-5", "j-1", "j-9", "j-3", "j-7"]
    assert [job.id for job in seen] == (ascending[::-1] if descending else ascending)


def test_paging_keeps_to_the_filter(storage: Storage) -> None:
    _listed(storage)

    with reading(storage) as uow:
        seen = page_through(
            lambda page: uow.jobs.fetch_page(JobFilter(kind=JobKind.REPORT), page),
            JOB_SORTS,
            "created_at",
            descending=True,
            limit=1,
        )

    assert [job.id for job in seen] == ["j-7", "j-9", "j-1", "j-5"]


def test_a_page_returns_one_row_more_than_its_limit_when_there_are_more(storage: Storage) -> None:
    _listed(storage)

    with reading(storage) as uow:
        rows = uow.jobs.fetch_page(JobFilter(), PageSpec("created_at", limit=2))

    assert [job.id for job in rows] == ["j-2", "j-5", "j-1"]


# --- orders.expiring ------------------------------------------------------------------


def test_expiring_lists_reserved_orders_at_or_past_their_deadline_by_deadline(
    storage: Storage,
) -> None:
    at = T0 + timedelta(minutes=10)
    orders = [
        OrderFactory(id="o-late", expires_at=at - SECOND),
        OrderFactory(id="o-early", expires_at=at - 5 * SECOND),
        OrderFactory(id="o-exact", expires_at=at),
        OrderFactory(id="o-b-same", expires_at=at - 3 * SECOND),
        OrderFactory(id="o-a-same", expires_at=at - 3 * SECOND),
        OrderFactory(id="o-ahead", expires_at=at + TICK),
        OrderFactory(id="o-open", expires_at=None),
        OrderFactory(id="o-shipped", expires_at=at - SECOND, status=OrderStatus.SHIPPED),
        OrderFactory(id="o-cancelled", expires_at=at - SECOND, status=OrderStatus.CANCELLED),
        OrderFactory(id="o-expired", expires_at=at - SECOND, status=OrderStatus.EXPIRED),
    ]
    given(storage, *warehouses("WH-MAIN"), *products("SKU-1"), *orders)

    with reading(storage) as uow:
        every = uow.orders.expiring(at, 100)
        first_two = uow.orders.expiring(at, 2)

    assert every == ["o-early", "o-a-same", "o-b-same", "o-late", "o-exact"]
    assert first_two == ["o-early", "o-a-same"]


def test_expiring_finds_nothing_before_any_deadline(storage: Storage) -> None:
    given(
        storage,
        *warehouses("WH-MAIN"),
        *products("SKU-1"),
        OrderFactory(id="o-1", expires_at=T0 + timedelta(hours=1)),
    )

    with reading(storage) as uow:
        assert uow.orders.expiring(T0 + timedelta(minutes=59), 10) == []
