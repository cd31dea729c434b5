"""How every ``inventory`` command behaves: options, exit codes, errors, streams, signals.

Most run ``main()`` in-process for speed; what only a real process shows (a bad
environment, pipes, signals, streaming stdin) runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO

import pytest

from inventory import __version__
from inventory.entrypoints.cli.main import main
from tests.e2e.shell import REPO, Cli, cli_env

pytestmark = pytest.mark.e2e


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database file, named by INVENTORY_DATABASE_URL, and no other setting."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("INVENTORY_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "inventory.db"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", f"sqlite:///{path}")
    return path


@pytest.fixture
def cli(tmp_path: Path, database: Path) -> Cli:
    return Cli(tmp_path, cli_env(f"sqlite:///{database}"))


class Run:
    """``inventory`` called in-process, its output captured."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        status = main(argv)
        out, err = self._capsys.readouterr()
        return status, out, err

    def ok(self, *argv: str) -> str:
        status, out, err = self(*argv)
        assert status == 0, err
        return out


@pytest.fixture
def inventory(capsys: pytest.CaptureFixture[str], database: Path) -> Run:
    return Run(capsys)


def test_migrate_applies_the_schema_once(inventory: Run) -> None:
    migrations = sorted((REPO / "inventory/adapters/sqlite/migrations").glob("*.sql"))
    applied = "".join(f"applied {path.stem}\n" for path in migrations)

    assert applied.startswith("applied 0001_initial\napplied 0002_idempotency\n")
    assert inventory.ok("migrate") == applied
    assert inventory.ok("migrate") == "schema is up to date\n"
    assert json.loads(inventory.ok("migrate", "--json")) == {"applied": []}


@pytest.mark.parametrize(
    "placement",
    [
        ["--json", "--database", "{url}", "warehouses", "list"],
        ["warehouses", "list", "--json", "--database", "{url}"],
        ["--database", "{url}", "warehouses", "list", "--json"],
        ["--json", "warehouses", "list", "--database", "{url}"],
        ["warehouses", "--json", "--database", "{url}", "list"],
    ],
)
def test_json_and_database_work_before_the_group_and_after_the_command(
    inventory: Run, tmp_path: Path, placement: list[str]
) -> None:
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main", "--database", chosen)

    listed = json.loads(inventory.ok(*(part.format(url=chosen) for part in placement)))

    assert [(w["code"], w["name"]) for w in listed["items"]] == [("MAIN", "Main")]
    assert listed["next_cursor"] is None
    # Without --database, INVENTORY_DATABASE_URL names another, empty database.
    assert json.loads(inventory.ok("warehouses", "list", "--json"))["items"] == []
    assert inventory.ok("warehouses", "list", "--database", chosen).split()[:4] == [
        "CODE", "NAME", "CREATED_AT", "MAIN",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["products"],
        ["no-such-command"],
        ["stock", "receive", "--sku", "WIDGET"],
        ["stock", "issue", "--sku", "W", "--warehouse", "MAIN", "--quantity", "two"],
        ["orders", "create", "--reference", "SO-1", "--warehouse", "MAIN", "--line", "W-3"],
        ["export", "products", "--format", "xml"],
        ["import", "products", "f.csv", "--progress-every", "-1"],
    ],
)
def test_bad_usage_exits_2_with_the_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)

    assert raised.value.code == 2
    assert "usage: inventory" in capsys.readouterr().err


def test_options_that_do_not_go_together_exit_2(inventory: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'same.db'}"
    status, out, err = inventory("copy", "--from", url, "--to", url)

    assert (status, out) == (2, "")
    assert err == "inventory: --from and --to name the same database\n"


