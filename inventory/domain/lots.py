"""Lots with their expiry, and serial numbers, of tracked products (API.md §12).

A lot is expired once the day is past its ``expires_on``: on that day itself
it may still be picked. See docs/adr/0015-picking-rule.md.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from inventory.domain.errors import Conflict, FieldError, ValidationFailed


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class Lot:
    """One lot (batch) of a product; ``received_at`` is when its first receipt was booked."""

    code: str
    expires_on: date | None = None
    manufactured_on: date | None = None
    received_at: datetime | None = None

    @classmethod
    def receive(
        cls,
        code: str,
        at: datetime,
        today: date,
        expires_on: date | None = None,
        manufactured_on: date | None = None,
        shelf_life_days: int | None = None,
    ) -> Lot:
        """A lot made by its first receipt on ``today`` (the date in INVENTORY_TIMEZONE).

        Without ``expires_on``, a product with a shelf life gets ``today`` plus
        it. A lot made after it expires is refused (422).
        """
        if expires_on is None and shelf_life_days is not None:
            expires_on = today + timedelta(days=shelf_life_days)
        if expires_on is not None and manufactured_on is not None and manufactured_on > expires_on:
            raise ValidationFailed(
                f"lot {code!r}: manufactured on {manufactured_on},"
                f" after it expires on {expires_on}",
                (FieldError("lot.manufactured_on", "must not be after expires_on"),),
            )
        return cls(code, expires_on, manufactured_on, at)

    def receive_again(self, expires_on: date | None) -> None:
        """Refuse (409) a later receipt of this lot that names another expiry date."""
        if expires_on is not None and expires_on != self.expires_on:
            raise Conflict(
                f"lot {self.code!r} expires on {self.expires_on or 'no date'}, not {expires_on}"
            )

    def enters_warning_on(self, warning_days: int) -> date | None:
        """The day the lot enters the expiry warning window (None without an expiry date).

        That is ``warning_days`` before ``expires_on``; an expiry alert is due
        from that day on.
        """
        if self.expires_on is None:
            return None
        return self.expires_on - timedelta(days=warning_days)

    def expired(self, today: date) -> bool:
        """Whether ``today`` is past the expiry date (never, for a lot without one)."""
        return self.expires_on is not None and today > self.expires_on


@dataclass(frozen=True, slots=True)
class ExpiryWarning:
    """A lot with units on hand that has entered its expiry warning window (API.md §12)."""

    sku: str
    name: str
    lot: str
    expires_on: date
    on_hand: int

    @classmethod
    def due(
        cls, sku: str, name: str, lot: Lot, on_hand: int, today: date, warning_days: int
    ) -> ExpiryWarning | None:
        """The warning a lot calls for on ``today``: from the day it enters the window on,
        expired lots included, while units of it are on hand; None otherwise."""
        enters = lot.enters_warning_on(warning_days)
        if enters is None or lot.expires_on is None or on_hand <= 0 or enters > today:
            return None
        return cls(sku, name, lot.code, lot.expires_on, on_hand)


def check_new_serials(serials: Sequence[str], quantity: int, in_stock: Collection[str]) -> None:
    """Refuse a receipt's serials: not one per unit or named twice (422), or one that
    is in stock now (409)."""
    if len(serials) != quantity:
        raise ValidationFailed(
            f"{len(serials)} serial(s) for a quantity of {quantity}",
            (FieldError("serials", f"give exactly {quantity} serial(s), one per unit"),),
        )
    seen: set[str] = set()
    twice: list[FieldError] = []
    for n, serial in enumerate(serials):
        if serial in seen:
            twice.append(FieldError(f"serials.{n}", f"serial {serial!r} is named twice"))
        seen.add(serial)
    if twice:
        raise ValidationFailed("a serial is named twice", tuple(twice))
    held = [serial for serial in serials if serial in in_stock]
    if held:
        raise Conflict(f"serial(s) already in stock: {', '.join(held)}")
