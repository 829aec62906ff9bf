"""The PMO's standards as reporting applies them, rule by rule: the set in force on a status date
(the latest effective on or before it; of one day, the later in the stream), health with a band
per index, the defaults for a tenant without standards then, and a Project Office's reporting
compliance on the shorter of its own cadence and the standards' (the longest allowed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from reporting_svc.application.reports import ReportService, office_report, project_report
from reporting_svc.application.standards import (
    Cadence,
    cadence_applied,
    thresholds_on,
    time_zone_on,
)
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag
from reporting_svc.readmodel.standards_queries import NO_STANDARDS, KnownStandards, StandardsSet

D = Decimal
ON = date.fromisoformat
LENIENT_SPI = HealthBand(green=D("0.90"), amber=D("0.80"))
STRICT_CPI = HealthBand(green=D("1.00"), amber=D("0.97"))


def standards(version: int, effective_on: str, *, cadence: int = 14, **bands: Any) -> StandardsSet:
    return StandardsSet(
        version=version,
        effective_on=ON(effective_on),
        spi=bands.get("spi", LENIENT_SPI),
        cpi=bands.get("cpi", STRICT_CPI),
        reporting_cadence_days=cadence,
        time_zone="Europe/Berlin",
    )


# --- the set in force ------------------------------------------------------------------------


def test_the_set_in_force_is_the_latest_effective_on_or_before_the_day() -> None:
    march, june = standards(1, "2026-03-01"), standards(2, "2026-06-01")
    known = KnownStandards((march, june))
    assert known.in_force(ON("2026-02-28")) is None  # before the first: none (the defaults)
    assert known.in_force(ON("2026-03-01")) is march  # from its effective day
    assert known.in_force(ON("2026-05-31")) is march
    assert known.in_force(ON("2026-06-01")) is june
    assert known.in_force(date.max) is june
    assert NO_STANDARDS.in_force(ON("2026-06-01")) is None


def test_of_two_sets_effective_the_same_day_the_later_in_the_stream_is_in_force() -> None:
    first, correction = standards(3, "2026-03-01"), standards(4, "2026-03-01", cadence=7)
    assert KnownStandards((first, correction)).in_force(ON("2026-03-01")) is correction
    # A set recorded later but dated earlier stays behind the one dated later.
    late_entry = standards(5, "2026-02-01", cadence=30)
    ordered = KnownStandards((late_entry, first, correction))
    assert ordered.in_force(ON("2026-03-02")) is correction
    assert ordered.in_force(ON("2026-02-15")) is late_entry


# --- health with a band per index ------------------------------------------------------------


def test_each_index_is_rated_on_its_own_band() -> None:
    thresholds = HealthThresholds(spi=LENIENT_SPI, cpi=STRICT_CPI, source="pmo-standards")
    # SPI 0.92: green from 0.90 on SPI; CPI 0.98: amber under a green of 1.00 on CPI.
    assert thresholds.rate(D("0.92"), D("0.98")) == Health(Rag.GREEN, Rag.AMBER, Rag.AMBER)
    assert thresholds.rate(D("0.79"), D("1.00")) == Health(Rag.RED, Rag.GREEN, Rag.RED)
    assert thresholds.rate(None, D("0.96")) == Health(None, Rag.RED, Rag.RED)


def test_the_defaults_form_one_band_for_both_indices_and_say_so() -> None:
    defaults = HealthThresholds(green=D("0.95"), amber=D("0.85"))
    assert defaults.spi == defaults.cpi == HealthBand(D("0.95"), D("0.85"))
    assert (defaults.source, defaults.effective_on) == ("default", None)
    assert HealthThresholds() == defaults
    assert HealthThresholds(spi=LENIENT_SPI).cpi == HealthBand()  # the other keeps the default
    with pytest.raises(ValueError, match="amber"):
        HealthBand(green=D("0.80"), amber=D("0.90"))


def _service(default: HealthThresholds | None = None) -> ReportService:
    return ReportService(cast(Any, None), thresholds=default or HealthThresholds())


def test_the_thresholds_on_a_day_come_from_the_standards_in_force_else_the_defaults() -> None:
    default = HealthThresholds(green=D("0.93"), amber=D("0.80"))
    service = _service(default)
    known = KnownStandards((standards(1, "2026-03-01"),))
    assert service.thresholds_on(known, ON("2026-02-28")) is default  # effective later
    in_force = service.thresholds_on(known, ON("2026-03-01"))
    assert (in_force.spi, in_force.cpi) == (LENIENT_SPI, STRICT_CPI)
    assert (in_force.source, in_force.effective_on) == ("pmo-standards", ON("2026-03-01"))
    assert service.thresholds_on(NO_STANDARDS, ON("2026-03-01")) is default


def test_the_thresholds_of_a_set_say_where_they_come_from() -> None:
    default = HealthThresholds(green=D("0.93"), amber=D("0.80"))
    known = KnownStandards((standards(1, "2026-03-01"),))
    assert thresholds_on(known, ON("2026-02-28"), defaults=default) is default
    assert thresholds_on(known, ON("2026-03-01"), defaults=default) == HealthThresholds(
        spi=LENIENT_SPI, cpi=STRICT_CPI, source="pmo-standards", effective_on=ON("2026-03-01")
    )


def test_the_time_zone_is_the_standards_in_force_else_the_default() -> None:
    utc = ZoneInfo("UTC")
    known = KnownStandards((standards(1, "2026-03-01"),))
    assert time_zone_on(known, ON("2026-03-01"), default=utc) == ZoneInfo("Europe/Berlin")
    assert time_zone_on(known, ON("2026-02-28"), default=utc) is utc  # not in force yet
    unknown = StandardsSet(
        version=2,
        effective_on=ON("2026-04-01"),
        spi=LENIENT_SPI,
        cpi=STRICT_CPI,
        reporting_cadence_days=14,
        time_zone="Mars/Olympus_Mons",
    )
    assert time_zone_on(KnownStandards((unknown,)), ON("2026-04-01"), default=utc) is utc


def _project_row() -> Any:
    # Day 50 of 100: PV 50,000; 46 % done: EV 46,000 (SPI 0.92); AC 46,900 (CPI 0.9808).
    return SimpleNamespace(
        project_id=uuid4(),
        code="S-1",
        name="Standards",
        manager="pm-ann",
        currency="EUR",
        status="active",
        baseline={"bac": "100000", "start": "2026-01-01", "finish": "2026-04-11", "points": []},
        progress=[("2026-02-15", "46")],
        costs=[("2026-02-01", "46900")],
        open_risks=[],
        milestones={"total": 0, "achieved": 0, "due": 0, "overdue": 0},
        ended_on=None,
    )


def test_a_projects_health_follows_the_thresholds_of_its_report() -> None:
    row, at, known_at = _project_row(), ON("2026-02-20"), datetime(2026, 3, 1, tzinfo=UTC)
    by_default = project_report(
        row, at=at, known_at=known_at, thresholds=HealthThresholds(), manager="pm-ann"
    )
    assert (by_default.metrics.spi, by_default.metrics.cpi) == (D("0.9200"), D("0.9808"))
    assert by_default.metrics.health == Health(Rag.AMBER, Rag.GREEN, Rag.AMBER)
    standard = HealthThresholds(spi=LENIENT_SPI, cpi=STRICT_CPI, source="pmo-standards")
    by_standards = project_report(row, at=at, known_at=known_at, thresholds=standard, manager="")
    assert by_standards.metrics.health == Health(Rag.GREEN, Rag.AMBER, Rag.AMBER)
    assert by_standards.thresholds is standard


# --- Project Office reporting compliance -----------------------------------------------------


def test_the_cadence_applied_is_the_shorter_of_the_offices_and_the_standards() -> None:
    assert cadence_applied(30, None) == Cadence(30, "office", 30, None, None)
    assert cadence_applied(30, standards(1, "2026-03-01", cadence=14)) == Cadence(
        14, "pmo-standards", 30, 14, ON("2026-03-01")
    )
    # An office may report more often than the standard asks; a tie is the office's own.
    assert cadence_applied(7, standards(1, "2026-03-01", cadence=14)).source == "office"
    assert cadence_applied(14, standards(1, "2026-03-01", cadence=14)).source == "office"
    assert cadence_applied(0, None).days == 1  # at least a day, as the events say


def _office(*, cadence: int, last_report_on: str | None, disbanded_on: str | None = None) -> Any:
    last = None if last_report_on is None else {"published_on": last_report_on}
    return SimpleNamespace(
        established_on=ON("2026-03-01"),
        disbanded_on=None if disbanded_on is None else ON(disbanded_on),
        reports_by_kind={"status": 1} if last else {},
        last_report=last,
        reporting_cadence_days=cadence,
        staff_count=1,
    )


def test_an_office_is_overdue_by_the_standards_cadence_when_shorter_than_its_own() -> None:
    row = _office(cadence=30, last_report_on="2026-03-10")
    known = KnownStandards((standards(1, "2026-03-01", cadence=14),))
    on = ON("2026-03-31")  # 21 days after its last report: within 30, beyond 14
    assert not office_report(row, on=on, lead="", standards=NO_STANDARDS).overdue
    judged = office_report(row, on=on, lead="", standards=known)
    assert (judged.overdue, judged.cadence.days, judged.cadence.source) == (
        True,
        14,
        "pmo-standards",
    )
    assert judged.reports_expected == 30 // 14  # 30 days alive, a report every 14 days


def test_standards_effective_after_the_status_date_do_not_judge_the_office() -> None:
    row = _office(cadence=30, last_report_on="2026-03-10")
    later = KnownStandards((standards(1, "2026-04-01", cadence=14),))
    report = office_report(row, on=ON("2026-03-31"), lead="", standards=later)
    assert (report.overdue, report.cadence.source, report.cadence.standard_days) == (
        False,
        "office",
        None,
    )


def test_a_disbanded_office_is_judged_on_the_cadence_of_its_last_day_and_never_overdue() -> None:
    row = _office(cadence=30, last_report_on=None, disbanded_on="2026-03-29")
    known = KnownStandards(
        (standards(1, "2026-03-01", cadence=14), standards(2, "2026-03-30", cadence=7))
    )
    report = office_report(row, on=ON("2026-06-01"), lead="", standards=known)
    assert (report.overdue, report.cadence.days, report.reports_expected) == (False, 14, 2)
