"""Reports, run at once: ``report valuation|movements|low-stock|expiry``."""

from __future__ import annotations

import argparse

from inventory.application.commands import ReportParams, RequestReport
from inventory.application.ledger import local_today
from inventory.application.listing import MovementList
from inventory.application.reports import (
    EXPIRY_COLUMNS,
    LOW_STOCK_COLUMNS,
    MOVEMENT_COLUMNS,
    VALUATION_COLUMNS,
    expiry_report,
    low_stock_report,
    movements_report,
    request_report,
    valuation_report,
)
from inventory.application.validation import parse, parse_query
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import (
    Subcommands,
    add_destination,
    command,
    command_group,
    given,
)
from inventory.entrypoints.cli.output import Console, report_format, write_rows
from inventory.entrypoints.http.resources.jobs import JOBS, JobResource


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    reports = command_group(commands, "report", "reports as CSV or JSON", shared)

    valuation = command(
        reports,
        "valuation",
        report_valuation,
        "stock value: on hand x average cost per sku and warehouse",
        shared,
        epilog="The grand total follows the rows: in CSV, a last line with an empty sku\n"
        'and TOTAL as its warehouse; in JSON, {"rows": [...], "total": {...}}.',
    )
    valuation.add_argument("--warehouse", help="only this warehouse")

    movements = command(reports, "movements", report_movements, "the ledger, in order", shared)
    movements.add_argument("--warehouse", help="only movements in or out of this warehouse")
    movements.add_argument("--since", metavar="TIME", help="RFC 3339, e.g. 2026-11-01T00:00:00Z")
    movements.add_argument("--until", metavar="TIME", help="RFC 3339")

    low_stock = command(
        reports,
        "low-stock",
        report_low_stock,
        "active products at or below their reorder point",
        shared,
    )
    expiry = command(
        reports,
        "expiry",
        report_expiry,
        "lots on hand expiring within the warning window (expired ones too), with their value",
        shared,
        epilog="One row per sku, lot and warehouse, soonest expiry first. The grand total\n"
        "follows the rows: in CSV, a last line with an empty sku and TOTAL as its lot;\n"
        'in JSON, {"rows": [...], "total": {...}}.',
    )
    expiry.add_argument("--warehouse", help="only this warehouse")
    expiry.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="lots expiring within N days from today (default INVENTORY_EXPIRY_WARNING_DAYS)",
    )
    for parser in (valuation, movements, low_stock, expiry):
        add_destination(parser)
        parser.add_argument(
            "--async",
            dest="queue",
            action="store_true",
            help="queue the report as a job (run by `inventory worker` or `serve`); print its id",
        )


def queue_report(kind: str, args: argparse.Namespace, services: Services, console: Console) -> int:
    """``--async``: queue the report as a job and print its id (the job under ``--json``)."""
    fields = given(args, "warehouse", "since", "until", "days")
    request = parse(
        RequestReport,
        {"kind": kind, "format": report_format(args.format, console).value, "params": fields},
    )
    job = request_report(
        request, services.uow(), services.clock, services.new_id, services.settings.job_max_attempts
    )
    if console.as_json:
        console.document(JobResource.of(job).to_json())  # as the HTTP API shows it
    else:
        console.line(job.id)
        console.note(f"queued report job {job.id}; its file appears at {JOBS}/{job.id}/result")
    return 0


def report_valuation(args: argparse.Namespace, services: Services, console: Console) -> int:
    if args.queue:
        return queue_report("valuation", args, services, console)
    warehouse = parse(ReportParams, given(args, "warehouse")).warehouse
    report = valuation_report(services.uow(), warehouse)
    fmt = report_format(args.format, console)
    write_rows(console, report, VALUATION_COLUMNS, fmt, args.output, "rows", report.total)
    return 0


def report_movements(args: argparse.Namespace, services: Services, console: Console) -> int:
    if args.queue:
        return queue_report("movements", args, services, console)
    # The movement list's filters: the same checks of a warehouse and a time window.
    window = parse_query(MovementList, given(args, "warehouse", "since", "until"))
    rows = movements_report(services.uow(), window.warehouse, window.since, window.until)
    fmt = report_format(args.format, console)
    write_rows(console, rows, MOVEMENT_COLUMNS, fmt, args.output, "movements")
    return 0


def report_low_stock(args: argparse.Namespace, services: Services, console: Console) -> int:
    if args.queue:
        return queue_report("low_stock", args, services, console)
    rows = low_stock_report(services.uow())
    fmt = report_format(args.format, console)
    write_rows(console, rows, LOW_STOCK_COLUMNS, fmt, args.output, "products")
    return 0


def report_expiry(args: argparse.Namespace, services: Services, console: Console) -> int:
    if args.queue:
        return queue_report("expiry", args, services, console)
    params = parse(ReportParams, given(args, "warehouse", "days"))
    days = services.settings.expiry_warning_days if params.days is None else params.days
    today = local_today(services.clock())
    report = expiry_report(services.uow(), today, days, params.warehouse)
    fmt = report_format(args.format, console)
    write_rows(console, report, EXPIRY_COLUMNS, fmt, args.output, "rows", report.total)
    return 0
