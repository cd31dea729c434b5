"""Resolving what a scanner read: ``GET /api/v1/scan/{code}`` and ``inventory scan`` (API.md §13).

Reading the code is pure (``inventory.domain.scanning``, docs/adr/0014-gs1-element-strings.md);
this looks each reading's barcode up: products, then (a plain code) locations,
then the serial of one unit in stock (docs/adr/0022-serial-numbers.md).
"""

from __future__ import annotations

from datetime import UTC

from inventory.application.ports import Clock, UnitOfWork
from inventory.domain.errors import NotFound
from inventory.domain.gs1 import barcode_forms, is_element_string
from inventory.domain.packs import Units
from inventory.domain.scanning import (
    ScanAnswer,
    answer_for_location,
    answer_for_product,
    answer_for_serial,
    readings,
)


def scan(code: str, uow: UnitOfWork, clock: Clock) -> ScanAnswer:
    """What ``code`` names, with what its element string carries, as read.

    A malformed GS1 element string or a GTIN with a wrong check digit is
    refused (``Gs1Error``, 422 naming ``code``); a code that names nothing
    known is ``NotFound``. GTINs match whatever length the barcode was stored at.
    """
    # The date that fixes an AI 17 year's century; UTC until a service time zone exists.
    today = clock().astimezone(UTC).date()
    with uow.reading():
        for reading in readings(code, today):
            if reading.barcode is None:
                continue  # e.g. a lot without a GTIN: nothing to look it up by yet
            # Packs are looked up here too once they are stored (answer_for_product
            # with the pack).
            products = uow.products.by_barcode(barcode_forms(reading.barcode))
            if products:
                product = products[0]  # barcodes are not yet kept unique: the first by sku
                units = Units.of(product.details.unit)
                return answer_for_product(product.sku, units, None, reading.element)
            if reading.element is None:  # GS1 data names trade items, never a bin
                location = uow.locations.with_barcode(reading.barcode)
                if location is not None:
                    return answer_for_location(location)
        if not is_element_string(code):
            # A known serial, as read, when exactly one held unit carries it.
            held = uow.serials.held_with_serial(code)
            owner = uow.products.get(held[0].sku) if len(held) == 1 else None
            if owner is not None:
                unit = held[0]
                units = Units.of(owner.details.unit)
                return answer_for_serial(unit.sku, units, code, unit.warehouse, unit.location)
    raise NotFound(f"no product or location has the barcode scanned as {code!r}")
