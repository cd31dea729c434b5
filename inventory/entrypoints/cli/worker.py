"""``inventory worker``: run queued jobs until SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import Subcommands, UsageError, command
from inventory.entrypoints.cli.output import Console
from inventory.entrypoints.logs import configure_logging


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    worker = command(
        commands,
        "worker",
        run_worker,
        "run queued jobs (reports, alerts) and expire lapsed reservations, until SIGTERM",
        shared,
        epilog="On SIGTERM or SIGINT it stops claiming jobs, finishes those in hand, and exits 0.",
    )
    worker.add_argument("--threads", type=int, default=2, help="jobs run at once (default 2)")
    worker.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="idle wait (default 1)"
    )


def run_worker(args: argparse.Namespace, services: Services, console: Console) -> int:
    if not 1 <= args.threads <= 64:
        raise UsageError(f"--threads must be 1 to 64, not {args.threads}")
    if not 0.05 <= args.poll <= 60:
        raise UsageError(f"--poll must be 0.05 to 60 seconds, not {args.poll}")
    configure_logging(services.settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    runner = services.job_runner(threads=args.threads, poll_seconds=args.poll)
    runner.start()
    console.note(f"inventory worker {runner.name}: running jobs; SIGTERM stops")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        runner.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.note(
        f"inventory worker {runner.name}: stopped "
        f"({runner.done} done, {runner.failed} failed attempts)"
    )
    return 0
