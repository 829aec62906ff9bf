"""Risk along the dependencies, by hand: a prerequisite's forecast finish is planned start +
planned duration / SPI (whole days, rounded up), unknown without an SPI or with SPI 0; a member
is at risk when a project it needs is red or is forecast to finish after the member's planned
start, and `unknown` when that cannot be told."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from reporting_svc.domain.dependencies import (
    Assessment,
    Dependency,
    DependencyRisk,
    Reason,
    Schedule,
    assess,
    forecast_finish,
    member_risk,
)
from reporting_svc.domain.health import Rag

D = Decimal
START, FINISH = date(2026, 1, 1), date(2026, 4, 11)  # 100 days


def prerequisite(spi: str | None, health: Rag | None = None) -> Schedule:
    return Schedule(START, FINISH, None if spi is None else D(spi), health)


def dependent(start: date | None) -> Schedule:
    return Schedule(start, None if start is None else date(2026, 12, 31), D(1), Rag.GREEN)


@pytest.mark.parametrize(
    ("spi", "finish"),
    [
        ("1", date(2026, 4, 11)),  # on plan: the planned finish
        ("0.8", date(2026, 5, 6)),  # 100 / 0.8 = 125 days
        ("0.7", date(2026, 5, 24)),  # 100 / 0.7 = 142.86: 143 days
        ("1.25", date(2026, 3, 22)),  # ahead: 80 days
        ("0.9999", date(2026, 4, 12)),  # 100.01 days: any slip is the next day
    ],
)
def test_the_forecast_stretches_the_planned_duration_by_the_spi(spi: str, finish: date) -> None:
    assert forecast_finish(prerequisite(spi)) == finish


@pytest.mark.parametrize("spi", [None, "0", "0.0000"])
def test_without_an_spi_or_with_spi_0_the_forecast_is_unknown(spi: str | None) -> None:
    assert forecast_finish(prerequisite(spi)) is None


def test_without_a_schedule_or_beyond_the_calendar_the_forecast_is_unknown() -> None:
    assert forecast_finish(Schedule(None, None, D(1), Rag.GREEN)) is None
    far = Schedule(date(9000, 1, 1), date(9900, 1, 1), D("0.0001"), Rag.RED)
    assert forecast_finish(far) is None
    same_day = Schedule(START, START, D("0.5"), None)
    assert forecast_finish(same_day) == START


def _dependency() -> Dependency:
    return Dependency(uuid4(), dependent=uuid4(), prerequisite=uuid4(), kind="finish_to_start")


def test_a_prerequisite_forecast_to_finish_after_the_planned_start_puts_it_at_risk() -> None:
    late = assess(
        _dependency(), dependent=dependent(date(2026, 5, 1)), prerequisite=prerequisite("0.8")
    )
    assert (late.forecast_finish, late.dependent_start) == (date(2026, 5, 6), date(2026, 5, 1))
    assert (late.risk, late.reasons) == (DependencyRisk.AT_RISK, (Reason.FORECAST_AFTER_START,))
    in_time = assess(
        _dependency(), dependent=dependent(date(2026, 5, 6)), prerequisite=prerequisite("0.8")
    )
    assert (in_time.risk, in_time.reasons) == (DependencyRisk.NONE, ())  # finishing that day


def test_a_red_prerequisite_puts_it_at_risk_even_when_its_finish_is_unknown() -> None:
    red = assess(
        _dependency(),
        dependent=dependent(date(2027, 1, 1)),
        prerequisite=prerequisite(None, Rag.RED),
    )
    assert (red.forecast_finish, red.risk, red.reasons) == (
        None,
        DependencyRisk.AT_RISK,
        (Reason.PREREQUISITE_RED,),
    )
    both = assess(
        _dependency(),
        dependent=dependent(date(2026, 4, 1)),
        prerequisite=prerequisite("0.5", Rag.RED),
    )
    assert both.reasons == (Reason.PREREQUISITE_RED, Reason.FORECAST_AFTER_START)


@pytest.mark.parametrize(
    ("member", "needed"),
    [
        (dependent(date(2026, 9, 1)), prerequisite(None, Rag.AMBER)),  # SPI null
        (dependent(date(2026, 9, 1)), prerequisite("0", Rag.AMBER)),  # SPI 0
        (dependent(None), prerequisite("1", Rag.GREEN)),  # its own start unknown
        (dependent(date(2026, 9, 1)), None),  # the prerequisite not known yet
        (None, prerequisite("1", Rag.GREEN)),
    ],
    ids=["spi-null", "spi-zero", "no-start", "unknown-prerequisite", "unknown-dependent"],
)
def test_what_cannot_be_told_is_unknown_never_assumed_safe(
    member: Schedule | None, needed: Schedule | None
) -> None:
    assessment = assess(_dependency(), dependent=member, prerequisite=needed)
    assert (assessment.risk, assessment.reasons) == (DependencyRisk.UNKNOWN, ())


def _on(member: UUID, spi: str | None, start: date) -> Assessment:
    needs = Dependency(uuid4(), dependent=member, prerequisite=uuid4(), kind="deliverable")
    return assess(needs, dependent=dependent(start), prerequisite=prerequisite(spi))


def test_a_member_takes_the_worst_risk_of_its_dependencies() -> None:
    member, other = uuid4(), uuid4()
    clear = _on(member, "1", date(2026, 6, 1))
    unknown = _on(member, None, date(2026, 6, 1))
    late = _on(other, "0.5", date(2026, 6, 1))
    assert member_risk([clear], member=member) == DependencyRisk.NONE
    assert member_risk([clear, unknown, late], member=member) == DependencyRisk.UNKNOWN
    assert member_risk([clear, unknown, late], member=other) == DependencyRisk.AT_RISK
    assert member_risk([], member=member) == DependencyRisk.NONE
