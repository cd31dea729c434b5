"""Operations endpoints (no key needed): health, readiness, metrics, the API's own documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inventory import __version__
from inventory.entrypoints.http.docs import render
from inventory.entrypoints.http.openapi import openapi_document
from inventory.entrypoints.http.response import Response, encode, json_response, strong_etag
from inventory.entrypoints.http.routing import Call, Route

_STATUS = {
    "type": "object",
    "required": ["status", "version"],
    "properties": {
        "status": {"type": "string"},
        "version": {"type": "string"},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _plain(
    operation_id: str, summary: str, statuses: dict[str, str], content: str, schema: Any
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["operations"],
            "responses": {
                status: {"description": why, "content": {content: {"schema": schema}}}
                for status, why in statuses.items()
            },
        }
    }


OPS_PATHS = {
    "/health": _plain(
        "show_health", "Health: the process answers", {"200": "alive"}, "application/json", _STATUS
    ),
    "/ready": _plain(
        "show_readiness",
        "Readiness: storage reachable, migrated and writable, a job runner alive, Redis reachable",
        {"200": "ready", "503": "not ready; `checks` says why"},
        "application/json",
        _STATUS,
    ),
    "/metrics": _plain(
        "show_metrics",
        "Metrics in Prometheus text format, summed over every process of this server",
        {"200": "the figures"},
        "text/plain",
        {"type": "string"},
    ),
    "/openapi.json": _plain(
        "show_openapi_document",
        "This document",
        {"200": "OpenAPI 3.1"},
        "application/json",
        {"type": "object"},
    ),
    "/docs": _plain(
        "show_docs_page",
        "This document as HTML",
        {"200": "a page"},
        "text/html",
        {"type": "string"},
    ),
}


def health(call: Call) -> Response:
    return json_response(200, {"status": "ok", "version": __version__})


def ready(call: Call) -> Response:
    checks = call.services.readiness()
    ok = all(outcome == "ok" for outcome in checks.values())
    body = {"status": "ready" if ok else "not ready", "version": __version__, "checks": checks}
    return json_response(200 if ok else 503, body, ("Cache-Control", "no-store"))


def metrics(call: Call) -> Response:
    body, content_type = call.services.metrics.exposition()
    return Response(200, body, [("Content-Type", content_type), ("Cache-Control", "no-store")])


class Documents:
    """``/openapi.json`` and ``/docs``, built once from the routes."""

    def __init__(self, routes: Sequence[Route]) -> None:
        document = openapi_document(routes, OPS_PATHS)
        self.openapi = encode(document)
        self.html = render(document)

    def openapi_json(self, call: Call) -> Response:
        return Response(
            200,
            self.openapi,
            [("Content-Type", "application/json"), ("ETag", strong_etag(self.openapi))],
        )

    def docs(self, call: Call) -> Response:
        return Response(
            200,
            self.html,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("ETag", strong_etag(self.html)),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
            ],
        )


def ops_routes(api_routes: Sequence[Route]) -> list[Route]:
    documents = Documents(api_routes)
    return [
        Route("GET", "/health", health, None, "Health", "operations"),
        Route("GET", "/ready", ready, None, "Readiness", "operations"),
        Route("GET", "/metrics", metrics, None, "Metrics", "operations"),
        Route("GET", "/openapi.json", documents.openapi_json, None, "OpenAPI", "operations"),
        Route("GET", "/docs", documents.docs, None, "Docs", "operations"),
    ]
