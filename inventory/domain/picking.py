"""The picking rule: which (location, lot, serials) an issue, transfer or order line takes.

First-expired-first-out over pickable locations, never an expired lot, all
or nothing (API.md §12). See docs/adr/0015-picking-rule.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from inventory.domain.errors import FieldError, InsufficientStock, ValidationFailed
from inventory.domain.locations import Location
from inventory.domain.lots import Lot


@dataclass(frozen=True, slots=True)
class Bucket:
    """Units of one product free to take at one (location, lot): on hand less reserved."""

    location: Location
    lot: Lot | None
    available: int


@dataclass(frozen=True, slots=True)
class SerialUnit:
    """One serial-numbered unit in stock and not yet allocated."""

    serial: str
    location: Location
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a pick takes from one (location, lot); ``serials`` for serial-tracked products."""

    location: str
    lot: str | None
    quantity: int
    serials: tuple[str, ...] = ()


class Shortfall(InsufficientStock):
    """Not enough pickable, unexpired stock; says how much of the shortfall is expired."""

    wanted = pickable = expired = not_pickable = 0

    @classmethod
    def of(
        cls, subject: str, wanted: int, pickable: int, expired: int = 0, not_pickable: int = 0
    ) -> Shortfall:
        """The refusal of a pick of ``wanted`` units where only ``pickable`` can be taken.

        Without expired or unpickable stock it reads as it always has ("only N
        available"), so clients of a plain warehouse see the same words.
        """
        short = wanted - pickable
        if expired or not_pickable:
            detail = f"{subject}: wanted {wanted}, only {pickable} can be picked"
        else:
            detail = f"{subject}: wanted {wanted}, only {pickable} available"
        if expired:
            detail += f"; {min(short, expired)} of the {short} short are expired"
        if not_pickable:
            detail += f"; {not_pickable} more are in locations that are not pickable"
        refusal = cls(detail)
        refusal.wanted, refusal.pickable = wanted, pickable
        refusal.expired, refusal.not_pickable = expired, not_pickable
        return refusal

    @property
    def expired_short(self) -> int:
        """How much of the shortfall stock that has expired would have covered."""
        return min(self.wanted - self.pickable, self.expired)


def fefo_order(bucket: Bucket) -> tuple[object, ...]:
    """The picking order: earliest expiry (undated lots after dated ones), then the
    earliest received, then location code, then lot code."""
    lot = bucket.lot
    expires_on = None if lot is None else lot.expires_on
    received_at = None if lot is None else lot.received_at
    return (
        expires_on is None,
        expires_on or date.max,
        received_at is None,
        received_at or datetime.min,
        bucket.location.code,
        "" if lot is None else lot.code,
    )


def pick(
    buckets: Iterable[Bucket],
    quantity: int,
    today: date,
    *,
    location: str | None = None,
    lot: str | None = None,
    subject: str = "stock",
) -> tuple[Allocation, ...]:
    """Take exactly ``quantity`` by the picking rule, or raise :class:`Shortfall`.

    ``location`` or ``lot`` restrict the pick to what the request names; a
    named location is used even if it is not pickable. Expired lots are never
    taken. ``today`` is the date in INVENTORY_TIMEZONE.
    """
    candidates = _checked(buckets, quantity)
    if location is not None:
        candidates = [b for b in candidates if b.location.code == location]
    if lot is not None:
        candidates = [b for b in candidates if b.lot is not None and b.lot.code == lot]
    usable = [b for b in candidates if location is not None or b.location.pickable]
    fresh = [b for b in usable if b.lot is None or not b.lot.expired(today)]
    pickable = sum(b.available for b in fresh)
    if pickable < quantity:
        raise Shortfall.of(
            subject,
            quantity,
            pickable,
            expired=sum(b.available for b in usable) - pickable,
            not_pickable=sum(b.available for b in candidates) - sum(b.available for b in usable),
        )
    taken: list[Allocation] = []
    left = quantity
    for bucket in sorted(fresh, key=fefo_order):
        if left == 0:
            break
        take = min(left, bucket.available)
        if take:
            code = None if bucket.lot is None else bucket.lot.code
            taken.append(Allocation(bucket.location.code, code, take))
            left -= take
    return tuple(taken)


def serial_order(unit: SerialUnit) -> tuple[datetime, str, str]:
    """Serials go oldest receipt first, then by location code, then by serial."""
    return (unit.received_at, unit.location.code, unit.serial)


def pick_serials(
    units: Iterable[SerialUnit],
    quantity: int,
    *,
    location: str | None = None,
    serials: Sequence[str] | None = None,
    subject: str = "stock",
) -> tuple[Allocation, ...]:
    """Take ``quantity`` serial-numbered units: those named, else the oldest receipts
    first from pickable locations (or from the named ``location``).

    Named serials must be one per unit and each in stock (at ``location`` if
    named): else 422 or :class:`InsufficientStock` naming the missing ones.
    """
    if quantity < 1:
        raise ValueError(f"a pick takes at least one unit, not {quantity}")
    by_serial: dict[str, SerialUnit] = {}
    for unit in units:
        if unit.serial in by_serial:
            raise ValueError(f"serial {unit.serial!r} is given twice")
        by_serial[unit.serial] = unit
    candidates = [u for u in by_serial.values() if location is None or u.location.code == location]
    if serials is not None:
        chosen = _named(serials, quantity, {u.serial: u for u in candidates}, subject)
    else:
        usable = [u for u in candidates if location is not None or u.location.pickable]
        if len(usable) < quantity:
            raise Shortfall.of(
                subject, quantity, len(usable), not_pickable=len(candidates) - len(usable)
            )
        chosen = sorted(usable, key=serial_order)[:quantity]
    groups: dict[str, list[str]] = {}
    for unit in chosen:
        groups.setdefault(unit.location.code, []).append(unit.serial)
    return tuple(Allocation(code, None, len(group), tuple(group)) for code, group in groups.items())


def _named(
    serials: Sequence[str], quantity: int, held: dict[str, SerialUnit], subject: str
) -> list[SerialUnit]:
    if len(serials) != quantity or len(set(serials)) != len(serials):
        raise ValidationFailed(
            f"{len(serials)} serial(s) named for a quantity of {quantity}",
            (FieldError("serials", f"name {quantity} different serial(s), one per unit"),),
        )
    missing = [serial for serial in serials if serial not in held]
    if missing:
        raise InsufficientStock(f"{subject}: serial(s) not in stock here: {', '.join(missing)}")
    return sorted((held[serial] for serial in serials), key=serial_order)


def _checked(buckets: Iterable[Bucket], quantity: int) -> list[Bucket]:
    if quantity < 1:
        raise ValueError(f"a pick takes at least one unit, not {quantity}")
    checked: list[Bucket] = []
    seen: set[tuple[str, str | None]] = set()
    warehouses: set[str] = set()
    for bucket in buckets:
        key = (bucket.location.code, None if bucket.lot is None else bucket.lot.code)
        if key in seen:
            raise ValueError(f"two buckets for location {key[0]!r}, lot {key[1]!r}")
        if bucket.available < 0:
            raise ValueError(f"bucket {key} has {bucket.available} available")
        seen.add(key)
        warehouses.add(bucket.location.warehouse)
        checked.append(bucket)
    if len(warehouses) > 1:
        raise ValueError(f"a pick is made in one warehouse, not {sorted(warehouses)}")
    return checked
