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


class ValidationFailed(DomainError):
    """Input that fails validation; ``errors`` names each field."""


class Unauthorized(DomainError):
    """Missing, unknown or revoked credentials."""


class Forbidden(DomainError):
    """Known credentials whose role is too low."""
