"""Idempotency-Key on POST: replay, reuse, in-flight requests, failures, expiry (API.md §4)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest

from inventory.adapters.memory import MemoryStorage
from inventory.adapters.memory.store import MemoryUnitOfWork
from inventory.application import stock
from inventory.application.commands import IssueStock
from inventory.application.errors import Unavailable
from inventory.application.idempotency import LEASE, claim, remember
from inventory.application.idempotency_records import StoredResponse
from inventory.domain.keys import Role
from inventory.entrypoints.http.response import Response, json_response
from inventory.entrypoints.http.routing import Call, Route
from tests.unit.http.driver import Api, Reply

MOVEMENTS = "/api/v1/movements"
ISSUE = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 2}
DAY = timedelta(hours=24)


def _issue(api: Api, key: str, body: dict[str, Any] = ISSUE, secret: str | None = None) -> Reply:
    return api.post(MOVEMENTS, body, key=secret or api.clerk, headers={"Idempotency-Key": key})


def _on_hand(api: Api) -> int:
    on_hand = api.stock_of("BOLT")["totals"]["on_hand"]
    assert isinstance(on_hand, int)
    return on_hand


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(stocked: Api) -> None:
    first = _issue(stocked, "k-1")

    retry = _issue(stocked, "k-1")

    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert retry.header("Idempotent-Replayed") == "true"
    assert first.header("Idempotent-Replayed") is None
    for name in ("Content-Type", "Location", "ETag"):
        assert retry.header(name) == first.header(name)
    assert retry.header("X-Request-ID") != first.header("X-Request-ID")
    assert stocked.movement_count() == 2
    assert _on_hand(stocked) == 8


def test_a_key_reused_for_a_different_body_is_refused(stocked: Api) -> None:
    _issue(stocked, "k-1")

    reply = _issue(stocked, "k-1", ISSUE | {"quantity": 3})

    assert reply.status == 422
    assert reply.code == "idempotency_key_reused"
    assert _on_hand(stocked) == 8


def _issue_raw(api: Api, key: str, raw: bytes) -> Reply:
    return api.post(MOVEMENTS, raw=raw, key=api.clerk, headers={"Idempotency-Key": key})


@pytest.mark.parametrize(
    "again",
    [
        json.dumps(ISSUE, indent=4).encode(),
        json.dumps(dict(reversed(ISSUE.items()))).encode(),
        b'{"type":"issue","sku":"BOL\\u0054","warehouse":"MAIN","quantity":2}',
        b'\n {"quantity" :2 ,\t"warehouse":"MAIN","sku":"BOLT","type":"issue"}\r\n',
    ],
    ids=["re-indented", "reordered", "escaped", "spaced"],
)
def test_a_retry_with_the_same_json_value_in_other_bytes_replays(
    stocked: Api, again: bytes
) -> None:
    first = _issue_raw(stocked, "k-1", json.dumps(ISSUE).encode())

    retry = _issue_raw(stocked, "k-1", again)

    assert (retry.status, retry.header("Idempotent-Replayed")) == (201, "true")
    assert retry.body == first.body
    assert _on_hand(stocked) == 8


@pytest.mark.parametrize(
    "again",
    [
        b'{"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 2.0}',
        b'{"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": "2"}',
        b'{"type": "issue", "sku": "bolt", "warehouse": "MAIN", "quantity": 2}',
        b'{"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 2, "note": null}',
        b"[]",
        b"{",
    ],
    ids=["float", "string", "case", "extra-null", "array", "not-json"],
)
def test_a_retry_with_another_json_value_is_refused(stocked: Api, again: bytes) -> None:
    _issue_raw(stocked, "k-1", json.dumps(ISSUE).encode())

    reply = _issue_raw(stocked, "k-1", again)

    assert (reply.status, reply.code) == (422, "idempotency_key_reused")
    assert _on_hand(stocked) == 8


def test_a_broken_body_replays_its_refusal_when_sent_again_byte_for_byte(stocked: Api) -> None:
    first = _issue_raw(stocked, "k-1", b"{")

    retry = _issue_raw(stocked, "k-1", b"{")

    assert first.code == "bad_request"
    assert (retry.status, retry.header("Idempotent-Replayed")) == (400, "true")
    assert _issue_raw(stocked, "k-1", b"{ ").code == "idempotency_key_reused"


def test_an_answer_stored_under_the_byte_fingerprint_of_the_previous_release_replays(
    stocked: Api,
) -> None:
    # Records kept for 24 h across an upgrade carry the hash of the body's bytes.
    body = json.dumps(ISSUE).encode()
    owner = stocked.key_ids[stocked.clerk]
    taken = claim(
        owner, "k-1", _fingerprint("POST", MOVEMENTS, body), stocked.storage.unit_of_work(),
        stocked.clock,
    )  # fmt: skip
    stored = StoredResponse(201, (("Content-Type", "application/json"),), b'{"id":"before"}')
    remember(taken, stored, stocked.storage.unit_of_work())

    retry = _issue_raw(stocked, "k-1", body)

    assert (retry.status, retry.body) == (201, b'{"id":"before"}')
    assert retry.header("Idempotent-Replayed") == "true"
    # Only the same bytes match such a record: its fingerprint cannot tell the value.
    reindented = _issue_raw(stocked, "k-1", json.dumps(ISSUE, indent=2).encode())
    assert reindented.code == "idempotency_key_reused"
    assert _on_hand(stocked) == 10


def test_a_key_reused_on_another_path_is_refused(stocked: Api) -> None:
    _issue(stocked, "k-1")
    order = {"reference": "SO-1", "warehouse": "MAIN", "lines": [{"sku": "BOLT", "quantity": 1}]}

    reply = stocked.post(
        "/api/v1/orders", order, key=stocked.clerk, headers={"Idempotency-Key": "k-1"}
    )

    assert reply.code == "idempotency_key_reused"
    assert stocked.ok("GET", "/api/v1/orders")["items"] == []


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "", "tab\there", "caf\xe9", "line\r\nbreak"],
    ids=["256", "empty", "tab", "latin-1", "crlf"],
)
def test_a_malformed_key_is_a_bad_request(stocked: Api, key: str) -> None:
    reply = _issue(stocked, key)

    assert reply.status == 400
    assert reply.code == "bad_request"
    assert stocked.movement_count() == 1


def test_a_key_of_255_characters_is_accepted(stocked: Api) -> None:
    assert _issue(stocked, "k" * 255).status == 201
    assert _issue(stocked, "k" * 255).header("Idempotent-Replayed") == "true"


def test_a_key_of_255_characters_and_a_newline_is_a_bad_request(stocked: Api) -> None:
    assert _issue(stocked, "k" * 255 + "\n").status == 400


def test_the_same_key_from_two_api_keys_is_two_requests(stocked: Api) -> None:
    _, other = stocked.new_key(Role.CLERK, "scanner-3")

    mine = _issue(stocked, "k-1")
    theirs = _issue(stocked, "k-1", ISSUE | {"quantity": 3}, secret=other)

    assert (mine.status, theirs.status) == (201, 201)
    assert theirs.header("Idempotent-Replayed") is None
    assert theirs.json["created_by"] == "scanner-3"
    assert _on_hand(stocked) == 5


def test_a_refusal_is_replayed_too(stocked: Api) -> None:
    refused = _issue(stocked, "k-1", ISSUE | {"quantity": 11})
    stocked.given_receipt("BOLT", "MAIN", 5)

    retry = _issue(stocked, "k-1", ISSUE | {"quantity": 11})

    assert (refused.status, refused.code) == (409, "insufficient_stock")
    assert (retry.status, retry.body) == (409, refused.body)
    assert retry.header("Idempotent-Replayed") == "true"
    assert retry.header("Content-Type") == "application/problem+json"
    assert _on_hand(stocked) == 15


def test_a_request_without_a_key_is_never_replayed(stocked: Api) -> None:
    stocked.ok("POST", MOVEMENTS, ISSUE, key=stocked.clerk)
    stocked.ok("POST", MOVEMENTS, ISSUE, key=stocked.clerk)

    assert _on_hand(stocked) == 6


# --- failures are not remembered -----------------------------------------------------


class Flaky:
    """A handler that fails its first ``failures`` calls, then records an issue of 1 BOLT."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, call: Call) -> Response:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        services = call.services
        command = IssueStock(sku="BOLT", warehouse="MAIN", quantity=1)
        movement = stock.record_movement(
            command, call.uow(), services.clock, services.new_id, call.actor
        )
        return json_response(201, {"id": movement.id})


