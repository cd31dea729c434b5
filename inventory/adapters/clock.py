"""The real clock: now, aware, in UTC or in the zone whose calendar the service keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def clock_in(zone: str) -> Callable[[], datetime]:
    """A clock that reads in ``zone`` (INVENTORY_TIMEZONE), so the date of what it
    gives is that zone's date; every time is still stored and shown in UTC."""
    if zone == "UTC":
        return utc_now
    tz = ZoneInfo(zone)
    return lambda: datetime.now(tz)
