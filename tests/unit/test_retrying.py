"""Retrying a use case that lost a race: how often, and what is finally raised."""

from __future__ import annotations

import pytest

from inventory.application.errors import Contention
from inventory.application.retrying import ATTEMPTS, retrying
from inventory.domain.errors import NotFound


class Flaky:
    """Raises ``failures`` Contention errors, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise Contention("deadlock detected")
        return "done"


def run(action: Flaky) -> tuple[str, list[float]]:
    pauses: list[float] = []
    answer = retrying(action, pause=pauses.append, jitter=lambda low, high: high)
    return answer, pauses


def test_an_action_that_succeeds_runs_once_without_a_pause() -> None:
    action = Flaky(0)
    assert run(action) == ("done", [])
    assert action.calls == 1


def test_lost_races_are_run_again_with_growing_pauses() -> None:
    action = Flaky(ATTEMPTS - 1)
    answer, pauses = run(action)
    assert answer == "done"
    assert action.calls == ATTEMPTS
    assert pauses == sorted(pauses)
    assert len(pauses) == ATTEMPTS - 1
    assert all(0 < pause <= 0.05 for pause in pauses)


def test_the_last_lost_race_is_raised() -> None:
    action = Flaky(ATTEMPTS)
    with pytest.raises(Contention):
        run(action)
    assert action.calls == ATTEMPTS


def test_other_refusals_are_not_retried() -> None:
    calls = []

    def refused() -> None:
        calls.append(1)
        raise NotFound("no such sku")

    with pytest.raises(NotFound):
        retrying(refused, pause=lambda seconds: None)
    assert calls == [1]
