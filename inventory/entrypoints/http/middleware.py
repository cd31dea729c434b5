"""Middleware as plain WSGI wrappers: headers, request id, access log and metrics, errors."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from inventory.application.ports import Metrics
from inventory.domain.errors import DomainError
from inventory.entrypoints.http.problems import HttpError, from_domain
from inventory.entrypoints.http.response import problem_response
from inventory.entrypoints.logs import log_access, request_context
from inventory.entrypoints.tracking import report_error

WsgiApp = WSGIApplication

REQUEST_ID = "inventory.request_id"
ROUTE = "inventory.route"
KEY_NAME = "inventory.key_name"

UNMATCHED = "unmatched"
"""The route label of a request that matched no route (or was refused before routing)."""

_SANE_ID = re.compile(r"[!-~]{1,128}")

METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}
)
"""The methods counted under their own name (RFC 9110 §9, and PATCH); any other is ``other``."""

OTHER_METHOD = "other"


def method_label(method: str) -> str:
    """The ``method`` label for a request: a client's invented method must not add a series."""
    return method if method in METHODS else OTHER_METHOD


error_log = logging.getLogger("inventory.http")


API_PREFIX = "/api/v1"
"""Where every route needs a key: the answers that Cache-Control keeps out of shared caches."""

NOSNIFF = ("X-Content-Type-Options", "nosniff")


def cache_control(environ: WSGIEnvironment, headers: list[tuple[str, str]]) -> str | None:
    """The ``Cache-Control`` an answer gets, or None to leave it as the handler made it.

    An answer under the API (API.md §1) is ``private, no-cache`` when it is a
    read with an ``ETag`` (a client may keep it and revalidate), else
    ``no-store``; a handler that set its own (an answer showing a secret says
    ``no-store``) keeps it. The ops endpoints choose for themselves.
    """
    path = str(environ.get("PATH_INFO", ""))
    if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
        return None
    names = {name.lower() for name, _ in headers}
    if "cache-control" in names:
        return None
    read = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
    return "private, no-cache" if read and "etag" in names else "no-store"


def with_standard_headers(app: WsgiApp) -> WsgiApp:
    """Add the headers every answer carries: ``nosniff`` and, on the API, ``Cache-Control``."""

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            added = [NOSNIFF]
            caching = cache_control(environ, headers)
            if caching is not None:
                added.append(("Cache-Control", caching))
            return start_response(status, [*headers, *added], exc_info)

        return app(environ, start)

    return middleware


def new_request_id() -> str:
    """32 random hex characters (the format of ``uuid4().hex``, without its cost)."""
    return os.urandom(16).hex()


def with_request_id(app: WsgiApp) -> WsgiApp:
    """Give every request an id (the client's, when sane) and echo it in ``X-Request-ID``.

    Every log line written while the request is served carries the id.
    """

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sent = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = sent if _SANE_ID.fullmatch(sent) else new_request_id()
        environ[REQUEST_ID] = request_id

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Request-ID", request_id)], exc_info)

        with request_context(request_id):
            return app(environ, start)

    return middleware


def with_access_log(app: WsgiApp, metrics: Metrics) -> WsgiApp:
    """One line and one observation per request: method, route template, status, duration.

    The line also names the API key (never its secret); the route is the
    template (``/api/v1/products/{sku}``), never the raw path, so that neither
    log lines nor metric labels multiply with the data.
    """

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            seconds = time.perf_counter() - started
            method = str(environ.get("REQUEST_METHOD"))
            route = str(environ.get(ROUTE, UNMATCHED))
            status = seen[-1] if seen else "-"
            metrics.http_request(method_label(method), route, status, seconds)
            log_access(method, route, status, seconds, str(environ.get(KEY_NAME, "-")))

    return middleware


def with_errors(app: WsgiApp) -> WsgiApp:
    """Turn every refusal into problem+json; a crash into a 500 that reveals nothing."""

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get(REQUEST_ID)
        try:
            return app(environ, start_response)
        except HttpError as exc:
            error = exc
        except DomainError as exc:
            error = from_domain(exc)
        except Exception as exc:
            method, route = str(environ.get("REQUEST_METHOD")), str(environ.get(ROUTE, UNMATCHED))
            error_log.exception("unhandled error in %s %s", method, route)
            report_error(exc, request_id, method, route)
            error = HttpError(
                500,
                "internal_error",
                f"the server failed; quote request id {request_id} when reporting this",
            )
        response = problem_response(error, request_id)
        start_response(response.status_line, response.wsgi_headers())
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    return middleware
