"""The one text form of a time: fixed-width RFC 3339 UTC, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def rfc3339(moment: datetime) -> str:
    """``2026-11-26T19:25:20.123456Z``; naive datetimes are taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(_FORMAT)


def from_rfc3339(text: str) -> datetime:
    """The aware UTC datetime written by :func:`rfc3339`."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)
