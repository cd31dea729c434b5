"""GS1 element strings and GTINs (API.md §13), against the GS1 General Specifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import ValidationFailed
from inventory.domain.gs1 import (
    GS,
    GTIN_LENGTHS,
    ElementString,
    Gs1Error,
    barcode_forms,
    barcode_key,
    bracketed,
    check_digit,
    expiry_date,
    gtin14,
    is_element_string,
    is_gtin,
    parse,
    raw,
)

TODAY = date(2026, 12, 7)


def test_the_check_digit_example_of_the_general_specifications() -> None:
    """GS1 General Specifications 7.9 (standard check digit calculation), the GTIN-13
    worked example 629104150021 -> 3, the same one GS1 Hong Kong's calculator page shows."""
    assert check_digit("629104150021") == 3
    assert is_gtin("6291041500213")


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("0950600013435", 2),  # GTIN-14 09506000134352 of GS1's own examples
        ("37610425002123456", 9),  # the SSCC of the General Specifications' examples
        ("9638507", 4),  # GTIN-8 96385074
        ("03600029145", 2),  # GTIN-12 036000291452
        ("", 0),
    ],
)
def test_check_digits_of_every_length(body: str, digit: int) -> None:
    assert check_digit(body) == digit


@pytest.mark.parametrize("code", ["96385074", "036000291452", "6291041500213", "09506000134352"])
def test_gtins_of_8_12_13_and_14_digits_pad_to_14(code: str) -> None:
    assert gtin14(code) == code.zfill(14)
    assert len(gtin14(code)) == 14


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("6291041500214", "check digit is 4, should be 3"),
        ("629104150", "8, 12, 13 or 14 digits, not 9"),
        ("12345", "not 5"),
        ("62910415002l3", "digits only"),
        ("".join(chr(0xFF10 + int(d)) for d in "6291041500213"), "digits only"),  # full width
    ],
)
def test_a_malformed_gtin_is_refused_naming_the_problem(code: str, problem: str) -> None:
    with pytest.raises(Gs1Error, match=problem):
        gtin14(code)
    assert not is_gtin(code)


def test_a_gs1_error_is_a_validation_error_on_the_code_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        gtin14("6291041500214")

    assert [error.field for error in caught.value.errors] == ["code"]


def test_gtins_of_different_lengths_share_one_barcode_key_other_codes_stay_as_given() -> None:
    assert barcode_key("96385074") == barcode_key("000000096385074"[1:]) == "00000096385074"
    assert barcode_key("6291041500213") == "06291041500213"
    assert barcode_key("6291041500214") == "6291041500214"  # bad check digit: a plain code
    assert barcode_key("BIN-A1") == "BIN-A1"


def test_the_bracketed_example_of_the_contract() -> None:
    read = parse("(01)09506000134352(10)ABC123(17)261231(21)X1", TODAY)

    assert read == ElementString("09506000134352", "ABC123", date(2026, 12, 31), "X1")


def test_the_example_of_the_task_with_expiry_before_lot() -> None:
    read = parse("(01)09506000134352(17)201225(10)ABC123", TODAY)

    assert read == ElementString("09506000134352", "ABC123", date(2020, 12, 25))


@pytest.mark.parametrize("prefix", ["]C1", "]e0", "]d2", "]Q3", "]J1", GS, ""])
def test_the_raw_form_reads_the_same_with_any_symbology_identifier(prefix: str) -> None:
    """Fixed-length AIs (01, 17) need no FNC1 after them, variable ones (10, 21) do
    unless last: GS1 General Specifications, the table of element strings with
    predefined length (AIs 00 to 04, 11 to 20, 31 to 36, 41)."""
    text = f"{prefix}01095060001343521726123110ABC123{GS}21X1"

    assert parse(text, TODAY) == ElementString("09506000134352", "ABC123", date(2026, 12, 31), "X1")


def test_a_separator_after_a_fixed_length_field_or_at_the_end_is_tolerated() -> None:
    text = f"]d20109506000134352{GS}17261231{GS}21X1{GS}"

    assert parse(text, TODAY) == ElementString(
        "09506000134352", expires_on=date(2026, 12, 31), serial="X1"
    )


def test_variable_fields_in_the_raw_form_run_to_the_separator() -> None:
    text = f"]C110LOT-7/A{GS}3012{GS}0109506000134352"

    assert parse(text, TODAY) == ElementString("09506000134352", "LOT-7/A", count=12)


