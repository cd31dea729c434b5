"""Money and the moving weighted average cost (AVCO)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

FOUR_PLACES = Decimal("0.0001")
ZERO = Decimal("0.0000")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half-even to 4 decimal places, the unit of every stored amount."""
    try:
        return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the default context holds
        with localcontext() as wide:
            wide.prec = 80
            return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN)


def moving_average(held: int, average: Decimal, received: int, unit_cost: Decimal) -> Decimal:
    """The average cost after receiving ``received`` units at ``unit_cost``.

    ``a' = (n*a + q*c) / (n + q)`` rounded half-even to 4 places; with
    ``n + q == 0`` it is ``c``. The rounded figure is what the next receipt
    starts from.
    """
    total = held + received
    if total == 0:
        return money(unit_cost)
    # Enough digits that n*a + q*c and the quotient are exact before the one
    # rounding that counts: the default 28 would round large figures early.
    with localcontext() as exact:
        exact.prec = 80
        average = (held * average + received * unit_cost) / total
    return money(average)


def value_of(on_hand: int, average: Decimal) -> Decimal:
    """Stock value: units times average cost, 4 places."""
    return money(on_hand * average)
