"""The picking rule: FEFO over pickable, unexpired stock, all or nothing (API.md §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import InsufficientStock, ValidationFailed
from inventory.domain.locations import Location
from inventory.domain.lots import Lot
from inventory.domain.picking import (
    Allocation,
    Bucket,
    SerialUnit,
    Shortfall,
    fefo_order,
    pick,
    pick_serials,
)

TODAY = date(2026, 12, 7)
T0 = datetime(2026, 1, 1, tzinfo=UTC)

B1, B2, B3 = Location("WH", "B1"), Location("WH", "B2"), Location("WH", "B3")
QUARANTINE = Location("WH", "Q1", pickable=False)


def lot(code: str, expires: int | None, received: int = 0) -> Lot:
    """A lot expiring ``expires`` days from TODAY, received ``received`` days after T0."""
    expires_on = None if expires is None else TODAY + timedelta(days=expires)
    return Lot(code, expires_on, received_at=T0 + timedelta(days=received))


def test_the_earliest_expiry_goes_first() -> None:
    buckets = [Bucket(B1, lot("LATE", 30), 5), Bucket(B2, lot("SOON", 3), 5)]

    assert pick(buckets, 7, TODAY) == (Allocation("B2", "SOON", 5), Allocation("B1", "LATE", 2))


def test_lots_without_a_date_come_after_dated_ones() -> None:
    buckets = [Bucket(B1, lot("NODATE", None), 5), Bucket(B2, lot("FAR", 3000), 5)]

    assert pick(buckets, 6, TODAY) == (
        Allocation("B2", "FAR", 5),
        Allocation("B1", "NODATE", 1),
    )


def test_on_the_same_expiry_the_earliest_received_goes_first() -> None:
    buckets = [Bucket(B1, lot("NEW", 10, received=5), 4), Bucket(B2, lot("OLD", 10, received=1), 4)]

    assert pick(buckets, 5, TODAY)[0] == Allocation("B2", "OLD", 4)


def test_then_the_location_code_decides() -> None:
    same = lot("L1", 10)
    buckets = [Bucket(B3, same, 4), Bucket(B1, same, 4), Bucket(B2, same, 4)]

    assert pick(buckets, 9, TODAY) == (
        Allocation("B1", "L1", 4),
        Allocation("B2", "L1", 4),
        Allocation("B3", "L1", 1),
    )


def test_then_the_lot_code_so_that_the_order_is_total() -> None:
    buckets = [Bucket(B1, lot("LB", 10), 4), Bucket(B1, lot("LA", 10), 4)]

    assert pick(buckets, 1, TODAY) == (Allocation("B1", "LA", 1),)


def test_untracked_stock_goes_by_location_code() -> None:
    buckets = [Bucket(B2, None, 4), Bucket(B1, None, 4)]

    assert pick(buckets, 6, TODAY) == (Allocation("B1", None, 4), Allocation("B2", None, 2))


def test_a_lot_expiring_today_is_still_picked_one_expired_yesterday_never() -> None:
    buckets = [Bucket(B1, lot("YESTERDAY", -1), 5), Bucket(B2, lot("TODAY", 0), 5)]

    assert pick(buckets, 5, TODAY) == (Allocation("B2", "TODAY", 5),)


def test_stock_in_a_location_that_is_not_pickable_is_never_picked() -> None:
    buckets = [Bucket(QUARANTINE, lot("SOON", 1), 5), Bucket(B1, lot("LATE", 9), 5)]

    assert pick(buckets, 5, TODAY) == (Allocation("B1", "LATE", 5),)


def test_empty_buckets_are_skipped() -> None:
    buckets = [Bucket(B1, lot("SOON", 1), 0), Bucket(B2, lot("LATE", 9), 5)]

    assert pick(buckets, 2, TODAY) == (Allocation("B2", "LATE", 2),)


def test_a_short_pick_takes_nothing_and_says_how_much_of_the_shortfall_is_expired() -> None:
    buckets = [
        Bucket(B1, lot("OK", 5), 6),
        Bucket(B2, lot("OLD", -3), 3),
        Bucket(QUARANTINE, lot("OK2", 5), 7),
    ]

    with pytest.raises(Shortfall) as caught:
        pick(buckets, 10, TODAY, subject="MILK in WH")

    short = caught.value
    assert isinstance(short, InsufficientStock)
    assert (short.wanted, short.pickable, short.expired, short.not_pickable) == (10, 6, 3, 7)
    assert short.expired_short == 3
    assert short.detail == (
        "MILK in WH: wanted 10, only 6 can be picked; 3 of the 4 short are expired;"
        " 7 more are in locations that are not pickable"
    )


def test_expired_stock_beyond_the_shortfall_is_not_counted_as_the_cause() -> None:
    buckets = [Bucket(B1, lot("OK", 5), 9), Bucket(B2, lot("OLD", -3), 30)]

    with pytest.raises(
        Shortfall, match=r"only 9 can be picked; 1 of the 1 short are expired$"
    ) as c:
        pick(buckets, 10, TODAY)

    assert c.value.expired_short == 1


def test_a_plain_shortfall_names_only_the_figures() -> None:
    with pytest.raises(Shortfall, match=r"^stock: wanted 3, only 0 available$"):
        pick([], 3, TODAY)


def test_a_named_lot_is_taken_from_wherever_it_is_by_location_code() -> None:
    milk = lot("M1", 20)
    buckets = [Bucket(B2, milk, 3), Bucket(B1, milk, 3), Bucket(B1, lot("M0", 1), 9)]

    assert pick(buckets, 4, TODAY, lot="M1") == (
        Allocation("B1", "M1", 3),
        Allocation("B2", "M1", 1),
    )


def test_a_named_expired_lot_is_refused_the_same_way() -> None:
    buckets = [Bucket(B1, lot("OLD", -1), 5), Bucket(B2, lot("NEW", 9), 5)]

    with pytest.raises(Shortfall, match="wanted 2, only 0 can be picked; 2 of the 2 short") as c:
        pick(buckets, 2, TODAY, lot="OLD")

    assert c.value.expired == 5


def test_a_named_location_may_be_one_that_is_not_pickable() -> None:
    buckets = [Bucket(QUARANTINE, lot("L1", 5), 5), Bucket(B1, lot("L0", 1), 5)]

    assert pick(buckets, 2, TODAY, location="Q1") == (Allocation("Q1", "L1", 2),)


def test_a_named_location_and_lot_together() -> None:
    buckets = [
        Bucket(B1, lot("L1", 5), 5),
        Bucket(B2, lot("L1", 5), 5),
        Bucket(B1, lot("L2", 1), 5),
    ]

    assert pick(buckets, 5, TODAY, location="B2", lot="L1") == (Allocation("B2", "L1", 5),)

    with pytest.raises(Shortfall, match="wanted 6, only 5"):
        pick(buckets, 6, TODAY, location="B2", lot="L1")


def test_a_named_lot_never_matches_untracked_stock() -> None:
    with pytest.raises(Shortfall):
        pick([Bucket(B1, None, 5)], 1, TODAY, lot="L1")


@pytest.mark.parametrize(
    ("buckets", "quantity", "problem"),
    [
        ([], 0, "at least one unit"),
        ([Bucket(B1, None, 1), Bucket(B1, None, 2)], 1, "two buckets for location 'B1'"),
        ([Bucket(B1, None, -1)], 1, "has -1 available"),
        ([Bucket(B1, None, 1), Bucket(Location("WH2", "B1"), lot("L", 1), 1)], 1, "one warehouse"),
    ],
)
def test_a_pick_the_caller_got_wrong_is_a_programming_error(
    buckets: list[Bucket], quantity: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        pick(buckets, quantity, TODAY)


# --- serials --------------------------------------------------------------------------------


def unit(serial: str, location: Location, received: int) -> SerialUnit:
    return SerialUnit(serial, location, T0 + timedelta(days=received))


UNITS = [
    unit("S4", B2, 1),
    unit("S1", B1, 2),
    unit("S2", B2, 2),
    unit("S3", B1, 0),
    unit("S9", QUARANTINE, 0),
]


def test_serials_go_oldest_receipt_first_then_by_location_then_by_serial() -> None:
    assert pick_serials(UNITS, 3, subject="DRILL") == (
        Allocation("B1", None, 2, ("S3", "S1")),
        Allocation("B2", None, 1, ("S4",)),
    )


def test_serials_in_a_location_that_is_not_pickable_are_left_unless_it_is_named() -> None:
    with pytest.raises(Shortfall, match="wanted 5, only 4 can be picked; 1 more are in loc"):
        pick_serials(UNITS, 5, subject="DRILL")

    assert pick_serials(UNITS, 1, location="Q1") == (Allocation("Q1", None, 1, ("S9",)),)


def test_named_serials_are_taken_wherever_they_are() -> None:
    assert pick_serials(UNITS, 2, serials=["S9", "S2"]) == (
        Allocation("Q1", None, 1, ("S9",)),
        Allocation("B2", None, 1, ("S2",)),
    )


def test_named_serials_must_be_in_stock_at_the_named_location() -> None:
    with pytest.raises(InsufficientStock, match="serial\\(s\\) not in stock here: S1, S7"):
        pick_serials(UNITS, 3, location="B2", serials=["S2", "S1", "S7"])


@pytest.mark.parametrize("serials", [["S1"], ["S1", "S1"], ["S1", "S2", "S3"]])
def test_named_serials_are_one_per_unit(serials: list[str]) -> None:
    with pytest.raises(ValidationFailed, match="named for a quantity of 2"):
        pick_serials(UNITS, 2, serials=serials)


def test_a_serial_pick_the_caller_got_wrong_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        pick_serials(UNITS, 0)
    with pytest.raises(ValueError, match="serial 'S1' is given twice"):
        pick_serials([unit("S1", B1, 0), unit("S1", B2, 0)], 1)


# --- properties -----------------------------------------------------------------------------

locations = st.builds(
    Location, st.just("WH"), st.sampled_from(["A", "B", "C", "D"]), pickable=st.booleans()
)
lots = st.none() | st.builds(
    Lot,
    st.sampled_from(["L1", "L2", "L3"]),
    st.none() | st.dates(TODAY - timedelta(days=3), TODAY + timedelta(days=3)),
    received_at=st.none() | st.sampled_from([T0, T0 + timedelta(days=1)]),
)


@st.composite
def stock(draw: st.DrawFn) -> list[Bucket]:
    buckets = draw(st.lists(st.builds(Bucket, locations, lots, st.integers(0, 20)), max_size=10))
    # One bucket per (location, lot), one pickable flag and one expiry per code.
    by_key: dict[tuple[str, str | None], Bucket] = {}
    flags: dict[str, Location] = {}
    lot_of: dict[str, Lot] = {}
    for bucket in buckets:
        place = flags.setdefault(bucket.location.code, bucket.location)
        held = None if bucket.lot is None else lot_of.setdefault(bucket.lot.code, bucket.lot)
        by_key.setdefault(
            (place.code, None if held is None else held.code), Bucket(place, held, bucket.available)
        )
    return list(by_key.values())


def eligible(bucket: Bucket) -> bool:
    return bucket.location.pickable and (bucket.lot is None or not bucket.lot.expired(TODAY))


@given(stock(), st.integers(1, 60))
def test_a_pick_takes_exactly_the_request_from_eligible_stock_or_nothing(
    buckets: list[Bucket], quantity: int
) -> None:
    pickable = sum(b.available for b in buckets if eligible(b))
    if pickable < quantity:
        with pytest.raises(Shortfall) as caught:
            pick(buckets, quantity, TODAY)
        short = caught.value
        assert short.pickable == pickable
        assert short.expired + short.not_pickable + pickable == sum(b.available for b in buckets)
        return
    taken = pick(buckets, quantity, TODAY)
    assert sum(a.quantity for a in taken) == quantity
    by_key = {(b.location.code, None if b.lot is None else b.lot.code): b for b in buckets}
    assert len({(a.location, a.lot) for a in taken}) == len(taken)
    for allocation in taken:
        bucket = by_key[allocation.location, allocation.lot]
        assert type(allocation.quantity) is int
        assert 0 < allocation.quantity <= bucket.available
        assert eligible(bucket)


@given(stock(), st.integers(1, 60))
def test_no_unit_left_behind_would_have_been_picked_before_a_taken_one(
    buckets: list[Bucket], quantity: int
) -> None:
    try:
        taken = pick(buckets, quantity, TODAY)
    except Shortfall:
        return
    by_key = {(b.location.code, None if b.lot is None else b.lot.code): b for b in buckets}
    used = {(a.location, a.lot): a.quantity for a in taken}
    picked_keys = [fefo_order(by_key[key]) for key in used]
    assert picked_keys == sorted(picked_keys)  # allocations come in picking order
    last = max(picked_keys)
    for key, bucket in by_key.items():
        left = bucket.available - used.get(key, 0)
        if left and eligible(bucket):
            assert fefo_order(bucket) >= last


@given(stock(), st.integers(1, 60), st.randoms())
def test_the_order_the_stock_is_given_in_does_not_matter(
    buckets: list[Bucket], quantity: int, random: Random
) -> None:
    shuffled = list(buckets)
    random.shuffle(shuffled)
    try:
        expected = pick(buckets, quantity, TODAY)
    except Shortfall:
        with pytest.raises(Shortfall):
            pick(shuffled, quantity, TODAY)
        return
    assert pick(shuffled, quantity, TODAY) == expected


serial_units = st.lists(
    st.builds(
        SerialUnit,
        st.text("SXYZ0123", min_size=1, max_size=4),
        locations,
        st.sampled_from([T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]),
    ),
    max_size=12,
    unique_by=lambda u: u.serial,
)


@given(serial_units, st.integers(1, 14))
def test_a_serial_pick_takes_distinct_pickable_units_oldest_first(
    units: list[SerialUnit], quantity: int
) -> None:
    usable = [u for u in units if u.location.pickable]
    try:
        taken = pick_serials(units, quantity)
    except Shortfall:
        assert len(usable) < quantity
        return
    serials = [s for a in taken for s in a.serials]
    assert len(serials) == len(set(serials)) == quantity
    assert all(a.quantity == len(a.serials) for a in taken)
    where = {u.serial: u for u in units}
    assert all(where[s].location.code == a.location for a in taken for s in a.serials)
    assert all(where[s].location.pickable for s in serials)
    newest_taken = max(where[s].received_at for s in serials)
    assert all(u.received_at >= newest_taken for u in usable if u.serial not in serials)
