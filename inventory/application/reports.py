"""Reports: valuation, movements, low stock and expiry, streamed as CSV or JSON.

The CLI runs these synchronously; ``POST /api/v1/reports`` (and the CLI's
``--async``) queues a job whose handler, :func:`produce_report`, streams the
very same bytes into storage (see ``report_results``), for download.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TextIO

from inventory.application.alerts import EXPIRY_WARNING_DAYS
from inventory.application.commands import RequestReport
from inventory.application.jobs import get_job, queue_job
from inventory.application.ledger import local_today
from inventory.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from inventory.application.queries import MovementFilter
from inventory.application.report_records import ReportResult
from inventory.application.report_results import (
    ResultWriter,
    forget_result,
    report_chunks,
    start_result,
    stored_report,
)
from inventory.application.views import MovementView
from inventory.domain.errors import NotFound
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.valuation import ZERO, value_of


class ReportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


ReportRow = dict[str, object]
VALUATION_COLUMNS = ("sku", "warehouse", "on_hand", "average_cost", "value")
MOVEMENT_COLUMNS = (
    "id", "type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity",
    "unit_cost", "reason", "reference", "note", "created_at", "created_by",
    "location", "from_location", "to_location", "lot",
)  # fmt: skip
"""A movement as a CSV row: v1's columns, then where it took or put the units (empty
when it touched several locations or lots; the JSON form lists its allocations)."""
LOW_STOCK_COLUMNS = ("sku", "name", "available", "reorder_point", "reorder_quantity")
EXPIRY_COLUMNS = ("sku", "lot", "expires_on", "warehouse", "on_hand", "average_cost", "value")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
"""The media type of a report in each format, as downloaded."""


class Valuation:
    """The valuation rows, one per (sku, warehouse) with stock: on hand x average cost.

    Iterate it once for the rows; :meth:`total` is then the grand total, which
    API.md §6 keeps apart from the rows (``TOTAL`` is a valid sku).
    """

    def __init__(self, uow: UnitOfWork, warehouse: str | None = None) -> None:
        self._uow = uow
        self._warehouse = warehouse
        self._on_hand = 0
        self._value = ZERO

    def __iter__(self) -> Iterator[ReportRow]:
        with self._uow.reading():
            for row in self._uow.stock.valuation(self._warehouse):
                value = value_of(row.on_hand, row.average_cost)
                self._on_hand += row.on_hand
                self._value += value
                yield {
                    "sku": row.sku,
                    "warehouse": row.warehouse,
                    "on_hand": row.on_hand,
                    "average_cost": f"{row.average_cost:.4f}",
                    "value": f"{value:.4f}",
                }

    def total(self) -> ReportRow:
        """Units on hand and their value over the rows read so far (all of them, once read)."""
        return {"on_hand": self._on_hand, "value": f"{self._value:.4f}"}


def valuation_report(uow: UnitOfWork, warehouse: str | None = None) -> Valuation:
    """Stock value per (sku, warehouse), optionally of one warehouse, and its grand total."""
    return Valuation(uow, warehouse)


class ExpiryReport:
    """The expiry rows: one per (sku, lot, warehouse) with units on hand of a lot that
    expires on or before ``until`` (expired ones too), soonest first, with their value.

    Iterate it once for the rows; :meth:`total` is then their grand total, as a
    valuation's (API.md §6).
    """

    def __init__(self, uow: UnitOfWork, until: date, warehouse: str | None = None) -> None:
        self._uow = uow
        self._until = until
        self._warehouse = warehouse
        self._on_hand = 0
        self._value = ZERO

    def __iter__(self) -> Iterator[ReportRow]:
        with self._uow.reading():
            for row in self._uow.lots.expiring_stock(self._until, self._warehouse):
                value = value_of(row.on_hand, row.average_cost)
                self._on_hand += row.on_hand
                self._value += value
                yield {
                    "sku": row.sku,
                    "lot": row.lot,
                    "expires_on": row.expires_on.isoformat(),
                    "warehouse": row.warehouse,
                    "on_hand": row.on_hand,
                    "average_cost": f"{row.average_cost:.4f}",
                    "value": f"{value:.4f}",
                }

    def total(self) -> ReportRow:
        """Units on hand and their value over the rows read so far (all of them, once read)."""
        return {"on_hand": self._on_hand, "value": f"{self._value:.4f}"}


def expiry_report(
    uow: UnitOfWork, today: date, days: int, warehouse: str | None = None
) -> ExpiryReport:
    """Lots with units on hand (in ``warehouse`` if given) expiring within ``days`` of
    ``today``, expired ones included, per warehouse, with their value and its total."""
    return ExpiryReport(uow, today + timedelta(days=days), warehouse)


def movements_report(
    uow: UnitOfWork,
    warehouse: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[ReportRow]:
    """The ledger in order, optionally for one warehouse and a time window."""
    with uow.reading():
        for movement in uow.movements.stream(
            MovementFilter(warehouse=warehouse, since=since, until=until)
        ):
            yield MovementView.of(movement).to_json()


def low_stock_report(uow: UnitOfWork) -> Iterator[ReportRow]:
    """Active products with a reorder point whose total available is at or below it."""
    with uow.reading():
        for row in uow.products.low_stock():
            yield {
                "sku": row.sku,
                "name": row.name,
                "available": row.available,
                "reorder_point": row.reorder_point,
                "reorder_quantity": row.reorder_quantity,
            }


def write_report(
    rows: Iterable[ReportRow],
    columns: Sequence[str],
    fmt: ReportFormat,
    out: TextIO,
    total: Callable[[], ReportRow] | None = None,
) -> int:
    """Write rows as CSV (header first) or JSON, one row at a time; returns the row count.

    Without ``total`` the JSON is an array of the rows. With it (called once
    the rows are written), the JSON is ``{"rows": [...], "total": {...}}`` and
    the CSV ends with one more line: an empty first cell, ``TOTAL`` in the
    second, and the total's values in their columns.
    """
    count = 0
    if fmt is ReportFormat.CSV:
        # A row's lists (a movement's allocations) have no CSV column: only JSON has them.
        writer = csv.DictWriter(
            out, fieldnames=columns, restval="", extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1
        if total is not None:
            writer.writerow({**total(), columns[0]: "", columns[1]: "TOTAL"})
        return count
    out.write("[" if total is None else '{"rows": [')
    for row in rows:
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(row, default=_json_default))
        count += 1
    out.write("\n]" if count else "]")
    if total is not None:
        out.write(', "total": ' + json.dumps(total(), default=_json_default) + "}")
    out.write("\n")
    return count


def write_valuation(report: Valuation, fmt: ReportFormat, out: TextIO) -> int:
    """A valuation as CSV or JSON with its grand total (API.md §6); returns the row count."""
    return write_report(report, VALUATION_COLUMNS, fmt, out, report.total)


def write_expiry(report: ExpiryReport, fmt: ReportFormat, out: TextIO) -> int:
    """An expiry report as CSV or JSON with its grand total; returns the row count.

    The CSV's total line has an empty ``sku`` and ``TOTAL`` as its ``lot``.
    """
    return write_report(report, EXPIRY_COLUMNS, fmt, out, report.total)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_requested(
    request: RequestReport,
    uow: UnitOfWork,
    out: TextIO,
    today: date,
    warning_days: int = EXPIRY_WARNING_DAYS,
) -> int:
    """Write the report ``request`` asks for, streamed; returns its row count.

    ``today`` and ``warning_days`` (``INVENTORY_EXPIRY_WARNING_DAYS``: the
    default of its ``days``) are what an expiry report counts from.
    """
    params = request.params
    fmt = ReportFormat(request.format)
    if request.kind == "expiry":
        days = warning_days if params.days is None else params.days
        return write_expiry(expiry_report(uow, today, days, params.warehouse), fmt, out)
    if request.kind == "valuation":
        return write_valuation(valuation_report(uow, params.warehouse), fmt, out)
    if request.kind == "movements":
        rows = movements_report(uow, params.warehouse, params.since, params.until)
        return write_report(rows, MOVEMENT_COLUMNS, fmt, out)
    return write_report(low_stock_report(uow), LOW_STOCK_COLUMNS, fmt, out)


def request_report(
    request: RequestReport, uow: UnitOfWork, clock: Clock, new_id: IdGenerator, max_attempts: int
) -> Job:
    """Queue a report; a runner writes it and the job's result names the stored report."""
    with uow:
        job = queue_job(
            uow, JobKind.REPORT, request.model_dump(mode="json"), clock, new_id, max_attempts
        )
        uow.commit()
    return job