def _with(handler: Flaky) -> Api:
    api = Api(extra_routes=[Route("POST", "/api/v1/flaky", handler, Role.CLERK, "Flaky", "t")])
    api.given_stock("BOLT", "MAIN", 10)
    return api


def _flaky(api: Api) -> Reply:
    return api.post("/api/v1/flaky", {"n": 1}, key=api.clerk, headers={"Idempotency-Key": "k-1"})


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError("boom"), 500), (Unavailable("the database is busy"), 503)],
    ids=["crash", "unavailable"],
)
def test_a_failed_request_is_forgotten_so_the_retry_runs_again(
    error: Exception, status: int
) -> None:
    handler = Flaky(1, error)
    api = _with(handler)

    failed = _flaky(api)
    retried = _flaky(api)
    replayed = _flaky(api)

    assert failed.status == status
    assert (retried.status, retried.header("Idempotent-Replayed")) == (201, None)
    assert (replayed.status, replayed.header("Idempotent-Replayed")) == (201, "true")
    assert replayed.body == retried.body
    assert handler.calls == 2
    assert _on_hand(api) == 9


class CrashAfterWrite(Flaky):
    """Records the issue, then crashes before answering."""

    def __call__(self, call: Call) -> Response:
        super().__call__(call)
        raise RuntimeError("lost the answer")


