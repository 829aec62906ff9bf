"""The PMO's standards as the reports apply them (`readmodel.standards_queries` reads them): of
the sets a tenant had recorded by a report's instant of knowledge, the one in force on a day
(its status date, or the day a project or office ended) chooses

- the health thresholds: SPI rated on its SPI band, CPI on its CPI band (`thresholds_on`);
- a Project Office's reporting cadence: the shorter of the office's own and the standards'
  (the standard is the longest allowed; `cadence_applied`);
- the tenant's time zone, by which its today and the day a fact without a business date of its
  own counts from are told (`time_zone_on`);
- the size class of a project by its first baseline's BAC in its currency (`size_class_of`,
  the bands `size_classes[currency]` of the set, else `DEFAULT_SIZE_CLASSES`), and the other
  evaluation settings (`evaluation_settings`: minimum benchmark group, minimum reference class,
  fiscal year start month), read by `readmodel.evaluation_queries`.

Without a set in force on the day (none yet, or none effective by then) the defaults stay: the
service's thresholds (HEALTH_GREEN / HEALTH_AMBER), the office's cadence, the zone of the
environment (TENANT_TIME_ZONES / DEFAULT_TIME_ZONE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel.evaluation_queries import EvaluationStandards, SizeBand
from reporting_svc.readmodel.standards_queries import KnownStandards, StandardsSet

log = structlog.get_logger(__name__)


def thresholds_on(
    standards: KnownStandards, day: date, *, defaults: HealthThresholds
) -> HealthThresholds:
    """The health thresholds in force on `day`: the SPI and CPI bands of the set in force
    then (saying so, and since when), else `defaults`."""
    in_force = standards.in_force(day)
    if in_force is None:
        return defaults
    return HealthThresholds(
        spi=in_force.spi,
        cpi=in_force.cpi,
        source="pmo-standards",
        effective_on=in_force.effective_on,
    )


def time_zone_on(standards: KnownStandards, day: date, *, default: ZoneInfo) -> ZoneInfo:
    """The tenant's time zone by the set in force on `day`, else `default` (also for a zone
    this host does not know, which is logged)."""
    in_force = standards.in_force(day)
    if in_force is None:
        return default
    try:
        return ZoneInfo(in_force.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("reports.standards_zone_unknown", zone=in_force.time_zone)
        return default


@dataclass(frozen=True, slots=True)
class Cadence:
    """The reporting cadence an office was judged on (`days`): its own, or the standards'
    when shorter (`source`); the standards' cadence and the day their set took effect (None
    without standards in force)."""

    days: int
    source: Literal["office", "pmo-standards"]
    office_days: int
    standard_days: int | None
    effective_on: date | None


def cadence_applied(office_days: int, standards: StandardsSet | None) -> Cadence:
    """The cadence in force: the smaller of the office's own (at least a day, as the events
    say) and the standards' (the longest allowed); the office's own wins a tie."""
    own = max(office_days, 1)
    if standards is None:
        return Cadence(own, "office", office_days, None, None)
    standard = max(standards.reporting_cadence_days, 1)
    source: Literal["office", "pmo-standards"] = "office" if own <= standard else "pmo-standards"
    return Cadence(min(own, standard), source, office_days, standard, standards.effective_on)


# --- evaluation: size classes and minimum sizes ----------------------------------------------

DEFAULT_SIZE_CLASSES: tuple[SizeBand, ...] = (
    SizeBand("S", Decimal("250000")),
    SizeBand("M", Decimal("1000000")),
    SizeBand("L", None),
)
"""The size classes when the standards in force define none for a project's currency (or no
set is in force): S up to 250,000, M up to 1,000,000, L above, in any currency. The one place
reporting keeps them."""

DEFAULT_BENCHMARK_MIN_GROUP = 5
DEFAULT_REFERENCE_CLASS_MIN = 5
DEFAULT_FISCAL_YEAR_START_MONTH = 1


def size_bands_of(currency: str, standards: EvaluationStandards | None) -> tuple[SizeBand, ...]:
    """The size classes of `currency` by the set `standards` (the one in force at the status
    date; None: none in force): its `size_classes[currency]`, else `DEFAULT_SIZE_CLASSES`."""
    if standards is not None:
        bands = standards.size_classes.get(currency)
        if bands:
            return bands
    return DEFAULT_SIZE_CLASSES


def size_class_of(bac: Decimal, currency: str, standards: EvaluationStandards | None) -> str:
    """The size class of a project whose first baseline's BAC is `bac` in `currency`: the
    first band whose upper bound `up_to` (inclusive) it does not exceed, of the bands of the
    set in force (`size_bands_of`). Above a bounded last band (the standards allow only the
    last unbounded, but a stored set is not re-checked) it falls in the last band."""
    bands = size_bands_of(currency, standards)
    for band in bands:
        if band.up_to is None or bac <= band.up_to:
            return band.name
    return bands[-1].name


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """The evaluation settings applied: minimum benchmark group and reference class, the
    month the fiscal year starts in, and where they came from (`source`; the set's
    `effective_on` and `version` when from the standards)."""

    benchmark_min_group: int
    reference_class_min: int
    fiscal_year_start_month: int
    source: Literal["defaults", "pmo-standards"]
    effective_on: date | None
    version: int | None


def evaluation_settings(standards: EvaluationStandards | None) -> EvaluationSettings:
    """The evaluation settings of the set in force (`standards`), else the defaults (5, 5,
    January)."""
    if standards is None:
        return EvaluationSettings(
            DEFAULT_BENCHMARK_MIN_GROUP,
            DEFAULT_REFERENCE_CLASS_MIN,
            DEFAULT_FISCAL_YEAR_START_MONTH,
            "defaults",
            None,
            None,
        )
    return EvaluationSettings(
        standards.benchmark_min_group,
        standards.reference_class_min,
        standards.fiscal_year_start_month,
        "pmo-standards",
        standards.effective_on,
        standards.version,
    )
