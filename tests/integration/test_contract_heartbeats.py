"""Runner heartbeats on the JobRepository: beat, forget, prune, and the latest beat.

Heartbeats are bookkeeping, not data: a unit of work that writes only
heartbeats leaves the cache versions alone, and one that writes data as well
still raises it. Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from inventory.application.ports import Storage, UnitOfWork
from tests.factories import T0, ProductFactory
from tests.factories import WATCHED_SCOPES as WATCHED
from tests.integration.contract import reading

MICROSECOND = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def _no_heartbeats(storage: Storage) -> None:
    # A PostgreSQL schema is reused, emptied of data, from test to test of one run;
    # heartbeats are not data, so each test starts by forgetting any left over.
    with storage.unit_of_work() as uow:
        uow.jobs.forget_silent_runners(T0 + timedelta(days=365_000))
        uow.commit()


def _latest(storage: Storage) -> datetime | None:
    with reading(storage) as uow:
        return uow.jobs.latest_beat()


def _in_one_unit(storage: Storage, *steps: Callable[[UnitOfWork], object]) -> None:
    with storage.unit_of_work() as uow:
        for step in steps:
            step(uow)
        uow.commit()


def _version(storage: Storage) -> int:
    with reading(storage) as uow:
        return uow.versions([WATCHED])[0]


def test_with_no_heartbeat_there_is_no_latest_beat(storage: Storage) -> None:
    assert _latest(storage) is None


def test_the_latest_beat_is_the_most_recent_of_any_runner_to_the_microsecond(
    storage: Storage,
) -> None:
    _in_one_unit(
        storage,
        lambda uow: uow.jobs.beat("host-a:1", T0),
        lambda uow: uow.jobs.beat("host-b:2", T0 + timedelta(seconds=5, microseconds=7)),
        lambda uow: uow.jobs.beat("host-c:3", T0 + timedelta(seconds=2)),
    )

    with reading(storage) as uow:
        latest = uow.jobs.latest_beat()

    assert latest == T0 + timedelta(seconds=5, microseconds=7)
    assert latest is not None
    assert latest.utcoffset() == timedelta(0)


def test_a_runner_beating_again_replaces_its_earlier_beat(storage: Storage) -> None:
    _in_one_unit(storage, lambda uow: uow.jobs.beat("host-a:1", T0))
    _in_one_unit(storage, lambda uow: uow.jobs.beat("host-b:2", T0 + timedelta(seconds=1)))
    _in_one_unit(storage, lambda uow: uow.jobs.beat("host-a:1", T0 + timedelta(seconds=9)))
    assert _latest(storage) == T0 + timedelta(seconds=9)

    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("host-a:1"))

    assert _latest(storage) == T0 + timedelta(seconds=1)  # no older beat of host-a is left


def test_forgetting_a_runner_removes_its_heartbeat_only(storage: Storage) -> None:
    _in_one_unit(
        storage,
        lambda uow: uow.jobs.beat("host-a:1", T0 + timedelta(seconds=9)),
        lambda uow: uow.jobs.beat("host-b:2", T0),
    )

    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("host-a:1"))
    assert _latest(storage) == T0
    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("host-b:2"))
    assert _latest(storage) is None


def test_forgetting_a_runner_that_never_beat_is_no_error(storage: Storage) -> None:
    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("nobody:0"))

    assert _latest(storage) is None


def test_runners_silent_since_before_a_moment_are_forgotten_and_counted(
    storage: Storage,
) -> None:
    cutoff = T0 + timedelta(hours=1)
    _in_one_unit(
        storage,
        lambda uow: uow.jobs.beat("dead-1:1", T0),
        lambda uow: uow.jobs.beat("dead-2:2", cutoff - MICROSECOND),
        lambda uow: uow.jobs.beat("alive-1:3", cutoff),
    )

    with storage.unit_of_work() as uow:
        forgotten = uow.jobs.forget_silent_runners(cutoff)
        uow.commit()

    assert forgotten == 2
    assert _latest(storage) == cutoff
    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("alive-1:3"))
    assert _latest(storage) is None  # the two dead ones went


def test_a_beat_that_is_not_committed_leaves_nothing(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.jobs.beat("host-a:1", T0)
        assert uow.jobs.latest_beat() == T0  # seen in its own unit

    assert _latest(storage) is None


# --- the cache versions --------------------------------------------------------------


def test_heartbeats_leave_the_data_generation_alone(storage: Storage) -> None:
    before = _version(storage)

    _in_one_unit(storage, lambda uow: uow.jobs.beat("host-a:1", T0))
    _in_one_unit(storage, lambda uow: uow.jobs.beat("host-a:1", T0 + timedelta(seconds=5)))
    _in_one_unit(
        storage,
        lambda uow: uow.jobs.beat("host-b:2", T0 + timedelta(days=2)),
        lambda uow: uow.jobs.forget_silent_runners(T0 + timedelta(days=1)),
    )
    _in_one_unit(storage, lambda uow: uow.jobs.forget_runner("host-b:2"))

    assert _version(storage) == before
    assert _latest(storage) is None


@pytest.mark.parametrize("beat_first", [True, False], ids=["beat-then-data", "data-then-beat"])
def test_a_unit_that_beats_and_writes_data_still_raises_the_version(
    storage: Storage, beat_first: bool
) -> None:
    before = _version(storage)
    beat = lambda uow: uow.jobs.beat("host-a:1", T0)  # noqa: E731
    write = lambda uow: uow.products.add(ProductFactory(sku="SKU-1"))  # noqa: E731

    _in_one_unit(storage, *((beat, write) if beat_first else (write, beat)))

    assert _version(storage) > before


def test_a_data_write_after_a_heartbeat_commit_in_the_same_unit_still_counts(
    storage: Storage,
) -> None:
    before = _version(storage)

    with storage.unit_of_work() as uow:
        uow.jobs.beat("host-a:1", T0)
        uow.commit()
        assert _version(storage) == before
        uow.products.add(ProductFactory(sku="SKU-1"))
        uow.commit()

    assert _version(storage) > before
