"""Looking after the database: ``migrate`` and ``check``."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from inventory.application.integrity import check_integrity
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, command
from inventory.entrypoints.cli.output import Console


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    migrate = command(
        commands,
        "migrate",
        run_migrations,
        "apply pending schema migrations",
        shared,
        epilog="Every other command migrates first as well; this one only migrates.",
    )
    migrate.set_defaults(auto_migrate=False)
    command(
        commands,
        "check",
        check,
        "recompute stock levels, reservations and average costs from the ledger",
        shared,
        epilog="Prints each stored figure that disagrees (a drift) and exits 1 if any;\n"
        'with --json: {"ok": true|false, "drifts": [...]}.',
    )


def run_migrations(args: argparse.Namespace, services: Services, console: Console) -> int:
    applied = services.storage.migrate()
    text = "\n".join(f"applied {name}" for name in applied) or "schema is up to date"
    console.say(text, {"applied": applied})
    return 0


def check(args: argparse.Namespace, services: Services, console: Console) -> int:
    drifts = check_integrity(services.uow())
    if console.as_json:
        console.document(
            {"ok": not drifts, "drifts": [{**asdict(d), "message": str(d)} for d in drifts]}
        )
    elif drifts:
        for drift in drifts:
            console.line(str(drift))
        console.note(f"inventory: {len(drifts)} drift(s) found")
    else:
        console.line(
            "ok: stock levels (per location, lot and serial), reservations"
            " and average costs agree with the ledger"
        )
    return 1 if drifts else 0
