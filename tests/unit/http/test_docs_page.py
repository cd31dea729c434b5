"""/docs reads like documentation: field tables, one section on errors, no reST markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from inventory.entrypoints.http.docs import CODE_MEANINGS
from inventory.entrypoints.http.problems import CODES
from inventory.entrypoints.http.routes import API_ROUTES
from inventory.entrypoints.http.routing import Route
from tests.unit.http.driver import Api

FIELD_TABLE = ["field", "type", "required", "constraints", "description"]


@dataclass
class Table:
    where: str
    """The id of the operation (``op-create_product``) or section the table sits in."""
    rows: list[list[str]] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    def row(self, first: str) -> dict[str, str]:
        (found,) = [r for r in self.rows[1:] if r[0] == first]
        return dict(zip(self.header, found, strict=True))


class _Tables(HTMLParser):
    """Every table of the page, its cells as text, and where it sits."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self._where = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ids = dict(attrs)
        if tag in ("div", "h2") and ids.get("id"):
            self._where = ids["id"] or ""
        if tag == "table":
            self.tables.append(Table(self._where))
        elif tag == "tr":
            self.tables[-1].rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1].rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    return Api().get("/docs", key=None).body.decode()


@pytest.fixture(scope="module")
def tables(page: str) -> list[Table]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def test_a_product_body_is_a_field_table_with_each_field_and_its_constraints(
    tables: list[Table],
) -> None:
    (body,) = [t for t in tables if t.where == "op-create_product" and t.header == FIELD_TABLE]

    assert body.row("sku") == {
        "field": "sku",
        "type": "string",
        "required": "yes",
        "constraints": "1 to 64 characters pattern ^[A-Za-z0-9][A-Za-z0-9._-]*$",
        "description": "The product's code: unique, and never changes",
    }
    assert body.row("name")["constraints"].startswith("1 to 200 characters not blank")
    assert body.row("reorder_point")["constraints"] == "from 0 to 1000000000000 default 0"
    assert body.row("barcode")["required"] == "no"


@pytest.mark.parametrize(
    "route", [r for r in API_ROUTES if r.body is not None], ids=lambda r: r.handler.__name__
)
def test_every_request_body_is_shown_as_field_tables(tables: list[Table], route: Route) -> None:
    name = route.handler.__name__
    shown = [t for t in tables if t.where == f"op-{name}" and t.header == FIELD_TABLE]

    assert shown
    assert all(len(t.rows) > 1 for t in shown)


def test_an_order_body_lists_the_fields_of_its_lines(tables: list[Table]) -> None:
    (body,) = [t for t in tables if t.where == "op-reserve_order" and t.header == FIELD_TABLE]

    assert body.row("lines[].quantity")["constraints"] == "> 0, ≤ 1000000000000"


def test_money_shows_its_maximum(tables: list[Table]) -> None:
    (receipt, *_) = [
        t for t in tables if t.where == "op-record_movement" and t.header == FIELD_TABLE
    ]

    assert "999999999999999.9999" in receipt.row("unit_cost")["constraints"]


def test_the_error_format_is_described_once_not_under_every_operation(
    page: str, tables: list[Table]
) -> None:
    problem_tables = [t for t in tables if t.header and t.header[0] == "member"]

    assert page.count('id="errors"') == 1
    assert [t.where for t in problem_tables] == ["errors"]
    assert {"type", "title", "status", "detail", "code", "errors"} <= {
        row[0] for row in problem_tables[0].rows[1:]
    }
    assert page.count("No API key, or an unknown or revoked one") == 1
    assert page.count("Over the rate limit") == 1
    assert page.count("RateLimit-Remaining") == 1


def test_every_problem_code_is_explained_once_with_its_status(tables: list[Table]) -> None:
    (codes,) = [t for t in tables if t.header == ["code", "status", "meaning"]]

    assert [row[0] for row in codes.rows[1:]] == list(CODES)
    assert set(CODE_MEANINGS) == set(CODES)
    assert codes.row("insufficient_stock")["status"] == "409"


def test_the_page_has_no_restructuredtext_markup(page: str) -> None:
    assert "``" not in page
    assert ":func:" not in page
    assert "<code>from_warehouse</code>" in page
