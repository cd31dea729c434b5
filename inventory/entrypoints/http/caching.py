"""Whole answers of the cached read routes (``cached=...``), kept under their path and query.

Only a 200 with a body in memory is kept, under the versions of the route's
scopes. See docs/adr/0017-cache-coherence-by-scoped-versions.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

from inventory.application.caching import ReadThrough
from inventory.application.ports import UnitOfWork
from inventory.application.scopes import Scopes
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call

# Part of every key. Raise it when what a cached answer holds changes shape, so
# that a file cache shared across a deployment never serves an answer of the
# code that ran before it.
FORMAT = 2


def cached_response(
    reads: ReadThrough, call: Call, scopes: Scopes, handle: Callable[[Call], Response]
) -> Response:
    """The handler's answer, from the cache when an entry of the current ``scopes`` exists."""
    request = call.request
    key = f"http.{FORMAT}:{request.path}?{request.environ.get('QUERY_STRING', '')}"

    def compute(snapshot: UnitOfWork) -> Response:
        # Every use case the handler calls reads in the snapshot the version came from.
        call.uow = lambda: snapshot
        return handle(call)

    return reads.read(call.uow(), key, scopes, compute, _packed, _unpacked)


def _packed(response: Response) -> bytes | None:
    if response.status != 200 or response.file is not None:
        return None
    head = json.dumps([response.status, response.headers], separators=(",", ":"))
    return head.encode() + b"\n" + response.body


def _unpacked(data: bytes) -> Response:
    head, _, body = data.partition(b"\n")
    status, headers = _head(head)
    return Response(status, body, list(headers))


@lru_cache(maxsize=1024)
def _head(head: bytes) -> tuple[int, tuple[tuple[str, str], ...]]:
    """A kept answer's status and headers: parsed once a process while it stays in use."""
    status, headers = json.loads(head)
    return status, tuple((name, value) for name, value in headers)
