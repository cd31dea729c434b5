"""Every refusal the domain and the use cases can express.

Errors carry data, never status codes: each entrypoint maps them once, in
one table (HTTP problem+json, CLI exit codes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of the input, e.g. ``lines.2.quantity``."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every refusal the domain can express."""

    def __init__(self, detail: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    """A referenced sku, warehouse, order, movement or key does not exist."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, archived, ...)."""


class InsufficientStock(Conflict):
    """Not enough available stock for the requested quantity."""


class InvalidState(Conflict):
    """An order cannot make the requested transition from its status."""


class PreconditionFailed(DomainError):
    """The client's expected version no longer matches."""


class InvalidRequest(DomainError):
    """Input that is well-formed but cannot be acted on (bad cursor, sort, filter)."""


class ValidationFailed(DomainError):
    """Input that fails validation; ``errors`` names each field."""


class Unauthorized(DomainError):
    """Missing, unknown or revoked credentials."""


class Forbidden(DomainError):
    """Known credentials whose role is too low."""


class Unavailable(DomainError):
    """Storage is busy or unreachable; the request may be retried."""


class ReadOnly(Unavailable):
    """Storage refuses writes (a read-only file or filesystem, a standby); reads still work."""


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` already used by the same client for a different request."""


class Contention(Unavailable):
    """A transaction lost a race the database could not queue (a deadlock, say).

    Nothing of it was kept, and running the same request again will most
    likely succeed: entrypoints retry it a few times before answering 503.
    """