def test_stock_levels_pages_through_every_level_by_sku_then_warehouse(inventory: Run) -> None:
    for code in ("MAIN", "EAST"):
        inventory.ok("warehouses", "add", "--code", code, "--name", code.title())
    for sku in ("NUT", "BOLT", "WASHER"):
        inventory.ok("products", "add", "--sku", sku, "--name", sku.title())
        for code in ("MAIN", "EAST"):
            receive = ("stock", "receive", "--sku", sku, "--warehouse", code, "--unit-cost", "1")
            inventory.ok(*receive, "--quantity", str(len(sku) + len(code)))
    every = [
        {"sku": sku, "warehouse": code, "on_hand": len(sku) + len(code), "reserved": 0,
         "available": len(sku) + len(code)}
        for sku in ("BOLT", "NUT", "WASHER") for code in ("EAST", "MAIN")
    ]  # fmt: skip

    def pages(*narrowed: str) -> list[dict[str, object]]:
        seen: list[dict[str, object]] = []
        cursor: list[str] = []
        while True:
            page = json.loads(
                inventory.ok("stock", "levels", "--json", "--limit", "4", *narrowed, *cursor)
            )
            assert set(page) == {"items", "next_cursor"}
            seen += page["items"]
            if page["next_cursor"] is None:
                return seen
            cursor = ["--cursor", page["next_cursor"]]

    assert pages() == every
    assert pages("--sku", "NUT") == [level for level in every if level["sku"] == "NUT"]
    assert pages("--warehouse", "EAST") == [lv for lv in every if lv["warehouse"] == "EAST"]
    assert pages("--sku", "NUT", "--warehouse", "EAST") == [every[2]]
    assert json.loads(inventory.ok("stock", "levels", "--json"))["items"] == every
    assert inventory.ok("stock", "levels", "--limit", "2").splitlines() == [
        "SKU   WAREHOUSE  ON_HAND  RESERVED  AVAILABLE",
        "BOLT  EAST             8         0          8",
        "BOLT  MAIN             8         0          8",
    ]
    assert inventory("stock", "levels", "--sku", "NOPE") == (
        1, "", "inventory: product 'NOPE' not found\n"
    )  # fmt: skip


def test_bad_option_values_exit_2_naming_each_option(inventory: Run) -> None:
    status, out, err = inventory(
        "stock", "receive", "--sku", "WIDGET", "--warehouse", "MAIN",
        "--quantity", "0", "--unit-cost", "1.23456",
    )  # fmt: skip

    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "inventory: invalid input",
        "  --quantity: Input should be greater than 0",
        "  --unit-cost: must be a decimal string >= 0 with at most 4 decimal places,"
        ' e.g. "12.5000"',
    ]


ORDER = ("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN")
RECEIVE = ("stock", "receive", "--sku", "W", "--warehouse", "MAIN", "--unit-cost", "1")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((*RECEIVE, "--quantity", "-1"), "--quantity: Input should be greater than 0"),
        (
            ("stock", "transfer", "--sku", "W", "--from", "MAIN", "--to", "MAIN",
             "--quantity", "1"),
            "--to: must differ from --from",
        ),
        (
            ("stock", "adjust", "--sku", "W", "--warehouse", "MAIN", "--counted", "-1",
             "--reason", "count"),
            "--counted: Input should be greater than or equal to 0",
        ),
        (
            ("stock", "adjust", "--sku", "W", "--warehouse", "MAIN", "--counted", "1",
             "--reason", "theft"),
            "--reason: Input should be ",
        ),
        ((*RECEIVE[:-1], "12,50", "--quantity", "1"), "--unit-cost: must be a decimal string"),
        (("stock", "issue", "--sku", "no sku", "--warehouse", "MAIN", "--quantity", "1"),
         "--sku: "),
        (("keys", "create", "--name", "x", "--role", "root"), "--role: Input should be "),
        ((*ORDER, "--line", "W:0"), "--line W:0 (quantity): Input should be greater than 0"),
        ((*ORDER, "--line", "W:1", "--line", "W:2"), "--line: sku 'W' appears twice"),
        ((*ORDER, "--line", "W:1", "--expires-at", "soon"), "--expires-at: Input should be "),
        (
            (*ORDER, "--line", "W:1", "--expires-at", "2000-01-01T00:00:00Z"),
            "--expires-at: must be in the future",
        ),
        (("products", "add", "--sku", "B", "--name", "B", "--reorder-point", "-1"),
         "--reorder-point: Input should be greater than or equal to 0"),
        (("products", "update", "B", "--clear", "colour"), "--clear colour: Extra inputs"),
        (("products", "list", "--limit", "0"), "--limit: Input should be greater than"),
        (("orders", "list", "--status", "lost"), "--status: Input should be "),
        (("stock", "movements", "--since", "yesterday"), "--since: Input should be "),
        (("report", "movements", "--until", "tomorrow"), "--until: Input should be "),
        (
            ("report", "valuation", "--async", "--warehouse", "no such"),
            "--warehouse: String should match pattern",
        ),
        (("report", "valuation", "--warehouse", "no such"), "--warehouse: String should match"),
        (("products", "list", "--sort", "price"), "cannot sort by 'price'"),
        (("stock", "movements", "--cursor", "bm90LWEtY3Vyc29y"), "cursor is not valid"),
    ],
)  # fmt: skip
def test_every_bad_option_value_exits_2_and_names_the_option(
    inventory: Run, argv: tuple[str, ...], says: str
) -> None:
    status, out, err = inventory(*argv)

    assert (status, out) == (2, "")
    assert err.startswith(f"inventory: {says}")
    assert len(err.splitlines()) == 1
    for field in ("to_warehouse", "from_warehouse", "counted_quantity", "unit_cost", "lines."):
        assert field not in err


