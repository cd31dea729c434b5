"""Drive the WSGI application in-process: build a PEP 3333 environ, call the app, read the reply.

No server and no socket: :class:`Api` wires the application over a
``MemoryStorage``, a :class:`FixedClock`, sequential ids and secrets, and
hands each request straight to the WSGI callable (wrapped in
``wsgiref.validate``, so every response is also checked against PEP 3333).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import unquote_to_bytes
from wsgiref.types import WSGIEnvironment
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

from inventory.adapters.memory import MemoryStorage
from inventory.adapters.metrics import PrometheusMetrics
from inventory.application.access import create_api_key
from inventory.application.commands import CreateApiKey
from inventory.application.ports import Cache
from inventory.bootstrap import Services
from inventory.config import Settings
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.middleware import WsgiApp
from inventory.entrypoints.http.resources.ops import ops_routes
from inventory.entrypoints.http.routes import API_ROUTES
from inventory.entrypoints.http.routing import Route
from tests.factories import FixedClock, SequentialIds, SequentialSecrets

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"

_LINK_NEXT = re.compile(r'^<([^>]*)>; rel="next"$')


class _AsAdmin:
    """The default caller of :meth:`Api.request`: the admin key made at start."""


AS_ADMIN = _AsAdmin()
Caller = str | None | _AsAdmin
"""A key's secret, ``None`` for no ``Authorization`` header, or :data:`AS_ADMIN`."""

NO_BODY: Any = object()


class UrlSafeIds(SequentialIds):
    """Sequential ids without the dash: ``id000001``.

    The router only lets ``[0-9A-Za-z]+`` name a resource (as the ULIDs made in
    production are), so ids must have that shape to be reachable over HTTP.
    """

    def __call__(self) -> str:
        return super().__call__().replace("-", "")


@cache
def served_routes() -> tuple[Route, ...]:
    """The routes ``create_app`` serves, built once: the OpenAPI document takes a while."""
    return (*API_ROUTES, *ops_routes(API_ROUTES))


@dataclass(frozen=True)
class Reply:
    """What the client received: status, headers in order, and the body bytes."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case), or None."""
        values = self.headers_named(name)
        return values[0] if values else None

    def headers_named(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip()

    @property
    def code(self) -> str:
        """The problem document's ``code``; fails the test if this is not a problem."""
        assert self.media_type == PROBLEM_JSON, f"not a problem: {self.status} {self.body!r}"
        code = self.json["code"]
        assert isinstance(code, str)
        return code

    @property
    def fields(self) -> list[str]:
        """The ``field`` of each entry of a problem's ``errors``."""
        return [error["field"] for error in self.json.get("errors", [])]

    @property
    def next_link(self) -> str | None:
        """The target of ``Link: <...>; rel="next"``, or None on the last page."""
        link = self.header("Link")
        if link is None:
            return None
        found = _LINK_NEXT.match(link)
        assert found is not None, f"not a next link: {link!r}"
        return found.group(1)


def environ_for(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    chunked: bool = False,
) -> WSGIEnvironment:
    """A PEP 3333 environ for ``method target`` (target = path, optionally ``?query``).

    The path is percent-decoded and handed over as latin-1 text of its bytes, as
    WSGI servers do; header names become ``HTTP_*`` (but ``CONTENT_TYPE`` and
    ``CONTENT_LENGTH``). A ``chunked`` body has no length and sets
    ``wsgi.input_terminated``.
    """
    path, _, query = target.partition("?")
    environ: WSGIEnvironment = {
        "REQUEST_METHOD": method,
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "wsgi.input": io.BytesIO(body),
    }
    if chunked:
        environ["wsgi.input_terminated"] = True
    elif body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    return environ


def call(app: WsgiApp, environ: WSGIEnvironment, *, validate: bool = True) -> Reply:
    """Run one request through ``app`` and collect the reply.

    With ``validate``, ``wsgiref.validate`` checks both sides against PEP 3333; turn
    it off only for an environ no conforming server would build (a bad length).
    """
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, list(headers)))
        return written.append

    result: Iterable[bytes] = (validator(app) if validate else app)(environ, start_response)
    try:
        chunks = list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    assert started, "the application never called start_response"
    status, headers = started[-1]
    code, _, reason = status.partition(" ")
    return Reply(int(code), reason, headers, b"".join([*written, *chunks]))


