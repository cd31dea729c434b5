"""Use cases of API keys: create, list, revoke, and authenticate a request."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from inventory.application.caching import ReadThrough
from inventory.application.commands import CreateApiKey
from inventory.application.listing import API_KEY_SORTS, ApiKeyList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, SecretGenerator, UnitOfWork
from inventory.application.scopes import Scopes, api_key, scopes
from inventory.application.times import from_rfc3339, rfc3339
from inventory.domain.errors import NotFound, Unauthorized
from inventory.domain.keys import ApiKey, Role, hash_secret


def create_api_key(
    cmd: CreateApiKey,
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
    new_secret: SecretGenerator,
) -> tuple[ApiKey, str]:
    """A new key and its secret; the secret is returned this once and stored only as a hash."""
    secret = new_secret()
    key = ApiKey(new_id(), cmd.name, cmd.role, hash_secret(secret), clock())
    with uow:
        uow.api_keys.add(key)
        uow.commit()
    return key, secret


def list_api_keys(uow: UnitOfWork) -> list[ApiKey]:
    """Every key, without secrets, oldest first."""
    with uow.reading():
        return uow.api_keys.list_all()


def page_api_keys(params: ApiKeyList, uow: UnitOfWork) -> Page[ApiKey]:
    """A page of the keys (a deployment has tens of them: paged in memory)."""
    spec = API_KEY_SORTS.spec(params)
    return API_KEY_SORTS.page(API_KEY_SORTS.select(list_api_keys(uow), spec), spec)


def revoke_api_key(id: str, uow: UnitOfWork, clock: Clock) -> ApiKey:
    """Revoke a key; it is refused from then on."""
    with uow:
        key = uow.api_keys.get(id)
        if key is None:
            raise NotFound(f"API key {id!r} not found")
        key.revoke(clock())
        uow.api_keys.save(key)
        uow.commit()
    return key


def authenticate(
    secret: str, needed: Role, uow: UnitOfWork, reads: ReadThrough | None = None
) -> ApiKey:
    """The active key with this secret, if its role allows ``needed``.

    With ``reads``, the key is looked up through the cache like any other
    read, under the version of its own scope (:func:`key_scopes`): revoking
    it writes that scope, so the very next request looks it up afresh and is
    refused. Unknown secrets are never
    cached: guessing costs a lookup each time, not a cache entry.
    """
    secret_hash = hash_secret(secret)

    def lookup(uow: UnitOfWork) -> ApiKey | None:
        with uow.reading():
            return uow.api_keys.get_by_hash(secret_hash)

    if reads is None:
        key = lookup(uow)
    else:
        key = reads.read(
            uow, f"api-key:{secret_hash}", key_scopes(secret_hash), lookup, _key_bytes,
            _key_from_bytes,
        )  # fmt: skip
    if key is None:
        raise Unauthorized("unknown API key")
    key.authorize(needed)
    return key


def key_scopes(secret_hash: str) -> Scopes:
    """What a key's lookup depends on: the key with this hash, and nothing else."""
    return scopes(api_key(secret_hash))


def _key_bytes(key: ApiKey | None) -> bytes | None:
    if key is None:
        return None
    revoked = None if key.revoked_at is None else rfc3339(key.revoked_at)
    fields = [key.id, key.name, key.role.value, key.secret_hash, rfc3339(key.created_at), revoked]
    return json.dumps(fields, separators=(",", ":")).encode()


def _key_from_bytes(data: bytes) -> ApiKey | None:
    return ApiKey(*_key_fields(data))  # a key of its own: ApiKey is mutable


@lru_cache(maxsize=256)
def _key_fields(data: bytes) -> tuple[str, str, Role, str, datetime, datetime | None]:
    """A kept key's fields, parsed once a process while the entry stays the same."""
    id, name, role, secret_hash, created_at, revoked_at = json.loads(data)
    revoked = None if revoked_at is None else from_rfc3339(revoked_at)
    return id, name, Role(role), secret_hash, from_rfc3339(created_at), revoked