def test_a_refused_operation_exits_1(inventory: Run) -> None:
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    inventory.ok("products", "add", "--sku", "W", "--name", "Widget")

    short = inventory("stock", "issue", "--sku", "W", "--warehouse", "MAIN", "--quantity", "1")

    assert short == (1, "", "inventory: W in MAIN: wanted 1, only 0 available\n")
    assert inventory("products", "show", "NOPE") == (1, "", "inventory: product 'NOPE' not found\n")
    order = inventory(*ORDER, "--line", "W:2")
    assert order[:2] == (1, "")
    assert order[2].splitlines()[1:] == ["  --line W:2 (quantity): W: wanted 2, only 0 available"]


def test_a_bad_option_value_exits_2_from_a_real_process(cli: Cli) -> None:
    done = cli.run("stock", "transfer", "--sku", "W", "--from", "A", "--to", "A", "--quantity", "1")

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "inventory: --to: must differ from --from\n"


def test_orders_show_ship_and_cancel_take_the_id_or_the_reference(inventory: Run) -> None:
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    inventory.ok("products", "add", "--sku", "W", "--name", "Widget")
    inventory.ok(*RECEIVE, "--quantity", "5")
    first = json.loads(inventory.ok("--json", *ORDER, "--line", "W:2"))
    inventory.ok("orders", "create", "--reference", "SO-2", "--warehouse", "MAIN", "--line", "W:1")

    assert json.loads(inventory.ok("orders", "show", "SO-1", "--json")) == first
    assert json.loads(inventory.ok("orders", "show", first["id"], "--json")) == first
    assert json.loads(inventory.ok("orders", "ship", "SO-1", "--json"))["status"] == "shipped"
    cancelled = json.loads(inventory.ok("orders", "cancel", "SO-2", "--json"))
    assert (cancelled["reference"], cancelled["status"]) == ("SO-2", "cancelled")
    assert inventory("orders", "show", "SO-3") == (1, "", "inventory: order 'SO-3' not found\n")
    again = inventory("orders", "ship", "SO-2")
    assert again == (1, "", "inventory: order 'SO-2' is cancelled; it cannot be shipped\n")


def test_people_get_aligned_tables_and_a_hint_for_the_next_page(inventory: Run) -> None:
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    inventory.ok("warehouses", "add", "--code", "EAST", "--name", "East")
    for sku in ("BOLT", "NUT", "WASHER"):
        inventory.ok("products", "add", "--sku", sku, "--name", sku.title())
        inventory.ok(
            "stock", "receive", "--sku", sku, "--warehouse", "MAIN",
            "--quantity", "120", "--unit-cost", "0.05",
        )  # fmt: skip
    inventory.ok(
        "stock", "transfer", "--sku", "NUT", "--from", "MAIN", "--to", "EAST", "--quantity", "20"
    )

    status, out, err = inventory("stock", "levels", "--warehouse", "MAIN", "--limit", "2")
    assert status == 0
    assert out.splitlines() == [
        "SKU   ON_HAND  RESERVED  AVAILABLE",
        "BOLT      120         0        120",
        "NUT       100         0        100",
    ]
    cursor = err.removeprefix("next page: --cursor ").strip()
    assert err == f"next page: --cursor {cursor}\n"
    rest = inventory.ok(
        "stock", "levels", "--warehouse", "MAIN", "--limit", "2", "--cursor", cursor
    )
    assert rest.splitlines()[1:] == ["WASHER      120         0        120"]

    assert inventory.ok("stock", "levels", "--sku", "NUT").splitlines() == [
        "WAREHOUSE  ON_HAND  RESERVED  AVAILABLE",
        "EAST            20         0         20",
        "MAIN           100         0        100",
    ]
    ledger = inventory.ok("stock", "movements", "--sku", "NUT").splitlines()
    assert [line.split()[1:5] for line in ledger] == [
        ["TYPE", "SKU", "WAREHOUSE", "QUANTITY"],
        ["receipt", "NUT", "MAIN", "120"],
        ["transfer", "NUT", "MAIN->EAST", "20"],
    ]
    shown = inventory.ok("products", "show", "NUT").splitlines()
    assert shown[:2] == ["sku               NUT", "name              Nut"]
    assert "average_cost      0.0500" in shown
    assert shown[-1] == "TOTAL          120         0        120"


