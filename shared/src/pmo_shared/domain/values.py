"""Value types every service's events and commands use: exact money, bounded text, ids."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

# Exact money: up to 4 decimal places (enough for any ISO 4217 minor unit), never a float.
Amount = Annotated[Decimal, Field(max_digits=19, decimal_places=4, allow_inf_nan=False)]
PositiveAmount = Annotated[
    Decimal, Field(gt=0, max_digits=19, decimal_places=4, allow_inf_nan=False)
]
NonNegativeAmount = Annotated[
    Decimal, Field(ge=0, max_digits=19, decimal_places=4, allow_inf_nan=False)
]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Probability = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=10_000)]
UserId = Annotated[str, Field(min_length=1, max_length=200)]
