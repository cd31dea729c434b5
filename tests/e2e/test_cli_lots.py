"""Stock by location and lot from the command line (API.md §11, §12, §16).

``stock receive|issue|transfer|adjust`` with ``--location``, ``--lot`` and
``--expires``; ``orders create --location``; ``products show --detail``;
``locations stock``; ``lots list`` and ``lots trace``. Commands run on a SQLite
file; their ``--json`` is compared with what the HTTP API answers over the same
file (its WSGI application, in process).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inventory.bootstrap import bootstrap
from inventory.config import load_settings
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.middleware import WsgiApp
from tests.e2e.shell import Cli, cli_env
from tests.e2e.test_cli_conventions import Run, database, inventory
from tests.unit.http.driver import call, environ_for, served_routes

__all__ = ["database", "inventory"]  # the fixtures this module borrows

pytestmark = pytest.mark.e2e

SOON, LATE = "2030-01-31", "2031-06-30"
"""Expiry dates of the two lots: far enough ahead that neither is expired when a test runs."""


@dataclass
class Api:
    """The HTTP API over the database the CLI writes, asked with a viewer key."""

    app: WsgiApp
    key: str

    def get(self, target: str) -> Any:
        reply = call(
            self.app, environ_for("GET", target, {"Authorization": f"Bearer {self.key}"}, b"")
        )
        assert reply.status == 200, f"GET {target}: {reply.status} {reply.body!r}"
        return reply.json


@pytest.fixture
def api(inventory: Run, database: Path) -> Iterator[Api]:
    key = inventory.ok("keys", "create", "--name", "reader", "--role", "viewer").strip()
    settings = load_settings(database_url=f"sqlite:///{database}", cache="off", rate_limit="off")
    services = bootstrap(settings, migrate=False)
    try:
        yield Api(wsgi_app(services, served_routes()), key)
    finally:
        services.close()


def document(inventory: Run, *argv: str) -> Any:
    return json.loads(inventory.ok("--json", *argv))


@pytest.fixture
def floor(inventory: Run) -> Run:
    """MAIN (goods arrive at RECV) with aisle A of bins A-1 and A-2; MILK is tracked by lot."""
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main",
                 "--default-location", "RECV")  # fmt: skip
    inventory.ok("locations", "add", "--warehouse", "MAIN", "--code", "A", "--kind", "aisle")
    for bin_ in ("A-1", "A-2"):
        inventory.ok("locations", "add", "--warehouse", "MAIN", "--code", bin_, "--parent", "A")
    shown = inventory.ok("products", "add", "--sku", "MILK", "--name", "Milk",
                         "--tracking", "lot", "--shelf-life-days", "30")  # fmt: skip
    assert "tracking          lot" in shown.splitlines()
    assert "shelf_life_days   30" in shown.splitlines()
    return inventory


RECEIVE = ("stock", "receive", "--sku", "MILK", "--warehouse", "MAIN", "--unit-cost", "1")


def test_a_lot_is_received_put_away_picked_by_expiry_and_reserved_where_named(
    floor: Run, api: Api
) -> None:
    late = document(floor, *RECEIVE, "--quantity", "10", "--lot", "L-LATE", "--expires", LATE)
    assert (late["location"], late["lot"]) == ("RECV", "L-LATE")
    assert late["allocations"] == [
        {"location": "RECV", "to_location": None, "lot": "L-LATE", "quantity": 10}
    ]
    soon = floor.ok(*RECEIVE, "--quantity", "6", "--location", "A-2", "--lot", "L-SOON",
                    "--expires", SOON, "--manufactured", "2029-12-01")  # fmt: skip
    assert soon.splitlines()[-3:] == [
        "",
        "LOCATION  LOT     QUANTITY",
        "A-2       L-SOON         6",
    ]

    # A put-away: from the receiving area to a bin of the same warehouse.
    put_away = floor.ok("stock", "transfer", "--sku", "MILK", "--from", "MAIN", "--to", "MAIN",
                        "--from-location", "RECV", "--to-location", "A-1",
                        "--quantity", "10")  # fmt: skip
    assert "to_location     A-1" in put_away.splitlines()
    assert put_away.splitlines()[-2:] == [
        "FROM_LOCATION  TO_LOCATION  LOT     QUANTITY",
        "RECV           A-1          L-LATE        10",
    ]

    # Naming no lot, an issue takes the lot that expires first, then the next.
    issued = document(floor, "stock", "issue", "--sku", "MILK", "--warehouse", "MAIN",
                      "--quantity", "8", "--reference", "WO-1")  # fmt: skip
    assert [(a["location"], a["lot"], a["quantity"]) for a in issued["allocations"]] == [
        ("A-2", "L-SOON", 6), ("A-1", "L-LATE", 2),
    ]  # fmt: skip
    assert (issued["location"], issued["lot"]) == (None, None)
    assert issued == api.get(f"/api/v1/movements/{issued['id']}")

    order = document(floor, "orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
                     "--line", "MILK:3", "--location", "A-1")  # fmt: skip
    [line] = order["lines"]
    assert (line["location"], line["lot"]) == ("A-1", None)
    assert line["allocations"] == [{"location": "A-1", "lot": "L-LATE", "quantity": 3}]
    stored = document(floor, "orders", "show", "SO-1")
    assert stored == api.get(f"/api/v1/orders/{order['id']}")
    assert stored["lines"][0]["allocations"] == line["allocations"]
    assert stored.keys() == order.keys()
    assert floor.ok("orders", "show", "SO-1").splitlines()[-2:] == [
        "SKU   LOCATION  LOT     QUANTITY",
        "MILK  A-1       L-LATE         3",
    ]
    # Short where the order says, though the lot has more elsewhere: nothing is reserved.
    status, out, err = floor("orders", "create", "--reference", "SO-2", "--warehouse", "MAIN",
                             "--line", "MILK:1", "--location", "A-2")  # fmt: skip
    assert (status, out) == (1, "")
    assert err.splitlines()[1].startswith("  --line MILK:1 (quantity): MILK: wanted 1, only 0")

    # Where the units are now: per location and lot.
    shown = floor.ok("products", "show", "MILK", "--detail").splitlines()
    assert shown[-2:] == [
        "WAREHOUSE  LOCATION  LOT     EXPIRES_ON  ON_HAND  RESERVED  AVAILABLE",
        "MAIN       A-1       L-LATE  2031-06-30        8         3          5",
    ]
    detail = document(floor, "products", "show", "MILK", "--detail")
    assert detail["stock"] == api.get("/api/v1/products/MILK/stock?detail=true")
    assert document(floor, "products", "show", "MILK")["stock"] == api.get(
        "/api/v1/products/MILK/stock"
    )

    aisle = document(floor, "locations", "stock", "--warehouse", "MAIN", "A", "--descendants")
    assert aisle == api.get("/api/v1/warehouses/MAIN/locations/A/stock?descendants=true")
    assert [(lv["location"], lv["lot"], lv["on_hand"]) for lv in aisle["levels"]] == [
        ("A-1", "L-LATE", 8)
    ]
    assert document(floor, "locations", "stock", "--warehouse", "MAIN", "A")["levels"] == []
    assert floor.ok("locations", "stock", "--warehouse", "MAIN", "A-1").splitlines() == [
        "SKU   LOT     EXPIRES_ON  ON_HAND  RESERVED  AVAILABLE",
        "MILK  L-LATE  2031-06-30        8         3          5",
    ]

    # Counted: the bin holds one unit less of the lot than the books say.
    counted = document(floor, "stock", "adjust", "--sku", "MILK", "--warehouse", "MAIN",
                       "--location", "A-1", "--lot", "L-LATE", "--counted", "7",
                       "--reason", "damage")  # fmt: skip
    assert counted["allocations"] == [
        {"location": "A-1", "to_location": None, "lot": "L-LATE", "quantity": -1}
    ]


def test_an_order_line_keeps_the_location_it_named(floor: Run) -> None:
    floor.ok(*RECEIVE, "--quantity", "2", "--location", "A-1", "--lot", "L", "--expires", SOON)
    floor.ok("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
             "--line", "MILK:1", "--location", "A-1", "--lot", "L")  # fmt: skip

    [line] = document(floor, "orders", "show", "SO-1")["lines"]

    assert (line["location"], line["lot"]) == ("A-1", "L")


@pytest.fixture
def lots(floor: Run) -> Run:
    """MILK: L-SOON all issued, L-LATE 7 in A-1 (3 of them reserved by SO-1), L-MID 2 at RECV."""
    floor.ok(*RECEIVE, "--quantity", "4", "--location", "A-2", "--lot", "L-SOON", "--expires", SOON)
    floor.ok(*RECEIVE, "--quantity", "7", "--location", "A-1", "--lot", "L-LATE", "--expires", LATE)
    floor.ok("stock", "issue", "--sku", "MILK", "--warehouse", "MAIN", "--quantity", "4")
    floor.ok("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN", "--line", "MILK:3")
    floor.ok(*RECEIVE, "--quantity", "2", "--lot", "L-MID", "--expires", "2030-06-30")
    return floor


def test_lots_list_shows_a_products_lots_page_by_page(lots: Run, api: Api) -> None:
    listed = document(lots, "lots", "list", "MILK")
    assert [(lot["code"], lot["on_hand"], lot["reserved"]) for lot in listed["items"]] == [
        ("L-SOON", 0, 0), ("L-MID", 2, 0), ("L-LATE", 7, 3),
    ]  # fmt: skip
    assert listed == api.get("/api/v1/products/MILK/lots")
    assert listed["items"][0]["manufactured_on"] is None
    assert listed["items"][2]["warehouses"] == [
        {"warehouse": "MAIN", "on_hand": 7, "reserved": 3, "available": 4}
    ]

    seen: list[str] = []
    cursor: list[str] = []
    while True:
        page = document(lots, "lots", "list", "MILK", "--sort", "code", "--limit", "2", *cursor)
        seen += [lot["code"] for lot in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = ["--cursor", page["next_cursor"]]
    assert seen == ["L-LATE", "L-MID", "L-SOON"]

    status, out, err = lots("lots", "list", "MILK", "--sort=-expires_on", "--limit", "1")
    assert status == 0
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["CODE", "EXPIRES_ON"], ["L-LATE", LATE],
    ]  # fmt: skip
    assert err.startswith("next page: --cursor ")
    # A lot no warehouse holds any more is still listed, with nothing.
    rows = lots.ok("lots", "list", "MILK").splitlines()
    assert rows[1].split()[0] == "L-SOON"
    assert rows[1].split()[-4:] == ["-", "0", "0", "0"]


def test_lots_list_without_a_sku_shows_dated_lots_with_stock_soonest_first(
    lots: Run, api: Api
) -> None:
    lots.ok("products", "add", "--sku", "BREAD", "--name", "Bread", "--tracking", "lot")
    lots.ok("stock", "receive", "--sku", "BREAD", "--warehouse", "MAIN", "--quantity", "5",
            "--unit-cost", "1", "--lot", "B-1", "--expires", "2030-03-01")  # fmt: skip

    every = document(lots, "lots", "list")
    assert [(lot["sku"], lot["code"]) for lot in every["items"]] == [
        ("BREAD", "B-1"), ("MILK", "L-MID"), ("MILK", "L-LATE"),
    ]  # fmt: skip
    before = document(
        lots, "lots", "list", "--expiring-before", "2030-12-31", "--warehouse", "MAIN"
    )
    assert [(lot["sku"], lot["code"]) for lot in before["items"]] == [
        ("BREAD", "B-1"), ("MILK", "L-MID"),
    ]  # fmt: skip
    assert before == api.get("/api/v1/lots?expiring_before=2030-12-31&warehouse=MAIN")
    page = document(lots, "lots", "list", "--limit", "2")
    rest = document(lots, "lots", "list", "--limit", "2", "--cursor", page["next_cursor"])
    assert page["items"] + rest["items"] == every["items"]
    assert rest["next_cursor"] is None

    assert lots.ok("lots", "list", "--expiring-before", "2030-04-01").splitlines() == [
        "SKU    CODE  EXPIRES_ON  WAREHOUSE  ON_HAND  RESERVED  AVAILABLE",
        "BREAD  B-1   2030-03-01  MAIN             5         0          5",
    ]
    assert lots("lots", "list", "--warehouse", "EAST") == (
        1, "", "inventory: warehouse 'EAST' not found\n",
    )  # fmt: skip


def test_lots_trace_shows_every_movement_and_order_and_where_the_lot_is(
    lots: Run, api: Api
) -> None:
    lots.ok("stock", "transfer", "--sku", "MILK", "--from", "MAIN", "--to", "MAIN",
            "--lot", "L-LATE", "--to-location", "A-2", "--quantity", "2")  # fmt: skip

    trace = document(lots, "lots", "trace", "MILK", "L-LATE")
    assert trace == api.get("/api/v1/products/MILK/lots/L-LATE/trace")
    assert (trace["sku"], trace["lot"], trace["expires_on"]) == ("MILK", "L-LATE", LATE)
    assert [m["type"] for m in trace["movements"]] == ["receipt", "transfer"]
    assert [o["reference"] for o in trace["orders"]] == ["SO-1"]
    assert [(s["location"], s["on_hand"], s["reserved"]) for s in trace["stock"]] == [
        ("A-1", 5, 3), ("A-2", 2, 0),
    ]  # fmt: skip

    text = lots.ok("lots", "trace", "MILK", "L-LATE").splitlines()
    assert text[:4] == [
        "sku              MILK",
        "lot              L-LATE",
        "expires_on       2031-06-30",
        "manufactured_on  -",
    ]
    movements = text[text.index("Movements") + 1 : text.index("Orders") - 1]
    assert [row.split()[1:5] for row in movements] == [
        ["TYPE", "WAREHOUSE", "LOCATION", "QUANTITY"],
        ["receipt", "MAIN", "A-1", "7"],
        ["transfer", "MAIN->MAIN", "A-1->A-2", "2"],
    ]
    orders = text[text.index("Orders") + 1 : text.index("In stock") - 1]
    assert [row.split()[1:] for row in orders] == [
        ["REFERENCE", "WAREHOUSE", "STATUS", "LOCATION", "QUANTITY"],
        ["SO-1", "MAIN", "reserved", "A-1", "3"],
    ]
    assert text[text.index("In stock") + 1 :] == [
        "WAREHOUSE  LOCATION  ON_HAND  RESERVED  AVAILABLE",
        "MAIN       A-1             5         3          2",
        "MAIN       A-2             2         0          2",
    ]
    assert lots("lots", "trace", "MILK", "L-NONE") == (
        1, "", "inventory: lot 'L-NONE' of 'MILK' not found\n",
    )  # fmt: skip


ISSUE = ("stock", "issue", "--sku", "MILK", "--warehouse", "MAIN", "--quantity", "1")
TRANSFER = (
    "stock",
    "transfer",
    "--sku",
    "MILK",
    "--from",
    "MAIN",
    "--to",
    "MAIN",
    "--quantity",
    "1",
)
ADJUST = ("stock", "adjust", "--sku", "MILK", "--warehouse", "MAIN", "--counted", "0")
ORDER = ("orders", "create", "--reference", "SO-9", "--warehouse", "MAIN", "--line", "MILK:1")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((*RECEIVE, "--quantity", "1", "--expires", SOON),
         "--expires: describe a lot; name it with --lot CODE"),
        ((*RECEIVE, "--quantity", "1", "--expires", SOON, "--manufactured", "2029-01-01"),
         "--expires and --manufactured: describe a lot; name it with --lot CODE"),
        ((*RECEIVE, "--quantity", "1", "--lot", "L", "--expires", "2030-02-30"),
         "--expires: Input should be a valid date"),
        ((*RECEIVE, "--quantity", "1", "--lot", "L", "--manufactured", "soon"),
         "--manufactured: must be a date as YYYY-MM-DD"),
        ((*RECEIVE, "--quantity", "1", "--lot", "L 1"), "--lot: String should match pattern"),
        ((*RECEIVE, "--quantity", "1", "--location", "A 1"), "--location: String should match"),
        ((*ISSUE, "--location", "A/1"), "--location: String should match pattern"),
        ((*ISSUE, "--lot", "L/1"), "--lot: String should match pattern"),
        ((*TRANSFER, "--from-location", "R 1"), "--from-location: String should match"),
        ((*TRANSFER, "--to-location", "A 1"), "--to-location: String should match pattern"),
        (TRANSFER, "--to: must differ from --from"),
        ((*ADJUST, "--reason", "expired", "--lot", "L 1"), "--lot: String should match"),
        ((*ADJUST, "--reason", "stolen", "--lot", "L"), "--reason: Input should be "),
        ((*ORDER, "--location", "A 1"), "--location: String should match pattern"),
        ((*ORDER, "--lot", "L 1"), "--lot: String should match pattern"),
        (("products", "add", "--sku", "X", "--name", "X", "--tracking", "batch"),
         "--tracking: Input should be 'none', 'lot' or 'serial'"),
        (("products", "add", "--sku", "X", "--name", "X", "--shelf-life-days", "0"),
         "--shelf-life-days: Input should be greater than or equal to 1"),
        (("products", "update", "X", "--tracking", "all"), "--tracking: Input should be "),
        (("lots", "list", "--expiring-before", "2030-13-01"), "--expiring-before: Input should"),
        (("lots", "list", "--expiring-before", "next week"), "--expiring-before: must be a date"),
        (("lots", "list", "--warehouse", "NO WH"), "--warehouse: String should match pattern"),
        (("lots", "list", "MILK", "--warehouse", "MAIN"),
         "--warehouse: list the lots of every product; give no SKU"),
        (("lots", "list", "--sort", "code"), "cannot sort by 'code'"),
        (("lots", "list", "MILK", "--sort", "name"), "cannot sort by 'name'"),
        (("lots", "list", "--limit", "0"), "--limit: Input should be greater than"),
    ],
)  # fmt: skip
def test_a_bad_option_value_exits_2_naming_the_option(
    inventory: Run, argv: tuple[str, ...], says: str
) -> None:
    status, out, err = inventory(*argv)

    assert (status, out) == (2, "")
    assert err.startswith(f"inventory: {says}")
    assert len(err.splitlines()) == 1
    for field in ("manufactured_on", "from_location", "to_location", "lines."):
        assert field not in err


def test_refusals_about_lots_and_locations_name_the_option(floor: Run) -> None:
    status, out, err = floor(*RECEIVE, "--quantity", "1")
    assert (status, out) == (2, "")
    assert err.splitlines()[-1] == "  --lot: required: MILK is tracked by lot"

    status, out, err = floor(*RECEIVE, "--quantity", "1", "--lot", "L",
                             "--expires", SOON, "--manufactured", "2030-02-01")  # fmt: skip
    assert (status, out) == (2, "")
    assert err.splitlines()[-1] == "  --manufactured: must not be after --expires"

    assert floor(*RECEIVE, "--quantity", "1", "--lot", "L", "--location", "B-9") == (
        1, "", "inventory: --location: location 'B-9' not found in warehouse 'MAIN'\n",
    )  # fmt: skip
    assert floor(*TRANSFER, "--to-location", "B-9") == (
        1, "", "inventory: --to-location: location 'B-9' not found in warehouse 'MAIN'\n",
    )  # fmt: skip
    assert floor("locations", "stock", "--warehouse", "MAIN", "B-9") == (
        1, "", "inventory: location 'B-9' not found in warehouse 'MAIN'\n",
    )  # fmt: skip
    floor.ok(*RECEIVE, "--quantity", "1", "--lot", "L", "--expires", SOON)
    status, out, err = floor(*RECEIVE, "--quantity", "1", "--lot", "L", "--expires", LATE)
    assert (status, out) == (1, "")
    assert err.startswith("inventory: lot 'L' expires on 2030-01-31")
    # Tracking changes only while the product has no stock.
    assert floor("products", "update", "MILK", "--tracking", "none")[0] == 1


def test_a_receipt_without_its_lot_exits_2_from_a_real_process(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path / 'inventory.db'}"))

    done = cli.run(*RECEIVE, "--quantity", "1", "--expires", SOON)

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "inventory: --expires: describe a lot; name it with --lot CODE\n"
