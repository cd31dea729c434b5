"""Request conventions: media types, body size, JSON, validation, query parameters (API.md §1)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from inventory.entrypoints.http.request import MAX_BODY
from tests.unit.http.driver import Api, call, environ_for
from tests.unit.logs import json_lines

PRODUCT = b'{"sku": "BOLT", "name": "Bolt"}'


def _no_products(api: Api) -> bool:
    return not api.storage.store.products


# --- media types ----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_a_body_not_sent_as_json_is_an_unsupported_media_type(
    api: Api, content_type: str | None
) -> None:
    reply = api.post("/api/v1/products", raw=PRODUCT, content_type=content_type)

    assert reply.status == 415
    assert reply.code == "unsupported_media_type"
    assert _no_products(api)


def test_json_with_a_charset_parameter_is_json(api: Api) -> None:
    reply = api.post(
        "/api/v1/products", raw=PRODUCT, content_type="Application/JSON; charset=utf-8"
    )

    assert reply.status == 201


def test_patch_accepts_a_json_merge_patch(api: Api) -> None:
    api.given_product("BOLT")

    reply = api.patch(
        "/api/v1/products/BOLT",
        {"category": "fasteners"},
        content_type="application/merge-patch+json",
    )

    assert reply.status == 200
    assert api.ok("GET", "/api/v1/products/BOLT")["category"] == "fasteners"


def test_only_patch_accepts_a_merge_patch(api: Api) -> None:
    reply = api.post("/api/v1/products", raw=PRODUCT, content_type="application/merge-patch+json")

    assert reply.code == "unsupported_media_type"


def test_a_post_that_needs_a_body_and_sends_none_is_a_bad_request(api: Api) -> None:
    assert api.post("/api/v1/products").code == "bad_request"


# --- size -----------------------------------------------------------------------


def test_a_body_announced_larger_than_one_mib_is_refused_unread(api: Api) -> None:
    reply = api.post("/api/v1/products", raw=PRODUCT, headers={"Content-Length": str(MAX_BODY + 1)})

    assert reply.status == 413
    assert reply.code == "payload_too_large"


@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_a_body_larger_than_one_mib_is_refused(api: Api, chunked: bool) -> None:
    body = b'{"sku": "BOLT", "name": "Bolt", "description": "' + b"x" * MAX_BODY + b'"}'

    reply = api.post("/api/v1/products", raw=body, chunked=chunked)

    assert reply.status == 413
    assert reply.code == "payload_too_large"
    assert _no_products(api)


def test_a_body_of_exactly_one_mib_is_read(api: Api) -> None:
    body = b'{"sku": "BOLT", "name": "Bolt", "description": "x"}'
    body += b" " * (MAX_BODY - len(body))

    assert api.post("/api/v1/products", raw=body).status == 201


def test_a_chunked_body_is_read(api: Api) -> None:
    assert api.post("/api/v1/products", raw=PRODUCT, chunked=True).status == 201


def test_a_content_length_that_is_not_a_number_is_a_bad_request(api: Api) -> None:
    reply = api.post(
        "/api/v1/products", raw=PRODUCT, headers={"Content-Length": "lots"}, validate=False
    )

    assert reply.code == "bad_request"


# --- a body that cannot be read -----------------------------------------------------


class BrokenEncoding(Exception):
    """What a server raises on a chunk size that is not hex (gunicorn: InvalidChunkSize)."""


class BrokenStream(io.BytesIO):
    """A request body that fails after its first bytes, as a server's reader does."""

    def __init__(self, error: Exception) -> None:
        super().__init__(PRODUCT[:5])
        self.error = error

    def read(self, size: int | None = -1, /) -> bytes:
        raise self.error


def _post_unreadable(api: Api, stream: io.BytesIO, *, length: int | None) -> Any:
    headers = {"Content-Type": "application/json", "X-Request-ID": "cut-1",
               "Authorization": f"Bearer {api.admin}"}  # fmt: skip
    environ = environ_for("POST", "/api/v1/products", headers, b"", chunked=length is None)
    environ["wsgi.input"] = stream
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    return call(api.app, environ, validate=False)


