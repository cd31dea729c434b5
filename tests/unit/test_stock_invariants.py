"""Stock invariants hold after every operation, whatever the sequence (API.md section 4).

A state machine drives the use cases on the memory store with random receipts
(at random costs), issues, transfers, counts, batches of movements, and orders
reserved, shipped and cancelled. Refusals are allowed outcomes, but a model
kept here, independently of the code under test, predicts exactly which
operations are refused and what every figure must then be. After every step:

* every level has ``0 <= reserved <= on_hand``;
* ``on_hand`` is the sum of the pair's movements in the ledger;
* ``reserved`` is the sum of the open orders' lines;
* each product's average cost is the model's AVCO, computed exactly with
  fractions and rounded half-even to four places;
* the integrity check finds no drift.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from inventory.adapters.memory import MemoryStore
from inventory.application.catalog import add_product, add_warehouse, archive_product
from inventory.application.commands import (
    AdjustStock,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    MovementCommand,
    OrderLineIn,
    ReceiveStock,
    ReserveOrder,
    TransferStock,
)
from inventory.application.integrity import check_integrity
from inventory.application.orders import cancel_order, reserve_order, ship_order
from inventory.application.ports import UnitOfWork
from inventory.application.stock import record_movement, record_movements
from inventory.domain.errors import Conflict, DomainError, InsufficientStock, InvalidState
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import OrderStatus
from tests.factories import FixedClock, SequentialIds

SKUS = ("A", "B", "C")
ARCHIVABLE = "C"
WAREHOUSES = ("W1", "W2", "W3")

Key = tuple[str, str]


def four_places(value: Fraction) -> Decimal:
    """``value`` rounded half to even at the fourth decimal place, exactly."""
    scaled = value * 10_000
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    remainder = Fraction(rest, scaled.denominator)
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return Decimal(whole) / 10_000


def avco(held: int, average: Decimal, received: int, unit_cost: Decimal) -> Decimal:
    """API.md section 4: ``(n*a + q*c) / (n + q)``, half-even to 4 places; ``c`` if n + q == 0."""
    if held + received == 0:
        return four_places(Fraction(unit_cost))
    return four_places(
        (held * Fraction(average) + received * Fraction(unit_cost)) / (held + received)
    )


class Refused(Exception):
    """The model's prediction that the service refuses an operation with ``error``."""

    def __init__(self, error: type[DomainError]) -> None:
        super().__init__(error.__name__)
        self.error = error


@dataclass
class OpenOrder:
    warehouse: str
    lines: list[tuple[str, int]]
    status: OrderStatus = OrderStatus.RESERVED


@dataclass
class Model:
    """What the inventory must hold, by the rules of API.md."""

    on_hand: Counter[Key] = field(default_factory=Counter)
    reserved: Counter[Key] = field(default_factory=Counter)
    average: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(SKUS, Decimal(0)))
    archived: set[str] = field(default_factory=set)
    orders: dict[str, OpenOrder] = field(default_factory=dict)

    def available(self, key: Key) -> int:
        return self.on_hand[key] - self.reserved[key]

    def held(self, sku: str) -> int:
        return sum(self.on_hand[sku, code] for code in WAREHOUSES)

    def apply(self, cmd: MovementCommand) -> None:
        """Post one movement, or raise :class:`Refused` leaving the model unchanged."""
        if cmd.sku in self.archived:
            raise Refused(Conflict)
        match cmd:
            case ReceiveStock():
                held = self.held(cmd.sku)
                self.average[cmd.sku] = avco(
                    held, self.average[cmd.sku], cmd.quantity, cmd.unit_cost
                )
                self.on_hand[cmd.sku, cmd.warehouse] += cmd.quantity
            case IssueStock():
                if cmd.quantity > self.available((cmd.sku, cmd.warehouse)):
                    raise Refused(InsufficientStock)
                self.on_hand[cmd.sku, cmd.warehouse] -= cmd.quantity
            case TransferStock():
                if cmd.quantity > self.available((cmd.sku, cmd.from_warehouse)):
                    raise Refused(InsufficientStock)
                self.on_hand[cmd.sku, cmd.from_warehouse] -= cmd.quantity
                self.on_hand[cmd.sku, cmd.to_warehouse] += cmd.quantity
            case AdjustStock():
                if cmd.counted_quantity < self.reserved[cmd.sku, cmd.warehouse]:
                    raise Refused(InsufficientStock)
                self.on_hand[cmd.sku, cmd.warehouse] = cmd.counted_quantity

    def short_lines(self, warehouse: str, lines: list[tuple[str, int]]) -> list[str]:
        return [
            f"lines.{n}.quantity"
            for n, (sku, quantity) in enumerate(lines)
            if quantity > self.available((sku, warehouse))
        ]


