"""Health (RAG) from the PMO's thresholds on SPI and CPI."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Rag(StrEnum):
    """Red / amber / green health rating."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


_SEVERITY = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """PMO thresholds on SPI and CPI: green at or above `green`, amber at or above `amber`."""

    green: Decimal = Decimal("0.95")
    amber: Decimal = Decimal("0.85")

    def __post_init__(self) -> None:
        if self.amber > self.green:
            raise ValueError("the amber threshold must not exceed the green one")


@dataclass(frozen=True, slots=True)
class Health:
    """Schedule (SPI), cost (CPI) and overall (worse of the two) ratings."""

    schedule: Rag | None
    cost: Rag | None
    overall: Rag | None


def rag(index: Decimal | None, thresholds: HealthThresholds) -> Rag | None:
    """Rating of a performance index, None when the index is undefined."""
    if index is None:
        return None
    if index >= thresholds.green:
        return Rag.GREEN
    if index >= thresholds.amber:
        return Rag.AMBER
    return Rag.RED


def worse(first: Rag | None, second: Rag | None) -> Rag | None:
    """The worse of two ratings; an undefined one yields to the other."""
    if first is None or second is None:
        return second if first is None else first
    return min(first, second, key=_SEVERITY.__getitem__)
