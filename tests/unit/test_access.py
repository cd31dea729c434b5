"""API keys: create, list, revoke, and authenticate a request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.application.access import (
    authenticate,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from inventory.application.caching import ReadThrough
from inventory.application.commands import CreateApiKey
from inventory.application.ports import CacheStats
from inventory.domain.errors import Forbidden, NotFound, Unauthorized
from inventory.domain.keys import ApiKey, Role, hash_secret
from tests.factories import T0
from tests.unit.stories import Shop


def _new_key(shop: Shop, name: str = "till 1", role: Role = Role.CLERK) -> tuple[ApiKey, str]:
    return create_api_key(
        CreateApiKey(name=name, role=role), shop.uow(), shop.clock, shop.ids, shop.secrets
    )


def test_a_new_key_shows_its_secret_once_and_stores_only_a_hash(shop: Shop) -> None:
    key, secret = _new_key(shop)

    assert (key.name, key.role, key.created_at, key.revoked_at) == ("till 1", Role.CLERK, T0, None)
    assert secret == "secret-1"
    stored = list_api_keys(shop.uow())
    assert stored == [key]
    assert stored[0].secret_hash == hash_secret(secret) != secret


def test_keys_are_listed_oldest_first_revoked_ones_too(shop: Shop) -> None:
    shop.clock.step = timedelta(seconds=1)
    first, _ = _new_key(shop, "first")
    _second, _ = _new_key(shop, "second")
    revoke_api_key(first.id, shop.uow(), shop.clock)

    assert [k.name for k in list_api_keys(shop.uow())] == ["first", "second"]


def test_a_request_with_a_known_secret_is_the_keys(shop: Shop) -> None:
    key, secret = _new_key(shop, role=Role.CLERK)

    assert authenticate(secret, Role.CLERK, shop.uow()) == key
    assert authenticate(secret, Role.VIEWER, shop.uow()) == key


def test_an_unknown_secret_is_unauthorized(shop: Shop) -> None:
    _new_key(shop)

    with pytest.raises(Unauthorized, match="unknown API key"):
        authenticate("inv_guess", Role.VIEWER, shop.uow())


def test_a_revoked_key_is_refused_at_once(shop: Shop) -> None:
    key, secret = _new_key(shop, role=Role.ADMIN)
    shop.clock.advance(timedelta(hours=1))

    revoked = revoke_api_key(key.id, shop.uow(), shop.clock)

    assert revoked.revoked_at == T0 + timedelta(hours=1)
    with pytest.raises(Unauthorized, match="revoked"):
        authenticate(secret, Role.VIEWER, shop.uow())


def test_a_key_whose_role_is_too_low_is_forbidden(shop: Shop) -> None:
    _, secret = _new_key(shop, role=Role.VIEWER)

    with pytest.raises(Forbidden, match="it needs 'clerk'"):
        authenticate(secret, Role.CLERK, shop.uow())


def test_revoking_twice_keeps_the_first_revocation(shop: Shop) -> None:
    key, _ = _new_key(shop)
    revoke_api_key(key.id, shop.uow(), shop.clock)
    shop.clock.advance(timedelta(days=1))

    again = revoke_api_key(key.id, shop.uow(), shop.clock)

    assert again.revoked_at == T0


def test_revoking_an_unknown_key_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="API key 'key-404' not found"):
        revoke_api_key("key-404", shop.uow(), shop.clock)


# --- through the read cache ---------------------------------------------------


def _reads(cache: MemoryCache) -> ReadThrough:
    """One request's cached reads (a new one per request, as the HTTP layer makes)."""
    return ReadThrough(cache, ttl=30)


def test_a_key_looked_up_through_the_cache_is_the_stored_one_field_for_field(shop: Shop) -> None:
    key, secret = _new_key(shop, role=Role.ADMIN)
    revoke_api_key(_new_key(shop, "other")[0].id, shop.uow(), shop.clock)  # a later write
    cache = MemoryCache()

    first = authenticate(secret, Role.VIEWER, shop.uow(), _reads(cache))
    second = authenticate(secret, Role.VIEWER, shop.uow(), _reads(cache))

    assert first == second == key
    assert cache.stats() == CacheStats(hits=1, misses=1)


def test_a_key_revoked_after_it_was_cached_is_refused_by_the_next_request(shop: Shop) -> None:
    key, secret = _new_key(shop)
    cache = MemoryCache()
    authenticate(secret, Role.VIEWER, shop.uow(), _reads(cache))

    revoke_api_key(key.id, shop.uow(), shop.clock)

    with pytest.raises(Unauthorized, match="revoked"):
        authenticate(secret, Role.VIEWER, shop.uow(), _reads(cache))


def test_an_unknown_secret_is_never_cached(shop: Shop) -> None:
    cache = MemoryCache()
    for _ in range(3):
        with pytest.raises(Unauthorized, match="unknown API key"):
            authenticate("inv_guess", Role.VIEWER, shop.uow(), _reads(cache))

    assert cache.stats() == CacheStats(hits=0, misses=3)


def test_a_cached_key_still_answers_for_its_role(shop: Shop) -> None:
    _, secret = _new_key(shop, role=Role.VIEWER)
    cache = MemoryCache()
    authenticate(secret, Role.VIEWER, shop.uow(), _reads(cache))

    with pytest.raises(Forbidden, match="it needs 'clerk'"):
        authenticate(secret, Role.CLERK, shop.uow(), _reads(cache))
