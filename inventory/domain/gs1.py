"""GS1 element strings and GTINs: what a scanner reads off a GS1 barcode (API.md §13).

Reads AIs 01, 10, 17, 21, 30 and 37 in the bracketed form and the raw form
(FNC1 sent as the GS character, optional symbology identifier); checks GTIN
check digits and pads GTIN-8/12/13 to 14 digits. See docs/adr/0014-gs1-element-strings.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from inventory.domain.errors import FieldError, ValidationFailed

GS = "\x1d"
"""The ASCII group separator a scanner sends for FNC1 between fields."""

GTIN_LENGTHS = (8, 12, 13, 14)

SYMBOLOGY_IDENTIFIERS = ("]C1", "]e0", "]d2", "]Q3", "]J1")
"""The AIM prefixes that announce GS1 data: GS1-128, DataBar, DataMatrix, QR, DotCode."""

_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
"""GS1 AI encodable character set 82, what batch and serial numbers may hold."""


@dataclass(frozen=True, slots=True)
class _Field:
    title: str
    length: int
    fixed: bool
    numeric: bool


_FIELDS = {
    "01": _Field("GTIN", 14, fixed=True, numeric=True),
    "10": _Field("batch/lot", 20, fixed=False, numeric=False),
    "17": _Field("expiry date", 6, fixed=True, numeric=True),
    "21": _Field("serial number", 20, fixed=False, numeric=False),
    "30": _Field("count of items", 8, fixed=False, numeric=True),
    "37": _Field("count of trade items", 8, fixed=False, numeric=True),
}


class Gs1Error(ValidationFailed):
    """A scanned code that is not a well-formed GS1 element string or GTIN."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, (FieldError("code", detail),))


@dataclass(frozen=True, slots=True)
class ElementString:
    """What one GS1 element string carries; ``gtin`` is always 14 digits.

    ``count`` is AI 30 (items in a variable-count trade item) or AI 37 (trade
    items in a logistic unit): the number of scanned GTINs the item holds.
    """

    gtin: str | None = None
    lot: str | None = None
    expires_on: date | None = None
    serial: str | None = None
    count: int | None = None


def check_digit(body: str) -> int:
    """The GS1 modulo-10 check digit of ``body`` (all digits, no check digit yet).

    Weights 3 and 1 alternate from the rightmost digit of the body leftwards.
    """
    total = sum(int(digit) * (3 if n % 2 == 0 else 1) for n, digit in enumerate(reversed(body)))
    return -total % 10


def is_gtin(code: str) -> bool:
    """Whether ``code`` is a GTIN-8, -12, -13 or -14 whose check digit holds."""
    return (
        len(code) in GTIN_LENGTHS
        and code.isascii()
        and code.isdigit()
        and check_digit(code[:-1]) == int(code[-1])
    )


def gtin14(code: str) -> str:
    """``code`` as a 14-digit GTIN, zero-padded on the left; refuses anything else."""
    if not (code.isascii() and code.isdigit()):
        raise Gs1Error(f"GTIN {code!r}: must be digits only")
    if len(code) not in GTIN_LENGTHS:
        raise Gs1Error(f"GTIN {code!r}: must have 8, 12, 13 or 14 digits, not {len(code)}")
    expected = check_digit(code[:-1])
    if expected != int(code[-1]):
        raise Gs1Error(f"GTIN {code!r}: check digit is {code[-1]}, should be {expected}")
    return code.zfill(14)


def barcode_key(code: str) -> str:
    """The form under which a barcode is matched and kept unique.

    A valid GTIN of any length becomes its 14-digit form, so GTIN-8/12/13/14
    match each other; any other barcode is matched exactly as given.
    """
    return code.zfill(14) if is_gtin(code) else code


def barcode_forms(key: str) -> tuple[str, ...]:
    """Every way a stored barcode whose ``barcode_key`` is ``key`` may be written.

    A 14-digit GTIN may have been stored as its GTIN-8, -12 or -13 form (the
    same digits less leading zeros); any other key only as itself.
    """
    if len(key) != 14 or not is_gtin(key):
        return (key,)
    return tuple(key[-n:] for n in (14, 13, 12, 8) if key[: 14 - n].strip("0") == "")


def expiry_date(yymmdd: str, today: date) -> date:
    """The date of a GS1 ``YYMMDD`` field (AI 17), as read on ``today``.

    Day ``00`` is the last day of the month. The century follows GS1 General
    Specifications 7.12: a year 51 to 99 ahead of today's two digits is in the
    previous century, one 50 to 99 behind them in the next, any other in this one.
    """
    if len(yymmdd) != 6 or not (yymmdd.isascii() and yymmdd.isdigit()):
        raise Gs1Error(f"AI 17 (expiry date): {yymmdd!r} is not six digits YYMMDD")
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century, now = divmod(today.year, 100)
    difference = yy - now
    if difference >= 51:
        century -= 1
    elif difference <= -50:
        century += 1
    year = century * 100 + yy
    if not 1 <= month <= 12:
        raise Gs1Error(f"AI 17 (expiry date): {yymmdd!r} has no month {month:02d}")
    last = calendar.monthrange(year, month)[1]
    if day > last:
        raise Gs1Error(f"AI 17 (expiry date): {yymmdd!r}: {year}-{month:02d} has no day {day}")
    return date(year, month, day or last)


