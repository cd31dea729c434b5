"""Expiry alerts: one ``expiry_alert`` job per lot with stock that enters its warning window.

The job runners look once a day and at start (API.md §12); a lot is alerted
once, its ``warned_on`` set in the unit of work that queues its job.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.application.alerts import AlertPolicy
from inventory.application.jobs import queue_job
from inventory.application.ledger import local_today
from inventory.application.ports import (
    Clock,
    IdGenerator,
    LotRow,
    Notifier,
    UnitOfWorkFactory,
)
from inventory.domain.catalog import Product
from inventory.domain.jobs import Job, JobKind
from inventory.domain.lots import ExpiryWarning

EXPIRY_ALERT_SWEEP_SECONDS = 24 * 3600.0
"""How often each job runner looks for lots entering the warning window (and once at start)."""


def queue_expiry_alerts(
    uow: UnitOfWorkFactory, clock: Clock, new_id: IdGenerator, policy: AlertPolicy
) -> int:
    """Queue one ``expiry_alert`` job per lot due for one today; returns how many.

    Due: units on hand in any warehouse, an expiry date at most
    ``policy.expiry_warning_days`` away (or past), and no alert before. One
    write unit reads the lots due (locked), queues their jobs and marks them
    warned today, so runners that look at the same time queue each alert once.
    """
    with uow() as unit:
        today = local_today(clock())
        due = unit.lots.due_for_warning(today, policy.expiry_warning_days)
        products = unit.products.get_many({row.sku for row in due})
        warnings = [
            warning
            for row in due
            if (warning := _warning(row, products, today, policy)) is not None
        ]
        for warning in warnings:
            params = _params(warning, today)
            queue_job(unit, JobKind.EXPIRY_ALERT, params, clock, new_id, policy.max_attempts)
        unit.lots.mark_warned([(warning.sku, warning.lot) for warning in warnings], today)
        unit.commit()
    return len(warnings)


def _warning(
    row: LotRow, products: dict[str, Product], today: date, policy: AlertPolicy
) -> ExpiryWarning | None:
    product = products.get(row.sku)
    name = product.details.name if product is not None else row.sku
    return ExpiryWarning.due(row.sku, name, row.lot, row.on_hand, today, policy.expiry_warning_days)


def _params(warning: ExpiryWarning, today: date) -> dict[str, Any]:
    # The job parameters: everything the e-mail needs, as seen on the day of the check.
    return {
        "sku": warning.sku,
        "name": warning.name,
        "lot": warning.lot,
        "expires_on": warning.expires_on.isoformat(),
        "on_hand": warning.on_hand,
        "checked_on": today.isoformat(),
    }


def _of_job(job: Job) -> tuple[ExpiryWarning, date]:
    # The warning an ``expiry_alert`` job carries (its params, as queued), and its day.
    params = job.params
    warning = ExpiryWarning(
        str(params["sku"]),
        str(params["name"]),
        str(params["lot"]),
        date.fromisoformat(str(params["expires_on"])),
        int(params["on_hand"]),
    )
    return warning, date.fromisoformat(str(params["checked_on"]))


def expiry_alert_message(warning: ExpiryWarning, checked_on: date) -> tuple[str, str]:
    """The subject and plain-text body of the alert's e-mail (``checked_on``: the day seen)."""
    # A header must be one line: a name is free text and may hold a line break.
    name = " ".join(warning.name.split())
    expires = "expired" if warning.expires_on < checked_on else "expires"
    subject = (
        f"Expiry: lot {warning.lot} of {warning.sku} ({name}) {expires} on"
        f" {warning.expires_on.isoformat()}, {warning.on_hand} on hand"
    )
    body = (
        f"Lot {warning.lot} of product {warning.sku} ({warning.name}) {expires} on"
        f" {warning.expires_on.isoformat()}.\n"
        "\n"
        f"SKU:         {warning.sku}\n"
        f"Product:     {warning.name}\n"
        f"Lot:         {warning.lot}\n"
        f"Expires on:  {warning.expires_on.isoformat()}\n"
        f"On hand:     {warning.on_hand}\n"
        "\n"
        "On hand is over every warehouse, on "
        f"{checked_on.isoformat()}, when the lot was found within\n"
        "INVENTORY_EXPIRY_WARNING_DAYS of its expiry date. Each lot is alerted once.\n"
    )
    return subject, body


def send_expiry_alert(job: Job, notifier: Notifier, recipient: str) -> None:
    """Run an ``expiry_alert`` job: e-mail the alert to ``recipient``.

    A failure to deliver raises, so the runner retries the job with backoff and
    marks it failed once its attempts are spent.
    """
    subject, body = expiry_alert_message(*_of_job(job))
    notifier.send(recipient, subject, body)
