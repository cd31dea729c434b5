"""The rate-limit policy and the weighted two-window counter, on a clock passed in by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.application.rate_limits import Rate, RateDecision, WindowCounts, hit

PER_MINUTE = Rate(10, 60)


def hits_at(
    rate: Rate, times: list[float], counts: WindowCounts | None = None
) -> tuple[list[RateDecision], WindowCounts | None]:
    """The decision for a hit at each of ``times`` in turn, and the state after the last."""
    decisions = []
    for now in times:
        decision, counts = hit(rate, counts, now)
        decisions.append(decision)
    return decisions, counts


def allowed(decisions: list[RateDecision]) -> int:
    return sum(decision.allowed for decision in decisions)


# --- the setting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5/second", Rate(5, 1)),
        ("600/minute", Rate(600, 60)),
        ("1/minute", Rate(1, 60)),
        ("10000/hour", Rate(10_000, 3600)),
    ],
)
def test_a_rate_is_parsed_from_the_setting(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate
    assert str(rate) == text


def test_off_parses_to_no_rate() -> None:
    assert Rate.parse("off") is None


@pytest.mark.parametrize("text", ["", "600", "600/day", "/minute", "-1/minute", "ten/minute"])
def test_anything_else_is_not_a_rate(text: str) -> None:
    with pytest.raises(ValueError, match="N/second"):
        Rate.parse(text)


def test_a_rate_of_zero_requests_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        Rate.parse("0/minute")


# --- one window ------------------------------------------------------------------------


def test_exactly_the_limit_is_allowed_in_a_window_then_refused() -> None:
    decisions, _ = hits_at(PER_MINUTE, [float(t) for t in range(12)])

    assert [d.allowed for d in decisions] == [True] * 10 + [False] * 2
    assert [d.remaining for d in decisions] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]
    assert {d.limit for d in decisions} == {10}


def test_a_burst_spends_the_whole_budget_at_one_instant() -> None:
    decisions, _ = hits_at(PER_MINUTE, [30.0] * 25)

    assert allowed(decisions) == 10
    assert all(not d.allowed for d in decisions[10:])


def test_refused_hits_are_not_counted() -> None:
    # A client that keeps knocking while refused gets in as soon as its budget returns.
    _, full = hits_at(PER_MINUTE, [0.0] * 10)
    refused, knocked = hits_at(PER_MINUTE, [float(t) for t in range(1, 60)], full)
    assert allowed(refused) == 0

    assert knocked == WindowCounts(0, 10, 0)


def test_a_refusal_says_how_long_to_wait_and_that_is_when_the_next_hit_fits() -> None:
    _, full = hits_at(PER_MINUTE, [0.0] * 10)

    refused, _ = hit(PER_MINUTE, full, 0.0)

    # 10 hits weigh 10 until the next window starts at 60, then slide out: the
    # first of them is gone as soon as it has started.
    assert (refused.allowed, refused.retry_after) == (False, 61)
    assert not hit(PER_MINUTE, full, 60.0)[0].allowed
    assert hit(PER_MINUTE, full, 61.0)[0].allowed


def test_retry_after_counts_how_the_previous_window_slides_out() -> None:
    _, spent = hits_at(PER_MINUTE, [30.0] * 10)
    _, full = hits_at(PER_MINUTE, [90.0] * 5, spent)  # 5 of the 10 still weigh at 90

    refused, _ = hit(PER_MINUTE, full, 90.0)

    # One more fits once fewer than 5 of the 10 weigh: after 10 * (1 - e / 60) < 5,
    # i.e. e > 30 s into the window: at 91.
    assert (refused.allowed, refused.retry_after) == (False, 1)
    assert hit(PER_MINUTE, full, 91.0)[0].allowed


def test_retry_after_is_at_least_one_second_even_when_the_hit_would_fit_sooner() -> None:
    _, full = hits_at(PER_MINUTE, [0.0] * 10)

    refused, _ = hit(PER_MINUTE, full, 59.9)

    assert (refused.allowed, refused.retry_after) == (False, 1)


def test_an_allowed_hit_has_no_retry_after() -> None:
    decision, _ = hit(PER_MINUTE, None, 0.0)

    assert (decision.allowed, decision.retry_after) == (True, 0)


# --- window edges ----------------------------------------------------------------------


def test_the_previous_windows_hits_weigh_less_as_the_window_slides() -> None:
    _, spent = hits_at(PER_MINUTE, [59.0] * 10)

    # At the start of the next window they still weigh all 10 ...
    assert allowed(hits_at(PER_MINUTE, [60.0] * 10, spent)[0]) == 0
    # ... a quarter of the way in, 7 whole hits of the 7.5 left: three more fit ...
    assert allowed(hits_at(PER_MINUTE, [75.0] * 10, spent)[0]) == 3
    # ... half way, 5 ...
    assert allowed(hits_at(PER_MINUTE, [90.0] * 10, spent)[0]) == 5
    # ... and once less than one of them is left, the whole budget.
    assert allowed(hits_at(PER_MINUTE, [114.0] * 10, spent)[0]) == 9
    assert allowed(hits_at(PER_MINUTE, [114.1] * 10, spent)[0]) == 10


def test_one_whole_window_after_the_window_of_the_hits_they_no_longer_count() -> None:
    _, spent = hits_at(PER_MINUTE, [0.0, 20.0, 40.0, 59.9] + [59.9] * 6)

    decisions, _ = hits_at(PER_MINUTE, [120.0] * 11, spent)

    assert decisions[0].remaining == 9
    assert allowed(decisions) == 10


def test_a_client_pacing_itself_just_under_the_limit_is_never_refused() -> None:
    # One hit every 6.1 s is 9.8 a minute.
    decisions, _ = hits_at(PER_MINUTE, [6.1 * n for n in range(1000)])

    assert allowed(decisions) == 1000


@pytest.mark.parametrize("pace", [0.5, 1.0, 3.0])
def test_a_client_sending_faster_gets_the_limit_per_window_and_no_more(pace: float) -> None:
    decisions, _ = hits_at(PER_MINUTE, [pace * n for n in range(int(6000 / pace))])

    assert allowed(decisions) == 1000  # 100 minutes at 10 a minute


def test_a_window_far_in_the_past_or_the_future_counts_nothing() -> None:
    for stored in (WindowCounts(5, 10, 10), WindowCounts(500, 10, 10)):
        decision, counts = hit(PER_MINUTE, stored, 60.0 * 100)

        assert decision.remaining == 9
        assert counts == WindowCounts(100, 1, 0)


def test_idle_state_is_recognised_once_it_weighs_nothing() -> None:
    counts = WindowCounts(0, 3, 0)

    assert not counts.is_idle(60.0, PER_MINUTE)
    assert not counts.is_idle(119.9, PER_MINUTE)
    assert counts.is_idle(120.0, PER_MINUTE)


# --- reset -------------------------------------------------------------------------------


def test_reset_is_when_every_counted_hit_has_slid_out() -> None:
    first, counts = hit(PER_MINUTE, None, 15.0)
    # Counted in window [0, 60), it weighs until the end of [60, 120).
    assert first.reset == 105

    later, _ = hit(PER_MINUTE, counts, 119.5)
    assert later.reset == 61  # this hit is in [60, 120): it weighs until 180


def test_a_refusal_resets_no_sooner_than_it_may_retry() -> None:
    _, full = hits_at(PER_MINUTE, [0.0] * 10)

    refused, _ = hit(PER_MINUTE, full, 70.0)

    assert refused.retry_after <= refused.reset


# --- properties ----------------------------------------------------------------------------

limits = st.integers(min_value=1, max_value=50)
windows = st.sampled_from([1, 60, 3600])
# Times in quarter seconds: window edges, bursts at one instant, and long gaps.
schedules = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=120)


def times_of(rate: Rate, gaps: list[int]) -> list[float]:
    times, now = [], 0.0
    for gap in gaps:
        now += gap * rate.window / 16
        times.append(now)
    return times


@given(limits, windows, schedules)
def test_remaining_is_never_negative_nor_above_the_limit(
    limit: int, window: int, gaps: list[int]
) -> None:
    rate = Rate(limit, window)
    decisions, _ = hits_at(rate, times_of(rate, gaps))

    assert all(0 <= d.remaining <= limit for d in decisions)


@given(limits, windows, schedules)
def test_remaining_is_how_many_more_hits_fit_at_that_instant(
    limit: int, window: int, gaps: list[int]
) -> None:
    rate = Rate(limit, window)
    counts: WindowCounts | None = None
    for now in times_of(rate, gaps):
        decision, counts = hit(rate, counts, now)
        burst, _ = hits_at(rate, [now] * (limit + 1), counts)
        assert allowed(burst) == decision.remaining


@given(limits, windows, schedules)
def test_a_refused_client_that_waits_retry_after_is_let_in(
    limit: int, window: int, gaps: list[int]
) -> None:
    rate = Rate(limit, window)
    counts: WindowCounts | None = None
    for now in times_of(rate, gaps):
        decision, counts = hit(rate, counts, now)
        if not decision.allowed:
            assert 1 <= decision.retry_after <= decision.reset
            assert hit(rate, counts, now + decision.retry_after)[0].allowed
            if decision.retry_after > 1:
                assert not hit(rate, counts, now + decision.retry_after - 1)[0].allowed


@given(limits, windows, schedules)
def test_no_fixed_window_counts_more_than_the_limit(
    limit: int, window: int, gaps: list[int]
) -> None:
    rate = Rate(limit, window)
    counts: WindowCounts | None = None
    for now in times_of(rate, gaps):
        _, counts = hit(rate, counts, now)
        assert counts.current <= limit
