"""The IdempotencyRepository contract.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.application.idempotency_records import (
    IdempotencyRecord,
    KeyProgress,
    StoredResponse,
)
from inventory.application.ports import Storage
from tests.factories import T0
from tests.integration.contract import SECOND, reading

MICROSECOND = timedelta(microseconds=1)
DAY = timedelta(days=1)

CREATED_RESPONSE = StoredResponse(
    status=201,
    # Out of alphabetical order, with a repeated name, as a replay must repeat them.
    headers=(
        ("Location", "/products/SKU-1"),
        ("Content-Type", "application/json"),
        ("Link", '</warehouses/WH-1>; rel="related"'),
        ("Link", '</movements/M-1>; rel="related"'),
        ("X-Note", "café"),
    ),
    # Invalid UTF-8, a NUL and a trailing space: the body is bytes, not text.
    body=b'{"sku": "SKU-1"}\x00\xff\xfe\x80 ',
)


def record(
    owner: str = "key-1",
    key: str = "idem-1",
    progress: KeyProgress = KeyProgress.IN_FLIGHT,
    response: StoredResponse | None = None,
    expires_at: timedelta = DAY,
    fingerprint: str = "sha256:aaaa",
) -> IdempotencyRecord:
    """A record created at ``T0`` that expires ``expires_at`` after it."""
    return IdempotencyRecord(
        owner=owner,
        key=key,
        fingerprint=fingerprint,
        progress=progress,
        created_at=T0,
        expires_at=T0 + expires_at,
        response=response,
    )


def given_records(storage: Storage, *records: IdempotencyRecord) -> None:
    with storage.unit_of_work() as uow:
        for each in records:
            uow.idempotency.put(each)
        uow.commit()


def stored(storage: Storage, owner: str, key: str) -> IdempotencyRecord | None:
    with reading(storage) as uow:
        return uow.idempotency.get(owner, key)


# --- reading back what was put ----------------------------------------------------------


def test_an_unknown_key_reads_as_none(storage: Storage) -> None:
    given_records(storage, record(owner="key-1", key="idem-1"))

    assert stored(storage, "key-1", "idem-2") is None
    assert stored(storage, "key-2", "idem-1") is None


def test_a_done_record_comes_back_with_its_response_bytes_and_headers_in_order(
    storage: Storage,
) -> None:
    done = IdempotencyRecord(
        owner="key-1",
        key="idem-1",
        fingerprint="sha256:0123abcd",
        progress=KeyProgress.DONE,
        created_at=T0 + MICROSECOND,
        expires_at=T0 + DAY - MICROSECOND,
        response=CREATED_RESPONSE,
    )
    given_records(storage, done)

    got = stored(storage, "key-1", "idem-1")

    assert got == done
    assert got is not None
    assert got.response is not None
    assert got.response.body == b'{"sku": "SKU-1"}\x00\xff\xfe\x80 '
    assert [name for name, _ in got.response.headers] == [
        "Location",
        "Content-Type",
        "Link",
        "Link",
        "X-Note",
    ]


def test_times_keep_their_microseconds(storage: Storage) -> None:
    given_records(
        storage,
        replace(
            record(), created_at=T0 + 7 * MICROSECOND, expires_at=T0 + DAY + 999999 * MICROSECOND
        ),
    )

    got = stored(storage, "key-1", "idem-1")

    assert got is not None
    assert got.created_at == T0 + 7 * MICROSECOND
    assert got.expires_at == T0 + DAY + 999999 * MICROSECOND
    assert (got.created_at.microsecond, got.expires_at.microsecond) == (123463, 123455)


@pytest.mark.parametrize("progress", [KeyProgress.IN_FLIGHT, KeyProgress.APPLIED])
def test_a_record_without_a_response_comes_back_with_none(
    storage: Storage, progress: KeyProgress
) -> None:
    given_records(storage, record(progress=progress, fingerprint="sha256:beef"))

    got = stored(storage, "key-1", "idem-1")

    assert got == record(progress=progress, fingerprint="sha256:beef")
    assert got is not None
    assert got.response is None


def test_an_empty_response_body_comes_back_empty_not_absent(storage: Storage) -> None:
    no_content = StoredResponse(status=204, headers=(), body=b"")
    given_records(storage, record(progress=KeyProgress.DONE, response=no_content))

    got = stored(storage, "key-1", "idem-1")

    assert got is not None
    assert got.response == StoredResponse(status=204, headers=(), body=b"")


# --- replacing, owners, deleting --------------------------------------------------------


def test_put_replaces_the_record_of_the_same_owner_and_key(storage: Storage) -> None:
    given_records(storage, record(progress=KeyProgress.IN_FLIGHT, fingerprint="sha256:old"))
    done = record(progress=KeyProgress.DONE, response=CREATED_RESPONSE, fingerprint="sha256:new")

    given_records(storage, done)

    assert stored(storage, "key-1", "idem-1") == done


def test_replacing_a_done_record_with_an_in_flight_one_drops_the_stored_response(
    storage: Storage,
) -> None:
    given_records(storage, record(progress=KeyProgress.DONE, response=CREATED_RESPONSE))

    given_records(storage, record(progress=KeyProgress.IN_FLIGHT, expires_at=2 * DAY))

    got = stored(storage, "key-1", "idem-1")
    assert got == record(progress=KeyProgress.IN_FLIGHT, expires_at=2 * DAY)
    assert got is not None
    assert got.response is None


def test_the_same_key_under_two_owners_is_two_records(storage: Storage) -> None:
    first = record(owner="key-1", key="idem-1", fingerprint="sha256:first")
    second = record(
        owner="key-2", key="idem-1", progress=KeyProgress.DONE, response=CREATED_RESPONSE
    )
    given_records(storage, first, second)

    assert stored(storage, "key-1", "idem-1") == first
    assert stored(storage, "key-2", "idem-1") == second


def test_delete_removes_that_record_and_leaves_the_others(storage: Storage) -> None:
    given_records(
        storage,
        record(owner="key-1", key="idem-1"),
        record(owner="key-2", key="idem-1"),
        record(owner="key-1", key="idem-2"),
    )

    with storage.unit_of_work() as uow:
        uow.idempotency.delete("key-1", "idem-1")
        uow.commit()

    assert stored(storage, "key-1", "idem-1") is None
    assert stored(storage, "key-2", "idem-1") == record(owner="key-2", key="idem-1")
    assert stored(storage, "key-1", "idem-2") == record(owner="key-1", key="idem-2")


def test_deleting_a_missing_record_is_no_error_and_changes_nothing(storage: Storage) -> None:
    given_records(storage, record(owner="key-1", key="idem-1"))

    with storage.unit_of_work() as uow:
        uow.idempotency.delete("key-1", "never-used")
        uow.idempotency.delete("key-9", "idem-1")
        uow.commit()

    assert stored(storage, "key-1", "idem-1") == record(owner="key-1", key="idem-1")


def test_a_key_can_be_put_again_after_it_was_deleted(storage: Storage) -> None:
    given_records(storage, record(fingerprint="sha256:old"))

    with storage.unit_of_work() as uow:
        uow.idempotency.delete("key-1", "idem-1")
        assert uow.idempotency.get("key-1", "idem-1") is None
        uow.idempotency.put(record(fingerprint="sha256:new"))
        assert uow.idempotency.get("key-1", "idem-1") == record(fingerprint="sha256:new")
        uow.commit()

    assert stored(storage, "key-1", "idem-1") == record(fingerprint="sha256:new")


# --- expiry -----------------------------------------------------------------------------


def test_delete_expired_removes_exactly_the_records_due_at_or_before_now(
    storage: Storage,
) -> None:
    now = T0 + DAY
    given_records(
        storage,
        record(key="long-gone", expires_at=DAY - SECOND),
        record(key="a-microsecond-ago", expires_at=DAY - MICROSECOND, owner="key-2"),
        record(key="due-now", expires_at=DAY),
        record(key="in-a-microsecond", expires_at=DAY + MICROSECOND),
        record(
            key="tomorrow", expires_at=2 * DAY, progress=KeyProgress.DONE, response=CREATED_RESPONSE
        ),
    )

    with storage.unit_of_work() as uow:
        removed = uow.idempotency.delete_expired(now)
        uow.commit()

    assert removed == 3
    assert stored(storage, "key-1", "long-gone") is None
    assert stored(storage, "key-2", "a-microsecond-ago") is None
    assert stored(storage, "key-1", "due-now") is None
    assert stored(storage, "key-1", "in-a-microsecond") == record(
        key="in-a-microsecond", expires_at=DAY + MICROSECOND
    )
    assert stored(storage, "key-1", "tomorrow") == record(
        key="tomorrow", expires_at=2 * DAY, progress=KeyProgress.DONE, response=CREATED_RESPONSE
    )


def test_delete_expired_with_nothing_due_removes_nothing_and_returns_zero(
    storage: Storage,
) -> None:
    given_records(storage, record(expires_at=DAY))

    with storage.unit_of_work() as uow:
        assert uow.idempotency.delete_expired(T0 + DAY - MICROSECOND) == 0
        uow.commit()

    assert stored(storage, "key-1", "idem-1") == record(expires_at=DAY)


def test_a_second_sweep_finds_nothing_left_to_remove(storage: Storage) -> None:
    given_records(storage, record(key="idem-1"), record(key="idem-2"))

    with storage.unit_of_work() as uow:
        first = uow.idempotency.delete_expired(T0 + 2 * DAY)
        second = uow.idempotency.delete_expired(T0 + 2 * DAY)
        uow.commit()

    assert (first, second) == (2, 0)


# --- transactions -----------------------------------------------------------------------


def test_an_uncommitted_put_is_gone_when_the_unit_of_work_ends(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.idempotency.put(record())
        assert uow.idempotency.get("key-1", "idem-1") == record()

    assert stored(storage, "key-1", "idem-1") is None


def test_an_uncommitted_replacement_leaves_the_committed_record(storage: Storage) -> None:
    given_records(storage, record(progress=KeyProgress.IN_FLIGHT))

    with storage.unit_of_work() as uow:
        uow.idempotency.put(record(progress=KeyProgress.DONE, response=CREATED_RESPONSE))

    assert stored(storage, "key-1", "idem-1") == record(progress=KeyProgress.IN_FLIGHT)


def test_an_uncommitted_delete_leaves_the_record(storage: Storage) -> None:
    given_records(storage, record())

    with storage.unit_of_work() as uow:
        uow.idempotency.delete("key-1", "idem-1")
        assert uow.idempotency.get("key-1", "idem-1") is None

    assert stored(storage, "key-1", "idem-1") == record()


def test_an_uncommitted_sweep_leaves_the_expired_records(storage: Storage) -> None:
    given_records(storage, record(key="idem-1"), record(key="idem-2"))

    with storage.unit_of_work() as uow:
        assert uow.idempotency.delete_expired(T0 + 2 * DAY) == 2

    assert stored(storage, "key-1", "idem-1") == record(key="idem-1")
    assert stored(storage, "key-1", "idem-2") == record(key="idem-2")


def test_rollback_discards_puts_and_deletes_made_before_it_but_not_after(
    storage: Storage,
) -> None:
    given_records(storage, record(key="kept"))

    with storage.unit_of_work() as uow:
        uow.idempotency.delete("key-1", "kept")
        uow.idempotency.put(record(key="rolled-back"))
        uow.rollback()
        uow.idempotency.put(record(key="committed"))
        uow.commit()

    assert stored(storage, "key-1", "kept") == record(key="kept")
    assert stored(storage, "key-1", "rolled-back") is None
    assert stored(storage, "key-1", "committed") == record(key="committed")
