"""A product's base unit and packs, and exact conversion between them (API.md §13).

Every figure is an integer number of base units; nothing here ever rounds.
A quantity a client enters with a unit becomes base units here, before any
stock rule sees it (docs/adr/0021-units-and-packs.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.errors import FieldError, ValidationFailed
from inventory.domain.gs1 import barcode_key
from inventory.domain.stock import MAX_UNITS


@dataclass(frozen=True, slots=True)
class Pack:
    """A unit the product also comes in: ``quantity`` base units per pack (> 1)."""

    unit: str
    quantity: int
    barcode: str | None = None


@dataclass(frozen=True, slots=True)
class Entered:
    """A quantity as the client entered it, in the base unit or a pack's unit."""

    unit: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Units:
    """The base unit of a product and its packs; built by :meth:`of`, which checks them."""

    base: str
    packs: tuple[Pack, ...] = ()

    @classmethod
    def of(cls, base: str, packs: tuple[Pack, ...] = (), barcode: str | None = None) -> Units:
        """Refuse (422) a pack of 1 or fewer units, a unit twice or named like the base
        unit (ignoring case), or a barcode on two packs or on a pack and the product
        itself (``barcode``); GTINs are compared as 14 digits."""
        errors: list[FieldError] = []
        units = {base.lower()}
        barcodes = set() if barcode is None else {barcode_key(barcode)}
        for n, pack in enumerate(packs):
            if pack.quantity <= 1 or pack.quantity > MAX_UNITS:
                errors.append(
                    FieldError(
                        f"packs.{n}.quantity",
                        f"a pack holds more than 1 and at most {MAX_UNITS} base units,"
                        f" not {pack.quantity}",
                    )
                )
            if pack.unit.lower() in units:
                errors.append(
                    FieldError(f"packs.{n}.unit", f"unit {pack.unit!r} is already in use")
                )
            units.add(pack.unit.lower())
            if pack.barcode is not None:
                key = barcode_key(pack.barcode)
                if key in barcodes:
                    errors.append(
                        FieldError(
                            f"packs.{n}.barcode",
                            f"barcode {pack.barcode!r} is already the product's or a pack's",
                        )
                    )
                barcodes.add(key)
        if errors:
            raise ValidationFailed(f"{len(errors)} problem(s) with the packs", tuple(errors))
        return cls(base, packs)

    def per(self, unit: str) -> int:
        """How many base units one ``unit`` holds; refuses (422) a unit not of this product."""
        if unit == self.base:
            return 1
        for pack in self.packs:
            if pack.unit == unit:
                return pack.quantity
        known = ", ".join(repr(name) for name in self.names)
        raise ValidationFailed(
            f"unknown unit {unit!r}: the product's units are {known}",
            (FieldError("unit", f"unit {unit!r} is not one of {known}"),),
        )

    def to_base(self, entered: Entered, minimum: int = 1, maximum: int = MAX_UNITS) -> int:
        """``entered`` in base units; refuses (422) fewer than ``minimum`` or over ``maximum``."""
        if entered.quantity < minimum:
            raise ValidationFailed(
                f"quantity {entered.quantity} is below {minimum}",
                (FieldError("quantity", f"must be at least {minimum}"),),
            )
        base = entered.quantity * self.per(entered.unit)
        if base > maximum:
            what = "one level may hold" if maximum == MAX_UNITS else "one quantity may name"
            raise ValidationFailed(
                f"{entered.quantity} {entered.unit} is {base} base units,"
                f" more than the {maximum} {what}",
                (FieldError("quantity", f"at most {maximum} base units"),),
            )
        return base

    def convert(
        self,
        quantity: int,
        unit: str | None,
        *,
        field: str = "quantity",
        minimum: int = 1,
        maximum: int = MAX_UNITS,
    ) -> tuple[int, Entered | None]:
        """``quantity`` of ``unit`` as base units, and what was entered (None without a unit:
        the quantity is in base units already). A refusal names ``field`` and the unit
        field beside it (``lines.0.quantity``, ``lines.0.unit``)."""
        if unit is None:
            return quantity, None
        entered = Entered(unit, quantity)
        try:
            return self.to_base(entered, minimum, maximum), entered
        except ValidationFailed as exc:
            prefix = field.rpartition(".")[0]
            renamed = tuple(
                FieldError(
                    field if error.field == "quantity" else _beside(prefix, error.field),
                    error.message,
                )
                for error in exc.errors
            )
            raise ValidationFailed(exc.detail, renamed) from None

    @property
    def names(self) -> tuple[str, ...]:
        """The base unit, then each pack's unit."""
        return (self.base, *(pack.unit for pack in self.packs))

    def in_unit(self, base_quantity: int, unit: str) -> tuple[int, int]:
        """``base_quantity`` as whole ``unit``s and the base units left over."""
        if base_quantity < 0:
            raise ValueError(f"a quantity of base units is never negative: {base_quantity}")
        return divmod(base_quantity, self.per(unit))

    def by_barcode(self, code: str) -> Pack | None:
        """The pack whose barcode matches ``code`` (GTINs compared as 14 digits), if any."""
        key = barcode_key(code)
        for pack in self.packs:
            if pack.barcode is not None and barcode_key(pack.barcode) == key:
                return pack
        return None


def _beside(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
