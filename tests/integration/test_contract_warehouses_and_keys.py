"""The WarehouseRepository and ApiKeyRepository contracts.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.application.listing import WAREHOUSE_SORTS
from inventory.application.ports import Storage
from inventory.domain.catalog import Warehouse
from inventory.domain.keys import Role
from tests.factories import T0, ApiKeyFactory
from tests.integration.contract import SECOND, given, page_through, reading, warehouses

# --- warehouses -----------------------------------------------------------------------


def test_a_warehouse_comes_back_with_its_creation_time(storage: Storage) -> None:
    given(storage, Warehouse("WH-1", "North hall", T0 + timedelta(microseconds=1)))

    with reading(storage) as uow:
        got = uow.warehouses.get("WH-1")

    assert got is not None
    assert (got.code, got.name, got.created_at) == (
        "WH-1",
        "North hall",
        T0 + timedelta(microseconds=1),
    )


@pytest.mark.parametrize("descending", [False, True])
def test_warehouses_page_by_code(storage: Storage, descending: bool) -> None:
    codes = ["W-C", "W-A", "W-E", "W-B", "W-D"]
    given(storage, *warehouses(*codes))

    with reading(storage) as uow:
        seen = page_through(uow.warehouses.fetch_page, WAREHOUSE_SORTS, "code", descending)

    assert [w.code for w in seen] == sorted(codes, reverse=descending)


# --- api keys -------------------------------------------------------------------------


def test_an_api_key_comes_back_and_is_found_by_its_hash(storage: Storage) -> None:
    key = ApiKeyFactory(id="key-1", role=Role.ADMIN, secret="s3cret")
    given(storage, key)
    revoked = replace(key, revoked_at=T0 + timedelta(microseconds=42))

    with storage.unit_of_work() as uow:
        uow.api_keys.save(revoked)
        uow.commit()

    with reading(storage) as uow:
        assert uow.api_keys.get("key-1") == revoked
        assert uow.api_keys.get_by_hash(key.secret_hash) == revoked
        assert uow.api_keys.get_by_hash("s3cret") is None


def test_api_keys_are_listed_oldest_first_then_by_id(storage: Storage) -> None:
    keys = [
        ApiKeyFactory(id="key-c", created_at=T0),
        ApiKeyFactory(id="key-a", created_at=T0 + SECOND),
        ApiKeyFactory(id="key-b", created_at=T0),
    ]
    given(storage, *keys)

    with reading(storage) as uow:
        listed = uow.api_keys.list_all()

    assert [k.id for k in listed] == ["key-b", "key-c", "key-a"]