def test_update_changes_only_the_given_fields_and_clear_restores_defaults(inventory: Run) -> None:
    inventory.ok("products", "add", "--sku", "BOLT", "--name", "Bolt", "--barcode", "400123")

    updated = json.loads(
        inventory.ok(
            "products", "update", "BOLT", "--json", "--unit", "box", "--reorder-point", "9"
        )
    )
    assert (updated["name"], updated["unit"], updated["reorder_point"]) == ("Bolt", "box", 9)
    assert (updated["barcode"], updated["version"]) == ("400123", 2)

    cleared = json.loads(
        inventory.ok(
            "--json", "products", "update", "BOLT", "--clear", "barcode", "--clear", "reorder-point"
        )
    )
    assert (cleared["barcode"], cleared["reorder_point"], cleared["unit"]) == (None, 0, "box")
    stale = inventory("products", "update", "BOLT", "--name", "Old", "--if-version", "2")
    assert stale == (1, "", "inventory: product 'BOLT' is at version 3, not 2\n")
    assert inventory("products", "update", "BOLT", "--clear", "name") == (
        2,
        "",
        "inventory: --clear name: is required and cannot be removed\n",
    )
    assert inventory("products", "update", "BOLT", "--unit", "kg", "--clear", "unit")[0] == 2


def test_keys_can_be_listed_and_revoked_without_showing_secrets(inventory: Run) -> None:
    created = json.loads(
        inventory.ok("keys", "create", "--name", "robot", "--role", "clerk", "--json")
    )
    assert created["key"].startswith("inv_")

    revoked = json.loads(inventory.ok("keys", "revoke", created["id"], "--json"))

    assert (revoked["name"], revoked["role"]) == ("robot", "clerk")
    assert revoked["revoked_at"] is not None
    assert "key" not in revoked
    assert created["key"] not in inventory.ok("keys", "list")


def test_reports_write_their_file_only_once_complete(inventory: Run, tmp_path: Path) -> None:
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    inventory.ok("products", "add", "--sku", "BOLT", "--name", "Bolt")
    inventory.ok(
        "stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
        "--quantity", "3", "--unit-cost", "1.5", "--reference", "PO-1",
    )  # fmt: skip

    said = inventory.ok("report", "movements", "-o", "ledger.json", "--format", "json")

    assert said == "wrote 1 movements to ledger.json\n"
    [row] = json.loads((tmp_path / "ledger.json").read_text())
    assert (row["type"], row["quantity"], row["unit_cost"], row["reference"]) == (
        "receipt", 3, "1.5000", "PO-1",
    )  # fmt: skip
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    refused = inventory("report", "movements", "--since", "yesterday")
    assert refused[0] == 2
    assert refused[2].startswith("inventory: --since: ")
    missing = inventory("report", "valuation", "-o", str(tmp_path / "ledger.json" / "x.csv"))
    assert missing[0] == 1
    assert missing[2] == f"inventory: Not a directory: {tmp_path / 'ledger.json' / 'x.csv'}\n"


def test_a_bad_setting_stops_with_one_line_naming_the_variable(cli: Cli) -> None:
    cli.env["INVENTORY_CACHE_TTL"] = "abc"

    done = cli.run("warehouses", "list")

    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("inventory: INVENTORY_CACHE_TTL: ")
    assert "'abc'" in done.stderr


def test_check_finds_a_stock_level_tampered_with_in_sql(inventory: Run, database: Path) -> None:
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    inventory.ok("products", "add", "--sku", "WIDGET", "--name", "Widget")
    inventory.ok(
        "stock", "receive", "--sku", "WIDGET", "--warehouse", "MAIN",
        "--quantity", "10", "--unit-cost", "2.5",
    )  # fmt: skip
    assert inventory("check")[0] == 0

    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("UPDATE stock_levels SET on_hand = 7 WHERE sku = 'WIDGET'")

    status, out, err = inventory("check")
    assert (status, out) == (1, "on_hand of WIDGET in MAIN: stored 7, expected 10\n")
    assert err == "inventory: 1 drift(s) found\n"
    status, out, _ = inventory("check", "--json")
    assert status == 1
    assert json.loads(out) == {
        "ok": False,
        "drifts": [
            {
                "what": "on_hand", "sku": "WIDGET", "warehouse": "MAIN", "stored": "7",
                "expected": "10", "message": "on_hand of WIDGET in MAIN: stored 7, expected 10",
            }
        ],
    }  # fmt: skip


