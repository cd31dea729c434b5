"""What an ``Idempotency-Key`` led to: the record stored beside the data it guards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class KeyProgress(StrEnum):
    """How far the first request with a key has gone.

    ``in_flight``: claimed, nothing written yet. ``applied``: its write has
    committed (marked in that same transaction) but its response is not yet
    stored. ``done``: its response is stored and is what every retry gets.
    """

    IN_FLIGHT = "in_flight"
    APPLIED = "applied"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response as it is replayed: status, the headers worth repeating, body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """One client's (``owner``: the API key id) use of one ``key``."""

    owner: str
    key: str
    fingerprint: str
    progress: KeyProgress
    created_at: datetime
    expires_at: datetime
    response: StoredResponse | None = None
