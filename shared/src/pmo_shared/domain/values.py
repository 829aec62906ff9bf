"""Value types every service's events and commands use: exact money, bounded text, ids,
business dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Annotated, Any

from iso4217 import Currency
from pydantic import AfterValidator, AwareDatetime, Field

from pmo_shared.domain.errors import InvalidValueError

# Exact money: up to 4 decimal places (enough for any ISO 4217 minor unit), never a float.
Amount = Annotated[Decimal, Field(max_digits=19, decimal_places=4, allow_inf_nan=False)]
PositiveAmount = Annotated[
    Decimal, Field(gt=0, max_digits=19, decimal_places=4, allow_inf_nan=False)
]
NonNegativeAmount = Annotated[
    Decimal, Field(ge=0, max_digits=19, decimal_places=4, allow_inf_nan=False)
]

# -- money rules: ISO 4217 minor units (the maintained `iso4217` package, not a table of ours) --
# An amount has at most its currency's minor unit of decimal places (EUR 2, JPY 0, BHD 3): the
# domain checks it with `check_amount`. Every response carries an amount as one `canonical`
# string with exactly that exponent ("2500000.00" EUR, "2500000" JPY), rounded half-even from
# what an event holds (events recorded before the rule may hold up to 4 decimals).
STORED_DECIMALS = 4  # what `Amount` keeps; the exponent a code ISO 4217 no longer lists reads at
_WIDE = Context(prec=60)  # quantizing never runs out of digits


class AmountPrecisionError(InvalidValueError):
    """An amount has more decimal places than its currency's ISO 4217 minor unit (422)."""

    def __init__(self, *, what: str, amount: Decimal, currency: str, exponent: int) -> None:
        places = _decimal_places(amount)
        super().__init__(
            f"{what} {amount} has {places} decimal place{'s' * (places != 1)}; {currency} "
            f"amounts have at most {exponent} (the ISO 4217 minor unit of {currency})"
        )
        self.currency = currency
        self.exponent = exponent

    def problem_extra(self) -> dict[str, Any]:
        """The currency and its minor unit."""
        return {"currency": self.currency, "minor_unit": self.exponent}


@lru_cache(maxsize=512)  # every amount of every response asks; a refused code is not kept
def minor_unit(currency: str) -> int:
    """The ISO 4217 minor unit (exponent) of `currency`: EUR 2, JPY 0, BHD 3. A code ISO 4217
    does not list, or one without a minor unit (XAU, XDR ...), is refused (422)."""
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        raise InvalidValueError(f"{currency!r} is not an ISO 4217 currency code") from None
    if exponent is None:
        raise InvalidValueError(
            f"{currency} has no ISO 4217 minor unit: it is not a currency amounts are kept in"
        )
    return exponent


def check_amount(amount: Decimal, currency: str, *, what: str = "amount") -> Decimal:
    """`amount` at exactly `currency`'s minor unit ("12.5" EUR → 12.50); more decimal places
    than the minor unit are refused (422, `AmountPrecisionError`). Trailing zeros do not count:
    "100.00" is a valid JPY amount, 100."""
    exponent = minor_unit(currency)
    if not amount.is_finite():
        raise InvalidValueError(f"{what} {amount} is not a finite amount")
    if _decimal_places(amount) > exponent:
        raise AmountPrecisionError(what=what, amount=amount, currency=currency, exponent=exponent)
    return amount.quantize(_unit(exponent), context=_WIDE)


def reading_exponent(currency: str) -> int:
    """The exponent amounts of `currency` are shown with: its ISO 4217 minor unit; for a code
    ISO 4217 no longer lists (withdrawn since it was recorded), the 4 decimals events keep."""
    try:
        return minor_unit(currency)
    except InvalidValueError:
        return STORED_DECIMALS


@lru_cache(maxsize=512)
def money_quantum(currency: str) -> Decimal:
    """The smallest amount of `currency` a response shows: 0.01 EUR, 1 JPY, 0.001 BHD."""
    return _unit(reading_exponent(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-even to `currency`'s minor unit (2.345 EUR → 2.34, 2.355 → 2.36)."""
    return amount.quantize(money_quantum(currency), rounding=ROUND_HALF_EVEN, context=_WIDE)


def canonical(amount: Decimal, currency: str) -> str:
    """The one string every response shows `amount` of `currency` as: plain decimal notation
    with exactly the currency's exponent, rounded half-even, never "-0" (EUR "2500000.00", JPY
    "2500000", BHD "1.250")."""
    rounded = round_money(amount, currency)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"


def _unit(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def _decimal_places(amount: Decimal) -> int:
    """Significant decimal places: 0.10 has 1, 100.00 has 0."""
    exponent = amount.normalize(_WIDE).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


CANONICAL_MONEY = (
    "money: a decimal string with exactly the currency's ISO 4217 minor unit of decimal places "
    '(EUR "2500000.00", JPY "2500000", BHD "1.250"), rounded half-even'
)
CanonicalAmount = Annotated[
    str,
    Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", description=CANONICAL_MONEY, examples=["2500000.00"]),
]
"""An amount in a response: `canonical(amount, currency)`."""


Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Probability = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=10_000)]
UserId = Annotated[str, Field(min_length=1, max_length=200)]

# Business dates the API accepts: wide enough for any project's history and plan, and far from
# the ends of Python's calendar (asyncpg sends date.min/date.max as -infinity/infinity, and
# date arithmetic near them overflows). Events already stored may hold any date; readers cope.
FIRST_BUSINESS_DATE = date(1900, 1, 1)
LAST_BUSINESS_DATE = date(2999, 12, 31)
BUSINESS_DATE_RANGE = f"{FIRST_BUSINESS_DATE.isoformat()}..{LAST_BUSINESS_DATE.isoformat()}"
BusinessDate = Annotated[date, Field(ge=FIRST_BUSINESS_DATE, le=LAST_BUSINESS_DATE)]
"""A business date of a request (YYYY-MM-DD within `BUSINESS_DATE_RANGE`; 422 outside)."""


def in_business_range(instant: datetime) -> datetime:
    """`instant` if its UTC date lies within the business date range; else a ValueError."""
    try:
        day = instant.astimezone(UTC).date()
    except OverflowError:  # beyond the calendar once its offset is applied
        day = None
    if day is None or not FIRST_BUSINESS_DATE <= day <= LAST_BUSINESS_DATE:
        raise ValueError(f"the instant must fall within {BUSINESS_DATE_RANGE} (UTC)")
    return instant


RecordInstant = Annotated[AwareDatetime, AfterValidator(in_business_range)]
"""A record-time instant of a request (`known_at`): ISO 8601 with its offset, its UTC date
within `BUSINESS_DATE_RANGE` (422 otherwise)."""