def produce_report(
    job: Job,
    uow: UnitOfWorkFactory,
    clock: Clock,
    new_id: IdGenerator,
    max_bytes: int,
    warning_days: int = EXPIRY_WARNING_DAYS,
) -> str:
    """Write the report a job asks for into storage (the job runner's handler).

    Returns the stored report's id, the job's result. A report over
    ``max_bytes`` fails with :class:`ReportTooLarge`; a failed one leaves nothing.
    An expiry report without ``days`` covers ``warning_days`` from the day it is made.
    """
    request = RequestReport.model_validate(job.params)
    result = ReportResult(
        id=new_id(),
        job_id=job.id,
        content_type=CONTENT_TYPES[request.format],
        filename=f"{request.kind}-{job.id}.{request.format}",
        created_at=clock(),
    )
    start_result(result, uow)
    writer = ResultWriter(uow, result, max_bytes)
    # newline="": the rows' own line ends, as in a file written for download.
    text = io.TextIOWrapper(io.BufferedWriter(writer), encoding="utf-8", newline="")
    try:
        write_requested(request, uow(), text, local_today(result.created_at), warning_days)
        text.flush()
        writer.finish()
    except BaseException:
        writer.discard()
        forget_result(result.id, uow)
        raise
    finally:
        text.close()
    return result.id


def download_report(job_id: str, uow: UnitOfWorkFactory) -> tuple[ReportResult, Iterator[bytes]]:
    """A finished report job's stored report, and its bytes to stream, chunk by chunk."""
    job = get_job(job_id, uow())
    if job.kind is not JobKind.REPORT or job.status is not JobStatus.SUCCEEDED or not job.result:
        raise NotFound(f"job {job.id!r} has no result (it is {job.status.value})")
    result = stored_report(job.result, uow)
    if result is None:
        raise NotFound(f"the report of job {job.id!r} is no longer kept")
    return result, report_chunks(result, uow)
