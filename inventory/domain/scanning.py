"""What a scanned code means: the readings to look up, and the answer of the scan endpoint.

API.md §13; the choices (unmarked strings, kind, count) are in docs/adr/0014-gs1-element-strings.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from inventory.domain.gs1 import ElementString, Gs1Error, barcode_key, is_element_string, parse
from inventory.domain.locations import Location
from inventory.domain.packs import Pack, Units

_AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
"""A symbology identifier (ISO/IEC 15424): ``]``, the symbology, a modifier."""


class ScanKind(StrEnum):
    PRODUCT = "product"
    PACK = "pack"
    LOCATION = "location"
    LOT = "lot"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a scan: ``barcode`` to look up (None: nothing to look up), and
    the GS1 data it came with."""

    barcode: str | None
    element: ElementString | None = None


@dataclass(frozen=True, slots=True)
class ScanAnswer:
    """The answer of ``GET /api/v1/scan/{code}``, field for field.

    ``quantity`` is the base units in one scanned item: the pack's size (1 for
    the base unit) times the count the element string carries, if any.
    """

    kind: ScanKind
    sku: str | None = None
    unit: str | None = None
    quantity: int | None = None
    warehouse: str | None = None
    location: str | None = None
    lot: str | None = None
    expires_on: date | None = None
    serial: str | None = None


def readings(code: str, today: date) -> tuple[Reading, ...]:
    """How ``code`` may be read, to be tried in order until one resolves.

    A marked GS1 element string (brackets, symbology identifier, FNC1) has
    one reading, and a malformed one is refused (422). Any other code is a
    plain barcode (a GTIN compared as 14 digits, another symbology's
    identifier such as ``]E0`` dropped); if it also reads cleanly as a raw
    element string with a GTIN, that reading comes second.
    """
    if is_element_string(code):
        element = parse(code, today)
        return (Reading(element.gtin, element),)
    if _AIM_PREFIX.match(code):
        code = code[3:]  # e.g. ]E0 for an EAN-13: the symbology, not part of the code
    plain = Reading(barcode_key(code))
    if code.startswith("01") and len(code) >= 16:
        try:
            element = parse(code, today)
        except Gs1Error:
            return (plain,)
        return (plain, Reading(element.gtin, element))
    return (plain,)


def answer_for_product(
    sku: str, units: Units, pack: Pack | None, element: ElementString | None = None
) -> ScanAnswer:
    """The answer for a product (``pack`` None) or one of its packs, found by barcode.

    With a serial the kind is ``serial``, else with a lot ``lot``; the unit
    and quantity still say what one scanned item holds.
    """
    per_item = 1 if pack is None else pack.quantity
    kind = ScanKind.PRODUCT if pack is None else ScanKind.PACK
    if element is None:
        return ScanAnswer(kind, sku, units.base if pack is None else pack.unit, per_item)
    if element.serial is not None:
        kind = ScanKind.SERIAL
    elif element.lot is not None:
        kind = ScanKind.LOT
    return ScanAnswer(
        kind,
        sku,
        units.base if pack is None else pack.unit,
        per_item * (1 if element.count is None else element.count),
        lot=element.lot,
        expires_on=element.expires_on,
        serial=element.serial,
    )


def answer_for_serial(
    sku: str, units: Units, serial: str, warehouse: str, location: str
) -> ScanAnswer:
    """The answer for a plain code that is the serial of one unit held now: one unit."""
    return ScanAnswer(
        ScanKind.SERIAL, sku, units.base, 1, warehouse=warehouse, location=location, serial=serial
    )


def answer_for_location(location: Location) -> ScanAnswer:
    """The answer for a location found by its barcode."""
    return ScanAnswer(ScanKind.LOCATION, warehouse=location.warehouse, location=location.code)