def product_rows(first: int, count: int) -> str:
    return "".join(f"P-{n:06d},Product {n}\n" for n in range(first, first + count))


def lines_of(stream: IO[str] | None) -> queue.Queue[str | None]:
    """The lines a child writes to ``stream``, as they come; None once it is closed."""
    assert stream is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@pytest.fixture
def importing(cli: Cli) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str | None]]]:
    """``import products -`` reading a pipe, its first batch of 2000 rows already stored."""
    child = cli.popen(
        "import", "products", "-", "--progress-every", "0",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdin is not None
    progress = lines_of(child.stderr)
    child.stdin.write("sku,name\n" + product_rows(0, 2000))
    child.stdin.flush()
    # The first batch is stored while the rest of the file has not been written yet.
    assert progress.get(timeout=20) == "read 2000 rows...\n"
    yield child, progress
    child.kill()
    child.wait()


def test_a_long_import_streams_its_input_and_reports_progress(
    importing: tuple[subprocess.Popen[str], queue.Queue[str | None]], cli: Cli
) -> None:
    child, progress = importing
    assert child.stdin is not None
    assert child.poll() is None
    child.stdin.write(product_rows(2000, 8000))
    child.stdin.close()

    assert child.wait(timeout=20) == 0
    assert child.stdout is not None
    assert child.stdout.read() == "imported 10000 products\n"
    later = [progress.get(timeout=5) for _ in range(5)]
    assert later == [*(f"read {n} rows...\n" for n in (4000, 6000, 8000, 10000)), None]
    assert cli.json("products", "list", "--limit", "1")["next_cursor"] is not None


def test_an_interrupted_import_exits_130_quietly_and_keeps_nothing(
    importing: tuple[subprocess.Popen[str], queue.Queue[str | None]], cli: Cli
) -> None:
    child, progress = importing

    child.send_signal(signal.SIGINT)

    assert child.wait(timeout=20) == 130
    assert child.stdout is not None
    assert child.stdout.read() == ""
    assert progress.get(timeout=5) is None  # no traceback, no message
    assert cli.json("products", "list")["items"] == []


def test_output_into_a_closed_pipe_stops_quietly(inventory: Run, cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "many.csv").write_text("sku,name\n" + product_rows(0, 5000))
    inventory.ok("import", "products", "many.csv")
    child = cli.popen("export", "products", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None

    assert child.stdout.readline().startswith("sku,name,")
    child.stdout.close()  # like `| head -1`

    _, err = child.communicate(timeout=20)
    assert child.returncode == 141
    assert err == ""


def test_a_bad_database_option_is_blamed_on_the_option_not_the_variable(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))

    done = cli.run("--database", "mysql://db/inventory", "products", "list")

    assert done.returncode == 2
    assert done.stderr.startswith("inventory: --database: must be sqlite:///PATH")
    assert "INVENTORY_DATABASE_URL" not in done.stderr


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/no/such/dir/inventory.db",
        "postgresql://inventory@127.0.0.1:1/inventory?no_such_option=1",
        "postgresql://inventory@127.0.0.1:1/inventory%zz",
    ],
    ids=["sqlite-in-a-missing-directory", "postgres-unknown-option", "postgres-bad-escape"],
)
def test_a_bad_database_url_exits_2_naming_where_it_came_from(tmp_path: Path, url: str) -> None:
    bad = url.format(tmp=tmp_path)
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))

    option = cli.run("--database", bad, "products", "list")
    variable = Cli(tmp_path, cli_env(bad)).run("products", "list")

    assert (option.returncode, option.stdout) == (2, "")
    assert option.stderr.startswith("inventory: --database: ")
    assert len(option.stderr.splitlines()) == 1
    assert (variable.returncode, variable.stdout) == (2, "")
    assert variable.stderr.startswith("inventory: INVENTORY_DATABASE_URL: ")
    assert len(variable.stderr.splitlines()) == 1
    assert not (tmp_path / "no").exists()


def test_version_prints_the_version_and_touches_no_database(tmp_path: Path) -> None:
    env = cli_env(f"sqlite:///{tmp_path / 'never.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "inventory", "--version"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0
    assert done.stdout == f"inventory {__version__}\n"
    assert not (tmp_path / "never.db").exists()
