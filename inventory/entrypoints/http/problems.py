"""Errors as RFC 9457 problem documents, mapped from domain errors in one table."""

from __future__ import annotations

import json
from http import HTTPStatus

from inventory.application.errors import IdempotencyKeyReused, InvalidRequest, Unavailable
from inventory.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InsufficientStock,
    InvalidState,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"

PROBLEMS: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    InsufficientStock: (409, "insufficient_stock"),
    InvalidState: (409, "invalid_state"),
    Conflict: (409, "conflict"),
    PreconditionFailed: (412, "precondition_failed"),
    InvalidRequest: (400, "bad_request"),
    ValidationFailed: (422, "validation_error"),
    IdempotencyKeyReused: (422, "idempotency_key_reused"),
    Unauthorized: (401, "unauthorized"),
    Forbidden: (403, "forbidden"),
    Unavailable: (503, "unavailable"),
}
"""Domain error -> (status, code); a subclass not listed takes its nearest listed base."""

CODES = (
    "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
    "insufficient_stock", "invalid_state", "precondition_failed", "payload_too_large",
    "unsupported_media_type", "validation_error", "idempotency_key_reused", "rate_limited",
    "internal_error", "unavailable",
)  # fmt: skip
"""Every stable ``code`` a problem may carry (API.md §1)."""

RETRY_AFTER_SECONDS = 1


class HttpError(Exception):
    """A refusal made by the HTTP layer itself (404 path, 405, 413, 415, bad JSON, ...)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: tuple[tuple[str, str], ...] = (),
        errors: tuple[FieldError, ...] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.errors = errors


def from_domain(exc: DomainError) -> HttpError:
    """The HTTP refusal for a domain refusal, by the table above."""
    status, code = next(PROBLEMS[kind] for kind in type(exc).__mro__ if kind in PROBLEMS)
    headers: tuple[tuple[str, str], ...] = ()
    if status == 401:
        headers = (("WWW-Authenticate", 'Bearer realm="inventory"'),)
    elif status == 503:
        headers = (("Retry-After", str(RETRY_AFTER_SECONDS)),)
    return HttpError(status, code, exc.detail, headers, exc.errors)


def problem_body(error: HttpError, request_id: str | None = None) -> bytes:
    """The problem+json document for ``error``."""
    document: dict[str, object] = {
        "type": f"/docs#problem-{error.code}",
        "title": HTTPStatus(error.status).phrase,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
    }
    if error.errors:
        document["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    if request_id is not None:
        document["request_id"] = request_id
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
