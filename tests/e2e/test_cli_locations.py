"""``inventory locations add|list|show|archive`` and ``warehouses add --default-location``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from inventory.entrypoints.cli.main import main

pytestmark = pytest.mark.e2e


@pytest.fixture
def inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("INVENTORY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("INVENTORY_DATABASE_URL", f"sqlite:///{tmp_path / 'inventory.db'}")
    run = Run(capsys)
    run.ok("migrate")
    return run


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

    def json(self, *argv: str) -> object:
        return json.loads(self.ok("--json", *argv))


def test_locations_are_added_listed_shown_and_archived(inventory: Run) -> None:
    inventory.ok(
        "warehouses", "add", "--code", "MAIN", "--name", "Main", "--default-location", "RECV"
    )
    inventory.ok("locations", "add", "--warehouse", "MAIN", "--code", "Z", "--kind", "zone",
                 "--no-pickable")  # fmt: skip
    added = inventory.json("locations", "add", "--warehouse", "MAIN", "--code", "B-1",
                           "--parent", "Z", "--barcode", "L-1", "--name", "Bin one")  # fmt: skip

    assert added == inventory.json("locations", "show", "--warehouse", "MAIN", "B-1")
    listed = inventory.json("locations", "list", "--warehouse", "MAIN")
    assert isinstance(listed, dict)
    assert [loc["code"] for loc in listed["items"]] == ["B-1", "RECV", "Z"]
    picked = inventory.json("locations", "list", "--warehouse", "MAIN", "--no-pickable")
    assert isinstance(picked, dict)
    assert [loc["code"] for loc in picked["items"]] == ["Z"]
    table = inventory.ok("locations", "list", "--warehouse", "MAIN", "--parent", "Z")
    assert table.splitlines()[0].split() == [
        "CODE", "NAME", "PARENT", "KIND", "PICKABLE", "BARCODE", "ARCHIVED",
    ]  # fmt: skip
    assert table.splitlines()[1].split()[0] == "B-1"

    assert inventory("locations", "archive", "--warehouse", "MAIN", "RECV") == (
        1, "", "inventory: location 'RECV' is the default of 'MAIN'; it cannot be archived\n",
    )  # fmt: skip
    inventory.ok("locations", "archive", "--warehouse", "MAIN", "B-1")
    archived = inventory.json("locations", "show", "--warehouse", "MAIN", "B-1")
    assert isinstance(archived, dict)
    assert archived["archived"] is True


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("add", "--warehouse", "MAIN", "--code", "a b"), "--code: String should match pattern"),
        (("add", "--warehouse", "MAIN", "--code", "A", "--kind", "room"), "--kind: Input"),
        (("list", "--warehouse", "MAIN", "--kind", "room"), "--kind: Input should be"),
        (("list", "--warehouse", "MAIN", "--sort", "name"), "cannot sort by 'name'"),
    ],
)  # fmt: skip
def test_a_bad_option_value_exits_2_naming_the_option(
    inventory: Run, argv: tuple[str, ...], says: str
) -> None:
    status, out, err = inventory("locations", *argv)

    assert (status, out) == (2, "")
    assert says in err


def test_an_unknown_warehouse_exits_1(inventory: Run) -> None:
    status, out, err = inventory("locations", "list", "--warehouse", "NOPE")

    assert (status, out, err) == (1, "", "inventory: warehouse 'NOPE' not found\n")
