"""Exact decimal arithmetic for the EVM figures: one context, rounding only at the end."""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import ParamSpec, TypeVar, overload

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Every intermediate step runs at 28 significant digits; results are quantized once, at the
# end, so that rounding never compounds (a rounded CPI must not feed EAC).
_TRAPS = [InvalidOperation, DivisionByZero, Overflow]
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=_TRAPS)
MONEY = Decimal("0.01")
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


@overload
def rounded(value: Decimal, unit: Decimal) -> Decimal: ...
@overload
def rounded(value: None, unit: Decimal) -> None: ...
def rounded(value: Decimal | None, unit: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(unit, rounding=ROUND_HALF_EVEN)


def divide(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    # An undefined ratio is None, never 0 (docs/design.md §4); so is one built on an undefined
    # ratio.
    if denominator is None or denominator == 0:
        return None
    return numerator / denominator