@dataclass(repr=False)
class Api:
    """The whole HTTP API on memory storage, and one key of each role to call it with."""

    storage: MemoryStorage = field(default_factory=MemoryStorage)
    clock: FixedClock = field(default_factory=lambda: FixedClock(step=timedelta(milliseconds=1)))
    ids: UrlSafeIds = field(default_factory=UrlSafeIds)
    secrets: SequentialSecrets = field(default_factory=SequentialSecrets)
    extra_routes: Sequence[Route] = ()
    cache: Cache | None = None
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    probes: dict[str, Callable[[], str]] = field(default_factory=dict)
    services: Services = field(init=False)
    app: WsgiApp = field(init=False)
    admin: str = field(init=False)
    clerk: str = field(init=False)
    viewer: str = field(init=False)
    key_ids: dict[str, str] = field(init=False, default_factory=dict)
    """The id of each key made by :meth:`new_key`, by its secret."""

    def __post_init__(self) -> None:
        settings = Settings(database_url="memory://")
        self.services = Services(
            settings,
            self.storage,
            self.clock,
            self.ids,
            self.secrets,
            cache=self.cache,
            metrics=self.metrics,
            probes=self.probes,
        )
        self.app = wsgi_app(self.services, [*served_routes(), *self.extra_routes])
        self.admin = self.new_key(Role.ADMIN, "admin-ada")[1]
        self.clerk = self.new_key(Role.CLERK, "clerk-carl")[1]
        self.viewer = self.new_key(Role.VIEWER, "viewer-vera")[1]

    # --- keys, made through the use case on the same storage ---------------------------

    def new_key(self, role: Role, name: str) -> tuple[str, str]:
        """A new API key: its id and its secret."""
        key, secret = create_api_key(
            CreateApiKey(name=name, role=role),
            self.storage.unit_of_work(),
            self.clock,
            self.ids,
            self.secrets,
        )
        self.key_ids[secret] = key.id
        return key.id, secret

    # --- requests -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        target: str,
        body: Any = NO_BODY,
        *,
        key: Caller = AS_ADMIN,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str | None = JSON,
        chunked: bool = False,
        validate: bool = True,
    ) -> Reply:
        """Send a request; ``body`` is sent as JSON, ``raw`` as given bytes."""
        sent: dict[str, str] = {}
        if isinstance(key, _AsAdmin):
            key = self.admin
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else b"" if body is NO_BODY else json.dumps(body).encode()
        if data and content_type is not None:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        environ = environ_for(method, target, sent, data, chunked=chunked)
        return call(self.app, environ, validate=validate)

    def get(self, target: str, **options: Any) -> Reply:
        return self.request("GET", target, **options)

    def head(self, target: str, **options: Any) -> Reply:
        return self.request("HEAD", target, **options)

    def post(self, target: str, body: Any = NO_BODY, **options: Any) -> Reply:
        return self.request("POST", target, body, **options)

    def put(self, target: str, body: Any = NO_BODY, **options: Any) -> Reply:
        return self.request("PUT", target, body, **options)

    def patch(self, target: str, body: Any = NO_BODY, **options: Any) -> Reply:
        return self.request("PATCH", target, body, **options)

    def delete(self, target: str, **options: Any) -> Reply:
        return self.request("DELETE", target, **options)

    def ok(self, method: str, target: str, body: Any = NO_BODY, **options: Any) -> Any:
        """The JSON of a request that must succeed (2xx)."""
        reply = self.request(method, target, body, **options)
        assert 200 <= reply.status < 300, f"{method} {target}: {reply.status} {reply.body!r}"
        return reply.json if reply.body else None

    def all_pages(self, target: str, **options: Any) -> list[Any]:
        """Every item of a list, following the ``Link`` header page by page."""
        items: list[Any] = []
        next_target: str | None = target
        while next_target is not None:
            reply = self.get(next_target, **options)
            assert reply.status == 200, reply.body
            items.extend(reply.json["items"])
            assert (reply.next_link is None) == (reply.json["next_cursor"] is None)
            next_target = reply.next_link
        return items

    # --- given: state built through the API itself --------------------------------------

    def given_warehouse(self, code: str = "MAIN", name: str | None = None) -> Any:
        return self.ok("POST", "/api/v1/warehouses", {"code": code, "name": name or code})

    def given_product(self, sku: str = "BOLT", name: str | None = None, **fields: Any) -> Any:
        body = {"sku": sku, "name": name or f"Product {sku}", **fields}
        return self.ok("POST", "/api/v1/products", body)

    def given_receipt(
        self, sku: str = "BOLT", warehouse: str = "MAIN", quantity: int = 10, cost: str = "1.00"
    ) -> Any:
        body = {
            "type": "receipt",
            "sku": sku,
            "warehouse": warehouse,
            "quantity": quantity,
            "unit_cost": cost,
        }
        return self.ok("POST", "/api/v1/movements", body, key=self.clerk)

    def given_stock(self, sku: str = "BOLT", warehouse: str = "MAIN", quantity: int = 10) -> None:
        """``quantity`` of a new product ``sku`` in a new warehouse."""
        self.given_warehouse(warehouse)
        self.given_product(sku)
        self.given_receipt(sku, warehouse, quantity)

    def stock_of(self, sku: str) -> Any:
        return self.ok("GET", f"/api/v1/products/{sku}/stock")

    def movement_count(self) -> int:
        return len(self.storage.store.movements)
