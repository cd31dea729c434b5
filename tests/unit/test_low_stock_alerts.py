"""Low-stock alerts on the memory store: one job per downward crossing of a reorder point.

A crossing takes a product's total available (every warehouse, on hand less
reserved) from above its reorder point to at or below it (API.md §6). Also the
alert's e-mail text, its job handler and the notifiers' set-up (no I/O here:
the SMTP server and SQLite are in tests/integration/test_smtp_alerts.py).
"""

from __future__ import annotations

import io
import logging

import pytest

from inventory.adapters.notify import OutboxNotifier, SmtpNotifier
from inventory.application.alerts import (
    AlertPolicy,
    LowStock,
    alert_message,
    send_low_stock_alert,
)
from inventory.application.commands import (
    AdjustStock,
    IssueStock,
    MovementCommand,
    ReceiveStock,
    TransferStock,
)
from inventory.application.importing import import_movements
from inventory.application.jobs import list_jobs
from inventory.application.listing import JobList
from inventory.application.orders import cancel_order, reserve_order, ship_order
from inventory.application.stock import BATCH, record_movement, record_movements
from inventory.domain.errors import InsufficientStock
from inventory.domain.jobs import Job, JobKind
from inventory.domain.movements import AdjustmentReason
from tests.factories import T0, ProductDetailsFactory, ProductFactory, ReserveOrderFactory
from tests.unit.stories import (
    Shop,
    given_order,
    given_product,
    given_stock,
    given_warehouse,
    ledger_of,
    level_of,
)

SKU = "BOLT"


@pytest.fixture
def bolts(shop: Shop) -> Shop:
    """10 bolts in WH-MAIN; their reorder point is 5."""
    given_product(shop, SKU, "Hex bolt M6", reorder_point=5)
    given_stock(shop, SKU, "WH-MAIN", 10)
    return shop


def alerts_of(shop: Shop) -> list[Job]:
    """The low-stock alert jobs a client can list, oldest first."""
    return list_jobs(JobList(kind=JobKind.LOW_STOCK_ALERT, limit=500), shop.uow()).items


def alerted(shop: Shop) -> list[tuple[str, int]]:
    """(sku, available) of every alert queued so far."""
    return [(job.params["sku"], job.params["available"]) for job in alerts_of(shop)]


def move(shop: Shop, cmd: MovementCommand, policy: AlertPolicy | None = None) -> None:
    if policy is None:
        record_movement(cmd, shop.uow(), shop.clock, shop.ids, shop.actor)
    else:
        record_movement(cmd, shop.uow(), shop.clock, shop.ids, shop.actor, alerts=policy)


def issue(shop: Shop, quantity: int, warehouse: str = "WH-MAIN") -> None:
    move(shop, IssueStock(sku=SKU, warehouse=warehouse, quantity=quantity))


def receive(shop: Shop, quantity: int, warehouse: str = "WH-MAIN") -> None:
    move(shop, ReceiveStock(sku=SKU, warehouse=warehouse, quantity=quantity, unit_cost="1"))


def count(shop: Shop, counted: int) -> None:
    cmd = AdjustStock(
        sku=SKU, warehouse="WH-MAIN", counted_quantity=counted, reason=AdjustmentReason.COUNT
    )
    move(shop, cmd)


# --- which changes alert ---------------------------------------------------------


def test_falling_from_above_to_exactly_the_reorder_point_queues_one_alert(bolts: Shop) -> None:
    move(bolts, IssueStock(sku=SKU, warehouse="WH-MAIN", quantity=5), AlertPolicy(max_attempts=3))

    [job] = alerts_of(bolts)
    assert job.params == {"sku": SKU, "name": "Hex bolt M6", "available": 5, "reorder_point": 5}
    assert (job.status.value, job.attempts, job.max_attempts) == ("queued", 0, 3)


def test_falling_from_above_to_below_the_reorder_point_queues_one_alert(bolts: Shop) -> None:
    issue(bolts, 9)

    assert alerted(bolts) == [(SKU, 1)]


def test_a_fall_that_stays_above_the_reorder_point_queues_nothing(bolts: Shop) -> None:
    issue(bolts, 4)

    assert alerted(bolts) == []


def test_falling_further_while_already_at_or_below_queues_nothing_more(bolts: Shop) -> None:
    issue(bolts, 5)
    issue(bolts, 2)
    issue(bolts, 3)

    assert alerted(bolts) == [(SKU, 5)]


def test_a_product_whose_reorder_point_is_zero_never_alerts(shop: Shop) -> None:
    given_product(shop, SKU, reorder_point=0)
    given_stock(shop, SKU, "WH-MAIN", 3)

    issue(shop, 3)

    assert alerted(shop) == []


