"""Value types of projects (the kernel's `pmo_shared.domain.values` has money, text and ids)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pmo_shared.domain.values import NonNegativeAmount


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