def parse(text: str, today: date) -> ElementString:
    """Read a GS1 element string, bracketed or raw; ``today`` fixes AI 17's century."""
    pairs = _bracketed_pairs(text) if text.startswith("(") else _raw_pairs(text)
    return _element_string(pairs, today)


def is_element_string(text: str) -> bool:
    """Whether ``text`` is marked as GS1 data: brackets, a symbology identifier or FNC1."""
    return text.startswith(("(", *SYMBOLOGY_IDENTIFIERS)) or GS in text


def bracketed(element: ElementString) -> str:
    """``element`` in the human-readable form, e.g. ``(01)09506000134352(10)ABC``."""
    return "".join(f"({ai}){value}" for ai, value in _pairs_of(element))


def raw(element: ElementString, prefix: str = "]C1") -> str:
    """``element`` as a scanner sends it: ``prefix``, then FNC1 (GS) after variable fields."""
    out = prefix
    pairs = _pairs_of(element)
    for n, (ai, value) in enumerate(pairs):
        out += ai + value
        if not _FIELDS[ai].fixed and n < len(pairs) - 1:
            out += GS
    return out


def _pairs_of(element: ElementString) -> list[tuple[str, str]]:
    # Fixed-length fields first: they need no separator after them.
    pairs: list[tuple[str, str]] = []
    if element.gtin is not None:
        pairs.append(("01", element.gtin))
    if element.expires_on is not None:
        day = element.expires_on
        pairs.append(("17", f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"))
    if element.lot is not None:
        pairs.append(("10", element.lot))
    if element.serial is not None:
        pairs.append(("21", element.serial))
    if element.count is not None:
        pairs.append(("30", str(element.count)))
    return pairs


_BRACKETED = re.compile(r"\((\d{2,4})\)([^(]*)")


def _bracketed_pairs(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        match = _BRACKETED.match(text, at)
        if match is None:
            raise Gs1Error(
                f"GS1 element string: expected '(AI)' with a 2 to 4 digit AI at character {at + 1}"
            )
        pairs.append((match[1], match[2]))
        at = match.end()
    return pairs


def _raw_pairs(text: str) -> list[tuple[str, str]]:
    for prefix in SYMBOLOGY_IDENTIFIERS:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.lstrip(GS)  # a leading FNC1 (first position) marks GS1 data; it carries none
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        ai = text[at : at + 2]
        spec = _FIELDS.get(ai)
        if spec is None:
            raise Gs1Error(
                f"GS1 element string: unknown or unsupported AI at character {at + 1}"
                f" ({text[at : at + 4]!r}...); supported: {', '.join(_FIELDS)}"
            )
        start = at + 2
        if spec.fixed:
            end = start + spec.length
            if end > len(text):
                raise Gs1Error(
                    f"AI {ai} ({spec.title}): needs {spec.length} characters,"
                    f" only {len(text) - start} left"
                )
        else:
            separator = text.find(GS, start)
            end = len(text) if separator == -1 else separator
        pairs.append((ai, text[start:end]))
        at = end + 1 if text.startswith(GS, end) else end
    if not pairs:
        raise Gs1Error("GS1 element string: it holds no field")
    return pairs


def _element_string(pairs: list[tuple[str, str]], today: date) -> ElementString:
    values: dict[str, str] = {}
    for ai, value in pairs:
        spec = _FIELDS.get(ai)
        if spec is None:
            raise Gs1Error(f"AI {ai} is not supported; supported: {', '.join(_FIELDS)}")
        if ai in values:
            raise Gs1Error(f"AI {ai} ({spec.title}) appears more than once")
        _check_value(ai, spec, value)
        values[ai] = value
    if "30" in values and "37" in values:
        raise Gs1Error("AI 30 and AI 37 both give a count; a scan may carry only one")
    count = values.get("30", values.get("37"))
    return ElementString(
        gtin=gtin14(values["01"]) if "01" in values else None,
        lot=values.get("10"),
        expires_on=expiry_date(values["17"], today) if "17" in values else None,
        serial=values.get("21"),
        count=None if count is None else int(count),
    )


def _check_value(ai: str, spec: _Field, value: str) -> None:
    where = f"AI {ai} ({spec.title})"
    if not value:
        raise Gs1Error(f"{where}: empty")
    if spec.fixed and len(value) != spec.length:
        raise Gs1Error(f"{where}: needs exactly {spec.length} characters, not {len(value)}")
    if len(value) > spec.length:
        raise Gs1Error(f"{where}: at most {spec.length} characters, not {len(value)}")
    if spec.numeric and not (value.isascii() and value.isdigit()):
        raise Gs1Error(f"{where}: {value!r} must be digits only")
    if ai in ("30", "37") and int(value) == 0:
        raise Gs1Error(f"{where}: a count of zero")
    if not spec.numeric and not _CSET82.fullmatch(value):
        raise Gs1Error(f"{where}: {value!r} holds a character outside GS1's character set 82")
