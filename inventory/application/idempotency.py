"""Idempotent requests: a client's retry with the same key replays the first answer.

Claim, apply (marking the record in the write's own transaction), remember:
see docs/adr/0008-idempotency-records-in-the-database.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from types import TracebackType
from typing import Self

from inventory.application.errors import IdempotencyKeyReused
from inventory.application.idempotency_records import (
    IdempotencyRecord,
    KeyProgress,
    StoredResponse,
)
from inventory.application.ports import Clock, ReadAhead, UnitOfWork
from inventory.application.scopes import Scopes
from inventory.application.wrapping import WrappedRepositories
from inventory.domain.errors import Conflict

KEEP_FOR = timedelta(hours=24)
"""How long a key's answer is replayed."""

KEY_PATTERN = r"^[!-~]{1,255}$"
"""What a client's key may be: 1 to 255 visible ASCII characters, no spaces."""

LEASE = timedelta(minutes=5)
"""After this, a claim that applied nothing is presumed dead (longer than any request may run)."""

VALUE_FINGERPRINT = "json:"
"""The prefix of a fingerprint of a JSON value (a byte fingerprint is bare hex)."""

NO_DOCUMENT: object = object()
"""The ``document`` of a request whose body is not JSON (or that has none)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of :func:`claim`: go ahead (``replay`` is None) or replay a stored answer."""

    owner: str
    key: str
    fingerprint: str
    replay: StoredResponse | None = None


def request_fingerprint(method: str, path: str, body: bytes, document: object = NO_DOCUMENT) -> str:
    """What tells two requests with one key apart: method, path and the body's JSON value.

    ``document`` is the body parsed as JSON; its canonical form (keys sorted,
    no whitespace, text unescaped) is hashed, so the same value re-indented,
    with its members reordered or its strings escaped otherwise is the same
    request. Numbers keep the type they parsed to: ``1`` and ``1.0`` are two
    values (the API accepts one as a quantity and refuses the other, so they
    cannot share an answer). A body that is not JSON (or is absent) is
    compared byte for byte, by :func:`byte_fingerprint`.
    """
    if document is NO_DOCUMENT:
        return byte_fingerprint(method, path, body)
    try:
        canonical = json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError):  # not plain JSON data: fall back on the bytes
        return byte_fingerprint(method, path, body)
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical.encode("utf-8", "surrogatepass"))
    return VALUE_FINGERPRINT + digest.hexdigest()


def byte_fingerprint(method: str, path: str, body: bytes) -> str:
    """The hash of the body's bytes: what every record stored before JSON values were compared
    holds (kept 24 h), and the fingerprint of a body that is not JSON."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def claim(
    owner: str,
    key: str,
    fingerprint: str,
    uow: UnitOfWork,
    clock: Clock,
    *,
    also_matching: Collection[str] = (),
) -> Claim:
    """Take ``key`` for this request, or find what an earlier request with it led to.

    A record whose fingerprint is ``fingerprint`` or one of ``also_matching``
    (the request's :func:`byte_fingerprint`, which records stored by an
    earlier release hold) is the same request.
    """
    now = clock()
    with uow:
        uow.idempotency.delete_expired(now)
        found = uow.idempotency.get(owner, key)
        if found is not None:
            if found.fingerprint != fingerprint and found.fingerprint not in also_matching:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was already used for a different request"
                )
            if found.progress is KeyProgress.DONE and found.response is not None:
                return Claim(owner, key, fingerprint, found.response)
            if found.progress is KeyProgress.APPLIED:
                raise Conflict(
                    f"the request with Idempotency-Key {key!r} was applied but its answer "
                    "was not recorded; read the resource to see its outcome"
                )
            if found.created_at + LEASE > now:
                raise Conflict(f"a request with Idempotency-Key {key!r} is still in flight")
        uow.idempotency.put(
            IdempotencyRecord(owner, key, fingerprint, KeyProgress.IN_FLIGHT, now, now + KEEP_FOR)
        )
        uow.commit()
    return Claim(owner, key, fingerprint)


def remember(taken: Claim, response: StoredResponse, uow: UnitOfWork) -> None:
    """Store the answer that every retry with the key will get."""
    with uow:
        found = uow.idempotency.get(taken.owner, taken.key)
        if found is not None and found.fingerprint == taken.fingerprint:
            uow.idempotency.put(replace(found, progress=KeyProgress.DONE, response=response))
            uow.commit()


def forget(taken: Claim, uow: UnitOfWork) -> None:
    """Drop the claim of a request that applied nothing, so that the client may retry."""
    with uow:
        found = uow.idempotency.get(taken.owner, taken.key)
        if found is not None and found.progress is KeyProgress.IN_FLIGHT:
            uow.idempotency.delete(taken.owner, taken.key)
            uow.commit()


class Remembering(WrappedRepositories):
    """A unit of work that marks the claim applied in the same transaction as its write."""

    def __init__(self, inner: UnitOfWork, taken: Claim) -> None:
        self._inner = inner
        self._claim = taken

    def __enter__(self) -> Self:
        self._inner.__enter__()
        self.expose(self._inner)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        with self._inner.reading():
            self.expose(self._inner)
            yield self

    def commit(self) -> None:
        found = self.idempotency.get(self._claim.owner, self._claim.key)
        if found is not None and found.progress is KeyProgress.IN_FLIGHT:
            self.idempotency.put(replace(found, progress=KeyProgress.APPLIED))
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        return self._inner.versions(wanted)

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        return self._inner.snapshot_version(scopes)

    def write_in_bulk(self) -> None:
        self._inner.write_in_bulk()

    def prune_versions(self) -> int:
        return self._inner.prune_versions()

    def read_ahead(self, plan: ReadAhead) -> None:
        self._inner.read_ahead(plan)