def test_ai_37_is_a_count_too() -> None:
    assert parse("(01)09506000134352(37)00000024", TODAY).count == 24


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("(01)09506000134353", r"check digit is 3, should be 2"),
        ("(01)9506000134352", r"AI 01 \(GTIN\): needs exactly 14 characters, not 13"),
        ("(01)0950600013435X", r"AI 01 \(GTIN\): '0950600013435X' must be digits only"),
        ("(17)261332", r"AI 17 \(expiry date\): '261332' has no month 13"),
        ("(17)260230", r"2026-02 has no day 30"),
        ("(17)2612", r"AI 17 \(expiry date\): needs exactly 6 characters, not 4"),
        ("(10)" + "A" * 21, r"AI 10 \(batch/lot\): at most 20 characters, not 21"),
        ("(21)" + "1" * 21, r"AI 21 \(serial number\): at most 20 characters, not 21"),
        ("(10)AB C", r"AI 10 \(batch/lot\): 'AB C' holds a character outside"),
        ("(21)Ä1", r"AI 21 \(serial number\).*character set 82"),
        ("(30)123456789", r"AI 30 \(count of items\): at most 8 characters, not 9"),
        ("(30)12a", r"AI 30 \(count of items\): '12a' must be digits only"),
        ("(37)0", r"AI 37 \(count of trade items\): a count of zero"),
        ("(10)", r"AI 10 \(batch/lot\): empty"),
        ("(11)261231", r"AI 11 is not supported"),
        ("(3103)000123", r"AI 3103 is not supported"),
        ("(10)A(10)B", r"AI 10 \(batch/lot\) appears more than once"),
        ("(30)2(37)2", r"AI 30 and AI 37 both give a count"),
        ("(01)09506000134352X", r"needs exactly 14 characters, not 15"),
        ("(1)A", r"expected '\(AI\)' with a 2 to 4 digit AI at character 1"),
        (f"]C1{GS}", r"it holds no field"),
        ("]C1", r"it holds no field"),
        ("]C11126123110A", r"unknown or unsupported AI at character 1 \('1126'...\)"),
        ("]C101095060001343", r"AI 01 \(GTIN\): needs 14 characters, only 12 left"),
        (f"]C110A{GS}{GS}21B", r"unknown or unsupported AI at character 5"),
        (f"]C110{GS}21B", r"AI 10 \(batch/lot\): empty"),
    ],
)
def test_a_malformed_element_string_is_refused_naming_the_ai_and_the_problem(
    text: str, problem: str
) -> None:
    with pytest.raises(Gs1Error, match=problem):
        parse(text, TODAY)


@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [
        ("261200", date(2026, 12, 31)),
        ("260200", date(2026, 2, 28)),
        ("280200", date(2028, 2, 29)),  # a leap year
        ("000200", date(2000, 2, 29)),  # 2000 was a leap year
        ("260400", date(2026, 4, 30)),
        ("260101", date(2026, 1, 1)),
    ],
)
def test_day_00_is_the_last_day_of_the_month(yymmdd: str, expected: date) -> None:
    """GS1 General Specifications section 3.4, AI 17 (expiration date, YYMMDD): when
    only year and month are given, DD is 00 and means the last day of the month."""
    assert expiry_date(yymmdd, TODAY) == expected


@pytest.mark.parametrize(
    ("today", "yy", "year"),
    [
        (date(2026, 12, 7), "76", 2076),  # 50 ahead: still this century
        (date(2026, 12, 7), "77", 1977),  # 51 ahead: the previous century
        (date(2026, 12, 7), "99", 1999),
        (date(2026, 12, 7), "00", 2000),
        (date(2026, 12, 7), "26", 2026),
        (date(2090, 1, 1), "40", 2140),  # 50 behind: the next century
        (date(2090, 1, 1), "41", 2041),  # 49 behind: this century
        (date(2099, 6, 1), "00", 2100),  # 99 behind: the next century
        (date(2000, 6, 1), "99", 1999),  # 99 ahead: the previous century
        (date(2000, 6, 1), "50", 2050),
        (date(2000, 6, 1), "51", 1951),
    ],
)
def test_the_century_of_a_two_digit_year(today: date, yy: str, year: int) -> None:
    """GS1 General Specifications 7.12 "Determination of century in dates": with
    YY less the current year's last two digits from 51 to 99 the date is in the
    previous century, from -99 to -50 in the next, otherwise in this one."""
    assert expiry_date(f"{yy}0615", today).year == year


def test_an_expiry_that_is_not_digits_is_refused() -> None:
    with pytest.raises(Gs1Error, match="is not six digits YYMMDD"):
        expiry_date("26-1-1", TODAY)


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("(01)09506000134352", True),
        ("]C10109506000134352", True),
        ("]Q30109506000134352", True),
        (f"{GS}0109506000134352", True),
        (f"10ABC{GS}21X", True),
        ("0109506000134352", False),  # unmarked: a plain code (see the scan readings)
        ("BIN-A1", False),
    ],
)
def test_what_counts_as_a_marked_element_string(text: str, marked: bool) -> None:
    assert is_element_string(text) is marked


