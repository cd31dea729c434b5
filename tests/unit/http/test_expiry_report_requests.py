"""``POST /api/v1/reports`` with ``"kind": "expiry"``: queued with its days, or refused (422)."""

from __future__ import annotations

import pytest

from tests.unit.http.driver import Api


def test_an_expiry_report_is_queued_with_its_warehouse_and_days(api: Api) -> None:
    body = {"kind": "expiry", "format": "json", "params": {"warehouse": "MAIN", "days": 14}}

    reply = api.post("/api/v1/reports", body, key=api.clerk)

    assert reply.status == 202
    assert reply.json["kind"] == "report"
    assert reply.json["params"]["kind"] == "expiry"
    assert reply.json["params"]["params"] == {
        "warehouse": "MAIN", "since": None, "until": None, "days": 14,
    }  # fmt: skip
    assert reply.header("Location") == f"/api/v1/jobs/{reply.json['id']}"


@pytest.mark.parametrize("days", [-1, "7", 2.5])
def test_days_that_are_not_a_whole_number_from_zero_are_refused(api: Api, days: object) -> None:
    reply = api.post("/api/v1/reports", {"kind": "expiry", "params": {"days": days}}, key=api.clerk)

    assert (reply.status, reply.code, reply.fields) == (422, "validation_error", ["params.days"])
