"""Routes as data: the router, the 405/``Allow`` logic and the OpenAPI document read one table."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

from inventory.application.commands import CODE_PATTERN
from inventory.application.pagination import Sorting
from inventory.application.ports import UnitOfWork
from inventory.application.scopes import Scopes, scopes
from inventory.bootstrap import Services
from inventory.domain.keys import ApiKey, Role
from inventory.entrypoints.http.problems import HttpError
from inventory.entrypoints.http.request import JSON, Request
from inventory.entrypoints.http.response import Response

Dependencies = tuple[str, ...] | Callable[[Mapping[str, str], str], Scopes]
"""A cached route's scopes: templates of its path parameters, or a function of them and
the raw query string (see :mod:`inventory.application.scopes`)."""


@dataclass(frozen=True, slots=True)
class ParamType:
    """What a path parameter may look like; anything else cannot name a resource (404)."""

    name: str
    pattern: str
    max_length: int
    slashes: bool = False
    """Whether the value may hold ``/`` (it then runs to the end of the path)."""


CODE = ParamType("code", CODE_PATTERN, 64)
ID = ParamType("id", r"^[0-9A-Za-z]+$", 64)
SCANNED = ParamType("scanned", r"^[^\x00-\x1c\x1e-\x1f\x7f]+$", 200, slashes=True)
"""What a scanner read: any printable text, ``/`` and the GS character (FNC1) included."""
PARAM_TYPES = {"code": CODE, "id": ID, "scanned": SCANNED}

_PARAM = re.compile(r"\{(\w+):(\w+)\}")


@dataclass(slots=True)
class Call:
    """One matched request, as a handler receives it."""

    request: Request
    services: Services
    params: dict[str, str]
    key: ApiKey | None = None
    body: Any = None
    query: Any = None
    uow: Callable[[], UnitOfWork] = field(default=lambda: _no_uow())

    @property
    def actor(self) -> str:
        """Who is acting, for ``created_by``: the API key's name."""
        return self.key.name if self.key is not None else "anonymous"


def _no_uow() -> UnitOfWork:
    raise RuntimeError("the call has no unit of work factory")


RouteHandler = Callable[[Call], Response]
Body = type[BaseModel] | TypeAdapter[Any]


@dataclass(frozen=True)
class Route:
    """One operation: ``path`` holds typed parameters, e.g. ``/api/v1/products/{sku:code}``.

    ``role`` None means no key is needed. ``body`` validates the JSON body
    (422 on failure), ``query`` the query parameters (400 on failure).
    ``response`` is the schema of a 2xx body, a page of them when ``paged``.
    """

    method: str
    path: str
    handler: RouteHandler
    role: Role | None
    summary: str
    tag: str
    status: int = 200
    body: Body | None = None
    body_types: tuple[str, ...] = (JSON,)
    query: type[BaseModel] | None = None
    sorting: Sorting[Any] | None = None
    """The sorts a paged list allows (documented as the ``sort`` parameter's values)."""
    response: type[BaseModel] | None = None
    paged: bool = False
    produces: tuple[str, ...] = ()
    """Media types of a success body that is not JSON from ``response`` (a file download)."""
    responses: Mapping[int, str] = field(default_factory=dict)
    """Further statuses worth documenting for this route, with why they happen."""
    shows_secret: bool = False
    """Its success body holds a secret shown once: never stored for an idempotent replay."""
    cached: Dependencies | None = None
    """A read whose 200 answers are kept in the cache (README "Caching": where it pays),
    with the scopes its answers depend on: templates of its path parameters
    (``("product:{sku}",)``), or a function of them and the raw query string."""

    def scopes(self, params: Mapping[str, str], query: str) -> Scopes:
        """What this cached route's answer for ``params`` and ``query`` depends on."""
        cached = self.cached
        if cached is None:
            raise ValueError(f"{self.method} {self.path} is not cached")
        if callable(cached):
            return cached(params, query)
        return scopes(*(template.format_map(params) for template in cached))

    @property
    def template(self) -> str:
        """The path as clients and OpenAPI write it: ``/api/v1/products/{sku}``."""
        return _PARAM.sub(r"{\1}", self.path)

    @property
    def params(self) -> dict[str, ParamType]:
        return {name: PARAM_TYPES[kind] for name, kind in _PARAM.findall(self.path)}


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    params: dict[str, str]


class _Template:
    def __init__(self, path: str, routes: list[Route]) -> None:
        self.routes = routes
        self.params = routes[0].params
        self.template = routes[0].template
        parts = _PARAM.split(path)  # literal, name, kind, literal, name, kind, ..., literal
        pattern = "".join(
            re.escape(part)
            if n % 3 == 0
            else f"(?P<{part}>{'.+' if PARAM_TYPES[parts[n + 1]].slashes else '[^/]+'})"
            if n % 3 == 1
            else ""
            for n, part in enumerate(parts)
        )
        self.regex = re.compile(f"^{pattern}$")

    @property
    def allow(self) -> str:
        methods = {route.method for route in self.routes}
        if "GET" in methods:
            methods.add("HEAD")
        methods.add("OPTIONS")
        return ", ".join(sorted(methods))


@dataclass(frozen=True, slots=True)
class Resource:
    """A path found in the table: its template, its ``Allow`` value, its routes by method."""

    path: str
    _found: _Template
    params: dict[str, str]

    @property
    def template(self) -> str:
        return self._found.template

    @property
    def allow(self) -> str:
        return self._found.allow

    def match(self, method: str) -> Match:
        """The route for ``method`` (HEAD takes GET's), or 405 with ``Allow``."""
        wanted = "GET" if method == "HEAD" else method
        for route in self._found.routes:
            if route.method == wanted:
                return Match(route, self.params)
        raise HttpError(
            405,
            "method_not_allowed",
            f"{method} is not allowed on {self.path}; allowed: {self.allow}",
            (("Allow", self.allow),),
        )


class Router:
    """Finds the route for a method and path; 404 for unknown paths, 405 with ``Allow``."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)
        by_path: dict[str, list[Route]] = {}
        for route in routes:
            by_path.setdefault(route.path, []).append(route)
            if sum(r.method == route.method for r in by_path[route.path]) > 1:
                raise ValueError(f"two routes for {route.method} {route.path}")
        self._templates = [_Template(path, found) for path, found in by_path.items()]

    def allowed(self, path: str) -> str:
        """The ``Allow`` value for ``path``; 404 when no route has it."""
        return self._find(path)[0].allow

    def resource(self, path: str) -> Resource:
        """The routes ``path`` falls under, whatever the method; 404 when no route has it."""
        template, params = self._find(path)
        return Resource(path, template, params)

    def match(self, method: str, path: str) -> Match:
        return self.resource(path).match(method)

    def _find(self, path: str) -> tuple[_Template, dict[str, str]]:
        for template in self._templates:
            found = template.regex.match(path)
            if found is None:
                continue
            params = found.groupdict()
            for name, kind in template.params.items():
                value = params[name]
                if len(value) > kind.max_length or not re.match(kind.pattern, value):
                    raise HttpError(404, "not_found", f"no {name} {value!r} can exist here")
            return template, params
        raise HttpError(404, "not_found", f"no such path: {path}")