def test_the_bracketed_and_raw_forms_written_out() -> None:
    element = ElementString("09506000134352", "ABC123", date(2026, 12, 31), "X1", 3)

    assert bracketed(element) == "(01)09506000134352(17)261231(10)ABC123(21)X1(30)3"
    assert raw(element) == f"]C101095060001343521726123110ABC123{GS}21X1{GS}303"
    assert raw(ElementString(lot="L1"), prefix="") == "10L1"


# --- properties -----------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
cset82 = st.text(
    alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
    min_size=1,
    max_size=20,
)
gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(
    lambda body: body + str(check_digit(body))
)
# Dates whose two-digit year reads back in the same century from TODAY (2026): 1977..2076.
expiries = st.dates(date(1977, 1, 1), date(2076, 12, 31))


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_any_13_digits_with_their_check_digit_make_a_valid_gtin_14(body: str) -> None:
    assert is_gtin(body + str(check_digit(body)))


@given(gtins, st.integers(0, 13), st.integers(1, 9))
def test_a_single_changed_digit_is_always_detected(gtin: str, at: int, shift: int) -> None:
    changed = gtin[:at] + str((int(gtin[at]) + shift) % 10) + gtin[at + 1 :]

    assert not is_gtin(changed)


@given(digits)
def test_a_number_with_its_check_digit_checks_out_and_padding_keeps_it(body: str) -> None:
    code = body + str(check_digit(body))

    assert check_digit(code.zfill(30)[:-1]) == int(code[-1])


def element_strings(lots: st.SearchStrategy[str]) -> st.SearchStrategy[ElementString]:
    return st.builds(
        ElementString,
        gtin=st.none() | gtins,
        lot=st.none() | lots,
        expires_on=st.none() | expiries,
        serial=st.none() | lots,
        count=st.none() | st.integers(1, 99_999_999),
    ).filter(lambda element: element != ElementString())


# In brackets, data runs to the next "(": a lot holding one cannot be written that way.
@given(element_strings(cset82.filter(lambda text: "(" not in text)))
def test_the_bracketed_form_reads_back_what_was_written(element: ElementString) -> None:
    assert parse(bracketed(element), TODAY) == element


@given(element_strings(cset82), st.sampled_from(["]C1", "]e0", "]d2", "]Q3", GS, ""]))
def test_the_raw_form_reads_back_what_was_written(element: ElementString, prefix: str) -> None:
    text = raw(element, prefix)
    if not prefix:
        text = GS + text  # unmarked raw data still needs FNC1 in first position or a prefix

    assert parse(text, TODAY) == element


@given(
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 31),
    st.dates(date(1901, 1, 1), date(2998, 12, 31)),
)
def test_a_yymmdd_date_lands_within_fifty_years_of_today_or_is_refused(
    yy: int, month: int, day: int, today: date
) -> None:
    try:
        read = expiry_date(f"{yy:02d}{month:02d}{day:02d}", today)
    except Gs1Error:
        assert day > 28
        return
    assert read.year % 100 == yy
    assert read.month == month
    assert -49 <= read.year - today.year <= 50
    if day:
        assert read.day == day
    else:
        assert (read + timedelta(days=1)).day == 1


def test_the_forms_a_gtin_may_be_stored_in_are_its_lengths_less_leading_zeros() -> None:
    assert barcode_forms("00000096385074") == (
        "00000096385074",
        "0000096385074",
        "000096385074",
        "96385074",
    )
    assert barcode_forms("00036000291452") == ("00036000291452", "0036000291452", "036000291452")
    assert barcode_forms("06291041500213") == ("06291041500213", "6291041500213")
    assert barcode_forms("09506000134352") == ("09506000134352", "9506000134352")
    assert barcode_forms("19506000134359") == ("19506000134359",)


@pytest.mark.parametrize("code", ["BIN-A1", "6291041500214", "0000000000000", "123"])
def test_a_code_that_is_no_14_digit_gtin_is_stored_only_as_itself(code: str) -> None:
    assert barcode_forms(code) == (code,)


@given(
    st.sampled_from([n - 1 for n in GTIN_LENGTHS]).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
    )
)
def test_every_stored_form_of_a_gtin_has_the_same_key(body: str) -> None:
    code = body + str(check_digit(body))
    key = barcode_key(code)

    forms = barcode_forms(key)

    assert code in forms
    assert {barcode_key(form) for form in forms} == {key}
