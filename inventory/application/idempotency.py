"""Idempotent requests: a client's retry with the same key replays the first answer.

A request with a key goes through three steps, each its own transaction:

1. :func:`claim` records the key as in flight (or finds an earlier record:
   a stored answer to replay, a request still running, or a different
   request that reused the key).
2. The use case runs on a :class:`Remembering` unit of work, which marks the
   record applied in the same transaction as the write it guards. So a crash
   can never leave a write whose key looks unused: a retry cannot apply it twice.
3. :func:`remember` stores the answer (or :func:`forget` drops the claim when
   there is no answer worth replaying, so the client may retry).

A claim whose request died before applying anything is taken over once
``LEASE`` has passed: nothing was written, so running it again is safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from types import TracebackType
from typing import Self

from inventory.application.idempotency_records import (
    IdempotencyRecord,
    Progress,
    StoredResponse,
)
from inventory.application.ports import Clock, UnitOfWork
from inventory.application.wrapping import WrappedRepositories
from inventory.domain.errors import Conflict, IdempotencyKeyReused

KEEP_FOR = timedelta(hours=24)
"""How long a key's answer is replayed."""

KEY_PATTERN = r"^[!-~]{1,255}$"
"""What a client's key may be: 1 to 255 visible ASCII characters, no spaces."""

LEASE = timedelta(minutes=5)
"""After this, a claim that applied nothing is presumed dead (longer than any request may run)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of :func:`claim`: go ahead (``replay`` is None) or replay a stored answer."""

    owner: str
    key: str
    fingerprint: str
    replay: StoredResponse | None = None


def claim(owner: str, key: str, fingerprint: str, uow: UnitOfWork, clock: Clock) -> Claim:
    """Take ``key`` for this request, or find what an earlier request with it led to."""
    now = clock()
    with uow:
        uow.idempotency.delete_expired(now)
        found = uow.idempotency.get(owner, key)
        if found is not None:
            if found.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was already used for a different request"
                )
            if found.progress is Progress.DONE and found.response is not None:
                return Claim(owner, key, fingerprint, found.response)
            if found.progress is Progress.APPLIED:
                raise Conflict(
                    f"the request with Idempotency-Key {key!r} was applied but its answer "
                    "was not recorded; read the resource to see its outcome"
                )
            if found.created_at + LEASE > now:
                raise Conflict(f"a request with Idempotency-Key {key!r} is still in flight")
        uow.idempotency.put(
            IdempotencyRecord(owner, key, fingerprint, Progress.IN_FLIGHT, now, now + KEEP_FOR)
        )
        uow.commit()
    return Claim(owner, key, fingerprint)


def remember(taken: Claim, response: StoredResponse, uow: UnitOfWork) -> None:
    """Store the answer that every retry with the key will get."""
    with uow:
        found = uow.idempotency.get(taken.owner, taken.key)
        if found is not None and found.fingerprint == taken.fingerprint:
            uow.idempotency.put(replace(found, progress=Progress.DONE, response=response))
            uow.commit()


def forget(taken: Claim, uow: UnitOfWork) -> None:
    """Drop the claim of a request that applied nothing, so that the client may retry."""
    with uow:
        found = uow.idempotency.get(taken.owner, taken.key)
        if found is not None and found.progress is Progress.IN_FLIGHT:
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
        if found is not None and found.progress is Progress.IN_FLIGHT:
            self.idempotency.put(replace(found, progress=Progress.APPLIED))
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def generation(self) -> int:
        return self._inner.generation()
