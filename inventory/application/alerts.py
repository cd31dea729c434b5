"""Low-stock alerts: one ``low_stock_alert`` job per downward crossing of a reorder point.

A crossing is found inside the change's own unit of work and its job queued
there; see docs/adr/0013-low-stock-alerts-by-crossing.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from inventory.application.jobs import queue_job
from inventory.application.outbox import OutboxMessage
from inventory.application.ports import Clock, IdGenerator, Notifier, UnitOfWork
from inventory.domain.jobs import Job, JobKind
from inventory.domain.stock_change import LowStock

__all__ = ["LowStock"]  # the fact the domain decides, turned into a job here


EXPIRY_WARNING_DAYS = 30
"""The default of ``INVENTORY_EXPIRY_WARNING_DAYS``: how long before a lot expires it is alerted."""


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """How the use cases queue alert jobs: with the configured number of attempts, and
    how many days before a lot's expiry date its expiry alert is due.

    The entrypoints pass ``INVENTORY_JOB_MAX_ATTEMPTS`` and
    ``INVENTORY_EXPIRY_WARNING_DAYS`` (``Services.alerts``); the defaults are
    those settings' defaults.
    """

    max_attempts: int = 5
    expiry_warning_days: int = EXPIRY_WARNING_DAYS


DEFAULT_ALERTS = AlertPolicy()


def _of_job(job: Job) -> LowStock:
    # The alert a ``low_stock_alert`` job carries (its params, as queued).
    params = job.params
    return LowStock(
        str(params["sku"]),
        str(params["name"]),
        int(params["available"]),
        int(params["reorder_point"]),
    )


def _params(alert: LowStock) -> dict[str, Any]:
    # The job parameters: everything the e-mail needs, as seen at the crossing.
    return {
        "sku": alert.sku,
        "name": alert.name,
        "available": alert.available,
        "reorder_point": alert.reorder_point,
    }


def queue_low_stock_alerts(
    uow: UnitOfWork,
    alerts: Iterable[LowStock],
    clock: Clock,
    new_id: IdGenerator,
    policy: AlertPolicy,
) -> list[Job]:
    """Queue one ``low_stock_alert`` job per crossing in ``uow`` (the caller commits)."""
    return [
        queue_job(uow, JobKind.LOW_STOCK_ALERT, _params(alert), clock, new_id, policy.max_attempts)
        for alert in alerts
    ]


def alert_message(alert: LowStock) -> tuple[str, str]:
    """The subject and plain-text body of the alert's e-mail."""
    # A header must be one line: a name is free text and may hold a line break.
    name = " ".join(alert.name.split())
    subject = (
        f"Low stock: {alert.sku} ({name}) has {alert.available} available,"
        f" reorder point {alert.reorder_point}"
    )
    body = (
        f"Product {alert.sku} ({alert.name}) has fallen to or below its reorder point.\n"
        "\n"
        f"SKU:            {alert.sku}\n"
        f"Product:        {alert.name}\n"
        f"Available:      {alert.available}\n"
        f"Reorder point:  {alert.reorder_point}\n"
        "\n"
        "Available is on hand less reserved, over every warehouse, right after the\n"
        "change that crossed the reorder point.\n"
    )
    return subject, body


def send_low_stock_alert(job: Job, notifier: Notifier, recipient: str) -> None:
    """Run a ``low_stock_alert`` job: e-mail the alert to ``recipient``.

    A failure to deliver raises, so the runner retries the job with backoff and
    marks it failed once its attempts are spent.
    """
    subject, body = alert_message(_of_job(job))
    notifier.send(recipient, subject, body)


def keep_in_outbox(message: OutboxMessage, uow: UnitOfWork) -> None:
    """Store a message that is not to be sent, in its own unit of work."""
    with uow:
        uow.outbox.add(message)
        uow.commit()
