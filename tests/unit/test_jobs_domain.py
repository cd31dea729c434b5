"""The job state machine: when a job is due, who holds it, and how it ends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.domain.jobs import MAX_ERROR, Job, JobKind, JobStatus
from tests.factories import T0

LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


def _job(max_attempts: int = 3, run_at: timedelta = timedelta(0), id: str = "job-1") -> Job:
    return Job.queue(id, JobKind.REPORT, {"kind": "valuation"}, T0, max_attempts, T0 + run_at)


def _started(job: Job, runner: str = "runner-a", at: timedelta = timedelta(0)) -> Job:
    job.start(runner, T0 + at, LEASE)
    return job


# --- queueing -------------------------------------------------------------------------


def test_a_new_job_is_queued_to_run_at_once_with_no_attempt_yet() -> None:
    job = Job.queue("job-1", JobKind.REPORT, {"kind": "movements"}, T0, 5)

    assert job.status is JobStatus.QUEUED
    assert (job.created_at, job.run_at) == (T0, T0)
    assert (job.attempts, job.max_attempts) == (0, 5)
    assert (job.started_at, job.finished_at, job.lease_until) == (None, None, None)
    assert (job.runner, job.error, job.result) == (None, None, None)


def test_a_queued_job_keeps_its_own_copy_of_the_params() -> None:
    params: dict[str, object] = {"kind": "valuation"}

    job = Job.queue("job-1", JobKind.REPORT, params, T0, 5)
    params["kind"] = "movements"

    assert job.params == {"kind": "valuation"}


# --- due ------------------------------------------------------------------------------


def test_a_queued_job_is_due_exactly_at_its_run_at_and_not_a_microsecond_before() -> None:
    job = _job(run_at=timedelta(minutes=5))

    assert not job.due(T0 + timedelta(minutes=5) - TICK)
    assert job.due(T0 + timedelta(minutes=5))
    assert job.due(T0 + timedelta(days=1))


def test_a_delayed_job_is_not_due_when_queued() -> None:
    job = _job(run_at=timedelta(hours=1))

    assert not job.due(T0)
    assert job.due_at == (T0 + timedelta(hours=1), "job-1")


def test_a_running_job_is_not_due_while_its_lease_lasts() -> None:
    job = _started(_job())

    assert not job.due(T0)
    assert not job.due(T0 + LEASE - TICK)


def test_a_running_job_is_due_again_exactly_when_its_lease_ends() -> None:
    job = _started(_job())

    assert job.due(T0 + LEASE)
    assert job.due_at == (T0 + LEASE, "job-1")


@pytest.mark.parametrize("outcome", ["succeed", "fail for good"])
def test_a_finished_job_is_never_due_again(outcome: str) -> None:
    job = _started(_job(max_attempts=1))
    if outcome == "succeed":
        job.succeed(T0 + timedelta(seconds=1), "job-1.csv")
    else:
        job.fail(T0 + timedelta(seconds=1), "boom", T0 + timedelta(seconds=3))

    assert not job.due(T0 + timedelta(days=365))


def test_jobs_due_at_the_same_moment_are_ordered_by_id() -> None:
    first, second = _job(id="job-1"), _job(id="job-2")

    assert min([second, first], key=lambda job: job.due_at) is first


# --- start and hold -------------------------------------------------------------------


def test_starting_a_job_leases_it_to_its_runner_and_counts_the_attempt() -> None:
    job = _job()

    job.start("runner-a", T0 + timedelta(seconds=7), LEASE)

    assert job.status is JobStatus.RUNNING
    assert job.attempts == 1
    assert job.started_at == T0 + timedelta(seconds=7)
    assert job.runner == "runner-a"
    assert job.lease_until == T0 + timedelta(seconds=7) + LEASE


def test_a_runner_holds_the_job_only_for_its_own_attempt() -> None:
    job = _started(_job())

    assert job.held_by("runner-a", 1)
    assert not job.held_by("runner-b", 1)
    assert not job.held_by("runner-a", 2)


def test_a_job_whose_lease_ran_out_is_taken_over_by_another_runner() -> None:
    job = _started(_job(), "runner-a")

    job.start("runner-b", T0 + LEASE, LEASE)

    assert job.attempts == 2
    assert job.runner == "runner-b"
    assert job.lease_until == T0 + 2 * LEASE
    assert job.held_by("runner-b", 2)
    assert not job.held_by("runner-a", 1)


def test_the_same_runner_taking_a_job_over_again_does_not_hold_its_older_attempt() -> None:
    job = _started(_job(), "runner-a")

    job.start("runner-a", T0 + LEASE, LEASE)

    assert job.held_by("runner-a", 2)
    assert not job.held_by("runner-a", 1)


def test_nobody_holds_a_finished_job() -> None:
    job = _started(_job())

    job.succeed(T0 + timedelta(seconds=1), None)

    assert not job.held_by("runner-a", 1)


# --- outcomes -------------------------------------------------------------------------


def test_success_records_the_result_and_ends_the_lease() -> None:
    job = _started(_job())

    job.succeed(T0 + timedelta(seconds=9), "job-1.csv")

    assert job.status is JobStatus.SUCCEEDED
    assert job.finished_at == T0 + timedelta(seconds=9)
    assert job.result == "job-1.csv"
    assert job.lease_until is None
    assert job.attempts == 1


def test_success_after_a_failed_attempt_clears_the_old_error() -> None:
    job = _started(_job())
    job.fail(T0 + timedelta(seconds=1), "boom", T0 + timedelta(seconds=3))
    job.start("runner-a", T0 + timedelta(seconds=3), LEASE)

    job.succeed(T0 + timedelta(seconds=4), "job-1.csv")

    assert job.error is None
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)


def test_a_failure_with_attempts_left_queues_the_job_again_at_the_retry_time() -> None:
    job = _started(_job(max_attempts=3))
    retry_at = T0 + timedelta(seconds=5)

    job.fail(T0 + timedelta(seconds=1), "SMTP server down", retry_at)

    assert job.status is JobStatus.QUEUED
    assert job.run_at == retry_at
    assert job.error == "SMTP server down"
    assert job.lease_until is None
    assert job.finished_at is None
    assert not job.due(retry_at - TICK)
    assert job.due(retry_at)


def test_the_failure_of_the_last_attempt_fails_the_job_for_good_with_its_error() -> None:
    job = _job(max_attempts=2)
    job.start("runner-a", T0, LEASE)
    job.fail(T0 + timedelta(seconds=1), "first", T0 + timedelta(seconds=3))
    job.start("runner-a", T0 + timedelta(seconds=3), LEASE)

    job.fail(T0 + timedelta(seconds=4), "second", T0 + timedelta(seconds=20))

    assert job.status is JobStatus.FAILED
    assert job.attempts == 2
    assert job.error == "second"
    assert job.finished_at == T0 + timedelta(seconds=4)
    assert job.run_at == T0 + timedelta(seconds=3)  # not moved to the unused retry time
    assert job.lease_until is None


def test_a_job_allowed_one_attempt_fails_for_good_at_its_first_failure() -> None:
    job = _started(_job(max_attempts=1))

    job.fail(T0 + timedelta(seconds=1), "boom", T0 + timedelta(seconds=3))

    assert job.status is JobStatus.FAILED


def test_a_long_error_is_cut_to_the_maximum_length() -> None:
    job = _started(_job())

    job.fail(T0, "x" * (MAX_ERROR - 1) + "yz" + "!" * 500, T0 + timedelta(seconds=2))

    assert job.error is not None
    assert len(job.error) == MAX_ERROR
    assert job.error == "x" * (MAX_ERROR - 1) + "y"


def test_an_error_of_exactly_the_maximum_length_is_kept_whole() -> None:
    job = _started(_job())
    error = "e" * MAX_ERROR

    job.fail(T0, error, T0 + timedelta(seconds=2))

    assert job.error == error
