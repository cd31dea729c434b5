"""Lots, their expiry, and the serials of a receipt (API.md §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from inventory.domain.errors import Conflict, ValidationFailed
from inventory.domain.lots import Lot, Tracking, check_new_serials

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
TODAY = date(2026, 12, 7)


def test_tracking_modes_are_the_contracts_words() -> None:
    assert [mode.value for mode in Tracking] == ["none", "lot", "serial"]


def test_a_lot_received_without_a_date_gets_the_shelf_life_from_the_receipt_date() -> None:
    lot = Lot.receive("L1", AT, TODAY, shelf_life_days=30)

    assert lot == Lot("L1", date(2027, 1, 6), None, AT)


def test_a_given_expiry_wins_over_the_shelf_life() -> None:
    lot = Lot.receive("L1", AT, TODAY, expires_on=date(2027, 3, 1), shelf_life_days=30)

    assert lot.expires_on == date(2027, 3, 1)


def test_without_either_a_lot_has_no_expiry() -> None:
    assert Lot.receive("L1", AT, TODAY).expires_on is None


def test_a_lot_that_has_already_expired_is_still_received() -> None:
    lot = Lot.receive("L1", AT, TODAY, expires_on=date(2026, 1, 1))

    assert lot.expired(TODAY)


def test_a_lot_made_after_it_expires_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Lot.receive("L1", AT, TODAY, expires_on=date(2027, 1, 1), manufactured_on=date(2027, 2, 1))

    assert caught.value.errors[0].field == "lot.manufactured_on"


def test_a_lot_made_on_the_day_it_expires_is_accepted() -> None:
    day = date(2027, 1, 1)

    assert Lot.receive("L1", AT, TODAY, expires_on=day, manufactured_on=day).manufactured_on == day


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2027, 1, 1), False), (date(2026, 12, 31), False), (date(2027, 1, 2), True)],
)
def test_a_lot_is_expired_only_once_the_day_is_past_its_date(today: date, expired: bool) -> None:
    assert Lot("L1", date(2027, 1, 1)).expired(today) is expired


def test_a_lot_without_a_date_never_expires() -> None:
    assert not Lot("L1").expired(date(9999, 12, 31))


def test_a_later_receipt_of_the_lot_may_repeat_or_omit_its_date() -> None:
    lot = Lot("L1", date(2027, 1, 1))

    lot.receive_again(date(2027, 1, 1))
    lot.receive_again(None)


@pytest.mark.parametrize("first", [date(2027, 1, 1), None])
def test_a_later_receipt_with_another_date_is_a_conflict(first: date | None) -> None:
    with pytest.raises(Conflict, match="not 2027-02-01"):
        Lot("L1", first).receive_again(date(2027, 2, 1))


def test_a_receipt_carries_one_new_serial_per_unit() -> None:
    check_new_serials(["S1", "S2"], 2, in_stock={"S3"})


@pytest.mark.parametrize("serials", [["S1"], ["S1", "S2", "S3"], []])
def test_a_receipt_with_too_few_or_too_many_serials_is_refused(serials: list[str]) -> None:
    with pytest.raises(ValidationFailed, match="for a quantity of 2"):
        check_new_serials(serials, 2, in_stock=set())


def test_a_serial_named_twice_is_refused_where_it_repeats() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_new_serials(["S1", "S2", "S1", "S1"], 4, in_stock=set())

    assert [error.field for error in caught.value.errors] == ["serials.2", "serials.3"]


def test_a_serial_already_in_stock_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="already in stock: S2, S4"):
        check_new_serials(["S1", "S2", "S4"], 3, in_stock={"S2", "S4", "S9"})


def test_a_lot_enters_the_warning_window_the_given_days_before_it_expires() -> None:
    assert Lot("L1", date(2027, 1, 31)).enters_warning_on(30) == date(2027, 1, 1)
    assert Lot("L1", date(2027, 1, 31)).enters_warning_on(0) == date(2027, 1, 31)
    assert Lot("L1").enters_warning_on(30) is None
