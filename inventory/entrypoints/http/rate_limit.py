"""Rate limiting as WSGI middleware over the RateLimiter port (API.md §8)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from inventory.application.ports import Metrics, RateLimiter
from inventory.application.rate_limits import RateDecision
from inventory.entrypoints.http.middleware import API_PREFIX, REQUEST_ID, WsgiApp
from inventory.entrypoints.http.problems import HttpError
from inventory.entrypoints.http.response import problem_response

LIMITED_PREFIX = API_PREFIX
"""Only the API is limited; the ops endpoints stay reachable for probes and scrapers."""


def client_key(environ: WSGIEnvironment) -> str:
    """Whose budget a request spends: its API key's, else its address's.

    The key is hashed so that no secret is kept in the limiter's storage. The
    request is counted before the key is checked (a lookup per refused request
    would cost what the limit protects), so a bearer token is taken as sent.
    """
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return "key:" + hashlib.sha256(token.encode("latin-1", "replace")).hexdigest()
    return "addr:" + str(environ.get("REMOTE_ADDR", "-"))


def rate_limit_headers(decision: RateDecision) -> list[tuple[str, str]]:
    """``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` for ``decision``."""
    return [
        ("RateLimit-Limit", str(decision.limit)),
        ("RateLimit-Remaining", str(decision.remaining)),
        ("RateLimit-Reset", str(decision.reset)),
    ]


class RateLimited:
    """The WSGI wrapper: counts each ``/api/v1`` request, answers 429 over the limit.

    Each 429 is counted in ``metrics`` (``inventory_rate_limited_total``).
    """

    def __init__(self, app: WsgiApp, limiter: RateLimiter, metrics: Metrics) -> None:
        self.app = app
        self.limiter = limiter
        self.metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not (path == LIMITED_PREFIX or path.startswith(LIMITED_PREFIX + "/")):
            return self.app(environ, start_response)
        key = client_key(environ)
        decision = self.limiter.hit(key)
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            whose = "API key" if key.startswith("key:") else "client address"
            return self._refuse(environ, start_response, decision, headers, whose)

        def start(status: str, sent: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*sent, *headers], exc_info)

        return self.app(environ, start)

    def _refuse(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        decision: RateDecision,
        headers: list[tuple[str, str]],
        whose: str,
    ) -> Iterable[bytes]:
        self.metrics.rate_limited()
        error = HttpError(
            429,
            "rate_limited",
            f"this {whose} is over its limit of {decision.limit} requests; "
            f"retry after {decision.retry_after} s",
            (("Retry-After", str(decision.retry_after)), *headers),
        )
        response = problem_response(error, environ.get(REQUEST_ID))
        start_response(response.status_line, response.wsgi_headers())
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]


def with_rate_limit(app: WsgiApp, limiter: RateLimiter, metrics: Metrics) -> RateLimited:
    """``app`` behind the rate limit of ``limiter``, its refusals counted in ``metrics``."""
    return RateLimited(app, limiter, metrics)
