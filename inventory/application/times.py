"""The one text form of a time: fixed-width RFC 3339 UTC, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """``2026-11-26T19:25:20.123456Z``: always UTC, always six fraction digits.

    A naive datetime is refused: every time in the system is aware, and
    guessing a zone would silently shift the ledger.
    """
    if moment.utcoffset() is None:
        raise ValueError(f"a naive datetime has no place in the ledger: {moment!r}")
    # An aware UTC datetime's isoformat ends in "+00:00"; swap that for "Z".
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def from_rfc3339(text: str) -> datetime:
    """The aware UTC datetime written by :func:`rfc3339`."""
    return datetime.fromisoformat(text)
