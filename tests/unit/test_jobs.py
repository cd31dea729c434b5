"""Use cases of the job queue on the memory store: queue, claim, renew, record, read.

Also the work the runner does besides jobs: the reservation expiry sweep, and
the report job's handler.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from hypothesis import given, strategies

from inventory.application.commands import RequestReport
from inventory.application.jobs import (
    ABANDONED,
    backoff,
    claim_next,
    forget_heartbeat,
    get_job,
    list_jobs,
    queue_job,
    record_failure,
    record_heartbeat,
    record_success,
    release_job,
    renew_lease,
    runner_heartbeat,
)
from inventory.application.listing import JobList
from inventory.application.orders import (
    cancel_order,
    expire_orders,
    get_order,
    reserve_order,
    ship_order,
)
from inventory.application.ports import UnitOfWork
from inventory.application.report_results import (
    ReportResult,
    ReportTooLarge,
    ResultWriter,
    forget_old_reports,
    report_chunks,
    start_result,
    stored_report,
)
from inventory.application.reports import (
    MOVEMENT_COLUMNS,
    VALUATION_COLUMNS,
    ReportFormat,
    download_report,
    movements_report,
    produce_report,
    request_report,
    valuation_report,
    write_report,
    write_valuation,
)
from inventory.domain.errors import InvalidState, NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.orders import Order, OrderStatus
from tests.factories import T0, ReserveOrderFactory, WarehouseFactory
from tests.unit.stories import Shop, given_stock, ledger_of, level_of

LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


def _queue(
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


def _claim(shop: Shop, runner: str = "runner-a", lease: timedelta = LEASE) -> Job | None:
    return claim_next(shop.uow(), shop.clock, runner, lease)


def _claimed(shop: Shop, runner: str = "runner-a") -> Job:
    job = _claim(shop, runner)
    assert job is not None, "no job was due"
    return job


def _stored(shop: Shop, job: Job) -> Job:
    return get_job(job.id, shop.uow())


def _all_jobs(shop: Shop) -> list[Job]:
    return list_jobs(JobList(limit=500), shop.uow()).items


# --- backoff --------------------------------------------------------------------------


CEILINGS = {1: 2, 2: 4, 3: 8, 4: 16, 5: 32, 6: 64, 7: 128, 8: 256, 9: 512}
"""The longest pause, in seconds, before each retry: 2 s doubling, up to 10 minutes
(from the 10th retry on)."""


def ceiling(attempt: int) -> timedelta:
    return timedelta(seconds=CEILINGS.get(attempt, 600))


def test_the_backoff_ceiling_doubles_with_each_retry() -> None:
    # With no jitter the pause is half the ceiling: 1 s, 2 s, 4 s, 8 s, ...
    pauses = [backoff(attempt, 0.0).total_seconds() for attempt in range(1, 11)]

    assert pauses == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_the_backoff_stops_growing_at_the_cap() -> None:
    assert backoff(10, 0.0) == backoff(30, 0.0) == backoff(10_000, 0.0) == timedelta(minutes=5)
    assert backoff(10_000, 0.999999) <= timedelta(minutes=10)
    assert backoff(9, 0.999999) < timedelta(seconds=512)


def test_a_retry_numbered_zero_or_less_waits_like_the_first() -> None:
    assert backoff(0, 0.5) == backoff(-3, 0.5) == backoff(1, 0.5) == timedelta(seconds=1.5)


@given(
    attempt=strategies.integers(min_value=1, max_value=200),
    jitter=strategies.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_the_jittered_backoff_lies_in_the_upper_half_of_its_ceiling(
    attempt: int, jitter: float
) -> None:
    pause = backoff(attempt, jitter)

    assert ceiling(attempt) / 2 <= pause <= ceiling(attempt)


def test_the_jitter_moves_the_pause_linearly_through_the_upper_half() -> None:
    # Retry 3: a ceiling of 8 s, so 4 s with no jitter, 6 s halfway, 8 s at the top.
    assert [backoff(3, jitter).total_seconds() for jitter in (0.0, 0.25, 0.5, 0.75)] == [
        4.0,
        5.0,
        6.0,
        7.0,
    ]


def test_more_jitter_means_a_longer_pause() -> None:
    assert backoff(3, 0.1) < backoff(3, 0.5) < backoff(3, 0.9)


# --- queueing in the unit of work of the change ---------------------------------------


def test_a_job_queued_in_a_committed_unit_of_work_is_kept(shop: Shop) -> None:
    job = _queue(shop, params={"kind": "movements", "params": {"warehouse": "WH-1"}})

    stored = _stored(shop, job)

    assert stored == job
    assert stored.params == {"kind": "movements", "params": {"warehouse": "WH-1"}}
    assert (stored.status, stored.created_at, stored.run_at) == (JobStatus.QUEUED, T0, T0)


def test_a_job_queued_in_a_unit_of_work_that_is_not_committed_leaves_nothing(shop: Shop) -> None:
    with shop.uow() as uow:
        queue_job(uow, JobKind.REPORT, {}, shop.clock, shop.ids, 3)

    assert _all_jobs(shop) == []
    assert _claim(shop) is None


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

    assert [job.id for job in _all_jobs(shop)] == [kept.id]
    assert dropped.id != kept.id


# --- claiming -------------------------------------------------------------------------


def test_claiming_with_nothing_queued_finds_nothing(shop: Shop) -> None:
    assert _claim(shop) is None


def test_a_claim_starts_the_oldest_due_job_leased_to_the_runner(shop: Shop) -> None:
    first = _queue(shop)
    shop.clock.advance(timedelta(seconds=1))
    _queue(shop)
    shop.clock.advance(timedelta(seconds=1))

    claimed = _claimed(shop, "runner-a")

    assert claimed.id == first.id
    assert _stored(shop, first) == claimed
    assert claimed.status is JobStatus.RUNNING
    assert claimed.attempts == 1
    assert claimed.runner == "runner-a"
    assert claimed.started_at == T0 + timedelta(seconds=2)
    assert claimed.lease_until == T0 + timedelta(seconds=2) + LEASE


def test_two_claims_take_two_different_jobs_and_a_third_finds_none(shop: Shop) -> None:
    _queue(shop)
    _queue(shop)

    a, b = _claimed(shop, "runner-a"), _claimed(shop, "runner-b")

    assert a.id != b.id
    assert _claim(shop, "runner-c") is None


def test_a_claim_skips_a_delayed_job_until_its_run_at(shop: Shop) -> None:
    delayed = Job.queue("job-later", JobKind.REPORT, {}, T0, 3, run_at=T0 + timedelta(minutes=5))
    with shop.uow() as uow:
        uow.jobs.add(delayed)
        uow.commit()

    shop.clock.set(T0 + timedelta(minutes=5) - TICK)
    assert _claim(shop) is None
    shop.clock.set(T0 + timedelta(minutes=5))
    assert _claimed(shop).id == "job-later"


def test_a_running_job_is_not_claimed_again_while_its_lease_lasts(shop: Shop) -> None:
    _queue(shop)
    _claimed(shop, "runner-a")

    shop.clock.advance(LEASE - TICK)

    assert _claim(shop, "runner-b") is None


def test_a_job_whose_runner_died_is_taken_over_when_the_lease_ends(shop: Shop) -> None:
    _queue(shop)
    dead = _claimed(shop, "runner-dead")
    shop.clock.advance(LEASE)

    taken = _claimed(shop, "runner-b")

    assert taken.id == dead.id
    assert (taken.runner, taken.attempts) == ("runner-b", 2)
    assert taken.lease_until == T0 + 2 * LEASE


def test_an_abandoned_job_is_taken_before_a_queued_job_that_became_due_later(shop: Shop) -> None:
    abandoned = _queue(shop)
    _claimed(shop, "runner-dead")  # lease ends at T0 + 2 min
    shop.clock.advance(LEASE + timedelta(seconds=1))
    later = _queue(shop)  # due at T0 + 2 min 1 s

    assert _claimed(shop, "runner-b").id == abandoned.id
    assert _claimed(shop, "runner-c").id == later.id


def test_a_job_abandoned_on_its_last_attempt_fails_rather_than_starting_again(
    shop: Shop,
) -> None:
    job = _queue(shop, max_attempts=2)
    _claimed(shop, "runner-a")
    shop.clock.advance(LEASE)
    _claimed(shop, "runner-b")  # the second and last attempt
    shop.clock.advance(LEASE)

    again = _claim(shop, "runner-c")

    assert again is None
    stored = _stored(shop, job)
    assert (stored.status, stored.attempts) == (JobStatus.FAILED, 2)
    assert stored.error


# --- renewing and recording -----------------------------------------------------------


def test_renewing_the_lease_pushes_its_end_forward(shop: Shop) -> None:
    _queue(shop)
    job = _claimed(shop)
    shop.clock.advance(timedelta(minutes=1))

    assert renew_lease(job, shop.uow(), shop.clock, LEASE)

    assert _stored(shop, job).lease_until == T0 + timedelta(minutes=1) + LEASE
    shop.clock.set(T0 + LEASE)
    assert _claim(shop, "runner-b") is None  # the old lease end no longer frees it


def test_success_is_recorded_with_its_result(shop: Shop) -> None:
    _queue(shop)
    job = _claimed(shop)
    shop.clock.advance(timedelta(seconds=3))

    assert record_success(job, "report.csv", shop.uow(), shop.clock)

    stored = _stored(shop, job)
    assert (stored.status, stored.result) == (JobStatus.SUCCEEDED, "report.csv")
    assert stored.finished_at == T0 + timedelta(seconds=3)
    assert stored.lease_until is None
    assert _claim(shop) is None


def test_a_failure_queues_the_job_again_after_the_backoff(shop: Shop) -> None:
    _queue(shop, max_attempts=3)
    job = _claimed(shop)
    shop.clock.advance(timedelta(seconds=3))
    failed_at = shop.clock.now

    assert record_failure(job, "ConnectionError: refused", 0.5, shop.uow(), shop.clock)

    stored = _stored(shop, job)
    assert stored.status is JobStatus.QUEUED
    assert stored.run_at == failed_at + timedelta(seconds=1.5)  # half-way up a 2 s ceiling
    assert stored.error == "ConnectionError: refused"
    shop.clock.set(stored.run_at - TICK)
    assert _claim(shop) is None
    shop.clock.set(stored.run_at)
    assert _claimed(shop).attempts == 2


def test_a_job_failing_every_attempt_is_retried_with_growing_pauses_then_failed(
    shop: Shop,
) -> None:
    job = _queue(shop, max_attempts=4)
    pauses = []
    for attempt in range(1, 5):
        claimed = _claimed(shop)
        assert claimed.attempts == attempt
        record_failure(claimed, f"boom {attempt}", 0.0, shop.uow(), shop.clock)
        stored = _stored(shop, job)
        if stored.status is JobStatus.QUEUED:
            pauses.append(stored.run_at - shop.clock.now)
            shop.clock.set(stored.run_at)

    stored = _stored(shop, job)
    assert stored.status is JobStatus.FAILED
    assert (stored.attempts, stored.error) == (4, "boom 4")
    assert stored.finished_at == shop.clock.now
    assert pauses == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    shop.clock.advance(timedelta(days=1))
    assert _claim(shop) is None


def test_a_runner_that_lost_its_lease_cannot_record_an_outcome(shop: Shop) -> None:
    _queue(shop)
    slow = _claimed(shop, "runner-slow")
    shop.clock.advance(LEASE)
    taker = _claimed(shop, "runner-b")

    assert not record_success(slow, "stale.csv", shop.uow(), shop.clock)
    assert not record_failure(slow, "stale error", 0.0, shop.uow(), shop.clock)
    assert not renew_lease(slow, shop.uow(), shop.clock, LEASE)

    stored = _stored(shop, slow)
    assert (stored.status, stored.runner, stored.attempts) == (JobStatus.RUNNING, "runner-b", 2)
    assert (stored.result, stored.error) == (None, f"attempt 1: {ABANDONED}")
    assert record_success(taker, "fresh.csv", shop.uow(), shop.clock)
    assert _stored(shop, slow).result == "fresh.csv"


def test_the_same_runner_name_cannot_record_for_an_attempt_it_no_longer_holds(
    shop: Shop,
) -> None:
    _queue(shop)
    first = _claimed(shop, "runner-a")
    shop.clock.advance(LEASE)
    _claimed(shop, "runner-a")  # the same name takes it over, as attempt 2

    assert not record_success(first, "stale.csv", shop.uow(), shop.clock)


def test_an_outcome_recorded_twice_counts_once(shop: Shop) -> None:
    _queue(shop)
    job = _claimed(shop)

    assert record_success(job, "report.csv", shop.uow(), shop.clock)
    assert not record_failure(job, "late", 0.0, shop.uow(), shop.clock)
    assert _stored(shop, job).status is JobStatus.SUCCEEDED


# --- releasing a job in hand (its runner is stopping) ---------------------------------


def test_a_released_job_is_due_at_once_with_its_attempt_not_counted(shop: Shop) -> None:
    _queue(shop, max_attempts=3)
    job = _claimed(shop, "runner-stopping")
    shop.clock.advance(timedelta(seconds=25))

    assert release_job(job, shop.uow(), shop.clock)

    stored = _stored(shop, job)
    assert (stored.status, stored.attempts) == (JobStatus.QUEUED, 0)
    assert (stored.run_at, stored.lease_until, stored.error) == (shop.clock.now, None, None)
    taken = _claimed(shop, "runner-b")  # long before the old lease would have ended
    assert (taken.id, taken.attempts, taken.runner) == (job.id, 1, "runner-b")


def test_a_job_released_on_its_last_attempt_still_gets_that_attempt(shop: Shop) -> None:
    _queue(shop, max_attempts=1)
    release_job(_claimed(shop, "runner-stopping"), shop.uow(), shop.clock)

    job = _claimed(shop, "runner-b")

    assert job.status is JobStatus.RUNNING
    assert record_success(job, "report.csv", shop.uow(), shop.clock)
    assert _stored(shop, job).status is JobStatus.SUCCEEDED


def test_the_runner_that_released_a_job_cannot_record_an_outcome_for_it(shop: Shop) -> None:
    _queue(shop)
    released = _claimed(shop, "runner-a")
    release_job(released, shop.uow(), shop.clock)

    assert not record_success(released, "late.csv", shop.uow(), shop.clock)
    assert not record_failure(released, "late error", 0.0, shop.uow(), shop.clock)
    assert not release_job(released, shop.uow(), shop.clock)
    assert _stored(shop, released).status is JobStatus.QUEUED


def test_a_job_whose_lease_was_taken_over_cannot_be_released_by_its_old_runner(
    shop: Shop,
) -> None:
    _queue(shop)
    slow = _claimed(shop, "runner-slow")
    shop.clock.advance(LEASE)
    _claimed(shop, "runner-b")

    assert not release_job(slow, shop.uow(), shop.clock)

    stored = _stored(shop, slow)
    assert (stored.status, stored.runner, stored.attempts) == (JobStatus.RUNNING, "runner-b", 2)


# --- runner heartbeats ----------------------------------------------------------------


def test_with_no_heartbeat_at_all_no_job_runner_has_reported(shop: Shop) -> None:
    assert runner_heartbeat(shop.uow(), shop.clock) == "no job runner has reported"


def test_a_heartbeat_within_the_maximum_age_is_ok(shop: Shop) -> None:
    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(seconds=30))

    assert runner_heartbeat(shop.uow(), shop.clock) == "ok"


def test_a_heartbeat_older_than_the_maximum_age_says_how_old_it_is(shop: Shop) -> None:
    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(seconds=73, milliseconds=600))

    assert runner_heartbeat(shop.uow(), shop.clock) == "last heartbeat 73 s ago"
    assert runner_heartbeat(shop.uow(), shop.clock, max_age=timedelta(minutes=2)) == "ok"


def test_the_freshest_heartbeat_of_any_runner_counts(shop: Shop) -> None:
    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(seconds=50))
    record_heartbeat("host-b:7", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(seconds=10))

    assert runner_heartbeat(shop.uow(), shop.clock) == "ok"


def test_a_runner_that_stopped_cleanly_no_longer_counts(shop: Shop) -> None:
    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    record_heartbeat("host-b:7", shop.uow(), shop.clock)

    forget_heartbeat("host-a:41", shop.uow())
    assert runner_heartbeat(shop.uow(), shop.clock) == "ok"
    forget_heartbeat("host-b:7", shop.uow())
    assert runner_heartbeat(shop.uow(), shop.clock) == "no job runner has reported"


def test_a_beat_forgets_the_runners_silent_for_over_a_day(shop: Shop) -> None:
    record_heartbeat("died-yesterday:1", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(hours=12))
    record_heartbeat("died-this-morning:2", shop.uow(), shop.clock)
    shop.clock.advance(timedelta(hours=12, microseconds=1))

    record_heartbeat("alive:3", shop.uow(), shop.clock)

    forget_heartbeat("alive:3", shop.uow())
    assert runner_heartbeat(shop.uow(), shop.clock) == "last heartbeat 43200 s ago"
    forget_heartbeat("died-this-morning:2", shop.uow())
    assert runner_heartbeat(shop.uow(), shop.clock) == "no job runner has reported"


def test_heartbeats_leave_the_data_generation_alone(shop: Shop) -> None:
    with shop.uow().reading() as uow:
        before = uow.generation()

    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    forget_heartbeat("host-a:41", shop.uow())

    with shop.uow().reading() as uow:
        assert uow.generation() == before


# --- reading jobs ---------------------------------------------------------------------


def test_an_unknown_job_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="job 'nope' not found"):
        get_job("nope", shop.uow())


@pytest.fixture
def queue_of_four(shop: Shop) -> list[Job]:
    """Three reports and an alert, a second apart; the first report is running."""
    jobs = []
    for kind in (JobKind.REPORT, JobKind.LOW_STOCK_ALERT, JobKind.REPORT, JobKind.REPORT):
        jobs.append(_queue(shop, kind))
        shop.clock.advance(timedelta(seconds=1))
    _claimed(shop)
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


# --- reservation expiry ---------------------------------------------------------------


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    """WH-MAIN holds 10 of A and 6 of B."""
    given_stock(shop, "A", "WH-MAIN", 10)
    given_stock(shop, "B", "WH-MAIN", 6)
    return shop


def _reserve(
    shop: Shop,
    lines: list[tuple[str, int]],
    expires_in: timedelta | None = timedelta(minutes=15),
    reference: str | None = None,
) -> Order:
    deadline = None if expires_in is None else shop.clock.now + expires_in
    fields = {} if reference is None else {"reference": reference}
    command = ReserveOrderFactory(lines=lines, expires_at=deadline, **fields)
    return reserve_order(command, shop.uow(), shop.clock, shop.ids)


def _available(shop: Shop, sku: str) -> tuple[int, int]:
    level = level_of(shop.uow, sku, "WH-MAIN")
    return level.on_hand, level.reserved


def _expire(shop: Shop, batch: int = 100) -> int:
    return expire_orders(shop.uow, shop.clock, batch)


def test_an_order_past_its_deadline_expires_and_releases_every_line(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4), ("B", 6)], timedelta(minutes=15))
    ledger = ledger_of(stocked.uow)
    stocked.clock.advance(timedelta(minutes=15))

    assert _expire(stocked) == 1

    expired = get_order(order.id, stocked.uow())
    assert expired.status is OrderStatus.EXPIRED
    assert expired.updated_at == T0 + timedelta(minutes=15)
    assert _available(stocked, "A") == (10, 0)
    assert _available(stocked, "B") == (6, 0)
    assert ledger_of(stocked.uow) == ledger  # a release moves no stock


def test_an_order_is_not_expired_a_microsecond_before_its_deadline(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)], timedelta(minutes=15))
    stocked.clock.advance(timedelta(minutes=15) - TICK)

    assert _expire(stocked) == 0

    assert get_order(order.id, stocked.uow()).status is OrderStatus.RESERVED
    assert _available(stocked, "A") == (10, 4)


def test_an_order_without_a_deadline_never_expires(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)], expires_in=None)
    stocked.clock.advance(timedelta(days=400))

    assert _expire(stocked) == 0
    assert get_order(order.id, stocked.uow()).status is OrderStatus.RESERVED


def test_shipped_and_cancelled_orders_are_left_as_they_are(stocked: Shop) -> None:
    shipped = _reserve(stocked, [("A", 3)])
    cancelled = _reserve(stocked, [("B", 2)])
    ship_order(shipped.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
    cancel_order(cancelled.id, stocked.uow(), stocked.clock)
    stocked.clock.advance(timedelta(hours=1))

    assert _expire(stocked) == 0

    assert get_order(shipped.id, stocked.uow()).status is OrderStatus.SHIPPED
    assert get_order(cancelled.id, stocked.uow()).status is OrderStatus.CANCELLED
    assert _available(stocked, "A") == (7, 0)
    assert _available(stocked, "B") == (6, 0)


def test_expiring_again_changes_nothing(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    assert _expire(stocked) == 1
    stocked.clock.advance(timedelta(seconds=20))

    assert _expire(stocked) == 0

    assert get_order(order.id, stocked.uow()).updated_at == T0 + timedelta(hours=1)
    assert _available(stocked, "A") == (10, 0)


def test_only_the_orders_past_their_deadline_expire(stocked: Shop) -> None:
    early = _reserve(stocked, [("A", 1)], timedelta(minutes=5))
    late = _reserve(stocked, [("A", 2)], timedelta(minutes=30))
    stocked.clock.advance(timedelta(minutes=10))

    assert _expire(stocked) == 1

    assert get_order(early.id, stocked.uow()).status is OrderStatus.EXPIRED
    assert get_order(late.id, stocked.uow()).status is OrderStatus.RESERVED
    assert _available(stocked, "A") == (10, 2)


def test_more_lapsed_orders_than_a_batch_all_expire_in_one_sweep(stocked: Shop) -> None:
    orders = [_reserve(stocked, [("A", 1)]) for _ in range(5)]
    stocked.clock.advance(timedelta(hours=1))

    assert _expire(stocked, batch=2) == 5

    assert {get_order(o.id, stocked.uow()).status for o in orders} == {OrderStatus.EXPIRED}
    assert _available(stocked, "A") == (10, 0)


def test_an_order_shipped_after_the_sweep_listed_it_stays_shipped(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    units_of_work = 0

    def ship_meanwhile() -> UnitOfWork:
        # The sweep reads the lapsed ids first, then opens one unit of work per order:
        # ship the order just before the sweep's own unit of work for it begins.
        nonlocal units_of_work
        units_of_work += 1
        if units_of_work == 2:
            ship_order(order.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
        return stocked.uow()

    assert expire_orders(ship_meanwhile, stocked.clock) == 0

    assert units_of_work == 2
    assert get_order(order.id, stocked.uow()).status is OrderStatus.SHIPPED
    assert _available(stocked, "A") == (6, 0)


@pytest.mark.parametrize("action", ["ship", "cancel"])
def test_an_expired_order_can_be_neither_shipped_nor_cancelled(stocked: Shop, action: str) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    _expire(stocked)

    def act() -> Order:
        if action == "ship":
            return ship_order(order.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
        return cancel_order(order.id, stocked.uow(), stocked.clock)

    with pytest.raises(InvalidState, match="is expired"):
        act()

    assert _available(stocked, "A") == (10, 0)


# --- the report job -------------------------------------------------------------------


def _stored_report(shop: Shop, result_id: str) -> tuple[ReportResult, str]:
    """The stored report and its text, read back as a download reads it."""
    result = stored_report(result_id, shop.uow)
    assert result is not None
    return result, b"".join(report_chunks(result, shop.uow)).decode()


def test_requesting_a_report_queues_a_report_job_with_the_request(shop: Shop) -> None:
    request = RequestReport(kind="movements", format="json", params={"warehouse": "WH-MAIN"})

    job = request_report(request, shop.uow(), shop.clock, shop.ids, 7)

    assert _stored(shop, job) == job
    assert (job.kind, job.status, job.max_attempts) == (JobKind.REPORT, JobStatus.QUEUED, 7)
    assert job.params == {
        "kind": "movements",
        "format": "json",
        "params": {"warehouse": "WH-MAIN", "since": None, "until": None},
    }


def test_a_report_job_writes_the_rows_of_the_report_it_names(stocked: Shop) -> None:
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    result_id = produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1_000_000)

    expected = io.StringIO()
    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, expected)
    result, text = _stored_report(stocked, result_id)
    assert text == expected.getvalue()
    assert text.splitlines()[0] == ",".join(VALUATION_COLUMNS)
    assert (result.job_id, result.content_type, result.filename) == (
        job.id, "text/csv; charset=utf-8", f"valuation-{job.id}.csv")  # fmt: skip
    assert result.size == len(text.encode())


def test_a_movements_report_job_keeps_to_its_window(stocked: Shop) -> None:
    stocked.clock.advance(timedelta(hours=1))
    given_stock(stocked, "A", "WH-MAIN", 1)
    since = T0 + timedelta(minutes=30)
    request = RequestReport(kind="movements", format="json", params={"since": since})
    job = request_report(request, stocked.uow(), stocked.clock, stocked.ids, 3)

    result_id = produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1_000_000)

    expected = io.StringIO()
    rows = movements_report(stocked.uow(), since=since)
    assert write_report(rows, MOVEMENT_COLUMNS, ReportFormat.JSON, expected) == 1
    result, text = _stored_report(stocked, result_id)
    assert text == expected.getvalue()
    assert (result.content_type, result.filename) == (
        "application/json",
        f"movements-{job.id}.json",
    )


def test_a_report_is_stored_in_chunks_and_read_back_whole(stocked: Shop) -> None:
    for n in range(40):
        given_stock(stocked, f"SKU-{n:03}", "WH-MAIN", n + 1, unit_cost="1.25")
    result = ReportResult("R-1", "J-1", "text/csv", "r.csv", T0)
    start_result(result, stocked.uow)
    writer = ResultWriter(stocked.uow, result, max_bytes=10_000, chunk_bytes=100)
    text = io.TextIOWrapper(io.BufferedWriter(writer, buffer_size=64), encoding="utf-8", newline="")
    expected = io.StringIO()

    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, text)
    text.flush()
    finished = writer.finish()
    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, expected)

    size = len(expected.getvalue().encode())
    assert size > 1000
    assert (finished.size, finished.chunks) == (size, -(-size // 100))
    stored, read = _stored_report(stocked, "R-1")
    assert stored == finished
    assert read == expected.getvalue()
    assert [len(c) for c in report_chunks(stored, stocked.uow)][:-1] == [100] * (stored.chunks - 1)


def test_a_report_over_the_size_limit_fails_its_job_saying_so_and_leaves_nothing(
    stocked: Shop,
) -> None:
    for n in range(40):
        given_stock(stocked, f"SKU-{n:03}", "WH-MAIN", n + 1)
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    with pytest.raises(ReportTooLarge, match=r"larger than 1,024 bytes .*REPORT_MAX_BYTES"):
        produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1024)

    assert stocked.store.report_results == {}
    assert stocked.store.report_chunks == {}


def test_reports_are_removed_once_older_than_their_retention(stocked: Shop) -> None:
    old = request_report(
        RequestReport(kind="low_stock"), stocked.uow(), stocked.clock, stocked.ids, 3
    )
    old_id = produce_report(old, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    stocked.clock.advance(timedelta(days=6))
    new = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )
    new_id = produce_report(new, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    stocked.clock.advance(timedelta(days=1, seconds=1))  # the first is 7 days and 1 s old

    removed = forget_old_reports(stocked.uow, stocked.clock)

    assert removed == 1
    assert stored_report(old_id, stocked.uow) is None
    assert stored_report(new_id, stocked.uow) is not None
    assert all(result_id == new_id for result_id, _ in stocked.store.report_chunks)


def test_a_finished_report_job_is_downloaded_and_an_unfinished_one_is_not_found(
    stocked: Shop,
) -> None:
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    with pytest.raises(NotFound, match=r"has no result \(it is queued\)"):
        download_report(job.id, stocked.uow)

    claimed = _claimed(stocked)
    assert claimed.id == job.id
    result_id = produce_report(claimed, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    assert record_success(claimed, result_id, stocked.uow(), stocked.clock)
    result, chunks = download_report(job.id, stocked.uow)
    assert result.id == result_id
    assert b"".join(chunks).startswith(b"sku,warehouse")

    with stocked.uow() as uow:
        uow.report_results.delete(result_id)
        uow.commit()
    with pytest.raises(NotFound, match="is no longer kept"):
        download_report(job.id, stocked.uow)


def test_a_delayed_job_is_not_taken_before_its_run_at(shop: Shop) -> None:
    later = shop.clock() + timedelta(minutes=5)
    with shop.uow() as uow:
        job = queue_job(
            uow, JobKind.REPORT, {"kind": "valuation"}, shop.clock, shop.ids, 3, run_at=later
        )
        uow.commit()

    too_soon = _claim(shop)
    shop.clock.set(later)
    on_time = _claim(shop)

    assert too_soon is None
    assert on_time is not None
    assert on_time.id == job.id
