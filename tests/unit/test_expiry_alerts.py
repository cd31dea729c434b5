"""Expiry alerts and the expiry report without storage: the rule, the e-mail, the request.

Which lots are due, the alert's text and its job handler, what a report
request accepts, and the in-memory answers the memory lot repository gives
(API.md §12). The use cases on a database are in
tests/integration/test_expiry_alerts.py and test_expiry_report.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from inventory.adapters.memory.lot_warnings import LotWarnings, due_for_warning, expiring_stock
from inventory.adapters.memory.table import Table
from inventory.application.commands import RequestReport
from inventory.application.expiry_alerts import expiry_alert_message, send_expiry_alert
from inventory.application.queries import ExpiryRow
from inventory.domain.jobs import Job, JobKind
from inventory.domain.lots import ExpiryWarning, Lot
from inventory.domain.stock import SlotLevel
from inventory.entrypoints.http.openapi import openapi_document
from inventory.entrypoints.http.routes import API_ROUTES
from tests.factories import T0

TODAY = T0.date()  # 2026-11-26


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


# --- which lots are due --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "due"),
    [(31, False), (30, True), (1, True), (0, True), (-5, True)],
)
def test_a_lot_is_due_from_the_day_it_enters_the_window_expired_ones_too(
    expires_in: int, due: bool
) -> None:
    lot = Lot("L-1", in_days(expires_in))

    warning = ExpiryWarning.due("MILK", "Milk", lot, 7, TODAY, 30)

    assert (warning is not None) is due
    if warning is not None:
        assert warning == ExpiryWarning("MILK", "Milk", "L-1", in_days(expires_in), 7)


def test_a_lot_without_stock_or_without_an_expiry_date_is_never_due() -> None:
    assert ExpiryWarning.due("MILK", "Milk", Lot("L-1", in_days(3)), 0, TODAY, 30) is None
    assert ExpiryWarning.due("MILK", "Milk", Lot("L-1"), 7, TODAY, 30) is None


# --- the e-mail ----------------------------------------------------------------------------------


def test_the_subject_and_body_name_the_sku_product_lot_expiry_and_units() -> None:
    warning = ExpiryWarning("MILK", "Whole milk", "L-7", date(2026, 12, 16), 12)

    subject, body = expiry_alert_message(warning, TODAY)

    assert subject == "Expiry: lot L-7 of MILK (Whole milk) expires on 2026-12-16, 12 on hand"
    for text in ("SKU:         MILK", "Product:     Whole milk", "Lot:         L-7",
                 "Expires on:  2026-12-16", "On hand:     12"):  # fmt: skip
        assert text in body


def test_a_lot_past_its_date_on_the_day_seen_is_said_to_have_expired() -> None:
    warning = ExpiryWarning("MILK", "Whole milk", "L-7", date(2026, 11, 20), 12)

    subject, body = expiry_alert_message(warning, TODAY)

    assert subject == "Expiry: lot L-7 of MILK (Whole milk) expired on 2026-11-20, 12 on hand"
    assert body.startswith("Lot L-7 of product MILK (Whole milk) expired on 2026-11-20.")


def test_a_product_name_with_a_line_break_keeps_the_subject_on_one_line() -> None:
    warning = ExpiryWarning("MILK", "Milk\r\nBcc: someone@example.com", "L-7", in_days(3), 1)

    subject, _ = expiry_alert_message(warning, TODAY)

    assert subject.splitlines() == [subject]
    assert "(Milk Bcc: someone@example.com)" in subject


class FailingNotifier:
    def send(self, to: str, subject: str, body: str) -> None:
        raise ConnectionRefusedError


def test_a_failed_delivery_raises_so_the_runner_retries() -> None:
    params = {"sku": "MILK", "name": "Milk", "lot": "L-7", "expires_on": "2026-12-16",
              "on_hand": 12, "checked_on": "2026-11-26"}  # fmt: skip
    job = Job.queue("job-1", JobKind.EXPIRY_ALERT, params, T0, 3)

    with pytest.raises(ConnectionRefusedError):
        send_expiry_alert(job, FailingNotifier(), "buyer@example.com")


# --- the report request --------------------------------------------------------------------------


def test_an_expiry_report_takes_a_warehouse_and_a_number_of_days() -> None:
    request = RequestReport.model_validate(
        {"kind": "expiry", "format": "json", "params": {"warehouse": "MAIN", "days": 0}}
    )

    assert (request.params.warehouse, request.params.days) == ("MAIN", 0)
    assert RequestReport(kind="expiry").params.days is None  # the setting's, when made


@pytest.mark.parametrize("days", [-1, "30", 1.5, 36_501])
def test_days_must_be_a_whole_number_of_days_from_zero(days: object) -> None:
    with pytest.raises(ValidationError, match=r"params\.days"):
        RequestReport.model_validate({"kind": "expiry", "params": {"days": days}})


def test_the_openapi_document_names_the_expiry_kind_and_its_days() -> None:
    schemas = openapi_document(API_ROUTES, {})["components"]["schemas"]

    assert "expiry" in schemas["RequestReport"]["properties"]["kind"]["enum"]
    days = schemas["ReportParams"]["properties"]["days"]
    assert {"type": "integer", "minimum": 0, "maximum": 36_500} in days["anyOf"]
    assert "expiry report" in days["description"]


# --- what the memory lot repository answers ------------------------------------------------------


def slot(sku: str, warehouse: str, lot: str | None, on_hand: int, location: str = "A") -> SlotLevel:
    return SlotLevel(sku, warehouse, on_hand, 0, location, lot)


LOTS = [
    ("MILK", Lot("L-1", in_days(5))),
    ("MILK", Lot("L-2", in_days(40))),
    ("MILK", Lot("L-3")),
    ("CREAM", Lot("C-1", in_days(-2))),
    ("CREAM", Lot("C-2", in_days(1))),
]
SLOTS = [
    slot("MILK", "MAIN", "L-1", 4),
    slot("MILK", "MAIN", "L-1", 2, location="B"),
    slot("MILK", "EAST", "L-1", 3),
    slot("MILK", "MAIN", "L-2", 9),
    slot("MILK", "MAIN", "L-3", 9),
    slot("CREAM", "EAST", "C-1", 1),
    slot("CREAM", "EAST", "C-2", 0),
    slot("MILK", "MAIN", None, 50),
]


def test_the_lots_due_are_those_in_the_window_with_stock_and_never_warned() -> None:
    warned = LotWarnings(Table({("CREAM", "C-1"): in_days(-10)}))

    due = warned.due_for_warning(LOTS, SLOTS, TODAY, 30)

    assert [(row.sku, row.lot.code, row.warehouse, row.on_hand) for row in due] == [
        ("MILK", "L-1", None, 9)
    ]
    warned.mark_warned([("MILK", "L-1")], TODAY)
    assert warned.due_for_warning(LOTS, SLOTS, TODAY, 30) == []
    assert [row.lot.code for row in due_for_warning(LOTS, SLOTS, lambda key: False, TODAY, 30)] == [
        "C-1",
        "L-1",
    ]


def test_the_expiring_stock_is_per_lot_and_warehouse_soonest_first() -> None:
    cost = {"MILK": Decimal("1.2500"), "CREAM": Decimal("2.0000")}

    rows = list(expiring_stock(LOTS, SLOTS, cost.__getitem__, in_days(30), None))
    main = list(expiring_stock(LOTS, SLOTS, cost.__getitem__, in_days(30), "MAIN"))

    assert rows == [
        ExpiryRow("CREAM", "C-1", in_days(-2), "EAST", 1, Decimal("2.0000")),
        ExpiryRow("MILK", "L-1", in_days(5), "EAST", 3, Decimal("1.2500")),
        ExpiryRow("MILK", "L-1", in_days(5), "MAIN", 6, Decimal("1.2500")),
    ]
    assert main == rows[2:]
