"""The PMO's standards as the reports apply them (`readmodel.standards_queries` reads them): of
the sets a tenant had recorded by a report's instant of knowledge, the one in force on a day
(its status date, or the day a project or office ended) chooses

- the health thresholds: SPI rated on its SPI band, CPI on its CPI band (`thresholds_on`);
- a Project Office's reporting cadence: the shorter of the office's own and the standards'
  (the standard is the longest allowed; `cadence_applied`);
- the tenant's time zone, by which its today and the day a fact without a business date of its
  own counts from are told (`time_zone_on`).

Without a set in force on the day (none yet, or none effective by then) the defaults stay: the
service's thresholds (HEALTH_GREEN / HEALTH_AMBER), the office's cadence, the zone of the
environment (TENANT_TIME_ZONES / DEFAULT_TIME_ZONE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from reporting_svc.domain.health import HealthThresholds
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
