"""Use cases of API keys: create, list, revoke, and authenticate a request."""

from __future__ import annotations

from inventory.application.commands import CreateApiKey
from inventory.application.listing import API_KEY_SORTS, ApiKeyList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, SecretGenerator, UnitOfWork
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


def authenticate(secret: str, needed: Role, uow: UnitOfWork) -> ApiKey:
    """The active key with this secret, if its role allows ``needed``."""
    with uow.reading():
        key = uow.api_keys.get_by_hash(hash_secret(secret))
    if key is None:
        raise Unauthorized("unknown API key")
    key.authorize(needed)
    return key
