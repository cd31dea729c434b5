"""``inventory serve``: the HTTP API under gunicorn."""

from __future__ import annotations

import argparse

from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, UsageError, command
from inventory.entrypoints.cli.output import Console
from inventory.entrypoints.http.server import ServerOptions, serve

DEFAULTS = ServerOptions()


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    parser = command(
        commands,
        "serve",
        run_server,
        "serve the HTTP API (gunicorn)",
        shared,
        epilog="Migrates first. SIGTERM lets requests in flight finish, then exits 0.\n"
        "Each worker is a process with its own threads and its own database connections.",
    )
    parser.add_argument("--host", default=DEFAULTS.host, help=f"default {DEFAULTS.host}")
    parser.add_argument("--port", type=int, default=DEFAULTS.port, help=f"default {DEFAULTS.port}")
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULTS.workers,
        help=f"processes (default {DEFAULTS.workers})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULTS.threads,
        help=f"threads per worker (default {DEFAULTS.threads}; 1 = gunicorn's sync worker)",
    )
    parser.add_argument(
        "--no-jobs",
        action="store_true",
        help="run no job runner here (run `inventory worker` elsewhere instead)",
    )


def run_server(args: argparse.Namespace, services: Services, console: Console) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1 to 65535, not {args.port}")
    for name in ("workers", "threads"):
        if not 1 <= getattr(args, name) <= 64:
            raise UsageError(f"--{name} must be 1 to 64, not {getattr(args, name)}")
    # The schema is migrated (as by every command); the workers open their own
    # connections after the fork, so none is inherited from this process.
    services.close()
    options = ServerOptions(args.host, args.port, args.workers, args.threads, jobs=not args.no_jobs)
    serve(services.settings, options)
    return 0
