"""Expiry alerts on SQLite and PostgreSQL: which lots the daily look alerts of, and once only.

Lots are made as a client makes them: a lot-tracked product, received with a
lot. The clock is fixed at T0 (2026-11-26, UTC) and moved by whole days; the
warning window is 30 days unless a test says otherwise (API.md §12).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from inventory.application.alerts import AlertPolicy
from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import CreateWarehouse, IssueStock
from inventory.application.expiry_alerts import (
    expiry_alert_message,
    queue_expiry_alerts,
    send_expiry_alert,
)
from inventory.application.jobs import list_jobs
from inventory.application.listing import JobList
from inventory.application.ports import Storage, UnitOfWork
from inventory.application.stock import record_movement
from inventory.bootstrap import bootstrap
from inventory.config import load_settings
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.lots import ExpiryWarning
from tests.factories import (
    T0,
    FixedClock,
    LotTrackedProductFactory,
    ReceiveLotFactory,
    SequentialIds,
)
from tests.integration.conftest import STORAGES
from tests.waiting import wait_for

SKU = "MILK"
NAME = "Whole milk 1 l"
TODAY = T0.date()  # 2026-11-26
POLICY = AlertPolicy(max_attempts=3, expiry_warning_days=30)


@dataclass
class Floor:
    """One inventory on a real database, with the clock and ids its use cases are given."""

    storage: Storage
    clock: FixedClock
    ids: SequentialIds

    def uow(self) -> UnitOfWork:
        return self.storage.unit_of_work()

    def receive(
        self, code: str, expires_on: date | None, quantity: int = 10, warehouse: str = "MAIN"
    ) -> None:
        cmd = ReceiveLotFactory(
            sku=SKU, warehouse=warehouse, quantity=quantity, code=code, expires_on=expires_on
        )
        record_movement(cmd, self.uow(), self.clock, self.ids, "clerk")

    def issue(self, code: str, quantity: int, warehouse: str = "MAIN") -> None:
        cmd = IssueStock(sku=SKU, warehouse=warehouse, quantity=quantity, lot=code)
        record_movement(cmd, self.uow(), self.clock, self.ids, "clerk")

    def look(self, policy: AlertPolicy = POLICY) -> int:
        """What a job runner does once a day: queue the alerts due."""
        return queue_expiry_alerts(self.uow, self.clock, self.ids, policy)

    def alerts(self) -> list[Job]:
        return list_jobs(JobList(kind=JobKind.EXPIRY_ALERT, limit=500), self.uow()).items

    def alerted(self) -> list[tuple[str, int]]:
        """(lot, on hand) of every alert queued so far, oldest first."""
        return [(job.params["lot"], job.params["on_hand"]) for job in self.alerts()]

    def days_pass(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """A fresh, migrated, empty database of each kind in turn."""
    with STORAGES[request.param](tmp_path) as made:
        yield made


@pytest.fixture
def floor(storage: Storage) -> Floor:
    """Warehouses MAIN and EAST, and the lot-tracked product MILK; no stock yet."""
    made = Floor(storage, FixedClock(), SequentialIds())
    for code in ("MAIN", "EAST"):
        add_warehouse(CreateWarehouse(code=code, name=f"Warehouse {code}"), made.uow(), made.clock)
    add_product(LotTrackedProductFactory(sku=SKU, name=NAME), made.uow(), made.clock)
    return made


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


# --- which lots are alerted -----------------------------------------------------------------


def test_a_lot_in_the_window_queues_one_alert_and_a_second_look_queues_nothing(
    floor: Floor,
) -> None:
    floor.receive("L-1", in_days(20))

    assert floor.look() == 1
    assert floor.look() == 0

    [job] = floor.alerts()
    assert job.params == {
        "sku": SKU,
        "name": NAME,
        "lot": "L-1",
        "expires_on": in_days(20).isoformat(),
        "on_hand": 10,
        "checked_on": TODAY.isoformat(),
    }
    assert (job.status, job.attempts, job.max_attempts) == (JobStatus.QUEUED, 0, 3)


def test_a_lot_outside_the_window_queues_nothing_until_the_day_it_enters_it(
    floor: Floor,
) -> None:
    floor.receive("L-1", in_days(45))

    assert floor.look() == 0
    floor.days_pass(14)  # 31 days left
    assert floor.look() == 0
    floor.days_pass(1)  # 30 days left: in the window
    assert floor.look() == 1
    floor.days_pass(1)
    assert floor.look() == 0

    assert floor.alerted() == [("L-1", 10)]


def test_a_lot_with_no_stock_left_queues_nothing(floor: Floor) -> None:
    floor.receive("L-1", in_days(10))
    floor.issue("L-1", 10)

    assert floor.look() == 0
    assert floor.alerts() == []


def test_a_lot_without_an_expiry_date_is_never_alerted(floor: Floor) -> None:
    floor.receive("L-1", None)
    floor.days_pass(10_000)

    assert floor.look() == 0


def test_the_units_alerted_are_those_on_hand_in_every_warehouse(floor: Floor) -> None:
    floor.receive("L-1", in_days(5), quantity=4, warehouse="MAIN")
    floor.receive("L-1", in_days(5), quantity=6, warehouse="EAST")
    floor.receive("L-2", in_days(6), quantity=3, warehouse="EAST")
    floor.issue("L-1", 1, warehouse="EAST")

    assert floor.look() == 2

    assert floor.alerted() == [("L-1", 9), ("L-2", 3)]


def test_a_lot_that_expired_before_anyone_looked_is_alerted_as_expired(floor: Floor) -> None:
    floor.receive("L-1", in_days(3))
    floor.days_pass(10)

    assert floor.look() == 1

    [job] = floor.alerts()
    assert job.params["checked_on"] == in_days(10).isoformat()
    notifier = RecordingNotifier()
    send_expiry_alert(job, notifier, "buyer@example.com")
    [(_, subject, _)] = notifier.sent
    assert subject == f"Expiry: lot L-1 of {SKU} ({NAME}) expired on {in_days(3)}, 10 on hand"


def test_with_no_warning_days_a_lot_is_alerted_on_its_expiry_date(floor: Floor) -> None:
    floor.receive("L-1", in_days(1))
    no_warning = replace(POLICY, expiry_warning_days=0)

    assert floor.look(no_warning) == 0
    floor.days_pass(1)
    assert floor.look(no_warning) == 1


def test_a_lot_alerted_once_is_not_alerted_again_when_more_of_it_arrives(floor: Floor) -> None:
    floor.receive("L-1", in_days(20))
    floor.look()
    floor.receive("L-1", in_days(20), quantity=5)
    floor.days_pass(1)

    assert floor.look() == 0
    assert floor.alerted() == [("L-1", 10)]


def test_two_runners_looking_at_once_queue_one_alert_per_lot(floor: Floor) -> None:
    codes = [f"L-{n}" for n in range(1, 9)]
    for n, code in enumerate(codes):
        floor.receive(code, in_days(n + 1), quantity=n + 1)
    start = threading.Barrier(2)
    queued: list[int] = []

    def runner() -> None:
        start.wait()
        queued.append(floor.look())

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(queued) == [0, len(codes)]
    assert sorted(floor.alerted()) == sorted((code, n + 1) for n, code in enumerate(codes))


# --- the job ---------------------------------------------------------------------------------


class RecordingNotifier:
    """A notifier that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def test_the_alert_job_mails_the_sku_product_lot_expiry_and_units(floor: Floor) -> None:
    floor.receive("L-1", in_days(20))
    floor.look()
    [job] = floor.alerts()
    notifier = RecordingNotifier()

    send_expiry_alert(job, notifier, "buyer@example.com")

    [(to, subject, body)] = notifier.sent
    assert to == "buyer@example.com"
    warning = ExpiryWarning(SKU, NAME, "L-1", in_days(20), 10)
    assert (subject, body) == expiry_alert_message(warning, TODAY)
    assert subject == f"Expiry: lot L-1 of {SKU} ({NAME}) expires on 2026-12-16, 10 on hand"
    for text in (SKU, NAME, "Lot:         L-1", "Expires on:  2026-12-16", "On hand:     10"):
        assert text in body


