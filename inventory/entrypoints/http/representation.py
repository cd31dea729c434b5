"""How handlers answer: one resource (with its ETag), a page of them, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from inventory.application.pagination import Page
from inventory.application.views import View
from inventory.entrypoints.http.response import Response, encode, strong_etag
from inventory.entrypoints.http.routing import Call

T = TypeVar("T")


def one(
    view: View, status: int = 200, *, location: str | None = None, etag: str | None = None
) -> Response:
    """A single resource with a strong ETag (by default, a digest of its JSON)."""
    body = encode(view.to_json())
    headers = [("Content-Type", "application/json"), ("ETag", etag or strong_etag(body))]
    if location is not None:
        headers.append(("Location", location))
    return Response(status, body, headers)


def page_of(call: Call, page: Page[T], view: Callable[[T], View]) -> Response:
    """A page: ``items``, ``next_cursor``, and a ``Link`` to the next page keeping the query."""
    body = encode(
        {"items": [view(item).to_json() for item in page.items], "next_cursor": page.next_cursor}
    )
    headers = [("Content-Type", "application/json")]
    if page.next_cursor is not None:
        query = {**call.request.query, "cursor": page.next_cursor}
        headers.append(("Link", f'<{call.request.path}?{urlencode(query)}>; rel="next"'))
    return Response(200, body, headers)
