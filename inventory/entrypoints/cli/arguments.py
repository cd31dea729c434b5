"""The shape every subcommand shares: its options, its handler, and the data it validates."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TypeAlias

from inventory.bootstrap import Services
from inventory.entrypoints.cli.output import Console

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
CommandHandler = Callable[[argparse.Namespace, Services, Console], int]
"""Runs one subcommand: options -> one use case -> output; returns the exit status."""

_ORDER_LINE = re.compile(r"(?P<sku>[^:]*):\s*(?P<quantity>[-+]?\d+)\s*(?::(?P<unit>.*))?")
_PACK = re.compile(r"(?P<unit>[^:]*):\s*(?P<quantity>[-+]?\d+)\s*(?::(?P<barcode>.*))?")

ACTOR = "cli"
"""Who the ledger names as the author of writes made from the command line."""


class UsageError(Exception):
    """Options that parse but make no sense together; reported like argparse's own (exit 2)."""


def shared_options() -> argparse.ArgumentParser:
    """``--json`` and ``--database``, accepted before the command group and after the command.

    Their defaults are suppressed so that a subcommand's parser, which also
    knows them, never overwrites a value given earlier on the line.
    """
    shared = argparse.ArgumentParser(add_help=False)
    group = shared.add_argument_group("global options")
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the HTTP API's JSON shapes instead of tables",
    )
    group.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL (overrides INVENTORY_DATABASE_URL), e.g. sqlite:///inventory.db",
    )
    return shared


def command_group(
    commands: Subcommands, name: str, summary: str, shared: argparse.ArgumentParser
) -> Subcommands:
    """A command group such as ``products``, whose subcommands ``command`` adds."""
    parser = commands.add_parser(name, help=summary, description=summary, parents=[shared])
    return parser.add_subparsers(title="commands", metavar="COMMAND", required=True)


def command(
    commands: Subcommands,
    name: str,
    handler: CommandHandler,
    summary: str,
    shared: argparse.ArgumentParser,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """A runnable subcommand; the caller adds its options."""
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=epilog,
        parents=[shared],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The parser names the options in error messages (see flags.py).
    parser.set_defaults(handler=handler, command_parser=parser)
    return parser


def add_paging(parser: argparse.ArgumentParser, sorts: str) -> None:
    """``--limit``, ``--cursor`` and ``--sort``, as every API list takes them."""
    parser.add_argument("--limit", type=int, help="items per page, 1..500 (default 50)")
    parser.add_argument("--cursor", help="the next page, as printed after the previous one")
    parser.add_argument("--sort", help=f"{sorts}; prefix - to sort descending")


def add_destination(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``-o``, shared by exports and reports."""
    parser.add_argument("--format", choices=("csv", "json"), help="default csv (json with --json)")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write FILE (replaced once complete), not stdout"
    )


MOVEMENT_FILTERS = ("sku", "warehouse", "type", "reference", "since", "until")


def add_movement_filters(parser: argparse.ArgumentParser) -> None:
    """The filters of the ledger list (``MOVEMENT_FILTERS``)."""
    parser.add_argument("--sku")
    parser.add_argument("--warehouse", help="either side of a transfer")
    parser.add_argument("--type", help="receipt, issue, transfer or adjustment")
    parser.add_argument("--reference")
    parser.add_argument("--since", metavar="TIME", help="RFC 3339, e.g. 2026-11-26T00:00:00Z")
    parser.add_argument("--until", metavar="TIME", help="RFC 3339")


def given(args: argparse.Namespace, *names: str) -> dict[str, object]:
    """The named options the user gave, keyed by their API field name (the option's dest)."""
    found = {name: getattr(args, name, None) for name in names}
    return {name: value for name, value in found.items() if value is not None}


def order_line(text: str) -> dict[str, object]:
    """``SKU:QTY`` or ``SKU:QTY:UNIT`` as an order line; the quantity's range and the unit
    are the command's to check."""
    match = _ORDER_LINE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected SKU:QUANTITY[:UNIT], e.g. WIDGET-1:3 or WATER:2:case, not {text!r}"
        )
    line: dict[str, object] = {"sku": match["sku"], "quantity": int(match["quantity"])}
    if match["unit"] is not None:
        line["unit"] = match["unit"]
    return line


def pack(text: str) -> dict[str, object]:
    """``UNIT:QTY`` or ``UNIT:QTY:BARCODE`` as one of a product's packs (API.md §13)."""
    match = _PACK.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected UNIT:QUANTITY[:BARCODE], e.g. case:12 or case:12:96385074, not {text!r}"
        )
    found: dict[str, object] = {"unit": match["unit"], "quantity": int(match["quantity"])}
    if match["barcode"] is not None:
        found["barcode"] = match["barcode"]
    return found


def packs_text(packs: object) -> str:
    """A product's packs as ``--pack`` spells them: ``case:12:96385074 pallet:720``."""
    assert isinstance(packs, list)
    return " ".join(
        ":".join(str(part) for part in (p["unit"], p["quantity"], p.get("barcode")) if part)
        for p in packs
    )


def seconds(text: str) -> float:
    """A number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, not {text!r}")
    return value
