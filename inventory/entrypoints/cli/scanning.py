"""``scan CODE``: what a scanned barcode or GS1 element string names (API.md §13, §16)."""

from __future__ import annotations

import argparse

from inventory.application.scanning import scan
from inventory.application.views import ScanView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, command
from inventory.entrypoints.cli.flags import SUPPLIED_BY
from inventory.entrypoints.cli.output import Console

EPILOG = """\
CODE is a plain barcode, a GTIN (8, 12, 13 or 14 digits), or a GS1 element
string in brackets, e.g. '(01)09506000134352(10)ABC123(17)261231'."""


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    parser = command(commands, "scan", scan_code, "what a scanned code names", shared, EPILOG)
    parser.add_argument("code", metavar="CODE", help="what the scanner read")


def scan_code(args: argparse.Namespace, services: Services, console: Console) -> int:
    setattr(args, SUPPLIED_BY, {"code": "CODE"})  # a refusal names the argument
    console.show(ScanView.of(scan(args.code, services.uow(), services.clock)).to_json())
    return 0