def test_an_archived_product_never_crosses() -> None:
    # Archiving needs zero stock and an archived product takes no movement, so
    # no use case can lower its stock; the rule refuses it all the same.
    archived = ProductFactory(details=ProductDetailsFactory(reorder_point=5), archived=True)
    active = ProductFactory(details=ProductDetailsFactory(reorder_point=5))

    assert LowStock.crossing(archived, before=10, after=2) is None
    assert LowStock.crossing(active, before=10, after=2) is not None


def test_rising_above_the_reorder_point_and_falling_again_alerts_again(bolts: Shop) -> None:
    issue(bolts, 7)
    receive(bolts, 2)  # 5: still at the point, no new crossing yet
    issue(bolts, 1)
    receive(bolts, 10)  # 14: above again
    issue(bolts, 10)

    assert alerted(bolts) == [(SKU, 3), (SKU, 4)]


def test_a_count_down_across_the_reorder_point_alerts_and_a_count_up_re_arms(bolts: Shop) -> None:
    count(bolts, 2)
    count(bolts, 4)
    count(bolts, 20)
    count(bolts, 1)

    assert alerted(bolts) == [(SKU, 2), (SKU, 1)]


def test_the_total_available_counts_every_warehouse(bolts: Shop) -> None:
    given_warehouse(bolts, "WH-EAST")
    receive(bolts, 4, "WH-EAST")  # 14 in all

    issue(bolts, 8)  # 2 + 4 = 6: above
    issue(bolts, 1, "WH-EAST")  # 2 + 3 = 5: crossed

    assert alerted(bolts) == [(SKU, 5)]


def test_a_transfer_between_warehouses_never_alerts(bolts: Shop) -> None:
    given_warehouse(bolts, "WH-EAST")

    move(
        bolts, TransferStock(sku=SKU, from_warehouse="WH-MAIN", to_warehouse="WH-EAST", quantity=9)
    )

    assert alerted(bolts) == []


def test_reserving_an_order_that_crosses_the_reorder_point_alerts(bolts: Shop) -> None:
    given_order(bolts, [(SKU, 4)], reference="SO-1")  # 6 available
    assert alerted(bolts) == []

    given_order(bolts, [(SKU, 2)], reference="SO-2")  # 4 available

    assert alerted(bolts) == [(SKU, 4)]


def test_an_order_of_several_lines_alerts_only_for_the_skus_that_cross(bolts: Shop) -> None:
    given_product(bolts, "NUT", reorder_point=5)
    given_stock(bolts, "NUT", "WH-MAIN", 50)
    given_product(bolts, "WASHER", reorder_point=5)
    given_stock(bolts, "WASHER", "WH-MAIN", 3)  # already below: no crossing

    command = ReserveOrderFactory(lines=[(SKU, 6), ("NUT", 6), ("WASHER", 1)])
    reserve_order(command, bolts.uow(), bolts.clock, bolts.ids, alerts=AlertPolicy(max_attempts=2))

    [job] = alerts_of(bolts)
    assert (job.params["sku"], job.params["available"], job.max_attempts) == (SKU, 4, 2)


def test_a_cancelled_order_lifts_stock_so_the_next_fall_alerts_again(bolts: Shop) -> None:
    order = given_order(bolts, [(SKU, 6)], reference="SO-1")
    cancel_order(order.id, bolts.uow(), bolts.clock)  # 10 available again

    given_order(bolts, [(SKU, 7)], reference="SO-2")

    assert alerted(bolts) == [(SKU, 4), (SKU, 3)]


def test_shipping_an_order_does_not_alert_again(bolts: Shop) -> None:
    order = given_order(bolts, [(SKU, 6)])
    ship_order(order.id, bolts.uow(), bolts.clock, bolts.ids, bolts.actor)

    assert alerted(bolts) == [(SKU, 4)]


# --- all or nothing ----------------------------------------------------------------


def test_a_refused_change_queues_no_alert(bolts: Shop) -> None:
    crossing = IssueStock(sku=SKU, warehouse="WH-MAIN", quantity=6)
    refused = IssueStock(sku=SKU, warehouse="WH-MAIN", quantity=99)

    with pytest.raises(InsufficientStock):
        record_movements([crossing, refused], bolts.uow(), bolts.clock, bolts.ids, bolts.actor)

    assert alerted(bolts) == []
    assert level_of(bolts.uow, SKU, "WH-MAIN").on_hand == 10


def test_a_refused_order_queues_no_alert(bolts: Shop) -> None:
    given_product(bolts, "NUT", reorder_point=5)
    command = ReserveOrderFactory(lines=[(SKU, 6), ("NUT", 1)])  # no nuts in stock

    with pytest.raises(InsufficientStock):
        reserve_order(command, bolts.uow(), bolts.clock, bolts.ids)

    assert alerted(bolts) == []


# --- bulk ----------------------------------------------------------------------------


