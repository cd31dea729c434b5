"""Job runners' heartbeats: the freshest counts, a clean stop forgets, old ones go."""

from __future__ import annotations

from datetime import timedelta

from inventory.application.jobs import forget_heartbeat, record_heartbeat, runner_heartbeat
from tests.factories import WATCHED_SCOPES as WATCHED
from tests.unit.stories import Shop


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
        before = uow.versions([WATCHED])[0]

    record_heartbeat("host-a:41", shop.uow(), shop.clock)
    forget_heartbeat("host-a:41", shop.uow())

    with shop.uow().reading() as uow:
        assert uow.versions([WATCHED])[0] == before
