"""Every 422 names fields as the body spells them, generated from the request models themselves.

For each body a write route accepts, each of its fields (nested ones too, such
as ``lines.0.quantity`` and ``params.warehouse``) is sent with a value of a
JSON type the field does not take, and with null where it is not nullable.
Each ``field`` reported must be a path of the body's own field names and list
indexes, never a part of the validator's inner workings.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from inventory.entrypoints.http.routes import API_ROUTES
from inventory.entrypoints.http.routing import Route
from tests.unit.http.driver import Api

_SAMPLES: dict[str, Any] = {
    "string": "text",
    "integer": 7,
    "number": 7.5,
    "boolean": True,
    "array": [],
    "object": {},
    "null": None,
}


@dataclass(frozen=True)
class Case:
    route: Route
    model: type[BaseModel]
    path: tuple[str | int, ...]
    value: Any

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.path)

    def __str__(self) -> str:
        where = f"{self.route.method} {self.route.template}"
        return f"{where} {self.model.__name__}.{self.field}={self.value!r}"


def _models(body: type[BaseModel] | TypeAdapter[Any]) -> list[type[BaseModel]]:
    """The models a body may be: one, or each member of a union (the movement types)."""
    if isinstance(body, TypeAdapter):
        union = typing.get_args(body._type)[0]  # Annotated[Union[...], Field(discriminator=...)]
        return list(typing.get_args(union))
    return [body]


def _json_types(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """The JSON types a field's schema accepts."""
    if "$ref" in schema:
        return _json_types(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return set().union(*(_json_types(option, defs) for option in schema["anyOf"]))
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return {"string" if isinstance(v, str) else "integer" for v in values}
    kind = schema.get("type", "object")
    return set(kind) if isinstance(kind, list) else {kind}


def _inner_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (or holds a list of), and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin is list:
        inner, _ = _inner_model(typing.get_args(annotation)[0])
        return inner, inner is not None
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            found = _inner_model(option)
            if found[0] is not None:
                return found
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def _cases_of(
    route: Route, root: type[BaseModel], model: type[BaseModel], prefix: tuple[str | int, ...]
) -> Iterator[Case]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        accepted = _json_types(schema["properties"][name], defs)
        for kind, value in _SAMPLES.items():
            if kind not in accepted:
                yield Case(route, root, path, value)
        inner, is_list = _inner_model(info.annotation)
        if inner is not None:
            yield from _cases_of(route, root, inner, (*path, 0) if is_list else path)


def _cases() -> list[Case]:
    return [
        case
        for route in API_ROUTES
        if route.body is not None
        for model in _models(route.body)
        for case in _cases_of(route, model, model, ())
    ]


def _body(case: Case) -> Any:
    """A body naming the model (a movement's type) whose field at ``case.path`` is the value."""
    body: dict[str, Any] = {}
    tag = case.model.model_fields.get("type")
    if tag is not None and tag.default is not None:
        body["type"] = tag.default
    target: Any = body
    for part, following in zip(case.path, [*case.path[1:], None], strict=True):
        if isinstance(part, int):
            continue  # the list's one element, made at the step before
        if following is None:
            target[part] = case.value
        elif isinstance(following, int):
            target[part] = [{}]
            target = target[part][0]
        else:
            target = target.setdefault(part, {})
    return body


def _names(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every path a problem may name in a body of ``model`` with one list element."""
    found = set()
    for name, info in model.model_fields.items():
        found.add(prefix + name)
        inner, is_list = _inner_model(info.annotation)
        if inner is not None:
            found |= _names(inner, f"{prefix}{name}.0." if is_list else f"{prefix}{name}.")
    return found


CASES = _cases()


def test_every_body_of_every_write_route_is_covered() -> None:
    covered = {(case.route.method, case.route.template) for case in CASES}
    writes = {(r.method, r.template) for r in API_ROUTES if r.body is not None}

    assert covered == writes
    assert {"lines.0.quantity", "params.warehouse", "name"} <= {case.field for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_refused_field_is_named_as_the_body_spells_it(api: Api, case: Case) -> None:
    target = case.route.template
    for param, value in {"{sku}": "BOLT", "{code}": "MAIN", "{location}": "DEFAULT"}.items():
        target = target.replace(param, value)

    reply = api.request(case.route.method, target, _body(case))

    assert reply.status == 422, reply.body
    assert reply.code == "validation_error"
    assert case.field in reply.fields
    assert set(reply.fields) <= _names(case.model), reply.fields
    assert len(reply.fields) == len(set(reply.fields)), reply.fields


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("/api/v1/products", {"sku": "BOLT", "name": "Bolt\u202etxt.exe"}, "name"),
        ("/api/v1/products", {"sku": "BOLT", "name": " \u3000 "}, "name"),
        ("/api/v1/warehouses", {"code": "MAIN", "name": "Main\x1b[2J"}, "name"),
        ("/api/v1/api-keys", {"name": "\t", "role": "clerk"}, "name"),
    ],
)
def test_a_text_field_with_a_control_character_or_blank_name_is_refused_over_http(
    api: Api, target: str, body: dict[str, Any], field: str
) -> None:
    before = api.ok("GET", target)["items"]

    reply = api.post(target, body)

    assert (reply.status, reply.code, reply.fields) == (422, "validation_error", [field])
    assert api.ok("GET", target)["items"] == before
