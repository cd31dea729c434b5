"""What clients see: the JSON shapes shared by HTTP and the CLI."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from inventory.application.ports import HeldSlot, SlotFigures
from inventory.application.views import (
    ApiKeyView,
    JobView,
    LocationStockView,
    MovementView,
    OrderView,
    ProductStockView,
    ProductView,
    SlotView,
)
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.lots import Lot
from inventory.domain.orders import OrderLine
from inventory.domain.stock import SlotLevel, StockLevel
from tests.factories import T0, ApiKeyFactory, MovementFactory, OrderFactory, ProductFactory


def test_a_product_shows_money_as_four_place_text_and_times_as_utc_rfc3339() -> None:
    product = ProductFactory(sku="SKU-1", details__name="Bolt", average_cost=Decimal("12.5"))

    shown = ProductView.of(product).to_json()

    assert shown == {
        "sku": "SKU-1", "name": "Bolt", "description": "", "category": "", "unit": "each",
        "barcode": None, "reorder_point": 0, "reorder_quantity": 0, "average_cost": "12.5000",
        "archived": False, "created_at": "2026-11-26T19:25:20.123456Z",
        "updated_at": "2026-11-26T19:25:20.123456Z", "version": 1, "tracking": "none",
        "shelf_life_days": None,
        "packs": [],
    }  # fmt: skip


def test_a_transfer_shows_both_warehouses_and_no_single_one() -> None:
    shown = MovementView.of(MovementFactory(transfer=True, id="mv-1")).to_json()

    assert (shown["from_warehouse"], shown["to_warehouse"]) == ("WH-MAIN", "WH-OTHER")
    assert {"warehouse", "unit_cost", "reason"}.isdisjoint(shown)


def test_a_receipt_shows_its_unit_cost_and_an_adjustment_its_reason() -> None:
    receipt = MovementView.of(MovementFactory(unit_cost=Decimal("0.5"))).to_json()
    adjustment = MovementView.of(MovementFactory(adjustment=True, quantity=-2)).to_json()

    assert (receipt["unit_cost"], receipt["warehouse"]) == ("0.5000", "WH-MAIN")
    assert "reason" not in receipt
    assert "from_warehouse" not in receipt
    assert (adjustment["reason"], adjustment["quantity"]) == ("count", -2)
    assert "unit_cost" not in adjustment


def test_an_order_shows_its_lines_and_deadline() -> None:
    order = OrderFactory(
        lines=(OrderLine("A", 2), OrderLine("B", 1)), expires_at=T0 + timedelta(hours=1)
    )

    shown = OrderView.of(order).to_json()

    assert shown["lines"] == [
        {"sku": "A", "quantity": 2, "location": None, "lot": None, "allocations": []},
        {"sku": "B", "quantity": 1, "location": None, "lot": None, "allocations": []},
    ]
    assert (shown["status"], shown["expires_at"]) == ("reserved", "2026-11-26T20:25:20.123456Z")


def test_a_key_is_shown_without_its_secret_or_hash() -> None:
    shown = ApiKeyView.of(ApiKeyFactory(secret="inv_s3cret")).to_json()

    assert set(shown) == {"id", "name", "role", "created_at", "revoked_at"}


def test_a_products_stock_shows_totals_and_each_warehouse() -> None:
    levels = [StockLevel("A", "WH-EAST", 5, 2), StockLevel("A", "WH-WEST", 1, 0)]

    shown = ProductStockView.of("A", levels).to_json()

    assert shown == {
        "sku": "A",
        "totals": {"on_hand": 6, "reserved": 2, "available": 4},
        "warehouses": [
            {"warehouse": "WH-EAST", "on_hand": 5, "reserved": 2, "available": 3},
            {"warehouse": "WH-WEST", "on_hand": 1, "reserved": 0, "available": 1},
        ],
    }


def test_a_products_stock_in_detail_shows_each_warehouses_levels_even_none() -> None:
    levels = [StockLevel("A", "WH-EAST", 5, 2), StockLevel("A", "WH-WEST", 0, 0)]
    slots = [
        SlotFigures("WH-EAST", "B-1", None, None, 1, 0),
        SlotFigures("WH-EAST", "B-2", "L-1", date(2027, 1, 31), 4, 2),
        SlotFigures("WH-NORTH", "B-1", None, None, 9, 0),  # no level of its own: not shown
    ]

    shown = ProductStockView.of("A", levels, slots).to_json()

    assert shown["warehouses"] == [
        {
            "warehouse": "WH-EAST",
            "on_hand": 5,
            "reserved": 2,
            "available": 3,
            "levels": [
                {
                    "location": "B-1",
                    "lot": None,
                    "expires_on": None,
                    "on_hand": 1,
                    "reserved": 0,
                    "available": 1,
                },
                {
                    "location": "B-2",
                    "lot": "L-1",
                    "expires_on": "2027-01-31",
                    "on_hand": 4,
                    "reserved": 2,
                    "available": 2,
                },
            ],
        },
        {"warehouse": "WH-WEST", "on_hand": 0, "reserved": 0, "available": 0, "levels": []},
    ]


def test_a_locations_stock_shows_each_sku_and_lot_with_its_expiry() -> None:
    lot = Lot("L-1", date(2027, 1, 31), None, T0)
    held = [
        HeldSlot(SlotLevel("A", "MAIN", 5, 2, "B-1", "L-1"), True, lot),
        HeldSlot(SlotLevel("B", "MAIN", 3, 0, "B-2", None), False, None),
    ]

    shown = LocationStockView.of("MAIN", "AISLE-B", True, held).to_json()

    assert shown == {
        "warehouse": "MAIN",
        "location": "AISLE-B",
        "descendants": True,
        "levels": [
            {"sku": "A", "location": "B-1", "lot": "L-1", "expires_on": "2027-01-31",
             "on_hand": 5, "reserved": 2, "available": 3},
            {"sku": "B", "location": "B-2", "lot": None, "expires_on": None,
             "on_hand": 3, "reserved": 0, "available": 3},
        ],
    }  # fmt: skip


@given(
    st.builds(
        SlotFigures,
        st.just("W"),
        st.text(min_size=1),
        st.none() | st.text(min_size=1),
        st.none() | st.dates(),
        st.integers(0, 10**12),
        st.integers(0, 10**12),
    )
)
def test_a_levels_json_built_by_hand_is_what_its_schema_validates_and_writes(
    figures: SlotFigures,
) -> None:
    shown = SlotView.json_of(figures)

    assert SlotView.model_validate(shown).model_dump(mode="json") == shown
    assert list(shown) == list(SlotView.model_fields)


def test_a_job_says_whether_its_result_exists_and_names_no_url() -> None:
    queued = Job.queue("job-1", JobKind.REPORT, {"kind": "valuation"}, T0, max_attempts=3)
    done = Job.queue("job-2", JobKind.REPORT, {"kind": "valuation"}, T0, max_attempts=3)
    done.status, done.result = JobStatus.SUCCEEDED, "result-2"

    assert (JobView.of(queued).has_result, JobView.of(done).has_result) == (False, True)
    assert "/api/" not in str(JobView.of(done).to_json())
