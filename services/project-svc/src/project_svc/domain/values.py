"""Value types shared by the project and Project Office aggregates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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


class ProjectStatus(StrEnum):
    """Where a project is in its lifecycle."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class Methodology(StrEnum):
    """How the project is run."""

    WATERFALL = "waterfall"
    AGILE = "agile"
    HYBRID = "hybrid"


class Rag(StrEnum):
    """Red / amber / green rating."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class PlannedValuePoint(BaseModel):
    """A point of the baseline's planned-value curve: by `date`, `planned_value` of the
    budget is planned to be earned (cumulative)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: date
    planned_value: NonNegativeAmount
    label: Annotated[str, Field(max_length=200)] = ""
