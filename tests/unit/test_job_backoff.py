"""The pause before a job is retried: doubling, capped, jittered in the upper half."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, strategies

from inventory.application.jobs import backoff
from tests.unit.job_stories import ceiling


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
