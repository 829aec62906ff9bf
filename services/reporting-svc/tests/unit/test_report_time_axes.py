"""The two time axes of a report, resolved for a tenant: the status date defaults to the
tenant's today (in its time zone) at the instant of knowledge, which defaults to now; an ended
project's figures are final on the day it ended; an office's life is counted in business days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from reporting_svc.application.reports import (
    Asked,
    OfficeReport,
    ReportService,
    When,
    office_report,
    status_date,
)
from reporting_svc.domain.health import HealthThresholds

# 23:30 UTC on 1 March: already 2 March in Berlin.
NOW = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
BERLIN, UTC_ZONE = ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")


def test_by_default_a_report_is_for_the_tenants_today_as_known_now() -> None:
    asked = Asked.resolve(When(), zone=BERLIN, now=NOW)
    assert (asked.cutoff.day, asked.cutoff.known_at, asked.cutoff.zone) == (
        date(2026, 3, 2),
        NOW,
        "Europe/Berlin",
    )
    assert (asked.today, asked.as_of) == (date(2026, 3, 2), None)
    assert Asked.resolve(When(), zone=UTC_ZONE, now=NOW).cutoff.day == date(2026, 3, 1)


def test_known_at_alone_asks_for_what_the_report_said_that_day() -> None:
    march_report = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    asked = Asked.resolve(When(known_at=march_report), zone=BERLIN, now=NOW)
    assert (asked.cutoff.day, asked.cutoff.known_at, asked.today) == (
        date(2026, 3, 31),
        march_report,
        date(2026, 3, 31),
    )


def test_both_axes_together() -> None:
    # What did the March report say about February?
    when = When(as_of=date(2026, 2, 28), known_at=datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    asked = Asked.resolve(when, zone=BERLIN, now=NOW)
    assert (asked.cutoff.day, asked.as_of, asked.today) == (
        date(2026, 2, 28),
        date(2026, 2, 28),
        date(2026, 3, 31),
    )


def test_the_service_resolves_in_each_tenants_zone() -> None:
    zones = {"acme": BERLIN, "globex": UTC_ZONE}
    service = ReportService(
        cast(Any, None),
        thresholds=HealthThresholds(green=Decimal("0.95"), amber=Decimal("0.85")),
        time_zone_of=zones.__getitem__,
        now=lambda: NOW,
    )
    assert service.asked("acme", When()).cutoff.day == date(2026, 3, 2)
    assert service.asked("globex", When()).cutoff.day == date(2026, 3, 1)


def test_the_status_date_is_the_one_asked_else_today_else_the_day_the_project_ended() -> None:
    today, ended = date(2026, 6, 15), date(2026, 4, 11)
    assert status_date(None, asked=date(2026, 2, 1), today=today) == date(2026, 2, 1)
    assert status_date(ended, asked=date(2026, 5, 1), today=today) == date(2026, 5, 1)
    assert status_date(None, asked=None, today=today) == today
    assert status_date(ended, asked=None, today=today) == ended
    assert status_date(date(2026, 7, 1), asked=None, today=today) == today


def _office(**row: Any) -> Any:
    defaults = {
        "established_on": date(2026, 2, 1),
        "disbanded_on": None,
        "reporting_cadence_days": 7,
        "reports_by_kind": {},
        "staff_events": 0,
        "staff_count": 0,
        "last_report": None,
    }
    return SimpleNamespace(**{**defaults, **row})


def _report(row: Any, *, on: date) -> OfficeReport:
    return office_report(row, on=on, lead="po-lu")


def test_an_offices_life_and_compliance_are_counted_in_business_days() -> None:
    established = _report(_office(), on=date(2026, 2, 8))
    late = _report(_office(), on=date(2026, 2, 9))
    last = {"published_on": "2026-02-20"}
    reporting = _report(
        _office(reports_by_kind={"status": 1}, last_report=last), on=date(2026, 2, 27)
    )
    disbanded = _report(_office(disbanded_on=date(2026, 3, 1)), on=date(2026, 6, 1))

    assert (established.state, established.lifetime_days, established.overdue) == (
        "established",
        7,
        False,
    )
    assert (late.lifetime_days, late.reports_expected, late.overdue) == (8, 1, True)
    assert (reporting.state, reporting.reports_published, reporting.overdue) == (
        "established",
        1,
        False,
    )
    assert (disbanded.state, disbanded.lifetime_days, disbanded.overdue) == ("disbanded", 28, False)


def test_the_office_state_is_project_svcs_and_working_says_whether_it_is_at_work() -> None:
    on = date(2026, 2, 27)
    idle = _report(_office(), on=on)
    staffed = _report(_office(staff_events=1, staff_count=1), on=on)
    released = _report(_office(staff_events=2, staff_count=0), on=on)
    reporting = _report(_office(reports_by_kind={"status": 1}), on=on)
    disbanded = _report(
        _office(staff_events=2, reports_by_kind={"status": 3}, disbanded_on=date(2026, 2, 20)),
        on=on,
    )

    assert [(o.state, o.working) for o in (idle, staffed, released, reporting, disbanded)] == [
        ("established", False),
        ("established", True),
        ("established", False),  # staffed once, nobody left: not at work
        ("established", True),
        ("disbanded", False),
    ]
