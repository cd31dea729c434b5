"""The WSGI application: match a route, check the key, validate input, call the handler."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any, BinaryIO
from wsgiref.types import StartResponse, WSGIEnvironment

from pydantic import BaseModel, TypeAdapter

from inventory.application.access import authenticate
from inventory.application.caching import ReadThrough
from inventory.application.idempotency import (
    KEY_PATTERN,
    NO_DOCUMENT,
    Claim,
    Remembering,
    byte_fingerprint,
    claim,
    forget,
    remember,
    request_fingerprint,
)
from inventory.application.idempotency_records import StoredResponse
from inventory.application.retrying import retrying
from inventory.application.scopes import Scopes
from inventory.application.validation import parse, parse_as, parse_query
from inventory.bootstrap import Services
from inventory.domain.errors import DomainError, Unauthorized
from inventory.domain.keys import ApiKey, Role
from inventory.entrypoints.http.caching import cached_response
from inventory.entrypoints.http.middleware import (
    KEY_NAME,
    REQUEST_ID,
    ROUTE,
    WsgiApp,
    with_access_log,
    with_errors,
    with_request_id,
    with_standard_headers,
)
from inventory.entrypoints.http.problems import HttpError, from_domain
from inventory.entrypoints.http.rate_limit import with_rate_limit
from inventory.entrypoints.http.request import Request
from inventory.entrypoints.http.response import Response, problem_response
from inventory.entrypoints.http.routing import Body, Call, Route, Router

log = logging.getLogger("inventory.http")

_BEARER = re.compile(r"Bearer +([!-~]{1,512}) *", re.IGNORECASE)
_IDEMPOTENCY_KEY = re.compile(KEY_PATTERN)
# Headers a replayed answer repeats; the rest (request id, dates) belong to the retry.
_REPLAYED_HEADERS = {"content-type", "location", "etag"}


class Application:
    """The routes of the API served over one set of services (one per process)."""

    def __init__(self, services: Services, routes: Sequence[Route]) -> None:
        self.services = services
        self.router = Router(routes)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(request)
        start_response(response.status_line, response.wsgi_headers())
        if request.method == "HEAD":  # the headers (and length) GET would send, no body
            if response.file is not None:
                response.file.close()
            return [b""]
        if response.file is not None:
            wrapper = environ.get("wsgi.file_wrapper")
            if wrapper is not None:  # the server may send it with sendfile()
                stream: Iterable[bytes] = wrapper(response.file, FILE_CHUNK)
                return stream
            return _chunks(response.file)
        return [response.body]

    def respond(self, request: Request) -> Response:
        resource = request.environ.get(RESOURCE) or self.router.resource(request.path)
        request.environ[ROUTE] = resource.template
        if request.method == "OPTIONS":
            return Response(204, headers=[("Allow", resource.allow)])
        match = resource.match(request.method)
        route = match.route
        call = Call(request, self.services, match.params, uow=self.services.uow)
        reads: ReadThrough | None = None
        scopes: Scopes = ()
        if route.cached is not None:
            reads = self.services.reads()
            scopes = route.scopes(match.params, request.query_string)
            reads.expect(scopes)  # its version is read with the key's, in one statement
        if route.role is not None:
            call.key = self._authenticate(request, route.role, reads)
        if route.query is not None:
            call.query = parse_query(route.query, request.query)
        key = request.header("Idempotency-Key")
        if request.method == "POST" and key is not None and call.key is not None:
            return self._idempotent(call, route, key, call.key)
        if reads is not None:
            handle = partial(self._handle, route=route)
            return _conditional(request, cached_response(reads, call, scopes, handle))
        return _conditional(request, self._handle(call, route))

    def _handle(self, call: Call, route: Route, document: Any = NO_DOCUMENT) -> Response:
        """Validate the body (``document``, when already parsed) and run the handler."""
        if route.body is not None:
            if document is NO_DOCUMENT:
                document = call.request.json(route.body_types)
            call.body = _validated(route.body, document)
        return retrying(lambda: route.handler(call))

    def _authenticate(self, request: Request, role: Role, reads: ReadThrough | None) -> ApiKey:
        header = request.header("Authorization")
        if header is None:
            raise Unauthorized("send an API key: Authorization: Bearer <key>")
        found = _BEARER.fullmatch(header)
        if found is None:
            raise Unauthorized("the Authorization header must be: Bearer <key>")
        secret = found.group(1)
        # On a cached route the key is a cached read too: it reads its version
        # with the route's (announced by respond), and a hit on both needs
        # nothing more from the database.
        key = authenticate(secret, role, self.services.uow(), reads)
        request.environ[KEY_NAME] = key.name
        return key

    def _idempotent(self, call: Call, route: Route, key: str, owner: ApiKey) -> Response:
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise HttpError(
                400,
                "bad_request",
                "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)",
            )
        request = call.request
        raw = request.body  # unreadable: a 400 before any claim, so the client may retry
        document: Any = NO_DOCUMENT
        if route.body is not None:
            # A body that is not JSON is compared byte for byte, and refused below as usual.
            with contextlib.suppress(HttpError):
                document = request.json(route.body_types)
        fingerprint = request_fingerprint(request.method, request.path, raw, document)
        taken = claim(
            owner.id,
            key,
            fingerprint,
            self.services.uow(),
            self.services.clock,
            also_matching=(byte_fingerprint(request.method, request.path, raw),),
        )
        if taken.replay is not None:
            stored = taken.replay
            replayed = Response(stored.status, stored.body, list(stored.headers))
            return replayed.with_header("Idempotent-Replayed", "true")
        call.uow = lambda: Remembering(self.services.uow(), taken)
        try:
            response = self._handle(call, route, document)
        except (HttpError, DomainError) as exc:
            error = exc if isinstance(exc, HttpError) else from_domain(exc)
            response = problem_response(error, request.environ.get(REQUEST_ID))
        except BaseException:
            self._forget(taken)
            raise
        if response.status >= 500:
            self._forget(taken)
            return response
        try:
            remember(taken, _replayable(route, response, request), self.services.uow())
        except DomainError:
            # The write (if any) is committed and marked applied: answer it. A retry
            # is then told the request was applied, never that it may run again.
            log.warning("could not record the answer for Idempotency-Key %r", taken.key)
        return response

    def _forget(self, taken: Claim) -> None:
        try:
            forget(taken, self.services.uow())
        except DomainError:  # storage gone too; the claim's lease lets a retry through later
            log.warning("could not release Idempotency-Key %r", taken.key)


FILE_CHUNK = 64 * 1024


def _chunks(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(FILE_CHUNK):
            yield chunk


def _replayable(route: Route, response: Response, request: Request) -> StoredResponse:
    """What a retry with the same key gets: the answer, unless it holds a secret shown once."""
    if route.shows_secret and response.status < 300:
        made = json.loads(response.body).get("id")
        refusal = HttpError(
            409,
            "conflict",
            f"the first request with this Idempotency-Key made {made!r}; "
            "its secret was shown once and is not kept",
        )
        replay = problem_response(refusal, request.environ.get(REQUEST_ID))
        return StoredResponse(replay.status, tuple(replay.headers), replay.body)
    kept = tuple((k, v) for k, v in response.headers if k.lower() in _REPLAYED_HEADERS)
    return StoredResponse(response.status, kept, response.body)


def _validated(body: Body, data: Any) -> Any:
    if isinstance(body, TypeAdapter):
        return parse_as(body, data)
    model: type[BaseModel] = body
    return parse(model, data)


def _conditional(request: Request, response: Response) -> Response:
    """304 for a GET whose ``If-None-Match`` names the current ETag."""
    etag = response.header("ETag")
    wanted = request.header("If-None-Match")
    if etag is None or wanted is None or request.method not in ("GET", "HEAD"):
        return response
    if response.status == 200 and matches(wanted, etag, weak=True):
        return Response(304, headers=[("ETag", etag)])
    return response


def matches(header: str, etag: str, *, weak: bool) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` value names ``etag`` (RFC 9110 §13.1)."""
    if header.strip() == "*":
        return True
    for tag in (part.strip() for part in header.split(",")):
        if tag.startswith("W/"):
            if weak and tag[2:] == etag:
                return True
        elif tag == etag:
            return True
    return False


