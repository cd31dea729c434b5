"""``inventory copy --from URL --to URL``: a whole inventory into a new, empty database."""

from __future__ import annotations

import argparse
import time

from inventory.application.copying import VERIFYING, CopyReport, copy_inventory
from inventory.application.ports import Storage
from inventory.bootstrap import Services, open_storage
from inventory.config import ConfigError
from inventory.domain.errors import Conflict
from inventory.entrypoints.cli.arguments import Subcommands, UsageError, command, seconds
from inventory.entrypoints.cli.output import Console

_EPILOG = """\
Moves everything (products, warehouses, stock levels, the ledger, orders, API
keys, jobs, kept messages) with its ids, times and versions; idempotency
records (kept 24 hours) are not copied. Stop the servers and workers on the
source first: writes made after the copy begins are not in the target.

The target is migrated first and must hold nothing; the source is only read
and must be migrated already. The target is written in one transaction that
commits only once its row counts, its valuation and `inventory check` agree
with the source: on any failure it is left empty. --database is not used.

Example: inventory copy --from sqlite:///inventory.db --to postgresql://inv@db/inventory"""


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    parser = command(
        commands,
        "copy",
        copy_database,
        "copy a whole inventory into a new, empty database (e.g. SQLite to PostgreSQL)",
        shared,
        epilog=_EPILOG,
    )
    # Neither --database nor the configured database is touched: only --from and --to.
    parser.set_defaults(auto_migrate=False)
    parser.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        required=True,
        help="the database to copy (read only)",
    )
    parser.add_argument(
        "--to", dest="target", metavar="URL", required=True, help="the new database (must be empty)"
    )
    parser.add_argument(
        "--progress-every",
        type=seconds,
        default=1.0,
        metavar="SECONDS",
        help="progress interval on stderr (default 1)",
    )


def copy_database(args: argparse.Namespace, services: Services, console: Console) -> int:
    if args.source == args.target:
        raise UsageError("--from and --to name the same database")
    source = _open("--from", args.source)
    try:
        target = _open("--to", args.target)
        try:
            pending = source.pending_migrations()
            if pending:
                # The URL is not repeated: it may carry a password.
                raise Conflict(
                    f"the source database is not up to date ({len(pending)} migration(s)"
                    f" pending: {', '.join(pending)}); copy never changes its source: if it is"
                    " the right database, run `inventory --database URL migrate` on it first"
                )
            target.migrate()
            started = time.monotonic()
            report = copy_inventory(
                source.unit_of_work,
                target.unit_of_work,
                CopyProgressNotes(console, args.progress_every),
            )
            elapsed = time.monotonic() - started
        finally:
            target.close()
    finally:
        source.close()
    _show(report, elapsed, console)
    return 0


def _open(option: str, url: str) -> Storage:
    if url.startswith("memory://"):
        raise UsageError(f"{option}: memory:// keeps nothing between runs; name a database")
    try:
        return open_storage(url)
    except ConfigError as exc:
        # open_storage speaks of the variable; the URL came from this option.
        _, _, why = str(exc).partition(": ")
        raise ConfigError(f"{option}: {why or exc}") from None


def _show(report: CopyReport, elapsed: float, console: Console) -> None:
    rate = report.rows / elapsed if elapsed > 0 else 0.0
    if console.as_json:
        console.document(
            {
                "ok": report.ok,
                "counts": report.counts,
                "valuation": f"{report.valuation:.4f}",
                "skipped": list(report.skipped),
                "seconds": round(elapsed, 3),
            }
        )
    else:
        console.fields(
            {
                **report.counts,
                "valuation": f"{report.valuation:.4f}",
                "verified": "row counts, valuation and integrity check agree",
                "skipped": ", ".join(report.skipped),
            }
        )
    console.note(f"copied {report.rows} rows in {elapsed:.1f} s ({rate:.0f} rows/s)")


class CopyProgressNotes:
    """How far the copy is, on stderr, once it has taken a while."""

    def __init__(self, console: Console, every: float) -> None:
        self._console = console
        self._every = every
        self._started = time.monotonic()
        self._due = self._started + every

    def __call__(self, step: str, done: int) -> None:
        now = time.monotonic()
        if step == VERIFYING:
            # Said whenever the run is long enough to show progress at all: the
            # check reads the whole target again and may take a while.
            if now - self._started >= self._every:
                self._console.note(f"copied {done} rows; checking the target before it commits...")
        elif now >= self._due:
            self._console.note(f"copying {step}: {done} rows...")
            self._due = now + self._every
