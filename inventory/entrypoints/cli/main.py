"""``inventory``: parse the command line, run one subcommand, and map its errors once."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from inventory import __version__
from inventory.application.errors import InvalidRequest
from inventory.bootstrap import bootstrap
from inventory.config import ConfigError, load_settings
from inventory.domain.errors import DomainError, FieldError, ValidationFailed
from inventory.entrypoints.cli import (
    admin,
    bulk,
    catalog,
    copying,
    keys,
    locations,
    lots,
    orders,
    reports,
    scanning,
    serials,
    serve,
    stock,
    worker,
)
from inventory.entrypoints.cli.arguments import CommandHandler, UsageError, shared_options
from inventory.entrypoints.cli.flags import Flags
from inventory.entrypoints.cli.output import Console

EPILOG = """\
Settings come from INVENTORY_* environment variables and a .env file in the
working directory; --database overrides INVENTORY_DATABASE_URL. Every command
but `migrate` applies pending migrations first.

Exit status: 0 done; 1 refused (the reason on stderr); 2 bad usage, a bad
option value or a bad setting; 130 interrupted."""

_SUBCOMMANDS = (
    serve, worker, admin, copying, keys, catalog, locations, stock, orders, lots, serials, bulk,
    reports, scanning,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; ``--json`` and ``--database`` fit anywhere on the line."""
    shared = shared_options()
    parser = argparse.ArgumentParser(
        prog="inventory",
        description="Admin command line of the inventory service.",
        epilog=EPILOG,
        parents=[shared],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"inventory {__version__}")
    parser.set_defaults(auto_migrate=True, file_input=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in _SUBCOMMANDS:
        module.register(commands, shared)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (argparse itself exits 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    console = Console(getattr(args, "json", False), sys.stdout, sys.stderr)
    try:
        return _run(args, console)
    except (ValidationFailed, InvalidRequest) as exc:
        for line in describe(exc, _flags(args)):
            console.note(line)
        # A bad option value is bad usage; a bad row of an input file is a refusal.
        return 1 if args.file_input else 2
    except DomainError as exc:
        for line in describe(exc, _flags(args)):
            console.note(line)
        return 1
    except (ConfigError, UsageError) as exc:
        console.note(f"inventory: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and let nothing try to
        # flush what is still buffered into the closed pipe at exit.
        _discard_stdout()
        return 141
    except UnicodeDecodeError as exc:
        console.note(f"inventory: the input is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return 1
    except OSError as exc:  # a file named on the command line
        console.note(f"inventory: {exc.strerror or exc}: {exc.filename}")
        return 1


def run() -> NoReturn:
    """The console script."""
    sys.exit(main())


def describe(exc: DomainError, flags: Flags | None = None) -> list[str]:
    """The lines that explain a refusal: its detail, then one per field error.

    With ``flags``, fields are named by the options that supplied them.
    """
    texts = [_text(e) for e in exc.errors]
    summary = "; ".join(texts)
    if not texts or not exc.detail.endswith(summary):
        detail = exc.detail if flags is None else flags.detail(exc.detail)
        return [f"inventory: {detail}", *(f"  {_text(e, flags)}" for e in exc.errors)]
    named = [_text(e, flags) for e in exc.errors]
    detail = exc.detail.removesuffix(summary) + "; ".join(named)
    if len(texts) == 1:
        return [f"inventory: {detail}"]
    # The detail only lists the field errors (after a prefix such as "line 3"): list them once.
    prefix = exc.detail.removesuffix(summary).rstrip(": ")
    head = f"{prefix}: invalid input" if prefix else "invalid input"
    return [f"inventory: {head}", *(f"  {text}" for text in named)]


def _text(error: FieldError, flags: Flags | None = None) -> str:
    if flags is not None:
        error = flags.error(error)
    return f"{error.field}: {error.message}" if error.field else error.message


def _run(args: argparse.Namespace, console: Console) -> int:
    overrides = {"database_url": args.database} if "database" in args else {}
    try:
        services = bootstrap(load_settings(**overrides), migrate=args.auto_migrate)
    except ConfigError as exc:
        # The value came from --database, not from the variable: say so.
        variable = "INVENTORY_DATABASE_URL:"
        if overrides and str(exc).startswith(variable):
            raise ConfigError("--database:" + str(exc).removeprefix(variable)) from None
        raise
    try:
        handler: CommandHandler = args.handler
        status = handler(args, services, console)
        console.out.flush()
        return status
    finally:
        services.close()


def _flags(args: argparse.Namespace) -> Flags | None:
    """How to name fields in errors: by option, unless they are an input file's columns."""
    parser = getattr(args, "command_parser", None)
    return None if parser is None or args.file_input else Flags(parser, args)


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
