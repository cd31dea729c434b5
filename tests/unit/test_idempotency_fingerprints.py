"""Which requests with one Idempotency-Key are the same request (API.md §4: the same JSON value)."""

from __future__ import annotations

import hashlib
import json

from inventory.application.idempotency import (
    NO_DOCUMENT,
    byte_fingerprint,
    request_fingerprint,
)


def _of(raw: bytes, method: str = "POST", path: str = "/api/v1/orders") -> str:
    return request_fingerprint(method, path, raw, json.loads(raw))


def test_the_same_value_written_otherwise_is_the_same_request() -> None:
    written = [
        b'{"a": 1, "b": [true, {"c": "\xc3\xa9", "d": null}]}',
        b'{"b":[true,{"d":null,"c":"\\u00e9"}],"a":1}',
        b'\n\t{ "b" : [ true , { "c" : "\xc3\xa9" , "d" : null } ] ,\r\n "a" : 1 }  ',
    ]

    assert len({_of(raw) for raw in written}) == 1


def test_the_fingerprint_hashes_the_canonical_text_of_the_value() -> None:
    canonical = b'POST /p\n{"a":1,"b":["\xc3\xa9"]}'

    found = _of(b'{ "b": ["\\u00e9"], "a": 1 }', path="/p")

    assert found == "json:" + hashlib.sha256(canonical).hexdigest()


def test_another_value_is_another_request() -> None:
    base = _of(b'{"quantity": 1}')

    assert _of(b'{"quantity": 2}') != base
    assert _of(b'{"quantity": "1"}') != base
    assert _of(b'{"quantity": 1, "note": null}') != base
    assert _of(b'[{"quantity": 1}]') != base
    assert _of(b'{"quantity": 1}', path="/api/v1/movements") != base
    assert _of(b'{"quantity": 1}', method="PUT") != base


def test_an_integer_and_a_float_of_equal_size_are_two_values() -> None:
    # The API takes 1 as a quantity and refuses 1.0, so the two cannot share an answer.
    assert _of(b'{"quantity": 1.0}') != _of(b'{"quantity": 1}')
    assert _of(b'{"quantity": 1.0}') == _of(b'{"quantity": 1.00}')


def test_a_body_that_is_not_json_is_compared_byte_for_byte() -> None:
    raw = b"{not json"
    expected = hashlib.sha256(b"POST /p\n{not json").hexdigest()

    assert request_fingerprint("POST", "/p", raw, NO_DOCUMENT) == expected
    assert byte_fingerprint("POST", "/p", raw) == expected


def test_a_value_with_no_json_text_falls_back_on_the_bytes() -> None:
    raw = b'{"x": 1e999}'  # parses to infinity, which JSON cannot write back

    assert request_fingerprint("POST", "/p", raw, json.loads(raw)) == byte_fingerprint(
        "POST", "/p", raw
    )
