"""The thread-based job runner on a real SQLite file.

Claims, retries, leases, stop (and the release of a job that outlasts it),
periodic tasks, the outcome counter and the heartbeat.

Every wait here polls a condition against a deadline; the clock the runners
read is one the test moves (``SteppedClock``) wherever backoff or leases
would otherwise make a test wait minutes.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import inventory.bootstrap
from inventory.adapters.jobs.runner import JobRunner, Periodic
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    ReceiveStock,
    RequestReport,
    ReserveOrder,
)
from inventory.application.jobs import (
    JobHandler,
    backoff,
    claim_next,
    get_job,
    queue_job,
    record_success,
    runner_heartbeat,
)
from inventory.application.orders import get_order, reserve_order
from inventory.application.ports import Storage
from inventory.application.reports import download_report, request_report
from inventory.application.stock import record_movement
from inventory.bootstrap import bootstrap
from inventory.config import load_settings
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.orders import OrderStatus
from tests.factories import WATCHED_SCOPES as WATCHED
from tests.factories import SequentialIds
from tests.waiting import wait_for

POLL = 0.02
"""How long an idle runner thread waits before it looks for a due job again."""
WAIT = 20.0
"""The most any condition here is waited for."""
LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


def looked_again(runner: JobRunner, threads: int = 2) -> None:
    """Returns once one of ``runner``'s threads has begun a look for a due job since this
    call, and found none. Each thread may have had a look under way when it was called;
    of the next ``threads + 1`` looks, one at least began afterwards."""
    enough = runner.idle_polls + threads + 1
    wait_for(lambda: runner.idle_polls >= enough, "the runner looked for a due job again")


class SteppedClock:
    """Wall-clock-like time that moves only when the test says so; safe across threads."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, moment: datetime) -> None:
        with self._lock:
            self._now = max(self._now, moment)


