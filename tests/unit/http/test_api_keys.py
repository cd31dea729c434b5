"""API keys over HTTP: the secret shown once, listing without secrets, revocation (API.md §7)."""

from __future__ import annotations

import pytest

from inventory.domain.keys import hash_secret
from tests.unit.http.driver import Api

KEYS = "/api/v1/api-keys"


def test_a_new_key_shows_its_secret_once_and_may_not_be_cached(api: Api) -> None:
    reply = api.post(KEYS, {"name": "scanner-3", "role": "clerk"})

    assert reply.status == 201
    assert reply.header("Cache-Control") == "no-store"
    created = reply.json
    assert set(created) == {"id", "name", "role", "key", "created_at"}
    assert (created["name"], created["role"]) == ("scanner-3", "clerk")
    assert created["key"]
    assert created["created_at"].endswith("Z")


def test_a_new_key_works_at_once_with_its_role(api: Api) -> None:
    secret = api.ok("POST", KEYS, {"name": "scanner-3", "role": "clerk"})["key"]
    api.given_stock()
    issue = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1}

    recorded = api.post("/api/v1/movements", issue, key=secret)

    assert recorded.status == 201
    assert recorded.json["created_by"] == "scanner-3"
    assert api.post("/api/v1/products", {"sku": "X", "name": "X"}, key=secret).status == 403


def test_only_a_hash_of_the_secret_is_kept(api: Api) -> None:
    created = api.ok("POST", KEYS, {"name": "scanner-3", "role": "viewer"})

    stored = api.storage.store.api_keys[created["id"]]
    assert stored.secret_hash == hash_secret(created["key"])
    assert created["key"] not in repr(stored)


def test_keys_are_listed_without_secrets(api: Api) -> None:
    created = api.ok("POST", KEYS, {"name": "scanner-3", "role": "viewer"})

    reply = api.get(KEYS)

    assert reply.status == 200
    listed = reply.json
    assert listed["next_cursor"] is None
    assert [(k["name"], k["role"]) for k in listed["items"]] == [
        ("admin-ada", "admin"),
        ("clerk-carl", "clerk"),
        ("viewer-vera", "viewer"),
        ("scanner-3", "viewer"),
    ]
    for key in listed["items"]:
        assert set(key) == {"id", "name", "role", "created_at", "revoked_at"}
        assert key["revoked_at"] is None
    assert created["key"].encode() not in reply.body
    assert b"secret-" not in reply.body


def test_a_revoked_key_is_refused_at_once_and_listed_as_revoked(api: Api) -> None:
    created = api.ok("POST", KEYS, {"name": "scanner-3", "role": "clerk"})
    assert api.get("/api/v1/products", key=created["key"]).status == 200

    reply = api.delete(f"{KEYS}/{created['id']}")

    assert reply.status == 204
    assert reply.body == b""
    refused = api.get("/api/v1/products", key=created["key"])
    assert (refused.status, refused.code) == (401, "unauthorized")
    listed = {k["id"]: k for k in api.ok("GET", KEYS)["items"]}
    assert listed[created["id"]]["revoked_at"] is not None


def test_revoking_an_unknown_key_is_not_found(api: Api) -> None:
    assert api.delete(f"{KEYS}/01NOSUCHKEY").code == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "role": "owner"}, "role"),
        ({"name": "", "role": "viewer"}, "name"),
        ({"role": "viewer"}, "name"),
        ({"name": "x", "role": "viewer", "key": "chosen"}, "key"),
    ],
)
def test_an_invalid_key_request_is_refused_naming_the_field(
    api: Api, body: dict[str, str], field: str
) -> None:
    reply = api.post(KEYS, body)

    assert reply.code == "validation_error"
    assert reply.fields == [field]
    assert len(api.storage.store.api_keys) == 3


def test_a_retried_key_creation_makes_no_second_key_and_never_shows_the_secret_again(
    api: Api,
) -> None:
    body = {"name": "scanner-3", "role": "clerk"}
    created = api.ok("POST", KEYS, body, headers={"Idempotency-Key": "k-1"})

    replay = api.post(KEYS, body, headers={"Idempotency-Key": "k-1"})

    assert replay.header("Idempotent-Replayed") == "true"
    assert (replay.status, replay.code) == (409, "conflict")
    assert created["id"] in replay.json["detail"]
    assert created["key"] not in replay.body.decode()
    assert [k["name"] for k in api.ok("GET", KEYS)["items"]].count("scanner-3") == 1


def test_an_idempotency_key_does_not_keep_the_secret_in_clear(api: Api) -> None:
    created = api.ok(
        "POST", KEYS, {"name": "scanner-3", "role": "clerk"}, headers={"Idempotency-Key": "k-1"}
    )

    kept = [repr(record) for record in api.storage.store.idempotency.values()]
    assert kept
    assert not any(created["key"] in text for text in kept)


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "sort=bogus"])
def test_the_key_list_refuses_a_bad_limit_or_sort_like_every_list(api: Api, query: str) -> None:
    assert api.get(f"{KEYS}?{query}").code == "bad_request"