@pytest.mark.parametrize(
    "error",
    [BrokenEncoding("invalid chunk size"), ConnectionResetError(104, "reset"), OSError("eof")],
    ids=["broken-encoding", "reset", "no-more-data"],
)
@pytest.mark.parametrize("length", [None, len(PRODUCT)], ids=["chunked", "with-length"])
def test_a_body_whose_reading_fails_is_a_bad_request(
    api: Api, error: Exception, length: int | None
) -> None:
    with json_lines("inventory.http") as lines:
        reply = _post_unreadable(api, BrokenStream(error), length=length)

    assert reply.status == 400
    assert reply.code == "bad_request"
    assert reply.json["request_id"] == "cut-1"
    assert "could not be read" in reply.json["detail"]
    (line,) = [json.loads(text) for text in lines.getvalue().splitlines()]
    assert line["level"] == "INFO"
    assert line["request_id"] == "cut-1"
    assert _no_products(api)


def test_a_body_shorter_than_its_content_length_is_a_bad_request(api: Api) -> None:
    with json_lines("inventory.http") as lines:
        reply = _post_unreadable(api, io.BytesIO(PRODUCT[:10]), length=len(PRODUCT))

    assert reply.status == 400
    assert reply.code == "bad_request"
    assert reply.json["detail"] == (
        f"the request body could not be read: it ended after 10 of the {len(PRODUCT)} bytes"
        " its Content-Length announced"
    )
    (line,) = [json.loads(text) for text in lines.getvalue().splitlines()]
    assert line["level"] == "INFO"
    assert line["request_id"] == "cut-1"
    assert _no_products(api)


def test_an_unreadable_body_is_not_counted_as_a_server_error(api: Api) -> None:
    _post_unreadable(api, io.BytesIO(PRODUCT[:10]), length=len(PRODUCT))
    _post_unreadable(api, BrokenStream(BrokenEncoding("bad")), length=None)

    labels = {"method": "POST", "route": "/api/v1/products"}
    count = api.metrics.registry.get_sample_value
    assert count("inventory_http_requests_total", {**labels, "status": "400"}) == 2
    assert count("inventory_http_requests_total", {**labels, "status": "500"}) is None


# --- JSON -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sku": "BOLT", "name": "Bolt"',
        b"{'sku': 'BOLT'}",
        b'{"sku": "BOLT", "name": "\\ud800"}',
        b'{"sku": "BOLT", "name": "Bolt", "reorder_point": NaN}',
        b'{"sku": "BOLT", "name": "Bolt", "reorder_point": Infinity}',
        b'{"sku": "BOLT", "name": "\xff\xfe"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"sku": "BOLT", "name": "Bolt", "sku": "NUT"}',
    ],
    ids=[
        "truncated",
        "single-quotes",
        "lone-surrogate",
        "nan",
        "infinity",
        "not-utf8",
        "deep",
        "member-twice",
    ],
)
def test_a_body_that_is_not_json_text_is_a_bad_request(api: Api, raw: bytes) -> None:
    reply = api.post("/api/v1/products", raw=raw)

    assert reply.status == 400
    assert reply.code == "bad_request"
    assert _no_products(api)


@pytest.mark.parametrize("body", [[{"sku": "BOLT", "name": "Bolt"}], "BOLT", 42, None])
def test_json_that_is_not_an_object_fails_validation(api: Api, body: Any) -> None:
    reply = api.post("/api/v1/products", body)

    assert reply.status == 422
    assert reply.code == "validation_error"


def test_an_unknown_field_fails_validation_and_is_named(api: Api) -> None:
    reply = api.post("/api/v1/products", {"sku": "BOLT", "name": "Bolt", "colour": "red"})

    assert reply.status == 422
    assert reply.code == "validation_error"
    assert reply.fields == ["colour"]
    assert _no_products(api)


def test_an_unknown_field_of_a_movement_is_named_without_the_type_tag(stocked: Api) -> None:
    body = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "qty": 1}

    reply = stocked.post("/api/v1/movements", body, key=stocked.clerk)

    assert (reply.code, reply.fields) == ("validation_error", ["qty"])