def test_a_crash_after_the_write_is_never_applied_twice() -> None:
    api = _with(CrashAfterWrite(0, RuntimeError()))

    crashed = _flaky(api)
    retried = _flaky(api)

    assert crashed.status == 500
    assert (retried.status, retried.code) == (409, "conflict")
    assert _on_hand(api) == 9


# --- in flight, and expiry -----------------------------------------------------------


def _fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def test_a_retry_while_the_first_is_in_flight_is_a_conflict(stocked: Api) -> None:
    body = json.dumps(ISSUE).encode()
    owner = stocked.key_ids[stocked.clerk]
    uow = stocked.storage.unit_of_work()
    claim(owner, "k-1", _fingerprint("POST", MOVEMENTS, body), uow, stocked.clock)

    reply = stocked.post(MOVEMENTS, raw=body, key=stocked.clerk, headers={"Idempotency-Key": "k-1"})

    assert reply.status == 409
    assert reply.code == "conflict"
    assert _on_hand(stocked) == 10


def test_a_claim_left_behind_by_a_dead_request_is_taken_over_after_its_lease(
    stocked: Api,
) -> None:
    body = json.dumps(ISSUE).encode()
    owner = stocked.key_ids[stocked.clerk]
    uow = stocked.storage.unit_of_work()
    claim(owner, "k-1", _fingerprint("POST", MOVEMENTS, body), uow, stocked.clock)
    stocked.clock.advance(LEASE + timedelta(seconds=1))

    reply = stocked.post(MOVEMENTS, raw=body, key=stocked.clerk, headers={"Idempotency-Key": "k-1"})

    assert reply.status == 201
    assert _on_hand(stocked) == 8


def test_a_key_is_free_again_after_24_hours(stocked: Api) -> None:
    _issue(stocked, "k-1")
    stocked.clock.advance(DAY)

    again = _issue(stocked, "k-1")
    other = _issue(stocked, "k-2")
    stocked.clock.advance(DAY)
    reused = _issue(stocked, "k-2", ISSUE | {"quantity": 1})

    assert (again.status, again.header("Idempotent-Replayed")) == (201, None)
    assert other.status == 201
    assert (reused.status, reused.header("Idempotent-Replayed")) == (201, None)
    assert _on_hand(stocked) == 3


def test_a_key_is_still_remembered_just_before_24_hours(stocked: Api) -> None:
    _issue(stocked, "k-1")
    stocked.clock.advance(DAY - timedelta(seconds=1))

    assert _issue(stocked, "k-1").header("Idempotent-Replayed") == "true"
    assert _on_hand(stocked) == 8


class _StorageGoesAway(MemoryStorage):
    """Memory storage that refuses every new unit of work once ``gone`` is set."""

    gone = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        if self.gone:
            raise Unavailable("storage is unreachable")
        return super().unit_of_work()


def _goes_away_after(outcome: Exception | None) -> tuple[Api, _StorageGoesAway]:
    """An API whose handler issues one unit, then loses its storage, then ends with ``outcome``.

    With an exception as the outcome, the handler fails before it writes anything.
    """
    storage = _StorageGoesAway()

    def handler(call: Call) -> Response:
        if outcome is not None:
            storage.gone = True
            raise outcome
        result = stock.record_movement(
            IssueStock(sku="BOLT", warehouse="MAIN", quantity=1),
            call.uow(),
            call.services.clock,
            call.services.new_id,
            call.actor,
        )
        storage.gone = True
        return json_response(201, {"id": result.id})

    route = Route("POST", "/api/v1/flaky", handler, Role.CLERK, "Flaky", "t")
    api = Api(storage=storage, extra_routes=[route])
    api.given_stock("BOLT", "MAIN", 10)
    return api, storage


def test_an_applied_write_is_answered_even_when_its_answer_cannot_be_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api, storage = _goes_away_after(None)

    first = _flaky(api)
    storage.gone = False
    retried = _flaky(api)

    assert first.status == 201
    assert "could not record the answer" in caplog.text
    assert (retried.status, retried.code) == (409, "conflict")
    assert "was applied" in retried.json["detail"]
    assert _on_hand(api) == 9


def test_a_claim_that_cannot_be_released_is_taken_over_once_its_lease_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api, storage = _goes_away_after(RuntimeError("boom"))

    failed = _flaky(api)
    storage.gone = False
    too_soon = _flaky(api)
    api.clock.advance(LEASE)
    storage.gone = False

    assert failed.status == 500
    assert "could not release Idempotency-Key" in caplog.text
    assert (too_soon.status, too_soon.code) == (409, "conflict")
    assert "still in flight" in too_soon.json["detail"]
    assert _flaky(api).status == 500  # taken over: the handler runs again
    storage.gone = False
    assert _on_hand(api) == 10
