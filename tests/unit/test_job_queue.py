"""The job queue on the memory store: queue, claim, renew, record, release, read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.application.jobs import (
    ABANDONED,
    get_job,
    list_jobs,
    queue_job,
    record_failure,
    record_success,
    release_job,
    renew_lease,
)
from inventory.application.listing import JobList
from inventory.domain.errors import NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus
from tests.factories import T0, WarehouseFactory
from tests.unit.job_stories import LEASE, TICK, add_job, claim_due, every_job, job_now, try_claim
from tests.unit.stories import Shop

# --- queueing in the unit of work of the change -------------------------------------


def test_a_job_queued_in_a_committed_unit_of_work_is_kept(shop: Shop) -> None:
    job = add_job(shop, params={"kind": "movements", "params": {"warehouse": "WH-1"}})

    stored = job_now(shop, job)

    assert stored == job
    assert stored.params == {"kind": "movements", "params": {"warehouse": "WH-1"}}
    assert (stored.status, stored.created_at, stored.run_at) == (JobStatus.QUEUED, T0, T0)


def test_a_job_queued_in_a_unit_of_work_that_is_not_committed_leaves_nothing(shop: Shop) -> None:
    with shop.uow() as uow:
        queue_job(uow, JobKind.REPORT, {}, shop.clock, shop.ids, 3)

    assert every_job(shop) == []
    assert try_claim(shop) is None


def test_a_job_queued_with_a_change_that_fails_vanishes_with_the_change(shop: Shop) -> None:
    queued: list[Job] = []

    def change_that_fails() -> None:
        with shop.uow() as uow:
            uow.warehouses.add(WarehouseFactory(code="WH-NEW"))
            queued.append(
                queue_job(uow, JobKind.LOW_STOCK_ALERT, {"sku": "A"}, shop.clock, shop.ids, 3)
            )
            raise RuntimeError("the change failed half-way")

    with pytest.raises(RuntimeError):
        change_that_fails()

    (job,) = queued
    with pytest.raises(NotFound):
        get_job(job.id, shop.uow())
    with shop.uow().reading() as uow:
        assert uow.warehouses.get("WH-NEW") is None


def test_a_job_rolled_back_explicitly_is_gone_but_one_queued_after_is_kept(shop: Shop) -> None:
    with shop.uow() as uow:
        dropped = queue_job(uow, JobKind.REPORT, {}, shop.clock, shop.ids, 3)
        uow.rollback()
        kept = queue_job(uow, JobKind.REPORT, {}, shop.clock, shop.ids, 3)
        uow.commit()

    assert [job.id for job in every_job(shop)] == [kept.id]
    assert dropped.id != kept.id


# --- claiming -----------------------------------------------------------------------


def test_claiming_with_nothing_queued_finds_nothing(shop: Shop) -> None:
    assert try_claim(shop) is None


def test_a_claim_starts_the_oldest_due_job_leased_to_the_runner(shop: Shop) -> None:
    first = add_job(shop)
    shop.clock.advance(timedelta(seconds=1))
    add_job(shop)
    shop.clock.advance(timedelta(seconds=1))

    claimed = claim_due(shop, "runner-a")

    assert claimed.id == first.id
    assert job_now(shop, first) == claimed
    assert claimed.status is JobStatus.RUNNING
    assert claimed.attempts == 1
    assert claimed.runner == "runner-a"
    assert claimed.started_at == T0 + timedelta(seconds=2)
    assert claimed.lease_until == T0 + timedelta(seconds=2) + LEASE


def test_two_claims_take_two_different_jobs_and_a_third_finds_none(shop: Shop) -> None:
    add_job(shop)
    add_job(shop)

    a, b = claim_due(shop, "runner-a"), claim_due(shop, "runner-b")

    assert a.id != b.id
    assert try_claim(shop, "runner-c") is None


def test_a_claim_skips_a_delayed_job_until_its_run_at(shop: Shop) -> None:
    delayed = Job.queue("job-later", JobKind.REPORT, {}, T0, 3, run_at=T0 + timedelta(minutes=5))
    with shop.uow() as uow:
        uow.jobs.add(delayed)
        uow.commit()

    shop.clock.set(T0 + timedelta(minutes=5) - TICK)
    assert try_claim(shop) is None
    shop.clock.set(T0 + timedelta(minutes=5))
    assert claim_due(shop).id == "job-later"


def test_a_running_job_is_not_claimed_again_while_its_lease_lasts(shop: Shop) -> None:
    add_job(shop)
    claim_due(shop, "runner-a")

    shop.clock.advance(LEASE - TICK)

    assert try_claim(shop, "runner-b") is None


def test_a_job_whose_runner_died_is_taken_over_when_the_lease_ends(shop: Shop) -> None:
    add_job(shop)
    dead = claim_due(shop, "runner-dead")
    shop.clock.advance(LEASE)

    taken = claim_due(shop, "runner-b")

    assert taken.id == dead.id
    assert (taken.runner, taken.attempts) == ("runner-b", 2)
    assert taken.lease_until == T0 + 2 * LEASE


def test_an_abandoned_job_is_taken_before_a_queued_job_that_became_due_later(shop: Shop) -> None:
    abandoned = add_job(shop)
    claim_due(shop, "runner-dead")  # lease ends at T0 + 2 min
    shop.clock.advance(LEASE + timedelta(seconds=1))
    later = add_job(shop)  # due at T0 + 2 min 1 s

    assert claim_due(shop, "runner-b").id == abandoned.id
    assert claim_due(shop, "runner-c").id == later.id


def test_a_job_abandoned_on_its_last_attempt_fails_rather_than_starting_again(
    shop: Shop,
) -> None:
    job = add_job(shop, max_attempts=2)
    claim_due(shop, "runner-a")
    shop.clock.advance(LEASE)
    claim_due(shop, "runner-b")  # the second and last attempt
    shop.clock.advance(LEASE)

    again = try_claim(shop, "runner-c")

    assert again is None
    stored = job_now(shop, job)
    assert (stored.status, stored.attempts) == (JobStatus.FAILED, 2)
    assert stored.error


# --- renewing and recording ---------------------------------------------------------


def test_renewing_the_lease_pushes_its_end_forward(shop: Shop) -> None:
    add_job(shop)
    job = claim_due(shop)
    shop.clock.advance(timedelta(minutes=1))

    assert renew_lease(job, shop.uow(), shop.clock, LEASE)

    assert job_now(shop, job).lease_until == T0 + timedelta(minutes=1) + LEASE
    shop.clock.set(T0 + LEASE)
    assert try_claim(shop, "runner-b") is None  # the old lease end no longer frees it


def test_success_is_recorded_with_its_result(shop: Shop) -> None:
    add_job(shop)
    job = claim_due(shop)
    shop.clock.advance(timedelta(seconds=3))

    assert record_success(job, "report.csv", shop.uow(), shop.clock)

    stored = job_now(shop, job)
    assert (stored.status, stored.result) == (JobStatus.SUCCEEDED, "report.csv")
    assert stored.finished_at == T0 + timedelta(seconds=3)
    assert stored.lease_until is None
    assert try_claim(shop) is None


def test_a_failure_queues_the_job_again_after_the_backoff(shop: Shop) -> None:
    add_job(shop, max_attempts=3)
    job = claim_due(shop)
    shop.clock.advance(timedelta(seconds=3))
    failed_at = shop.clock.now

    assert record_failure(job, "ConnectionError: refused", 0.5, shop.uow(), shop.clock)

    stored = job_now(shop, job)
    assert stored.status is JobStatus.QUEUED
    assert stored.run_at == failed_at + timedelta(seconds=1.5)  # half-way up a 2 s ceiling
    assert stored.error == "ConnectionError: refused"
    shop.clock.set(stored.run_at - TICK)
    assert try_claim(shop) is None
    shop.clock.set(stored.run_at)
    assert claim_due(shop).attempts == 2


def test_a_job_failing_every_attempt_is_retried_with_growing_pauses_then_failed(
    shop: Shop,
) -> None:
    job = add_job(shop, max_attempts=4)
    pauses = []
    for attempt in range(1, 5):
        claimed = claim_due(shop)
        assert claimed.attempts == attempt
        record_failure(claimed, f"boom {attempt}", 0.0, shop.uow(), shop.clock)
        stored = job_now(shop, job)
        if stored.status is JobStatus.QUEUED:
            pauses.append(stored.run_at - shop.clock.now)
            shop.clock.set(stored.run_at)

    stored = job_now(shop, job)
    assert stored.status is JobStatus.FAILED
    assert (stored.attempts, stored.error) == (4, "boom 4")
    assert stored.finished_at == shop.clock.now
    assert pauses == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    shop.clock.advance(timedelta(days=1))
    assert try_claim(shop) is None


def test_a_runner_that_lost_its_lease_cannot_record_an_outcome(shop: Shop) -> None:
    add_job(shop)
    slow = claim_due(shop, "runner-slow")
    shop.clock.advance(LEASE)
    taker = claim_due(shop, "runner-b")

    assert not record_success(slow, "stale.csv", shop.uow(), shop.clock)
    assert not record_failure(slow, "stale error", 0.0, shop.uow(), shop.clock)
    assert not renew_lease(slow, shop.uow(), shop.clock, LEASE)

    stored = job_now(shop, slow)
    assert (stored.status, stored.runner, stored.attempts) == (JobStatus.RUNNING, "runner-b", 2)
    assert (stored.result, stored.error) == (None, f"attempt 1: {ABANDONED}")
    assert record_success(taker, "fresh.csv", shop.uow(), shop.clock)
    assert job_now(shop, slow).result == "fresh.csv"


def test_the_same_runner_name_cannot_record_for_an_attempt_it_no_longer_holds(
    shop: Shop,
) -> None:
    add_job(shop)
    first = claim_due(shop, "runner-a")
    shop.clock.advance(LEASE)
    claim_due(shop, "runner-a")  # the same name takes it over, as attempt 2

    assert not record_success(first, "stale.csv", shop.uow(), shop.clock)


def test_an_outcome_recorded_twice_counts_once(shop: Shop) -> None:
    add_job(shop)
    job = claim_due(shop)

    assert record_success(job, "report.csv", shop.uow(), shop.clock)
    assert not record_failure(job, "late", 0.0, shop.uow(), shop.clock)
    assert job_now(shop, job).status is JobStatus.SUCCEEDED


# --- releasing a job in hand (its runner is stopping) -------------------------------


def test_a_released_job_is_due_at_once_with_its_attempt_not_counted(shop: Shop) -> None:
    add_job(shop, max_attempts=3)
    job = claim_due(shop, "runner-stopping")
    shop.clock.advance(timedelta(seconds=25))

    assert release_job(job, shop.uow(), shop.clock)

    stored = job_now(shop, job)
    assert (stored.status, stored.attempts) == (JobStatus.QUEUED, 0)
    assert (stored.run_at, stored.lease_until, stored.error) == (shop.clock.now, None, None)
    taken = claim_due(shop, "runner-b")  # long before the old lease would have ended
    assert (taken.id, taken.attempts, taken.runner) == (job.id, 1, "runner-b")


def test_a_job_released_on_its_last_attempt_still_gets_that_attempt(shop: Shop) -> None:
    add_job(shop, max_attempts=1)
    release_job(claim_due(shop, "runner-stopping"), shop.uow(), shop.clock)

    job = claim_due(shop, "runner-b")

    assert job.status is JobStatus.RUNNING
    assert record_success(job, "report.csv", shop.uow(), shop.clock)
    assert job_now(shop, job).status is JobStatus.SUCCEEDED


def test_the_runner_that_released_a_job_cannot_record_an_outcome_for_it(shop: Shop) -> None:
    add_job(shop)
    released = claim_due(shop, "runner-a")
    release_job(released, shop.uow(), shop.clock)

    assert not record_success(released, "late.csv", shop.uow(), shop.clock)
    assert not record_failure(released, "late error", 0.0, shop.uow(), shop.clock)
    assert not release_job(released, shop.uow(), shop.clock)
    assert job_now(shop, released).status is JobStatus.QUEUED


def test_a_job_whose_lease_was_taken_over_cannot_be_released_by_its_old_runner(
    shop: Shop,
) -> None:
    add_job(shop)
    slow = claim_due(shop, "runner-slow")
    shop.clock.advance(LEASE)
    claim_due(shop, "runner-b")

    assert not release_job(slow, shop.uow(), shop.clock)

    stored = job_now(shop, slow)
    assert (stored.status, stored.runner, stored.attempts) == (JobStatus.RUNNING, "runner-b", 2)


# --- reading jobs -------------------------------------------------------------------


def test_an_unknown_job_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="job 'nope' not found"):
        get_job("nope", shop.uow())


@pytest.fixture
def queue_of_four(shop: Shop) -> list[Job]:
    """Three reports and an alert, a second apart; the first report is running."""
    jobs = []
    for kind in (JobKind.REPORT, JobKind.LOW_STOCK_ALERT, JobKind.REPORT, JobKind.REPORT):
        jobs.append(add_job(shop, kind))
        shop.clock.advance(timedelta(seconds=1))
    claim_due(shop)
    return jobs


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (JobList(), [0, 1, 2, 3]),
        (JobList(kind=JobKind.REPORT), [0, 2, 3]),
        (JobList(kind=JobKind.LOW_STOCK_ALERT), [1]),
        (JobList(status=JobStatus.RUNNING), [0]),
        (JobList(kind=JobKind.REPORT, status=JobStatus.QUEUED), [2, 3]),
        (JobList(status=JobStatus.FAILED), []),
        (JobList(sort="-created_at"), [3, 2, 1, 0]),
    ],
)
def test_jobs_are_listed_oldest_first_filtered_by_kind_and_status(
    shop: Shop, queue_of_four: list[Job], params: JobList, expected: list[int]
) -> None:
    page = list_jobs(params, shop.uow())

    assert [job.id for job in page.items] == [queue_of_four[n].id for n in expected]
    assert page.next_cursor is None


@pytest.mark.parametrize("sort", ["created_at", "-created_at"])
def test_jobs_are_listed_a_page_at_a_time(shop: Shop, queue_of_four: list[Job], sort: str) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = list_jobs(JobList(limit=3, cursor=cursor, sort=sort), shop.uow())
        seen += [job.id for job in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    ids = [job.id for job in queue_of_four]
    assert seen == (ids if sort == "created_at" else ids[::-1])


# --- delayed jobs -------------------------------------------------------------------
def test_a_delayed_job_is_not_taken_before_its_run_at(shop: Shop) -> None:
    later = shop.clock() + timedelta(minutes=5)
    with shop.uow() as uow:
        job = queue_job(
            uow, JobKind.REPORT, {"kind": "valuation"}, shop.clock, shop.ids, 3, run_at=later
        )
        uow.commit()

    too_soon = try_claim(shop)
    shop.clock.set(later)
    on_time = try_claim(shop)

    assert too_soon is None
    assert on_time is not None
    assert on_time.id == job.id
