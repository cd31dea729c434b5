"""Turning untrusted input into commands, with errors that name each field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from inventory.domain.errors import DomainError, FieldError, InvalidRequest, ValidationFailed

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_UNION_TAGS = {"receipt", "issue", "transfer", "adjustment"}


def field_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    """One ``FieldError`` per problem, with dotted paths such as ``lines.0.quantity``."""
    found = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        if loc and loc[0] in _UNION_TAGS:  # the movement union's tag, not a field
            loc = loc[1:]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            loc = [*loc, "type"]
            message = "must be one of " + ", ".join(sorted(_UNION_TAGS))
        found.append(FieldError(".".join(str(part) for part in loc), message))
    return tuple(found)


def _summary(errors: tuple[FieldError, ...]) -> str:
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` validated as ``model``, or ``ValidationFailed`` naming every bad field."""
    return _validated(lambda: model.model_validate(data), ValidationFailed)


def parse_as(adapter: TypeAdapter[T], data: Mapping[str, Any]) -> T:
    """Like :func:`parse`, for a union such as a movement command."""
    return _validated(lambda: adapter.validate_python(data), ValidationFailed)


def parse_query(model: type[M], data: Mapping[str, Any]) -> M:
    """Query parameters validated as ``model``; bad values are a bad request (400), not 422."""
    return _validated(lambda: model.model_validate(data), InvalidRequest)


def _validated(validate: Callable[[], T], refusal: type[DomainError]) -> T:
    try:
        return validate()
    except ValidationError as exc:
        errors = field_errors(exc)
        raise refusal(_summary(errors), errors) from None