def test_a_started_job_runner_looks_at_once_and_the_alert_lands_in_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("INVENTORY_SMTP_URL", "INVENTORY_ALERT_EMAIL", "INVENTORY_EXPIRY_WARNING_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'inventory.db'}", expiry_warning_days=7
    )
    services = replace(bootstrap(settings), clock=FixedClock())
    try:
        floor = Floor(services.storage, FixedClock(), SequentialIds("setup"))
        add_warehouse(CreateWarehouse(code="MAIN", name="Main"), floor.uow(), floor.clock)
        add_product(LotTrackedProductFactory(sku=SKU, name=NAME), floor.uow(), floor.clock)
        floor.receive("SOON", in_days(7))
        floor.receive("LATER", in_days(8))
        runner = services.job_runner(threads=1, poll_seconds=0.02)
        runner.start()
        try:
            wait_for(lambda: runner.done >= 1, "the expiry alert sent", timeout=20)
        finally:
            runner.stop()
        with services.uow().reading() as uow:
            [kept] = uow.outbox.stream()
        [job] = list_jobs(JobList(kind=JobKind.EXPIRY_ALERT), services.uow()).items
    finally:
        services.close()

    assert job.status is JobStatus.SUCCEEDED
    assert job.params["lot"] == "SOON"
    assert kept.subject == f"Expiry: lot SOON of {SKU} ({NAME}) expires on {in_days(7)}, 10 on hand"
    assert kept.reason == "INVENTORY_SMTP_URL is not set"
