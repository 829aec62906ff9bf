"""Health (RAG) from the PMO's thresholds: a band on SPI and a band on CPI, each index rated on
its own band, overall the worse of the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal


class Rag(StrEnum):
    """Red / amber / green health rating."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


_SEVERITY = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}

DEFAULT_GREEN, DEFAULT_AMBER = Decimal("0.95"), Decimal("0.85")

ThresholdSource = Literal["pmo-standards", "default"]
"""Where thresholds come from: the PMO's standards in force at the status date, or the
service's defaults (its environment) for a tenant without standards then."""


@dataclass(frozen=True, slots=True)
class HealthBand:
    """The band of one index: green at or above `green`, amber at or above `amber`, red below."""

    green: Decimal = DEFAULT_GREEN
    amber: Decimal = DEFAULT_AMBER

    def __post_init__(self) -> None:
        if self.amber > self.green:
            raise ValueError("the amber threshold must not exceed the green one")


@dataclass(frozen=True, slots=True)
class Health:
    """Schedule (SPI), cost (CPI) and overall (worse of the two) ratings."""

    schedule: Rag | None
    cost: Rag | None
    overall: Rag | None


@dataclass(frozen=True, slots=True, init=False)
class HealthThresholds:
    """The PMO's thresholds: SPI rated on `spi`, CPI on `cpi`, and where they come from (the
    standards set in force from `effective_on`, or the defaults)."""

    spi: HealthBand
    cpi: HealthBand
    source: ThresholdSource
    effective_on: date | None

    def __init__(
        self,
        green: Decimal = DEFAULT_GREEN,
        amber: Decimal = DEFAULT_AMBER,
        *,
        spi: HealthBand | None = None,
        cpi: HealthBand | None = None,
        source: ThresholdSource = "default",
        effective_on: date | None = None,
    ) -> None:
        """One band for both indices from `green` and `amber` (the defaults' form), unless a
        band of its own is given for `spi` or `cpi`."""
        both = HealthBand(green, amber)
        object.__setattr__(self, "spi", spi or both)
        object.__setattr__(self, "cpi", cpi or both)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "effective_on", effective_on)

    def rate(self, spi: Decimal | None, cpi: Decimal | None) -> Health:
        """Schedule health of `spi` on the SPI band, cost health of `cpi` on the CPI band, and
        overall the worse of them."""
        schedule, cost = rag(spi, self.spi), rag(cpi, self.cpi)
        return Health(schedule, cost, worse(schedule, cost))


def rag(index: Decimal | None, band: HealthBand) -> Rag | None:
    """Rating of a performance index on its band, None when the index is undefined."""
    if index is None:
        return None
    if index >= band.green:
        return Rag.GREEN
    if index >= band.amber:
        return Rag.AMBER
    return Rag.RED


def worse(first: Rag | None, second: Rag | None) -> Rag | None:
    """The worse of two ratings; an undefined one yields to the other."""
    if first is None or second is None:
        return second if first is None else first
    return min(first, second, key=_SEVERITY.__getitem__)
