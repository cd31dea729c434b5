"""SIGTERM to ``inventory worker``: no new claims, the job in hand finishes or is released, exit 0.

The slow job is a real one: a low-stock alert e-mailed to an SMTP server (an
``aiosmtpd`` server on loopback, run by the test) that holds each message at
DATA until the test lets it go, as a slow mail relay would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from inventory.entrypoints.cli.main import main
from tests.e2e.shell import Cli, cli_env
from tests.waiting import free_port, wait_for

pytestmark = pytest.mark.e2e

GRACEFUL_TIMEOUT = 30.0
"""``inventory serve``'s graceful timeout: a worker must be gone well within it."""

WAIT = 20.0
"""The most any condition here is waited for."""

HOLD = 8.0
"""The longest a message is held: under the notifier's 10 s timeout, so it never times out."""

BUYER = "buyer@example.com"


class HeldInbox:
    """An SMTP handler that holds every message at DATA until :attr:`release` is set."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.release = threading.Event()
        self.arrived = 0
        self.accepted: list[Envelope] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        with self._lock:
            self.arrived += 1
        deadline = time.monotonic() + HOLD
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        with self._lock:
            self.accepted.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def held_inbox() -> Iterator[HeldInbox]:
    """A mail server on 127.0.0.1 that holds each message until told to let it go."""
    handler = HeldInbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[HeldInbox]:
    with held_inbox() as handler:
        yield handler


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: HeldInbox) -> Cli:
    """A SQLite inventory where BOLT has just fallen below its reorder point: one alert job.

    Made with the CLI in-process (for speed); the returned Cli runs the worker,
    with the mail server of ``inbox``, in a process of its own.
    """
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("INVENTORY_")]:
        monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", url)
    (tmp_path / "catalog.csv").write_text("sku,name,reorder_point\nBOLT,Bolt,5\n")
    (tmp_path / "ledger.csv").write_text(
        "type,sku,warehouse,quantity,unit_cost\nreceipt,BOLT,MAIN,10,1.0000\nissue,BOLT,MAIN,6,\n"
    )
    for argv in (
        ["warehouses", "add", "--code", "MAIN", "--name", "Main"],
        ["import", "products", "catalog.csv"],
        ["import", "movements", "ledger.csv"],
    ):
        assert main(argv) == 0, argv
    return Cli(
        tmp_path,
        cli_env(
            url,
            INVENTORY_SMTP_URL=inbox.url,
            INVENTORY_ALERT_EMAIL=BUYER,
        ),
    )


def jobs_in(database: Path) -> dict[str, tuple[str, str, int]]:
    """Every job by id: (kind, status, attempts), read from the database file itself."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT id, kind, status, attempts FROM jobs").fetchall()
    return {id: (kind, status, attempts) for id, kind, status, attempts in rows}


def alert_states(database: Path) -> list[tuple[str, int]]:
    """(status, attempts) of every low-stock alert job."""
    return sorted(
        (status, attempts)
        for kind, status, attempts in jobs_in(database).values()
        if kind == "low_stock_alert"
    )


def start_worker(cli: Cli, log: Path, *options: str) -> subprocess.Popen[str]:
    """``inventory worker`` writing its output to ``log``."""
    with log.open("w") as out:
        return cli.popen("worker", "--poll", "0.1", *options, stdout=out, stderr=subprocess.STDOUT)


def stop_after_stopping_begins(
    process: subprocess.Popen[str], log: Path, inbox: HeldInbox
) -> tuple[int, float]:
    """SIGTERM; once the runner stops claiming, let the mail go; (exit status, seconds taken)."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    wait_for(lambda: "no new claims" in log.read_text(), "the runner stopping")
    inbox.release.set()
    status = process.wait(GRACEFUL_TIMEOUT + 10)
    return status, time.monotonic() - began


def test_sigterm_lets_the_job_in_hand_finish_starts_no_other_and_exits_zero(
    tmp_path: Path, shop: Cli, inbox: HeldInbox
) -> None:
    assert main(["report", "valuation", "--async"]) == 0  # queued behind the alert
    database = tmp_path / "inventory.db"
    (report,) = [id for id, (kind, _, _) in jobs_in(database).items() if kind == "report"]
    log = tmp_path / "worker.log"
    worker = start_worker(shop, log, "--threads", "1")
    try:
        wait_for(lambda: inbox.arrived == 1, "the alert at the mail server")
        assert jobs_in(database)[report] == ("report", "queued", 0)  # the one thread is busy

        status, took = stop_after_stopping_begins(worker, log, inbox)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert status == 0, log.read_text()
    assert took < GRACEFUL_TIMEOUT
    assert len(inbox.accepted) == 1
    assert alert_states(database) == [("succeeded", 1)]
    assert jobs_in(database)[report] == ("report", "queued", 0)  # never started
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    assert "stopped (1 done, 0 failed attempts)" in log.read_text()


def test_a_job_outlasting_the_stop_timeout_is_released_for_the_next_worker_and_exits_zero(
    tmp_path: Path, shop: Cli, inbox: HeldInbox
) -> None:
    database = tmp_path / "inventory.db"
    log = tmp_path / "worker.log"
    worker = start_worker(shop, log, "--threads", "1", "--stop-timeout", "0.5")
    try:
        wait_for(lambda: inbox.arrived == 1, "the alert at the mail server")
        began = time.monotonic()
        worker.send_signal(signal.SIGTERM)  # the mail server keeps holding the message
        status = worker.wait(GRACEFUL_TIMEOUT + 10)
        took = time.monotonic() - began
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert status == 0, log.read_text()
    assert took < HOLD  # the stop timeout, not the message still held, bounds the exit
    assert "1 released unfinished" in log.read_text()
    assert alert_states(database) == [("queued", 0)]  # due again, its attempt not counted

    # The next worker takes it at once, not once the 2-minute lease would have ended.
    inbox.release.set()
    successor = start_worker(shop, tmp_path / "successor.log", "--threads", "1")
    try:
        wait_for(lambda: alert_states(database) == [("succeeded", 1)], "the alert sent by the next")
    finally:
        successor.send_signal(signal.SIGTERM)
        assert successor.wait(GRACEFUL_TIMEOUT) == 0


def test_the_worker_refuses_a_stop_timeout_out_of_range(
    shop: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["worker", "--stop-timeout", "-1"]) == 2
    assert "--stop-timeout must be 0 to 3600 seconds, not -1.0" in capsys.readouterr().err


def test_a_worker_told_of_a_parent_it_no_longer_has_stops_as_on_sigterm(tmp_path: Path) -> None:
    # As after the parent's death, when the kernel sent no signal (not Linux):
    # the pid given is not this worker's parent (that is this test's process).
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))
    gone = os.getppid()

    done = cli.run("worker", "--poll", "0.1", "--parent-pid", str(gone))

    assert done.returncode == 0, done.stderr
    assert f"its parent {gone} is gone" in done.stderr
    assert "stopped (0 done, 0 failed attempts)" in done.stderr
    assert cli.run("worker", "--parent-pid", "0").returncode == 2
