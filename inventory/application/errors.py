"""Refusals that are no rule of the domain: busy or read-only storage, a lost race,
a request that cannot be acted on, an idempotency key used twice.

Entrypoints map them in the same table as the domain's (they are domain errors by base).
"""

from __future__ import annotations

from inventory.domain.errors import DomainError


class InvalidRequest(DomainError):
    """Input that is well-formed but cannot be acted on (bad cursor, sort, filter)."""


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` already used by the same client for a different request."""


class Unavailable(DomainError):
    """Storage is busy, unreachable or read-only; the request may be retried."""


class ReadOnly(Unavailable):
    """Storage refuses writes (a read-only file or filesystem, a standby); reads still work."""


class Contention(Unavailable):
    """A transaction lost a race the database could not queue (a deadlock, say).

    Nothing of it was kept, and running the same request again will most
    likely succeed: entrypoints retry it a few times before answering 503.
    """


RECEIVED_MEANWHILE = "a serial was received by another writer at the same time"
"""Why a unit found new could not be stored (:class:`Contention`: tried again, it is found)."""