def test_an_import_alerts_once_per_crossing_even_within_one_batch(bolts: Shop) -> None:
    text = (
        "type,sku,warehouse,quantity,unit_cost\n"
        f"issue,{SKU},WH-MAIN,6,\n"  # 4: crossed
        f"receipt,{SKU},WH-MAIN,8,1\n"  # 12: above again
        f"issue,{SKU},WH-MAIN,2,\n"  # 10: above
        f"issue,{SKU},WH-MAIN,4,\n"  # 6: above
        f"issue,{SKU},WH-MAIN,3,\n"  # 3: crossed again
        f"issue,{SKU},WH-MAIN,1,\n"  # 2: still below
    )

    imported = import_movements(io.StringIO(text), bolts.uow(), bolts.clock, bolts.ids, bolts.actor)

    assert imported == 6
    assert alerted(bolts) == [(SKU, 4), (SKU, 3)]


def test_a_crossing_in_a_later_batch_sees_the_earlier_batches(shop: Shop) -> None:
    given_product(shop, SKU, reorder_point=5)
    given_stock(shop, SKU, "WH-MAIN", BATCH + 10)
    issues = [IssueStock(sku=SKU, warehouse="WH-MAIN", quantity=1)] * (BATCH + 6)

    record_movements(issues, shop.uow(), shop.clock, shop.ids, shop.actor)

    assert alerted(shop) == [(SKU, 5)]
    assert len(ledger_of(shop.uow, sku=SKU)) == BATCH + 7


# --- the e-mail ---------------------------------------------------------------------------


def test_the_subject_and_body_name_the_sku_product_available_and_reorder_point() -> None:
    subject, body = alert_message(LowStock("BOLT", "Hex bolt M6", 3, 5))

    assert subject == "Low stock: BOLT (Hex bolt M6) has 3 available, reorder point 5"
    for text in ("BOLT", "Hex bolt M6", "Available:      3", "Reorder point:  5"):
        assert text in body


def test_a_product_name_with_a_line_break_keeps_the_subject_on_one_line() -> None:
    subject, _ = alert_message(LowStock("BOLT", "Hex bolt\r\nBcc: someone@example.com", 3, 5))

    assert subject.splitlines() == [subject]
    assert subject.startswith("Low stock: BOLT (Hex bolt Bcc: someone@example.com)")


class RecordingNotifier:
    """A notifier that keeps what it is asked to send, or fails with ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.error = error

    def send(self, to: str, subject: str, body: str) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((to, subject, body))


def test_the_alert_job_sends_its_message_to_the_alert_address(bolts: Shop) -> None:
    issue(bolts, 7)
    [job] = alerts_of(bolts)
    notifier = RecordingNotifier()

    send_low_stock_alert(job, notifier, "buyer@example.com")

    [(to, subject, body)] = notifier.sent
    assert to == "buyer@example.com"
    assert (subject, body) == alert_message(LowStock(SKU, "Hex bolt M6", 3, 5))


def test_a_failed_delivery_raises_so_the_runner_retries(bolts: Shop) -> None:
    issue(bolts, 7)
    [job] = alerts_of(bolts)

    with pytest.raises(ConnectionRefusedError):
        send_low_stock_alert(job, RecordingNotifier(ConnectionRefusedError()), "b@example.com")


# --- notifiers ------------------------------------------------------------------------------


def test_the_outbox_notifier_keeps_the_message_and_logs_a_warning(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = OutboxNotifier(shop.uow, shop.clock, shop.ids, "INVENTORY_SMTP_URL is not set")

    with caplog.at_level(logging.WARNING, logger="inventory.notify"):
        notifier.send("", "Low stock: BOLT", "body")

    with shop.uow().reading() as uow:
        [kept] = uow.outbox.stream()
    assert (kept.created_at, kept.recipient, kept.subject, kept.body) == (
        T0,
        None,
        "Low stock: BOLT",
        "body",
    )
    assert kept.reason == "INVENTORY_SMTP_URL is not set"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "INVENTORY_SMTP_URL is not set" in record.getMessage()
    assert "Low stock: BOLT" in record.getMessage()


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.com:2525", "smtp://mail.example.com:2525"),
        ("smtp://mail.example.com", "smtp://mail.example.com:25"),
        ("smtps://mail.example.com/", "smtps://mail.example.com:465"),
        ("smtp://alerts:s3cret@mail.example.com:587", "smtp://mail.example.com:587"),
    ],
)
def test_the_smtp_notifier_reads_its_url_and_never_shows_a_password(url: str, server: str) -> None:
    notifier = SmtpNotifier(url, "inventory@example.com")

    assert notifier.server == server
    assert "s3cret" not in notifier.server


def test_the_smtp_notifier_refuses_another_scheme() -> None:
    with pytest.raises(ValueError, match="smtp://host:port"):
        SmtpNotifier("http://mail.example.com", "inventory@example.com")
