"""The OpenAPI 3.1 document, built at start-up from the route table and the pydantic schemas."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, TypeAdapter

from inventory import __version__
from inventory.application.idempotency import KEY_PATTERN
from inventory.application.pagination import Sorting
from inventory.entrypoints.http.problems import CODES, PROBLEM_JSON
from inventory.entrypoints.http.routing import Route

REF = "#/components/schemas/{model}"
Schema = dict[str, Any]

PROBLEM: Schema = {
    "type": "object",
    "description": "An RFC 9457 problem document; `code` is the stable member to branch on.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "Where this code is explained (a link)"},
        "title": {"type": "string", "description": "The name of the status"},
        "status": {"type": "integer", "description": "The HTTP status, repeated"},
        "detail": {"type": "string", "description": "What went wrong, for people"},
        "code": {
            "type": "string",
            "enum": list(CODES),
            "description": "What went wrong, for programs: one of the problem codes",
        },
        "errors": {
            "type": "array",
            "description": "Each bad field (422), or each short order line",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {
                        "type": "string",
                        "description": "As the body spells it, e.g. `lines.0.quantity`",
                    },
                    "message": {"type": "string"},
                },
            },
        },
        "request_id": {
            "type": "string",
            "description": "The request's X-Request-ID; quote it when reporting a fault",
        },
    },
    "examples": [
        {
            "type": "/docs#problem-insufficient_stock",
            "title": "Conflict",
            "status": 409,
            "detail": "not enough stock for 1 line",
            "code": "insufficient_stock",
            "errors": [{"field": "lines.0.quantity", "message": "only 3 available"}],
            "request_id": "6f1c0e0c4a1b4f7e9d0f2b7a5c3e1d90",
        }
    ],
}

EXAMPLES: dict[str, Any] = {
    "CreateProduct": {"sku": "BOLT-M8", "name": "Hex bolt M8", "reorder_point": 100},
    "MovementIn": {
        "type": "receipt",
        "sku": "BOLT-M8",
        "warehouse": "MAIN",
        "quantity": 500,
        "unit_cost": "0.1200",
    },
    "ReserveOrder": {
        "reference": "SO-1001",
        "warehouse": "MAIN",
        "lines": [{"sku": "BOLT-M8", "quantity": 40}],
    },
    "CreateApiKey": {"name": "scanner-3", "role": "clerk"},
}

_HEADERS: dict[str, Schema] = {
    "ETag": {"description": "Strong validator; send it in If-None-Match or If-Match"},
    "Location": {"description": "Where the new resource lives"},
    "Link": {"description": 'The next page: <...>; rel="next" (absent on the last page)'},
}

# On every /api/v1 answer while INVENTORY_RATE_LIMIT is not off (API.md §8).
RATE_LIMIT_HEADERS: dict[str, Schema] = {
    "RateLimit-Limit": {"description": "Requests allowed per window for this API key or client"},
    "RateLimit-Remaining": {"description": "Requests left before the limit refuses (429)"},
    "RateLimit-Reset": {"description": "Seconds until, with no more requests, all are left again"},
}

REFUSALS = {
    400: "Malformed JSON, or a bad query parameter, cursor or header",
    401: "No API key, or an unknown or revoked one",
    403: "The API key's role is too low",
    404: "No such resource, or the body names one that does not exist",
    413: "The body is larger than 1 MiB",
    415: "The body is not sent as JSON",
    422: "The body fails validation (each field in `errors`), or reuses an Idempotency-Key",
    429: "Over the rate limit for this API key or client; retry after Retry-After seconds",
    503: "Storage is busy, unreachable or read-only; retry after Retry-After seconds",
}
_REFUSAL_HEADERS = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}


class _Schemas:
    """components/schemas, filled as routes name their models."""

    def __init__(self) -> None:
        self.found: dict[str, Schema] = {"Problem": PROBLEM}

    def ref(self, model: type[BaseModel] | TypeAdapter[Any], mode: str) -> Schema:
        if isinstance(model, TypeAdapter):
            name = "MovementIn"
            schema = model.json_schema(ref_template=REF, mode="validation")
        else:
            name = model.model_config.get("title") or model.__name__
            schema = model.model_json_schema(
                ref_template=REF, mode="validation" if mode == "in" else "serialization"
            )
        self.found.update(schema.pop("$defs", {}))
        _require_discriminators(schema, self.found)
        if name in EXAMPLES:
            schema["examples"] = [EXAMPLES[name]]
        self.found[name] = schema
        return {"$ref": REF.format(model=name)}


def _require_discriminators(schema: Schema, found: dict[str, Schema]) -> None:
    """Mark the schema's discriminator property required in each schema it selects.

    OpenAPI requires it, and the body is refused without it; pydantic leaves it
    optional where the variant's model gives the tag a default.
    """
    discriminator = schema.get("discriminator")
    if discriminator is None:
        return
    prop = discriminator["propertyName"]
    for ref in discriminator.get("mapping", {}).values():
        variant = found[ref.rsplit("/", 1)[-1]]
        required = variant.setdefault("required", [])
        if prop not in required:
            required.insert(0, prop)


def _query_parameters(model: type[BaseModel], sorting: Sorting[Any] | None) -> list[Schema]:
    schema = model.model_json_schema(ref_template=REF)
    params = []
    for name, prop in schema.get("properties", {}).items():
        if name == "sort" and sorting is not None:
            fields = sorted(sorting.fields)
            prop = {
                "type": "string",
                "enum": [*fields, *(f"-{field}" for field in fields)],
                "default": sorting.default,
                "description": "A field to sort by; a leading - sorts descending",
            }
        # A query parameter is absent rather than null.
        options = [s for s in prop.pop("anyOf", []) if s.get("type") != "null"]
        if "default" in prop and prop["default"] is None:
            del prop["default"]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options
        params.append({"name": name, "in": "query", "required": False, "schema": prop})
    return params


def _problem(description: str, *headers: str) -> Schema:
    answer: Schema = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    if headers:
        answer["headers"] = {name: {"schema": {"type": "string"}} for name in headers}
    return answer


def _operation(route: Route, schemas: _Schemas) -> Schema:
    operation: Schema = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {
                    "type": "string",
                    "pattern": kind.pattern,
                    "minLength": 1,
                    "maxLength": kind.max_length,
                },
            }
            for name, kind in route.params.items()
        ],
    }
    if route.query is not None:
        operation["parameters"] += _query_parameters(route.query, route.sorting)
    if route.method == "POST":
        operation["parameters"].append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retries with the same key and body within 24 h replay the answer",
                "schema": {"type": "string", "pattern": KEY_PATTERN},
            }
        )
    if route.body is not None:
        ref = schemas.ref(route.body, "in")
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": ref} for media in route.body_types},
        }
    operation["responses"] = _responses(route, schemas)
    if route.role is not None:
        operation["security"] = [{"bearer": []}]
        operation["description"] = f"Needs an API key with role `{route.role.value}` or above."
    return operation


_ROWS: Schema = {"type": "array", "items": {"type": "object"}}
_JSON_REPORT: Schema = {
    "anyOf": [
        _ROWS,
        {
            "type": "object",
            "required": ["rows", "total"],
            "properties": {
                "rows": _ROWS,
                "total": {
                    "type": "object",
                    "required": ["on_hand", "value"],
                    "properties": {"on_hand": {"type": "integer"}, "value": {"type": "string"}},
                },
            },
        },
    ]
}


def _responses(route: Route, schemas: _Schemas) -> Schema:
    success: Schema = {"description": HTTPStatus(route.status).phrase}
    if route.response is not None:
        ref = schemas.ref(route.response, "out")
        if route.paged:
            ref = {
                "type": "object",
                "required": ["items", "next_cursor"],
                "properties": {
                    "items": {"type": "array", "items": ref},
                    "next_cursor": {"type": ["string", "null"]},
                },
            }
        success["content"] = {"application/json": {"schema": ref}}
    for media in route.produces:
        # A JSON download is a report: its rows, or (valuation, expiry) its rows and a total.
        schema = _JSON_REPORT if media == "application/json" else {"type": "string"}
        success.setdefault("content", {})[media] = {"schema": schema}
    headers = ["Link"] if route.paged else ["ETag"] if route.response or route.produces else []
    if route.status in (201, 202):
        headers.append("Location")
    if headers:
        success["headers"] = {
            name: {**_HEADERS[name], "schema": {"type": "string"}} for name in headers
        }
    answers: Schema = {str(route.status): success}
    statuses = {400, 429, 503}
    if route.role is not None:
        statuses |= {401, 403}
    if route.params or route.body is not None:
        statuses.add(404)
    if route.body is not None:
        statuses |= {413, 415, 422}
    for status in sorted(statuses):
        answers[str(status)] = _problem(REFUSALS[status], *_REFUSAL_HEADERS.get(status, ()))
    for status, why in sorted(route.responses.items()):
        answers[str(status)] = _problem(why)
    if route.method == "GET" and not route.paged:
        answers["304"] = {"description": "Not modified: If-None-Match names the current ETag"}
    answers["default"] = _problem("Any other refusal, as a problem document")
    for answer in answers.values():
        answer.setdefault("headers", {}).update(
            {
                name: {**header, "schema": {"type": "integer", "minimum": 0}}
                for name, header in RATE_LIMIT_HEADERS.items()
            }
        )
    return answers


def _links(created: Route, routes: Sequence[Route]) -> Schema:
    """From a POST that creates a resource to every operation on it, fed by the new one's key.

    ``POST /api/v1/orders`` answers an order whose ``id`` fills the ``{id}`` of
    ``/api/v1/orders/{id}``, ``/api/v1/orders/{id}/ship`` and so on, so clients
    (and stateful API testers) can follow from one to the other.
    """
    if created.method != "POST" or created.status != 201 or created.params:
        return {}
    links: Schema = {}
    for route in routes:
        params = route.params
        if len(params) != 1 or not route.template.startswith(created.template + "/"):
            continue
        (name,) = params
        links[route.handler.__name__] = {
            "operationId": route.handler.__name__,
            "parameters": {name: f"$response.body#/{name}"},
        }
    return links


def _check_operation_ids(paths: Schema) -> None:
    """OpenAPI requires each operationId to be unique (links and client generators rely on it)."""
    seen: dict[str, str] = {}
    for path, item in paths.items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            earlier = seen.setdefault(operation["operationId"], where)
            if earlier != where:
                raise ValueError(
                    f"{where} and {earlier} share operationId {operation['operationId']!r}"
                )


def openapi_document(routes: Sequence[Route], ops: Schema) -> Schema:
    """The whole document: every route of the table, plus the ops endpoints in ``ops``."""
    schemas = _Schemas()
    paths: dict[str, Schema] = {}
    for route in routes:
        operation = _operation(route, schemas)
        links = _links(route, routes)
        if links:
            operation["responses"][str(route.status)]["links"] = links
        paths.setdefault(route.template, {})[route.method.lower()] = operation
    for path, item in ops.items():
        paths[path] = item
    _check_operation_ids(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Inventory service",
            "version": __version__,
            "description": (
                "Stock levels, an append-only ledger of movements, and order reservations for "
                "warehouses. Errors are RFC 9457 problem documents with a stable `code`. "
                "Lists are keyset-paged: follow `next_cursor` or the `Link` header."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: `inventory keys create`, or POST /api/v1/api-keys",
                }
            },
        },
    }
