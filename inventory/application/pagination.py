"""Keyset pagination: list parameters, opaque cursors and pages."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from inventory.application.errors import InvalidRequest
from inventory.application.queries import PageSpec, SortKey
from inventory.application.times import rfc3339

T = TypeVar("T")


class ListParams(BaseModel):
    """``limit``, ``cursor`` and ``sort`` of any list; subclasses add the filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Annotated[int, Field(ge=1, le=500)] = 50
    # Cursors are URL-safe base64 (see _encode), so anything else is refused early.
    cursor: (
        Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[A-Za-z0-9_-]+$")] | None
    ) = None
    sort: Annotated[str, Field(min_length=1, max_length=64)] | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


CursorValue = Callable[[str], str]
"""What one value of a cursor must be: given its text, the canonical text, or ValueError.

A cursor is only base64 JSON, so a client can edit it; each value is checked
against the type of the field it stands for (API.md §1: a bad cursor is a 400)
rather than signed, which needs no key shared between instances and still
refuses every position no row could hold.
"""


def any_text(value: str) -> str:
    """A text field (a name): any string is a position in its order."""
    return value


def matching(pattern: str, max_length: int) -> CursorValue:
    """A code or an id: text of the shape the field always has."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if len(value) > max_length or not compiled.fullmatch(value):
            raise ValueError(f"{value!r} does not match {pattern}")
        return value

    return check


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def a_time(value: str) -> str:
    """A time: RFC 3339 with a zone, turned into the one text form rows are compared in."""
    if not _RFC3339.fullmatch(value):
        raise ValueError(f"{value!r} is not an RFC 3339 time")
    try:
        return rfc3339(datetime.fromisoformat(value))
    except OverflowError:  # a valid text whose instant falls outside the calendar in UTC
        raise ValueError(f"{value!r} is out of range") from None


@dataclass(frozen=True, slots=True)
class Sorting(Generic[T]):
    """The sorts a list allows.

    ``fields`` maps each sortable field to its value as text; rows with equal
    values are ordered by the ``unique`` field (read by ``unique_key``), so a
    row's position is ``(value, unique)``, or ``(unique,)`` when sorting by it.
    ``values`` says what a cursor's value of each field (``unique`` included)
    must be.
    """

    fields: Mapping[str, Callable[[T], str]]
    unique: str
    unique_key: Callable[[T], str]
    default: str
    values: Mapping[str, CursorValue]

    def __post_init__(self) -> None:
        unchecked = {*self.fields, self.unique} - set(self.values)
        if unchecked:
            raise ValueError(f"no cursor check for {sorted(unchecked)}")

    def key(self, field: str, row: T) -> SortKey:
        if field == self.unique:
            return (self.unique_key(row),)
        return (self.fields[field](row), self.unique_key(row))

    def spec(self, params: ListParams) -> PageSpec:
        """The page the parameters ask for; a bad sort or cursor is a bad request."""
        sort = params.sort or self.default
        field = sort.removeprefix("-")
        if field not in self.fields:
            allowed = ", ".join(sorted(self.fields))
            raise InvalidRequest(f"cannot sort by {sort!r}; allowed: {allowed} (- for descending)")
        after = (
            None if params.cursor is None else self._position(_decode(params.cursor, sort), field)
        )
        return PageSpec(field, sort.startswith("-"), params.limit, after)

    def _position(self, values: SortKey, field: str) -> SortKey:
        """The cursor's values, each checked against its field and in its canonical text."""
        names = (self.unique,) if field == self.unique else (field, self.unique)
        if len(values) != len(names):
            raise InvalidRequest(_NOT_A_CURSOR)
        try:
            return tuple(
                self.values[name](value) for name, value in zip(names, values, strict=True)
            )
        except ValueError:
            raise InvalidRequest(_NOT_A_CURSOR) from None

    def select(self, rows: Iterable[T], spec: PageSpec) -> list[T]:
        """What a storage adapter's ``fetch_page`` returns, picked from rows held in memory."""
        keyed = sorted(
            ((self.key(spec.sort, row), row) for row in rows),
            key=lambda pair: pair[0],
            reverse=spec.descending,
        )
        if spec.after is not None:
            after = spec.after
            keyed = [(k, r) for k, r in keyed if (k < after if spec.descending else k > after)]
        return [row for _, row in keyed[: spec.limit + 1]]

    def page(self, rows: list[T], spec: PageSpec) -> Page[T]:
        """The page from up to ``limit + 1`` fetched rows, with the cursor to the next."""
        if len(rows) <= spec.limit:
            return Page(rows, None)
        items = rows[: spec.limit]
        sort = f"-{spec.sort}" if spec.descending else spec.sort
        return Page(items, _encode(sort, self.key(spec.sort, items[-1])))


_NOT_A_CURSOR = "cursor is not valid; use next_cursor from a previous page"


def _encode(sort: str, key: SortKey) -> str:
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidRequest(_NOT_A_CURSOR) from None
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(part, str) for part in value)
    ):
        raise InvalidRequest(_NOT_A_CURSOR)
    if value[0] != sort:
        raise InvalidRequest(f"cursor was made for sort {value[0]!r}, not {sort!r}")
    return tuple(value[1:])
