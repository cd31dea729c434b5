"""Where each refusal lives: the domain's rules in the domain, the rest in the application."""

from __future__ import annotations

import pytest

import inventory.application.errors as application_errors
import inventory.domain.errors as domain_errors
from inventory.entrypoints.http.problems import from_domain

NOT_DOMAIN_RULES = (
    "Unavailable",
    "ReadOnly",
    "Contention",
    "InvalidRequest",
    "IdempotencyKeyReused",
)
"""Storage, transport and request concerns: no rule of the domain raises them."""


@pytest.mark.parametrize("name", NOT_DOMAIN_RULES)
def test_a_refusal_that_is_no_domain_rule_lives_in_the_application(name: str) -> None:
    assert not hasattr(domain_errors, name)
    refusal = getattr(application_errors, name)
    assert issubclass(refusal, domain_errors.DomainError)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("Unavailable", 503, "unavailable"),
        ("ReadOnly", 503, "unavailable"),
        ("Contention", 503, "unavailable"),
        ("InvalidRequest", 400, "bad_request"),
        ("IdempotencyKeyReused", 422, "idempotency_key_reused"),
    ],
)
def test_the_http_table_still_maps_each_moved_refusal(name: str, status: int, code: str) -> None:
    error = from_domain(getattr(application_errors, name)("refused"))

    assert (error.status, error.code, error.detail) == (status, code, "refused")