@pytest.mark.parametrize("cost", ["1.12345", 1.5, "-1.00", "1e3", "NaN"])
def test_money_that_is_not_a_four_place_decimal_string_fails_validation(
    stocked: Api, cost: Any
) -> None:
    body = {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": cost}

    reply = stocked.post("/api/v1/movements", body, key=stocked.clerk)

    assert reply.status == 422
    assert reply.fields == ["unit_cost"]
    assert stocked.movement_count() == 1


@pytest.mark.parametrize("quantity", [1.0, 1.5, "1", True, 0, -1])
def test_a_quantity_that_is_not_a_positive_integer_fails_validation(
    stocked: Api, quantity: Any
) -> None:
    body = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": quantity}

    reply = stocked.post("/api/v1/movements", body, key=stocked.clerk)

    assert reply.status == 422
    assert reply.fields == ["quantity"]
    assert stocked.stock_of("BOLT")["totals"]["on_hand"] == 10


@pytest.mark.parametrize("cost", ["1000000000000000", "1234567890123456.5", "9" * 40])
def test_money_over_the_maximum_says_the_maximum(stocked: Api, cost: str) -> None:
    body = {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": cost}

    reply = stocked.post("/api/v1/movements", body, key=stocked.clerk)

    assert (reply.status, reply.fields) == (422, ["unit_cost"])
    assert "at most 999999999999999.9999" in reply.json["errors"][0]["message"]
    assert stocked.movement_count() == 1


def test_the_openapi_document_gives_the_maximum_of_money(api: Api) -> None:
    schemas = api.ok("GET", "/openapi.json")["components"]["schemas"]

    assert (
        "999999999999999.9999" in schemas["ReceiveStock"]["properties"]["unit_cost"]["description"]
    )


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("quantity", {"type": "issue", "sku": "BOLT", "warehouse": "MAIN"}),
        ("counted_quantity", {"type": "adjustment", "sku": "BOLT", "warehouse": "MAIN",
                              "reason": "count"}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("huge", [2**63, 2**64, -(2**63) - 1, 10**4000])
def test_a_quantity_past_what_storage_holds_names_the_field_and_the_maximum(
    stocked: Api, field: str, body: dict[str, Any], huge: int
) -> None:
    reply = stocked.post("/api/v1/movements", {**body, field: huge}, key=stocked.clerk)

    assert (reply.status, reply.fields) == (422, [field])
    assert str(10**12 if huge > 0 else 0) in reply.json["errors"][0]["message"]
    assert stocked.movement_count() == 1


@pytest.mark.parametrize("number", [b"9" * 5000, b"-" + b"1" * 5000, b"1" * 4301])
def test_a_number_too_long_to_read_is_a_bad_request_that_says_so(api: Api, number: bytes) -> None:
    raw = b'{"sku": "BOLT", "name": "Bolt", "reorder_point": ' + number + b"}"

    reply = api.post("/api/v1/products", raw=raw)

    assert (reply.status, reply.code) == (400, "bad_request")
    assert "sys." not in reply.json["detail"]
    assert "set_int_max_str_digits" not in reply.json["detail"]
    assert "digits" in reply.json["detail"]
    assert _no_products(api)


def test_every_bad_field_is_listed(api: Api) -> None:
    reply = api.post("/api/v1/products", {"sku": "no spaces", "name": "", "reorder_point": -1})

    assert reply.status == 422
    assert sorted(reply.fields) == ["name", "reorder_point", "sku"]
    assert all(error["message"] for error in reply.json["errors"])


# --- query parameters -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=10&limit=20",
        "limit=0",
        "limit=501",
        "limit=x",
        "limit=",
        "sort=price",
        "sort=--sku",
        "cursor=not-a-cursor",
        "cursor=%%%",
        "archived=maybe",
        "below_reorder=perhaps",
        "q=",
        "colour=red",
        "q=%FF",
    ],
)
def test_a_bad_product_list_query_is_a_bad_request(api: Api, query: str) -> None:
    reply = api.get(f"/api/v1/products?{query}")

    assert reply.status == 400
    assert reply.code == "bad_request"


@pytest.mark.parametrize(
    "query",
    [
        "type=bogus",
        "since=not-a-date",
        "until=2026-13-01T00:00:00Z",
        "since=2026-11-26T19:25:20",
        "sku=no%20spaces",
        "sort=sku",
        "sort=created_at&sort=created_at",
    ],
)
def test_a_bad_movement_list_query_is_a_bad_request(api: Api, query: str) -> None:
    assert api.get(f"/api/v1/movements?{query}").code == "bad_request"


@pytest.mark.parametrize("query", ["status=lost", "warehouse=a%20b", "sort=reference"])
def test_a_bad_order_list_query_is_a_bad_request(api: Api, query: str) -> None:
    assert api.get(f"/api/v1/orders?{query}").code == "bad_request"


def test_a_cursor_made_for_another_sort_is_a_bad_request(api: Api) -> None:
    for sku in ("A", "B", "C"):
        api.given_product(sku)
    cursor = api.ok("GET", "/api/v1/products?limit=1&sort=name")["next_cursor"]

    reply = api.get(f"/api/v1/products?limit=1&sort=sku&cursor={cursor}")

    assert reply.code == "bad_request"
