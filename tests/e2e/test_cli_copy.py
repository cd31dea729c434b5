"""``inventory copy``, run as an operator would to move an inventory to a new database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.shell import Cli, cli_env
from tests.postgres import fresh_schema, server_url

pytestmark = pytest.mark.e2e

SOURCE = "sqlite:///source.db"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``source.db``: a small inventory that has seen every kind of change."""
    folder = tmp_path_factory.mktemp("copy")
    cli = Cli(folder, cli_env(SOURCE))
    cli.ok("keys", "create", "--name", "ops", "--role", "admin")
    old = cli.json("keys", "create", "--name", "old", "--role", "clerk")
    cli.ok("keys", "revoke", old["id"])
    for code in ("MAIN", "EAST"):
        cli.ok("warehouses", "add", "--code", code, "--name", f"{code} depot")
    catalog = "sku,name,reorder_point\nWIDGET,Widget,5\nGADGET,Gadget,5\nRETIRED,Retired,0\n"
    cli.ok("import", "products", "-", input=catalog)
    ledger = (
        "type,sku,warehouse,from_warehouse,to_warehouse,quantity,counted_quantity,unit_cost,reason\n"
        "receipt,WIDGET,MAIN,,,10,,2.0000,\n"
        "receipt,WIDGET,MAIN,,,30,,4.0000,\n"
        "receipt,GADGET,EAST,,,8,,12.5,\n"
        "receipt,RETIRED,MAIN,,,2,,1,\n"
        "issue,RETIRED,MAIN,,,2,,,\n"
        "issue,WIDGET,MAIN,,,4,,,\n"
        "transfer,WIDGET,,MAIN,EAST,6,,,\n"
        "adjustment,GADGET,EAST,,,,7,,damage\n"
    )
    cli.ok("import", "movements", "-", input=ledger)
    cli.ok("products", "archive", "RETIRED")
    shipped = cli.json("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
                       "--line", "WIDGET:3")  # fmt: skip
    cli.ok("orders", "ship", shipped["id"])
    cli.ok("orders", "create", "--reference", "SO-2", "--warehouse", "EAST", "--line", "GADGET:2")
    cli.ok("report", "valuation", "--async")
    return folder


def copied(shop: Path, target: str) -> Cli:
    """A Cli in the shop's folder that has copied the source to ``target``."""
    cli = Cli(shop, cli_env(SOURCE))
    done = cli.run("copy", "--from", SOURCE, "--to", target)
    assert done.returncode == 0, done.stderr
    assert "valuation" in done.stdout
    assert "rows/s" in done.stderr
    return cli


def state(cli: Cli, database: str) -> dict[str, Any]:
    """The valuation and the ledger as a client reads them (tests/integration/test_copy.py
    compares every record; here the point is the real command on real files)."""
    return {
        "valuation": cli.json("--database", database, "report", "valuation"),
        "movements": cli.json("--database", database, "export", "movements"),
    }


def test_a_copy_to_a_new_sqlite_database_checks_clean_and_reads_like_its_source(
    shop: Path,
) -> None:
    target = "sqlite:///copy.db"

    cli = copied(shop, target)

    assert cli.run("--database", target, "check").returncode == 0
    assert state(cli, target) == state(cli, SOURCE)


def test_a_copy_reports_its_counts_as_json(shop: Path) -> None:
    cli = Cli(shop, cli_env(SOURCE))

    report = cli.json("copy", "--from", SOURCE, "--to", "sqlite:///as_json.db")

    assert report["ok"] is True
    assert report["counts"]["warehouses"] == 2
    assert report["counts"]["products"] == 3
    assert report["counts"]["movements"] == 9  # 8 imported, 1 shipment
    assert report["counts"]["orders"] == 2
    assert report["counts"]["api_keys"] == 2
    assert report["counts"]["jobs"] >= 1
    assert report["skipped"] == ["idempotency_records", "report_results"]
    total = cli.json("report", "valuation")["total"]["value"]
    assert report["valuation"] == total


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(shop: Path) -> None:
    target = "sqlite:///busy.db"
    cli = Cli(shop, cli_env(SOURCE))
    cli.ok("--database", target, "warehouses", "add", "--code", "OLD", "--name", "Old depot")

    done = cli.run("copy", "--from", SOURCE, "--to", target)

    assert done.returncode == 1
    assert "the target already holds warehouses" in done.stderr
    assert done.stdout == ""
    codes = [w["code"] for w in cli.json("--database", target, "warehouses", "list")["items"]]
    assert codes == ["OLD"]


def test_a_source_with_pending_migrations_is_refused_and_not_migrated(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env("sqlite:///old.db"))
    cli.ok("migrate")
    with closing(sqlite3.connect(tmp_path / "old.db")) as conn, conn:  # as if made a release ago
        conn.execute(
            "DELETE FROM schema_migrations"
            " WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
        (applied,) = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()

    done = cli.run("copy", "--from", "sqlite:///old.db", "--to", "sqlite:///new.db")

    assert done.returncode == 1
    assert "the source database is not up to date (1 migration(s) pending: " in done.stderr
    assert "run `inventory --database URL migrate` on it first" in done.stderr
    with closing(sqlite3.connect(tmp_path / "old.db")) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (applied,)
    assert not (tmp_path / "new.db").exists(), "the target was not touched"


@pytest.mark.parametrize(
    ("source", "target", "why"),
    [
        (SOURCE, SOURCE, "--from and --to name the same database"),
        ("memory://", "sqlite:///x.db", "--from: memory:// keeps nothing between runs"),
        (SOURCE, "sqlite://host/x.db", "--to: bad database URL"),
    ],
)
def test_bad_urls_are_bad_usage(tmp_path: Path, source: str, target: str, why: str) -> None:
    cli = Cli(tmp_path, cli_env(SOURCE))

    done = cli.run("copy", "--from", source, "--to", target)

    assert done.returncode == 2
    assert why in done.stderr


@pytest.mark.postgres
def test_a_copy_to_postgresql_lands_in_a_fresh_schema(shop: Path) -> None:
    server_url()  # skips, saying why, when no PostgreSQL is configured
    with fresh_schema("copy") as target:
        cli = copied(shop, target)

        assert cli.run("--database", target, "check").returncode == 0
        assert state(cli, target) == state(cli, SOURCE)
