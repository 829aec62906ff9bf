"""Exact decimal arithmetic for the EVM figures: one context, rounding only at the end."""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Every intermediate step runs at 28 significant digits; results are quantized once, at the
# end, so that rounding never compounds (a rounded CPI must not feed EAC).
_TRAPS = [InvalidOperation, DivisionByZero, Overflow]
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=_TRAPS)
RATIO = Decimal("0.0001")
PERCENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def exact(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `fn` in the module's exact decimal context, whatever the caller's context is."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(_CONTEXT):
            return fn(*args, **kwargs)

    return wrapper


# Rounding keeps every digit a figure has (28 significant digits may hold 10^26 at 0.01, and
# a sum of such figures more); a figure too large even for this is one that cannot be given.
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=_TRAPS)


def rounded(value: Decimal | None, unit: Decimal) -> Decimal | None:
    """`value` to a multiple of `unit`; None when it is None or too large to be shown."""
    if value is None or not value.is_finite():
        return None
    try:
        return value.quantize(unit, context=_ROUNDING)
    except InvalidOperation:  # more digits than even the rounding context holds
        return None


def computed(compute: Callable[[], _R]) -> _R | None:
    """The result of `compute`, or None when its arithmetic fails (an overflow, an operation
    on values no event should carry): a figure that cannot be computed is not given."""
    try:
        return compute()
    except ArithmeticError:
        return None


def divide(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    # An undefined ratio is None, never 0 (docs/design.md §4); so is one built on an undefined
    # ratio.
    if denominator is None or denominator == 0:
        return None
    return numerator / denominator
