"""``INVENTORY_TIMEZONE``: an IANA zone (read from the zone database), and the clock reads in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from inventory.adapters.clock import clock_in, utc_now
from inventory.bootstrap import bootstrap
from inventory.config import Settings


def test_the_service_clock_reads_in_the_configured_zone() -> None:
    chosen = Settings(database_url="memory://", timezone="Pacific/Auckland")
    services = bootstrap(chosen)

    assert services.clock().utcoffset() in (timedelta(hours=12), timedelta(hours=13))


def test_utc_is_the_default_and_the_plain_utc_clock() -> None:
    assert Settings(database_url="memory://").timezone == "UTC"
    assert clock_in("UTC") is utc_now


def test_an_unknown_zone_is_refused_saying_what_is_expected() -> None:
    with pytest.raises(ValidationError, match="IANA time zone"):
        Settings(database_url="memory://", timezone="Mars/Olympus_Mons")