class Calls:
    """What a handler saw: how often each job ran, and whether any ran twice at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.count: Counter[str] = Counter()
        self.running: set[str] = set()
        self.overlapping: list[str] = []
        self.most_at_once = 0
        self._lock = threading.Lock()

    def handler(self, job: Job) -> str:
        with self._lock:
            if job.id in self.running:
                self.overlapping.append(job.id)
            self.running.add(job.id)
            self.count[job.id] += 1
            self.most_at_once = max(self.most_at_once, len(self.running))
        try:
            time.sleep(self.seconds)  # work, not a wait
        finally:
            with self._lock:
                self.running.discard(job.id)
        return f"{job.id}.out"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.db"


@pytest.fixture
def databases(path: Path) -> Iterator[Callable[[], SqliteDatabase]]:
    """Opens the same SQLite file again for each call, as each runner process would."""
    opened: list[SqliteDatabase] = []

    def open_one() -> SqliteDatabase:
        database = SqliteDatabase.from_url(f"sqlite:///{path}")
        database.migrate()
        opened.append(database)
        return database

    yield open_one
    for database in opened:
        database.close()


@pytest.fixture
def runners() -> Iterator[Callable[..., JobRunner]]:
    """Makes started runners; every one is stopped at the end of the test."""
    started: list[JobRunner] = []

    def start(
        storage: Storage,
        handler: JobHandler,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        **options: object,
    ) -> JobRunner:
        runner = JobRunner(
            storage.unit_of_work,
            clock,
            {JobKind.REPORT: handler},
            **{"threads": 2, "poll_seconds": POLL, **options},  # type: ignore[arg-type]
        )
        runner.start()
        started.append(runner)
        return runner

    yield start
    for runner in started:
        runner.stop(timeout=10)


def queue(
    storage: Storage, count: int, clock: Callable[[], datetime], max_attempts: int = 3
) -> list[Job]:
    ids = SequentialIds("job")
    with storage.unit_of_work() as uow:
        jobs = [
            queue_job(uow, JobKind.REPORT, {"n": n}, clock, ids, max_attempts) for n in range(count)
        ]
        uow.commit()
    return jobs


def stored(storage: Storage, job: Job) -> Job:
    return get_job(job.id, storage.unit_of_work())


def all_succeeded(storage: Storage, jobs: list[Job]) -> bool:
    return all(stored(storage, job).status is JobStatus.SUCCEEDED for job in jobs)


def test_two_runners_of_four_threads_run_every_job_exactly_once(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    first, second = databases(), databases()
    jobs = queue(first, 50, lambda: datetime.now(UTC))
    calls = Calls(seconds=0.02)

    a = runners(first, calls.handler, threads=4)
    b = runners(second, calls.handler, threads=4)
    wait_for(lambda: all_succeeded(first, jobs), "every job succeeded")
    a.stop()
    b.stop()

    assert calls.count == Counter({job.id: 1 for job in jobs})
    assert calls.overlapping == []
    assert calls.most_at_once > 1  # the threads did run jobs side by side
    assert a.done + b.done == 50
    assert (a.failed, b.failed) == (0, 0)
    for job in jobs:
        done = stored(first, job)
        assert (done.attempts, done.result, done.error) == (1, f"{job.id}.out", None)


def test_a_failing_job_is_retried_after_a_growing_backoff_then_failed_with_its_error(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    (job,) = queue(database, 1, clock, max_attempts=3)
    attempts: list[int] = []

    def refuse(job: Job) -> str:
        attempts.append(job.attempts)
        raise ConnectionRefusedError(f"supplier API down (attempt {job.attempts})")

    runner = runners(database, refuse, clock)

    def failed_attempts(n: int) -> Callable[[], bool]:
        def check() -> bool:
            now = stored(database, job)
            return (now.attempts, now.status) == (n, JobStatus.QUEUED)

        return check

    def ran(n: int) -> Callable[[], bool]:
        return lambda: len(attempts) == n

    for attempt in (1, 2):
        wait_for(failed_attempts(attempt), f"attempt {attempt} recorded as failed")
        retry = stored(database, job)
        pause = retry.run_at - clock()
        assert backoff(attempt, 0.0) <= pause <= backoff(attempt, 0.0) * 2
        assert retry.error == f"ConnectionRefusedError: supplier API down (attempt {attempt})"
        # Not run again before its time (the clock stands still meanwhile) ...
        looked_again(runner)
        assert ran(attempt)()
        assert failed_attempts(attempt)()
        # ... and run again once it comes.
        clock.advance_to(retry.run_at)

    wait_for(lambda: stored(database, job).status is JobStatus.FAILED, "the job failed")
    failed = stored(database, job)
    assert failed.attempts == 3
    assert failed.error == "ConnectionRefusedError: supplier API down (attempt 3)"
    assert failed.finished_at == clock()
    assert failed.lease_until is None
    looked_again(runner)
    assert attempts == [1, 2, 3]
    assert (runner.done, runner.failed) == (0, 3)


def test_a_job_whose_runner_died_is_taken_over_once_its_lease_ends(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    (job,) = queue(database, 1, clock)
    # A runner claims the job and dies before running it: nobody renews the lease.
    dead = claim_next(database.unit_of_work(), clock, "dead-host:1/job-runner-0", LEASE)
    assert dead is not None
    assert dead.lease_until is not None
    calls = Calls()

    runner = runners(database, calls.handler, clock, lease=LEASE)
    looked_again(runner)
    assert not calls.count
    assert stored(database, job).runner == dead.runner
    clock.advance_to(dead.lease_until)
    wait_for(lambda: all_succeeded(database, [job]), "the job taken over and run")

    done = stored(database, job)
    assert done.attempts == 2
    assert done.runner != dead.runner
    assert calls.count == Counter({job.id: 1})
    # The dead runner, were it to wake up, could not overwrite the outcome.
    assert not record_success(dead, "stale", database.unit_of_work(), clock)
    assert stored(database, job).result == f"{job.id}.out"


def test_a_job_longer_than_its_lease_is_kept_by_renewal_and_not_run_twice(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    first, second = databases(), databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    (job,) = queue(first, 1, clock)
    started, finish = threading.Event(), threading.Event()
    calls: Counter[str] = Counter()

    def long(job: Job) -> str:
        calls[job.id] += 1
        started.set()
        assert finish.wait(WAIT), "the test never let the job finish"
        return "done"

    lease = timedelta(seconds=0.3)  # renewed every tenth of a second
    runners(first, long, clock, threads=1, lease=lease)
    assert started.wait(WAIT)
    other = runners(second, long, clock, lease=lease)
    claimed_until = stored(first, job).lease_until
    assert claimed_until is not None
    # Time runs on to just short of each lease's end; the renewal pushes the end on.
    lease_until = claimed_until
    while clock() < claimed_until + 3 * lease:
        clock.advance_to(lease_until - TICK)
        wait_for(renewed_past(first, job, lease_until), "the lease renewed")
        renewed = stored(first, job).lease_until
        assert renewed is not None
        lease_until = renewed
        looked_again(other)
        assert calls[job.id] == 1
    finish.set()
    wait_for(lambda: all_succeeded(first, [job]), "the long job succeeded")

    assert calls == Counter({job.id: 1})
    assert stored(first, job).attempts == 1


def renewed_past(storage: Storage, job: Job, moment: datetime) -> Callable[[], bool]:
    def check() -> bool:
        lease_until = stored(storage, job).lease_until
        return lease_until is not None and lease_until > moment

    return check


def test_stop_waits_for_the_job_in_hand_and_claims_no_more(
    databases: Callable[[], SqliteDatabase],
    runners: Callable[..., JobRunner],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "inventory.jobs")
    database = databases()
    in_hand, later = queue(database, 2, lambda: datetime.now(UTC))
    started, release = threading.Event(), threading.Event()

    def slow(job: Job) -> str:
        started.set()
        assert release.wait(WAIT), "the test never released the job"
        return "done"

    runner = runners(database, slow, threads=1)
    assert started.wait(WAIT)
    stopper = threading.Thread(target=runner.stop, kwargs={"timeout": WAIT})
    stopper.start()

    wait_for(lambda: "1 job(s) in hand" in caplog.text, "stop() begun")
    assert stopper.is_alive()  # stop() is waiting for the job in hand
    release.set()
    stopper.join(WAIT)

    assert not stopper.is_alive()
    assert stored(database, in_hand).status is JobStatus.SUCCEEDED  # recorded before stop returned
    assert stored(database, later).status is JobStatus.QUEUED
    assert runner.done == 1


def test_a_job_still_running_when_stop_times_out_is_released_and_taken_over_at_once(
    databases: Callable[[], SqliteDatabase],
    runners: Callable[..., JobRunner],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "inventory.jobs")
    first, second = databases(), databases()
    in_hand, later = queue(first, 2, lambda: datetime.now(UTC))
    started, finish = threading.Event(), threading.Event()
    outcomes: list[tuple[str, str]] = []

    def stuck(job: Job) -> str:
        started.set()
        finish.wait(WAIT)
        return "late"

    stopping = runners(first, stuck, threads=1, record=lambda *outcome: outcomes.append(outcome))
    assert started.wait(WAIT)
    began = time.monotonic()
    stopping.stop(timeout=0.2)
    took = time.monotonic() - began

    assert took < WAIT / 2  # not the 20 s the job would take: the stop timeout ended it
    released = stored(first, in_hand)
    assert (released.status, released.attempts, released.lease_until) == (JobStatus.QUEUED, 0, None)
    assert stored(first, later).attempts == 0  # stop() stopped the claims
    assert (stopping.released, stopping.done, outcomes) == (1, 0, [("report", "released")])
    # The lease (2 minutes) has not ended: only the release lets another runner in now.
    calls = Calls()
    runners(second, calls.handler)
    wait_for(lambda: all_succeeded(first, [in_hand, later]), "both jobs run by the other runner")
    finish.set()  # the released attempt ends at last: what it returns is not recorded
    wait_for(lambda: "finished after it was released" in caplog.text, "the attempt over")
    assert stored(first, in_hand).result == f"{in_hand.id}.out"
    assert stored(first, in_hand).attempts == 1
    assert (stopping.done, outcomes) == (0, [("report", "released")])


def test_record_is_told_the_outcome_of_each_attempt(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    (job,) = queue(database, 1, clock)
    outcomes: list[tuple[str, str]] = []

    def flaky(job: Job) -> str:
        if job.attempts == 1:
            raise ConnectionError("supplier API down")
        return "ok"

    runners(database, flaky, clock, record=lambda *outcome: outcomes.append(outcome))
    wait_for(lambda: outcomes == [("report", "failed")], "the failure counted")
    clock.advance_to(stored(database, job).run_at)
    wait_for(lambda: len(outcomes) == 2, "the retry counted")

    assert outcomes == [("report", "failed"), ("report", "succeeded")]


def test_a_counter_that_raises_does_not_stop_the_jobs(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    jobs = queue(database, 3, lambda: datetime.now(UTC))

    def broken(kind: str, outcome: str) -> None:
        raise RuntimeError("the metrics registry is gone")

    runner = runners(database, Calls().handler, record=broken)
    wait_for(lambda: all_succeeded(database, jobs), "every job succeeded")

    assert runner.done == 3


def _latest_beat(database: SqliteDatabase) -> datetime | None:
    with database.unit_of_work().reading() as uow:
        return uow.jobs.latest_beat()


def _version(database: SqliteDatabase) -> int:
    with database.unit_of_work().reading() as uow:
        return uow.versions([WATCHED])[0]


def test_a_runner_beats_all_through_a_long_job_and_removes_its_heartbeat_when_it_stops(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    queue(database, 1, clock)
    started, finish = threading.Event(), threading.Event()

    def long(job: Job) -> str:
        started.set()
        finish.wait(WAIT)
        return "done"

    runner = runners(database, long, clock, threads=1, heartbeat_seconds=0.02)
    assert started.wait(WAIT)
    wait_for(lambda: _latest_beat(database) == clock(), "the first heartbeat")
    for _ in range(3):  # the job is still running all this time
        clock.advance_to(clock() + timedelta(seconds=10))
        wait_for(lambda: _latest_beat(database) == clock(), "a heartbeat during the job")
    assert runner_heartbeat(database.unit_of_work(), clock) == "ok"

    finish.set()
    runner.stop()

    assert _latest_beat(database) is None
    assert runner_heartbeat(database.unit_of_work(), clock) == "no job runner has reported"


def test_an_idle_runner_beating_leaves_the_data_generation_alone(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    database = databases()
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    before = _version(database)

    runner = runners(database, Calls().handler, clock, heartbeat_seconds=0.02)
    for _ in range(3):
        clock.advance_to(clock() + timedelta(seconds=5))
        wait_for(lambda: _latest_beat(database) == clock(), "a heartbeat")
    runner.stop()

    assert _version(database) == before


def test_a_periodic_task_repeats_until_the_runner_stops_even_when_it_fails(
    databases: Callable[[], SqliteDatabase], runners: Callable[..., JobRunner]
) -> None:
    runs: list[float] = []

    def tick() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise RuntimeError("the first sweep fails")

    runner = runners(databases(), Calls().handler, periodic=[Periodic("tick", 0.05, tick)])
    wait_for(lambda: len(runs) >= 3, "the task ran three times")
    runner.stop()

    # stop() waited for the task's thread, so it runs no more.
    assert [thread for thread in threading.enumerate() if thread.name == "periodic-tick"] == []
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(runs))


# --- the runner the service wires up --------------------------------------------------


def test_the_service_runner_writes_reports_and_expires_lapsed_reservations(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inventory.bootstrap, "EXPIRY_SWEEP_SECONDS", 0.05)
    settings = load_settings(database_url=f"sqlite:///{path}", rate_limit="off")
    clock = SteppedClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    services = replace(bootstrap(settings), clock=clock)
    try:
        add_warehouse(CreateWarehouse(code="WH-1", name="One"), services.uow(), clock)
        add_product(CreateProduct(sku="A", name="Bolt"), services.uow(), clock)
        receipt = ReceiveStock(sku="A", warehouse="WH-1", quantity=10, unit_cost="2.5000")
        record_movement(receipt, services.uow(), clock, services.new_id, "clerk")
        order = reserve_order(
            ReserveOrder.model_validate(
                {"reference": "SO-1", "warehouse": "WH-1", "expires_at": clock() + LEASE,
                 "lines": [{"sku": "A", "quantity": 3}]}
            ),
            services.uow(), clock, services.new_id,
        )  # fmt: skip
        report = request_report(
            RequestReport(kind="valuation"), services.uow(), clock, services.new_id, 3
        )
        runner = services.job_runner(threads=1, poll_seconds=POLL)
        runner.start()
        try:
            wait_for(lambda: stored(services.storage, report).status is JobStatus.SUCCEEDED,
                     "the report job succeeded")  # fmt: skip
            assert get_order(order.id, services.uow()).status is OrderStatus.RESERVED
            clock.advance_to(clock() + LEASE)
            wait_for(
                lambda: get_order(order.id, services.uow()).status is OrderStatus.EXPIRED,
                "the order expired",
            )
        finally:
            runner.stop()
        result, chunks = download_report(report.id, services.uow)
        written = b"".join(chunks).decode()
        assert stored(services.storage, report).result == result.id
        assert result.filename == f"valuation-{report.id}.csv"
        assert written.splitlines() == [
            "sku,warehouse,on_hand,average_cost,value",
            "A,WH-1,10,2.5000,25.0000",
            ",TOTAL,10,,25.0000",
        ]
    finally:
        services.close()
