"""API keys and the roles they carry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inventory.domain.errors import Forbidden, Unauthorized


class Role(StrEnum):
    """Each role includes every role before it."""

    VIEWER = "viewer"
    CLERK = "clerk"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        return _RANKS[self] >= _RANKS[other]


_RANKS = {role: rank for rank, role in enumerate(Role)}


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret.

    Secrets are long random tokens, so a fast hash is enough: there is no
    password to brute-force, and lookups by hash stay one index probe.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class ApiKey:
    id: str
    name: str
    role: Role
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, at: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = at

    def authorize(self, needed: Role) -> None:
        """Refuse a revoked key, or one whose role is below ``needed``."""
        if not self.active:
            raise Unauthorized("API key has been revoked")
        if not self.role.includes(needed):
            raise Forbidden(f"role {self.role.value!r} may not do this; it needs {needed.value!r}")
