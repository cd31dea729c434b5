"""Reports: valuation, movements and low stock, streamed as CSV or JSON.

The CLI runs these synchronously; ``POST /api/v1/reports`` (and the CLI's
``--async``) queues a job whose handler, :func:`produce_report`, streams the
very same rows into a file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TextIO

from inventory.application.commands import RequestReport
from inventory.application.jobs import queue_job
from inventory.application.ports import Clock, IdGenerator, ReportFiles, UnitOfWork
from inventory.application.queries import MovementFilter
from inventory.application.views import MovementView
from inventory.domain.jobs import Job, JobKind
from inventory.domain.valuation import ZERO, value_of


class ReportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


Row = dict[str, object]
VALUATION_COLUMNS = ("sku", "warehouse", "on_hand", "average_cost", "value")
MOVEMENT_COLUMNS = (
    "id", "type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity",
    "unit_cost", "reason", "reference", "note", "created_at", "created_by",
)  # fmt: skip
LOW_STOCK_COLUMNS = ("sku", "name", "available", "reorder_point", "reorder_quantity")


def valuation_report(uow: UnitOfWork, warehouse: str | None = None) -> Iterator[Row]:
    """One row per (sku, warehouse) with stock: on hand x average cost, then a total row."""
    total = ZERO
    with uow.reading():
        for row in uow.stock.valuation(warehouse):
            value = value_of(row.on_hand, row.average_cost)
            total += value
            yield {
                "sku": row.sku,
                "warehouse": row.warehouse,
                "on_hand": row.on_hand,
                "average_cost": f"{row.average_cost:.4f}",
                "value": f"{value:.4f}",
            }
    yield {
        "sku": "TOTAL",
        "warehouse": "",
        "on_hand": "",
        "average_cost": "",
        "value": f"{total:.4f}",
    }


def movements_report(
    uow: UnitOfWork,
    warehouse: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[Row]:
    """The ledger in order, optionally for one warehouse and a time window."""
    with uow.reading():
        for movement in uow.movements.stream(
            MovementFilter(warehouse=warehouse, since=since, until=until)
        ):
            yield MovementView.of(movement).to_json()


def low_stock_report(uow: UnitOfWork) -> Iterator[Row]:
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
    rows: Iterable[Row], columns: Sequence[str], fmt: ReportFormat, out: TextIO
) -> int:
    """Write rows as CSV (header first) or as a JSON array, one row at a time; returns the count."""
    count = 0
    if fmt is ReportFormat.CSV:
        writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(row, default=_json_default))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


COLUMNS = {
    "valuation": VALUATION_COLUMNS,
    "movements": MOVEMENT_COLUMNS,
    "low_stock": LOW_STOCK_COLUMNS,
}


def report_rows(request: RequestReport, uow: UnitOfWork) -> Iterator[Row]:
    """The rows of the report ``request`` asks for, streamed."""
    params = request.params
    if request.kind == "valuation":
        return valuation_report(uow, params.warehouse)
    if request.kind == "movements":
        return movements_report(uow, params.warehouse, params.since, params.until)
    return low_stock_report(uow)


def request_report(
    request: RequestReport, uow: UnitOfWork, clock: Clock, new_id: IdGenerator, max_attempts: int
) -> Job:
    """Queue a report; a runner writes it and the job's result names the file."""
    with uow:
        job = queue_job(
            uow, JobKind.REPORT, request.model_dump(mode="json"), clock, new_id, max_attempts
        )
        uow.commit()
    return job


def produce_report(job: Job, uow: UnitOfWork, files: ReportFiles) -> str:
    """Write the report a job asks for (the job runner's handler); returns the file's name."""
    request = RequestReport.model_validate(job.params)
    name = f"{job.id}.{request.format}"
    with files.create(name) as out:
        write_report(
            report_rows(request, uow), COLUMNS[request.kind], ReportFormat(request.format), out
        )
    return name