RESOURCE = "inventory.resource"


def with_route_label(app: WsgiApp, router: Router) -> WsgiApp:
    """Find the path's routes first, so that every answer is counted under its template.

    A refusal made before the application runs (429) or by it before a route
    is chosen (405, OPTIONS) is labelled with the template of the path; only a
    path no route has stays ``unmatched``. The application reuses what is found.
    """

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            resource = router.resource(Request(environ).path)
        except HttpError:
            pass  # an unknown path: the application answers 404
        else:
            environ[RESOURCE] = resource
            environ[ROUTE] = resource.template
        return app(environ, start_response)

    return middleware


def wsgi_app(services: Services, routes: Sequence[Route]) -> WsgiApp:
    """The application with its middleware: headers, request id, access log, rate limit, errors.

    The rate limit sits inside the request id and the access log, so a 429 has
    an ``X-Request-ID`` and a log line like any answer, and outside the error
    mapping, so an error answer under ``/api/v1`` carries the ``RateLimit-*``
    headers too. The route is found before either, for the metrics' labels.
    """
    application = Application(services, routes)
    app: WsgiApp = with_errors(application)
    if services.rate_limiter is not None:
        app = with_rate_limit(app, services.rate_limiter, services.metrics)
    app = with_route_label(app, application.router)
    return with_standard_headers(with_request_id(with_access_log(app, services.metrics)))