# --- strategies -----------------------------------------------------------------

skus = st.sampled_from(SKUS)
warehouses = st.sampled_from(WAREHOUSES)
# Small figures often, so that stock runs out, counts fall below reservations and
# averages land exactly on a rounding tie (1 @ 0.0001 + 1 @ 0 = 0.00005).
quantities = st.one_of(
    st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=40)
)
costs = st.one_of(
    st.sampled_from(
        ["0", "0.0001", "0.0002", "0.0003", "0.0005", "0.0007", "1.5", "2", "9999.9999"]
    ),
    st.integers(min_value=0, max_value=99_999_999).map(lambda u: f"{u // 10_000}.{u % 10_000:04d}"),
    st.integers(min_value=0, max_value=500).map(str),
    st.tuples(st.integers(0, 99), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]}"),
)
reasons = st.sampled_from(list(AdjustmentReason))
two_warehouses = st.permutations(WAREHOUSES).map(lambda p: (p[0], p[1]))
counted = st.one_of(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=50))

receipts = st.builds(
    ReceiveStock, sku=skus, warehouse=warehouses, quantity=quantities, unit_cost=costs
)
issues = st.builds(IssueStock, sku=skus, warehouse=warehouses, quantity=quantities)
transfers = st.builds(
    lambda sku, pair, quantity: TransferStock(
        sku=sku, from_warehouse=pair[0], to_warehouse=pair[1], quantity=quantity
    ),
    skus,
    two_warehouses,
    quantities,
)
counts = st.builds(
    AdjustStock,
    sku=skus,
    warehouse=warehouses,
    counted_quantity=counted,
    reason=reasons,
)
movements = st.one_of(receipts, issues, transfers, counts)
order_lines = st.lists(
    st.tuples(skus, quantities),
    min_size=1,
    max_size=3,
    unique_by=lambda line: line[0],
)


class StockMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.store = MemoryStore()
        self.clock = FixedClock(step=timedelta(milliseconds=1))
        self.ids = SequentialIds()
        self.model = Model()
        self.references = 0
        for sku in SKUS:
            add_product(CreateProduct(sku=sku, name=f"Product {sku}"), self.uow(), self.clock)
        for code in WAREHOUSES:
            add_warehouse(CreateWarehouse(code=code, name=code), self.uow(), self.clock)

    def uow(self) -> UnitOfWork:
        return self.store.unit_of_work()

    # --- operations: each outcome must be the one the model predicts ----------

    def _expect(
        self, what: str, predicted: type[DomainError] | None, raised: DomainError | None
    ) -> None:
        # A refusal may be a refinement of the predicted kind (a Shortfall is an
        # InsufficientStock that also says what was expired): same kind, same answer.
        event(f"{what}: {'done' if raised is None else type(raised).__name__}")
        if predicted is None:
            assert raised is None, f"model predicted success, the service gave {raised!r}"
        else:
            assert isinstance(raised, predicted), (
                f"model predicted {predicted}, the service gave {raised!r}"
            )

    @initialize(
        opening=st.lists(
            st.tuples(skus, warehouses, st.integers(min_value=1, max_value=30), costs),
            max_size=len(SKUS) * len(WAREHOUSES),
        )
    )
    def open_with_some_stock(self, opening: list[tuple[str, str, int, str]]) -> None:
        for sku, code, quantity, cost in opening:
            self._post(ReceiveStock(sku=sku, warehouse=code, quantity=quantity, unit_cost=cost))

    @rule(cmd=movements)
    def record_one_movement(self, cmd: MovementCommand) -> None:
        self._post(cmd)

    @rule(order_id=orders, data=st.data())
    def count_stock_an_order_holds(self, order_id: str, data: st.DataObject) -> None:
        # Counts aimed at reserved stock, so that some fall below the reservation.
        order = self.model.orders[order_id]
        sku, _ = data.draw(st.sampled_from(order.lines))
        on_hand = self.model.on_hand[sku, order.warehouse]
        counted = data.draw(st.integers(min_value=0, max_value=on_hand + 2))
        reason = data.draw(reasons)
        self._post(
            AdjustStock(sku=sku, warehouse=order.warehouse, counted_quantity=counted, reason=reason)
        )

    def _post(self, cmd: MovementCommand) -> None:
        after = copy.deepcopy(self.model)
        try:
            after.apply(cmd)
            predicted = None
        except Refused as refusal:
            predicted = refusal.error
        raised = refusal_of(lambda: record_movement(cmd, self.uow(), self.clock, self.ids, "clerk"))
        self._expect(cmd.type, predicted, raised)
        if predicted is None:
            self.model = after

    @rule(commands=st.lists(movements, min_size=1, max_size=4))
    def record_a_batch_all_or_nothing(self, commands: list[MovementCommand]) -> None:
        after = copy.deepcopy(self.model)
        predicted, refused_at = None, None
        for n, cmd in enumerate(commands):
            try:
                after.apply(cmd)
            except Refused as refusal:
                predicted, refused_at = refusal.error, n
                break
        raised = refusal_of(
            lambda: record_movements(commands, self.uow(), self.clock, self.ids, "clerk")
        )
        self._expect("batch", predicted, raised)
        if raised is not None:
            assert str(raised).startswith(f"movement {refused_at + 1}: ")  # type: ignore[operator]
        else:
            self.model = after

    @rule(target=orders, warehouse=warehouses, lines=order_lines)
    def reserve_an_order(self, warehouse: str, lines: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
        self.references += 1
        command = ReserveOrder(
            reference=f"SO-{self.references}",
            warehouse=warehouse,
            lines=[OrderLineIn(sku=sku, quantity=quantity) for sku, quantity in lines],
        )
        if any(sku in self.model.archived for sku, _ in lines):
            predicted: type[DomainError] | None = Conflict
        elif short := self.model.short_lines(warehouse, lines):
            predicted = InsufficientStock
        else:
            predicted = None
        try:
            order = reserve_order(command, self.uow(), self.clock, self.ids)
            raised = None
        except DomainError as exc:
            raised = exc
        self._expect("reserve", predicted, raised)
        if raised is not None:
            if predicted is InsufficientStock:
                assert [e.field for e in raised.errors] == short
            return multiple()
        for sku, quantity in lines:
            self.model.reserved[sku, warehouse] += quantity
        self.model.orders[order.id] = OpenOrder(warehouse, lines)
        return order.id

    @rule(order_id=orders)
    def ship_an_order(self, order_id: str) -> None:
        order = self.model.orders[order_id]
        predicted = None if order.status is OrderStatus.RESERVED else InvalidState
        raised = refusal_of(lambda: ship_order(order_id, self.uow(), self.clock, self.ids, "clerk"))
        self._expect("ship", predicted, raised)
        if raised is None:
            order.status = OrderStatus.SHIPPED
            for sku, quantity in order.lines:
                self.model.reserved[sku, order.warehouse] -= quantity
                self.model.on_hand[sku, order.warehouse] -= quantity

    @rule(order_id=orders)
    def cancel_an_order(self, order_id: str) -> None:
        order = self.model.orders[order_id]
        predicted = None if order.status is OrderStatus.RESERVED else InvalidState
        raised = refusal_of(lambda: cancel_order(order_id, self.uow(), self.clock))
        self._expect("cancel", predicted, raised)
        if raised is None:
            order.status = OrderStatus.CANCELLED
            for sku, quantity in order.lines:
                self.model.reserved[sku, order.warehouse] -= quantity

    @precondition(lambda self: ARCHIVABLE not in self.model.archived)
    @rule()
    def archive_a_product(self) -> None:
        holds = any(
            self.model.on_hand[ARCHIVABLE, code] or self.model.reserved[ARCHIVABLE, code]
            for code in WAREHOUSES
        )
        raised = refusal_of(lambda: archive_product(ARCHIVABLE, self.uow(), self.clock))
        self._expect("archive", Conflict if holds else None, raised)
        if raised is None:
            self.model.archived.add(ARCHIVABLE)

    # --- invariants ---------------------------------------------------------------

    @invariant()
    def reserved_never_exceeds_on_hand(self) -> None:
        for level in self.store.levels.values():
            assert 0 <= level.reserved <= level.on_hand, level

    @invariant()
    def on_hand_is_the_sum_of_the_ledger(self) -> None:
        ledger = ledger_totals(self.store.movements)
        for key in set(ledger) | set(self.store.levels):
            level = self.store.levels.get(key)
            assert (0 if level is None else level.on_hand) == ledger[key], key

    @invariant()
    def reserved_is_what_open_orders_hold(self) -> None:
        held: Counter[Key] = Counter()
        for order in self.store.orders.values():
            if order.status is OrderStatus.RESERVED:
                for line in order.lines:
                    held[line.sku, order.warehouse] += line.quantity
        for key in set(held) | set(self.store.levels):
            level = self.store.levels.get(key)
            assert (0 if level is None else level.reserved) == held[key], key

    @invariant()
    def levels_are_what_the_model_predicts(self) -> None:
        for sku in SKUS:
            for code in WAREHOUSES:
                level = self.store.levels.get((sku, code))
                stored = (0, 0) if level is None else (level.on_hand, level.reserved)
                assert stored == (self.model.on_hand[sku, code], self.model.reserved[sku, code])

    @invariant()
    def average_cost_is_the_exact_avco(self) -> None:
        for sku in SKUS:
            stored = self.store.products[sku].average_cost
            assert f"{stored:.4f}" == f"{self.model.average[sku]:.4f}", sku

    @invariant()
    def the_integrity_check_finds_no_drift(self) -> None:
        assert check_integrity(self.uow()) == []


def refusal_of(action: Callable[[], object]) -> DomainError | None:
    """The domain error ``action`` raised, or None when it was accepted."""
    try:
        action()
    except DomainError as exc:
        return exc
    return None


def ledger_totals(movements: list[Movement]) -> Counter[Key]:
    """On hand per (sku, warehouse) by summing the ledger, transfers on both sides."""
    totals: Counter[Key] = Counter()
    for m in movements:
        if m.type is MovementType.TRANSFER:
            assert m.to_warehouse is not None
            totals[m.sku, m.warehouse] -= m.quantity
            totals[m.sku, m.to_warehouse] += m.quantity
        elif m.type is MovementType.ISSUE:
            totals[m.sku, m.warehouse] -= m.quantity
        else:  # receipts are positive, adjustments signed
            totals[m.sku, m.warehouse] += m.quantity
    return totals


TestStockInvariantsHoldAfterEveryOperation = StockMachine.TestCase
TestStockInvariantsHoldAfterEveryOperation.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
