"""Turning untrusted input into commands, with errors that name each field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from inventory.application.errors import InvalidRequest
from inventory.domain.errors import DomainError, FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

Node = Mapping[str, Any]
"""One node of a pydantic core schema (``pydantic_core.CoreSchema``)."""

_UNIONS = ("union", "tagged-union")


def field_errors(exc: ValidationError, schema: Node) -> tuple[FieldError, ...]:
    """One ``FieldError`` per bad field of input validated by ``schema``.

    Each is named by the path a client writes (``lines.0.quantity``): pydantic
    also puts in an error's location the label of the union member that refused
    it (``name.constrained-str``, a movement's ``receipt``), which names nothing
    the client sent. The location is walked along ``schema`` (the model's core
    schema) and only its field names and list indexes are kept; a field refused
    by every member of a union is named once, with the first member's message.
    """
    refs = _refs(schema)
    found: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False):
        path, node = _api_path(schema, error["loc"], refs)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("union_tag_not_found", "union_tag_invalid") and node is not None:
            path.append(str(node["discriminator"]))
            message = "must be one of " + ", ".join(sorted(node["choices"]))
        field = ".".join(str(part) for part in path)
        found.setdefault(field, FieldError(field, message))
    return tuple(found.values())


def _api_path(
    schema: Node, loc: tuple[int | str, ...], refs: Mapping[str, Node]
) -> tuple[list[int | str], Node | None]:
    """The parts of ``loc`` that are field names or list indexes, and the node it ends at."""
    path: list[int | str] = []
    nodes = [schema]
    for part in loc:
        nodes = [inner for node in nodes for inner in _unwrapped(node, refs)]
        fields = [n["fields"] for n in nodes if n["type"] == "model-fields" and part in n["fields"]]
        lists = [n["items_schema"] for n in nodes if n["type"] in ("list", "set", "tuple")
                 and "items_schema" in n]  # fmt: skip
        unions = [n for n in nodes if n["type"] in _UNIONS]
        if fields:
            path.append(part)
            nodes = [f[part]["schema"] for f in fields]
        elif isinstance(part, int) and lists:
            path.append(part)
            nodes = lists
        elif unions:  # the label of the member that refused: not part of the body
            nodes = [choice for union in unions for choice in _choices(union)]
        else:  # a field the model does not have (refused as unknown), or a leaf
            path.append(part)
            nodes = []
    ends = [inner for node in nodes for inner in _unwrapped(node, refs)]
    return path, next((n for n in ends if n["type"] == "tagged-union"), None)


def _unwrapped(node: Node, refs: Mapping[str, Node]) -> list[Node]:
    """The nodes that can take the next location part: wrappers (defaults, validators) peeled."""
    while True:
        kind = node["type"]
        if kind == "definition-ref":
            node = refs[node["schema_ref"]]
        elif kind == "json-or-python":
            node = node["python_schema"]
        elif kind == "lax-or-strict":
            return [*_unwrapped(node["lax_schema"], refs), *_unwrapped(node["strict_schema"], refs)]
        elif isinstance(node.get("schema"), Mapping):  # model, default, nullable, function-*
            node = node["schema"]
        else:
            return [node]


def _choices(union: Node) -> list[Node]:
    choices = union["choices"]
    if union["type"] == "tagged-union":
        return list(choices.values())
    return [choice[0] if isinstance(choice, tuple) else choice for choice in choices]


def _refs(node: Any, found: dict[str, Node] | None = None) -> dict[str, Node]:
    """Every node of the schema that others may refer to, by its ``ref``."""
    found = {} if found is None else found
    if isinstance(node, Mapping):
        if isinstance(node.get("ref"), str) and node["ref"] not in found:
            found[node["ref"]] = node
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _refs(value, found)
    return found


def _summary(errors: tuple[FieldError, ...]) -> str:
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` validated as ``model``, or ``ValidationFailed`` naming every bad field."""
    return _validated(
        lambda: model.model_validate(data), model.__pydantic_core_schema__, ValidationFailed
    )


def parse_as(adapter: TypeAdapter[T], data: Mapping[str, Any]) -> T:
    """Like :func:`parse`, for a union such as a movement command."""
    return _validated(lambda: adapter.validate_python(data), adapter.core_schema, ValidationFailed)


def parse_query(model: type[M], data: Mapping[str, Any]) -> M:
    """Query parameters validated as ``model``; bad values are a bad request (400), not 422."""
    return _validated(
        lambda: model.model_validate(data), model.__pydantic_core_schema__, InvalidRequest
    )


def _validated(validate: Callable[[], T], schema: Node, refusal: type[DomainError]) -> T:
    try:
        return validate()
    except ValidationError as exc:
        errors = field_errors(exc, schema)
        raise refusal(_summary(errors), errors) from None
