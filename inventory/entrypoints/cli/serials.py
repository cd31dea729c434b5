"""Serial-numbered units of serial-tracked products: ``serials show`` (API.md §12, §16)."""

from __future__ import annotations

import argparse

from inventory.application.serial_views import SerialView
from inventory.application.serials import trace_serial
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, command, command_group
from inventory.entrypoints.cli.output import Console

UNIT_FIELDS = ("sku", "serial", "status", "warehouse", "location", "order", "received_at")
HISTORY_COLUMNS = (
    "created_at", "type", "warehouse", "location", "reference", "created_by",
)  # fmt: skip
SHOW_EPILOG = """\
Prints where the unit is now (or, once gone, where it was last and the order
that shipped it), then every movement that moved it, oldest first."""


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    serials = command_group(commands, "serials", "serial-numbered units", shared)
    show = command(serials, "show", serials_show, "where a unit is, and its history", shared,
                   SHOW_EPILOG)  # fmt: skip
    show.add_argument("sku", metavar="SKU")
    show.add_argument("serial", metavar="SERIAL")


def serials_show(args: argparse.Namespace, services: Services, console: Console) -> int:
    unit = SerialView.of(trace_serial(args.sku, args.serial, services.uow())).to_json()
    if console.as_json:
        console.document(unit)
        return 0
    console.fields({name: unit[name] for name in UNIT_FIELDS})
    movements = unit["movements"]
    assert isinstance(movements, list)
    console.line("")
    console.line("Movements")
    console.table([_row(m) for m in movements], HISTORY_COLUMNS)
    return 0


def _row(movement: dict[str, object]) -> dict[str, object]:
    """A movement as a row: a transfer's warehouses and locations as ``FROM->TO``."""
    if movement["type"] == "transfer":
        return {
            **movement,
            "warehouse": f"{movement['from_warehouse']}->{movement['to_warehouse']}",
            "location": f"{movement['from_location']}->{movement['to_location']}",
        }
    return movement
