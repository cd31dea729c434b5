"""Low-stock alerts end to end: SQLite, the job runner, and a real SMTP server on loopback.

The server is ``aiosmtpd`` on 127.0.0.1 and a free port; "the server is down"
is a free port nobody listens on. Services are wired by ``bootstrap`` from
settings, as a worker process wires them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from inventory.application.catalog import add_product, add_warehouse, product_stock
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    ReceiveStock,
)
from inventory.application.jobs import BACKOFF_CAP, get_job, list_jobs
from inventory.application.listing import JobList
from inventory.application.queries import MovementFilter
from inventory.application.stock import export_movements, record_movement, record_movements
from inventory.bootstrap import Services, bootstrap
from inventory.config import ConfigError, load_settings
from inventory.domain.errors import InsufficientStock
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.movements import MovementType
from tests.factories import FixedClock
from tests.waiting import free_port, wait_for

SENDER = "inventory@example.com"
BUYER = "buyer@example.com"
NAME = "Schraube Größe M6"  # not ASCII: the mail must carry it intact
SUBJECT = f"Low stock: BOLT ({NAME}) has 3 available, reorder point 5"

OpenServices = Callable[..., Services]
"""``open_services(clock=None, **settings)``: services wired from those settings."""


class Inbox:
    """An SMTP handler that keeps every envelope it accepts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            content = envelope.content
            assert isinstance(content, bytes)
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Only the settings a test passes: no INVENTORY_* from outside, no stray .env.
    for name in [name for name in os.environ if name.startswith("INVENTORY_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A running SMTP server on 127.0.0.1."""
    handler = Inbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def open_services(tmp_path: Path) -> Iterator[OpenServices]:
    """Services from settings (``**overrides``) on a fresh SQLite file, optionally a fixed clock."""
    opened: list[Services] = []

    def open_(clock: FixedClock | None = None, **overrides: Any) -> Services:
        database = f"sqlite:///{tmp_path / 'inventory.db'}"
        settings = load_settings(database_url=database, smtp_from=SENDER, **overrides)
        services = bootstrap(settings)
        opened.append(services)
        return services if clock is None else replace(services, clock=clock)

    yield open_
    for services in opened:
        services.close()


def cross_the_reorder_point(services: Services) -> None:
    """10 bolts (reorder point 5) received, then 7 issued: one alert for 3 available."""
    uow, clock, ids = services.uow, services.clock, services.new_id
    add_warehouse(CreateWarehouse(code="MAIN", name="Main"), uow(), clock)
    add_product(CreateProduct(sku="BOLT", name=NAME, reorder_point=5), uow(), clock)
    for cmd in (
        ReceiveStock(sku="BOLT", warehouse="MAIN", quantity=10, unit_cost="0.10"),
        IssueStock(sku="BOLT", warehouse="MAIN", quantity=7),
    ):
        record_movement(cmd, uow(), clock, ids, "clerk", alerts=services.alerts)


def alert_jobs(services: Services) -> list[Job]:
    return list_jobs(JobList(kind=JobKind.LOW_STOCK_ALERT), services.uow()).items


def test_the_alert_is_emailed_from_the_sender_to_the_alert_address(
    open_services: OpenServices, inbox: Inbox
) -> None:
    services = open_services(smtp_url=f"smtp://127.0.0.1:{inbox.port}", alert_email=BUYER)
    cross_the_reorder_point(services)

    job = services.job_runner(threads=1).run_once()

    assert job is not None
    assert job.kind is JobKind.LOW_STOCK_ALERT
    [envelope] = inbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, [BUYER])
    [message] = inbox.messages()
    assert (message["From"], message["To"], message["Subject"]) == (SENDER, BUYER, SUBJECT)
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    for text in ("BOLT", NAME, "Available:      3", "Reorder point:  5"):
        assert text in body
    done = get_job(job.id, services.uow())
    assert (done.status, done.attempts, done.error, done.result) == (
        JobStatus.SUCCEEDED,
        1,
        None,
        None,
    )


def test_a_running_job_runner_delivers_the_alert(open_services: OpenServices, inbox: Inbox) -> None:
    services = open_services(smtp_url=f"smtp://127.0.0.1:{inbox.port}", alert_email=BUYER)
    cross_the_reorder_point(services)
    runner = services.job_runner(threads=2, poll_seconds=0.05)

    runner.start()
    try:
        wait_for(lambda: inbox.envelopes, "the alert at the mail server", timeout=10)
    finally:
        runner.stop()

    assert [message["Subject"] for message in inbox.messages()] == [SUBJECT]
    [job] = alert_jobs(services)
    assert job.status is JobStatus.SUCCEEDED


def test_with_the_server_down_the_job_is_retried_then_fails_and_the_stock_change_stands(
    open_services: OpenServices, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    down = f"smtp://127.0.0.1:{free_port()}"
    services = open_services(clock, smtp_url=down, alert_email=BUYER, job_max_attempts=3)
    cross_the_reorder_point(services)
    runner = services.job_runner(threads=1)

    for attempt in (1, 2):
        assert runner.run_once() is not None
        [job] = alert_jobs(services)
        assert (job.status, job.attempts) == (JobStatus.QUEUED, attempt)
        assert job.error is not None
        assert f"could not send mail to {BUYER} through {down}" in job.error
        assert runner.run_once() is None, "retried before its backoff"
        clock.advance(BACKOFF_CAP + timedelta(seconds=1))
    failed_at = clock.now
    with caplog.at_level(logging.WARNING, logger="inventory.jobs"):
        assert runner.run_once() is not None
    clock.advance(timedelta(hours=1))

    assert runner.run_once() is None
    [job] = alert_jobs(services)
    assert (job.status, job.attempts, job.finished_at) == (JobStatus.FAILED, 3, failed_at)
    assert job.error is not None
    assert "refused" in job.error.lower()
    assert any("attempt 3 failed" in record.getMessage() for record in caplog.records)
    [level] = product_stock("BOLT", services.uow())
    assert (level.on_hand, level.available) == (3, 3)
    ledger = list(export_movements(MovementFilter(sku="BOLT"), services.uow()))
    assert [(m.type, m.quantity) for m in ledger] == [
        (MovementType.RECEIPT, 10),
        (MovementType.ISSUE, 7),
    ]


def test_without_an_smtp_url_the_alert_is_logged_and_kept_in_the_outbox(
    open_services: OpenServices, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    services = open_services(alert_email=BUYER)
    cross_the_reorder_point(services)

    with caplog.at_level(logging.WARNING, logger="inventory.notify"):
        job = services.job_runner(threads=1).run_once()

    assert job is not None
    assert get_job(job.id, services.uow()).status is JobStatus.SUCCEEDED
    with sqlite3.connect(tmp_path / "inventory.db") as db:
        rows = db.execute("SELECT recipient, subject, body, reason FROM outbox").fetchall()
    [(recipient, subject, body, reason)] = rows
    assert (recipient, subject, reason) == (BUYER, SUBJECT, "INVENTORY_SMTP_URL is not set")
    assert "Available:      3" in body
    [warning] = [r for r in caplog.records if r.name == "inventory.notify"]
    assert warning.levelno == logging.WARNING
    assert "INVENTORY_SMTP_URL is not set" in warning.getMessage()
    assert SUBJECT in warning.getMessage()


def test_without_an_alert_address_nothing_is_sent_and_the_alert_is_kept(
    open_services: OpenServices, inbox: Inbox
) -> None:
    services = open_services(smtp_url=f"smtp://127.0.0.1:{inbox.port}")
    cross_the_reorder_point(services)

    services.job_runner(threads=1).run_once()

    assert inbox.envelopes == []
    with services.uow().reading() as uow:
        [kept] = uow.outbox.stream()
    assert (kept.recipient, kept.subject) == (None, SUBJECT)
    assert kept.reason == "INVENTORY_ALERT_EMAIL is not set"


def test_a_rolled_back_change_queues_no_alert(open_services: OpenServices) -> None:
    services = open_services(alert_email=BUYER)
    cross_the_reorder_point(services)
    receive = ReceiveStock(sku="BOLT", warehouse="MAIN", quantity=7, unit_cost="0.10")
    record_movement(receive, services.uow(), services.clock, services.new_id, "clerk")
    crossing = IssueStock(sku="BOLT", warehouse="MAIN", quantity=6)
    refused = IssueStock(sku="BOLT", warehouse="MAIN", quantity=99)

    with pytest.raises(InsufficientStock):
        record_movements(
            [crossing, refused], services.uow(), services.clock, services.new_id, "clerk"
        )

    assert len(alert_jobs(services)) == 1  # the first crossing's, from before


def test_an_smtp_port_out_of_range_is_refused_naming_the_variable(
    open_services: OpenServices,
) -> None:
    services = open_services(smtp_url="smtp://127.0.0.1:99999", alert_email=BUYER)

    with pytest.raises(ConfigError, match=r"^INVENTORY_SMTP_URL: "):
        services.job_runner()


class Logins:
    """An aiosmtpd authenticator that accepts one user and notes every login tried."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.tried: list[tuple[bytes, bytes]] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.tried.append((auth_data.login, auth_data.password))
        return AuthResult(
            success=(auth_data.login, auth_data.password) == (self.user, self.password)
        )


# A test server on loopback: plain-text AUTH is what is under test.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_smtp_url_with_a_login_logs_in_before_sending(
    open_services: OpenServices, caplog: pytest.LogCaptureFixture
) -> None:
    logins = Logins("alerts", "p@ss word")
    handler = Inbox(free_port())
    controller = Controller(
        handler, hostname="127.0.0.1", port=handler.port,
        authenticator=logins, auth_require_tls=False, auth_required=True,
    )  # fmt: skip
    controller.start()
    try:
        url = f"smtp://alerts:p%40ss%20word@127.0.0.1:{handler.port}"
        services = open_services(smtp_url=url, alert_email=BUYER)
        cross_the_reorder_point(services)
        with caplog.at_level(logging.DEBUG):
            job = services.job_runner(threads=1).run_once()
    finally:
        controller.stop()

    assert job is not None
    assert logins.tried == [(b"alerts", b"p@ss word")]  # the URL's, percent-decoded
    [message] = handler.messages()
    assert message["Subject"] == SUBJECT
    assert "p@ss" not in caplog.text
