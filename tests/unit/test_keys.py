"""Roles and API keys."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from inventory.domain.errors import Forbidden, Unauthorized
from inventory.domain.keys import Role, hash_secret
from tests.factories import T0, ApiKeyFactory


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {Role.VIEWER}),
        (Role.CLERK, {Role.VIEWER, Role.CLERK}),
        (Role.ADMIN, {Role.VIEWER, Role.CLERK, Role.ADMIN}),
    ],
)
def test_each_role_includes_every_role_before_it(role: Role, allowed: set[Role]) -> None:
    assert {other for other in Role if role.includes(other)} == allowed


def test_roles_rank_viewer_then_clerk_then_admin() -> None:
    assert sorted(Role, key=lambda r: r.rank) == [Role.VIEWER, Role.CLERK, Role.ADMIN]
    assert [r.value for r in Role] == ["viewer", "clerk", "admin"]


@pytest.mark.parametrize("needed", [Role.VIEWER, Role.CLERK])
def test_a_clerk_key_may_do_what_a_clerk_or_viewer_may(needed: Role) -> None:
    ApiKeyFactory(role=Role.CLERK).authorize(needed)


def test_a_key_whose_role_is_too_low_is_forbidden_naming_both_roles() -> None:
    key = ApiKeyFactory(role=Role.CLERK)

    with pytest.raises(Forbidden, match="role 'clerk' may not do this; it needs 'admin'"):
        key.authorize(Role.ADMIN)


def test_a_revoked_key_is_unauthorized_whatever_its_role() -> None:
    key = ApiKeyFactory(role=Role.ADMIN)
    key.revoke(T0)

    with pytest.raises(Unauthorized, match="revoked"):
        key.authorize(Role.VIEWER)

    assert not key.active


def test_revoking_twice_keeps_the_first_revocation_time() -> None:
    key = ApiKeyFactory()
    key.revoke(T0)

    key.revoke(T0 + timedelta(hours=1))

    assert key.revoked_at == T0


def test_only_a_sha256_of_the_secret_is_stored() -> None:
    key = ApiKeyFactory(secret="inv_s3cret")

    assert key.secret_hash == hashlib.sha256(b"inv_s3cret").hexdigest() == hash_secret("inv_s3cret")
    assert "inv_s3cret" not in repr(key)
