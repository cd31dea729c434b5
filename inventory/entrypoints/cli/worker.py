"""``inventory worker``: run queued jobs until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

from inventory.bootstrap import Services, counting
from inventory.entrypoints import tracking
from inventory.entrypoints.cli.arguments import Subcommands, UsageError, command
from inventory.entrypoints.cli.output import Console
from inventory.entrypoints.lifeline import parent_is_gone, signal_on_parent_death
from inventory.entrypoints.logs import configure_logging

log = logging.getLogger("inventory.worker")

STOP_TIMEOUT = 25.0
"""How long the jobs in hand get after SIGTERM before they are released.

A little under ``inventory serve``'s graceful timeout (30 s), which is how long
the server waits for this process when it runs it as its job runner.
"""


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    worker = command(
        commands,
        "worker",
        run_worker,
        "run queued jobs (reports, alerts) and expire lapsed reservations, until SIGTERM",
        shared,
        epilog="On SIGTERM or SIGINT it stops claiming jobs, gives those in hand up to\n"
        "--stop-timeout seconds to finish, releases any still running (due again at once,\n"
        "for another worker, the attempt not counted), and exits 0.",
    )
    worker.add_argument("--threads", type=int, default=2, help="jobs run at once (default 2)")
    worker.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="idle wait (default 1)"
    )
    worker.add_argument(
        "--stop-timeout",
        type=float,
        default=STOP_TIMEOUT,
        metavar="SECONDS",
        help=f"after SIGTERM, how long jobs in hand may take to finish (default {STOP_TIMEOUT:g})",
    )
    worker.add_argument(
        "--parent-pid",
        type=int,
        metavar="PID",
        help="stop as on SIGTERM as soon as process PID, its parent, is gone"
        " (`inventory serve` starts its job runner so)",
    )


def run_worker(args: argparse.Namespace, services: Services, console: Console) -> int:
    if not 1 <= args.threads <= 64:
        raise UsageError(f"--threads must be 1 to 64, not {args.threads}")
    if not 0.05 <= args.poll <= 60:
        raise UsageError(f"--poll must be 0.05 to 60 seconds, not {args.poll}")
    if not 0 <= args.stop_timeout <= 3600:
        raise UsageError(f"--stop-timeout must be 0 to 3600 seconds, not {args.stop_timeout}")
    if args.parent_pid is not None and args.parent_pid < 1:
        raise UsageError(f"--parent-pid must be a process id, not {args.parent_pid}")
    configure_logging(services.settings)
    tracking.configure_error_tracking(services.settings)
    services = counting(services)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    if args.parent_pid is not None:
        # The kernel's signal comes at once on Linux; the pid check below covers
        # the rest, and a parent that died before the signal was asked for.
        signal_on_parent_death(signal.SIGTERM)
    runner = services.job_runner(threads=args.threads, poll_seconds=args.poll)
    runner.start()
    log.info("inventory worker %s: running jobs; SIGTERM stops", runner.name)
    try:
        while not stop.wait(0.5):
            if args.parent_pid is not None and parent_is_gone(args.parent_pid):
                log.warning(
                    "inventory worker %s: its parent %d is gone", runner.name, args.parent_pid
                )
                break
    finally:
        runner.stop(args.stop_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    released = f"; {runner.released} released unfinished" if runner.released else ""
    # Log lines, not notes on the console: in the format of every other line of the
    # process (one JSON object per line when asked), and with their time.
    log.info(
        "inventory worker %s: stopped (%d done, %d failed attempts)%s",
        runner.name, runner.done, runner.failed, released,
    )  # fmt: skip
    tracking.flush()
    return 0
