"""Money in a project: the currency is an ISO 4217 code with a minor unit, and every amount a
command takes has at most that many decimals, recorded at exactly that exponent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import AmountPrecisionError
from project_svc.domain.project import Project
from project_svc.domain.values import Methodology, PlannedValuePoint

from .given import PROJECT_ID, TODAY, approved, baselined, given, proposed, recorded, started

D = Decimal


def _active(currency: str) -> Project:
    return given(proposed(currency=currency), baselined(), approved(), started())


def _propose(currency: str) -> Project:
    return Project.propose(
        PROJECT_ID,
        code="PAY-1",
        name="Payroll upgrade",
        description="",
        manager="pm-ann",
        sponsor="cfo-bob",
        methodology=Methodology.HYBRID,
        currency=currency,
        flagged_large=False,
    )


def _cost(project: Project, amount: str) -> None:
    project.record_cost(
        amount=D(amount), incurred_on=TODAY, category="labour", description="", today=TODAY
    )


def _baseline(project: Project, bac: str, *points: PlannedValuePoint) -> None:
    project.set_baseline(
        budget_at_completion=D(bac),
        planned_start=date(2026, 1, 1),
        planned_finish=date(2026, 12, 31),
        planned_values=points,
        effective_on=TODAY,
        today=TODAY,
    )


@pytest.mark.parametrize("currency", ["EUR", "JPY", "BHD"])
def test_a_project_is_proposed_in_an_iso_4217_currency(currency: str) -> None:
    assert recorded(_propose(currency))[0]["currency"] == currency


@pytest.mark.parametrize(
    ("code", "reason"), [("XYZ", "not an ISO 4217"), ("XAU", "no ISO 4217 minor unit")]
)
def test_an_unknown_currency_or_one_without_a_minor_unit_is_refused(code: str, reason: str) -> None:
    with pytest.raises(InvalidValueError, match=reason) as refused:
        _propose(code)
    assert refused.value.status == 422


def test_a_cost_with_more_decimals_than_the_currency_has_is_refused_and_nothing_recorded() -> None:
    project = _active("EUR")
    with pytest.raises(AmountPrecisionError, match=r"cost amount 0\.001 has 3 decimal places"):
        _cost(project, "0.001")
    jpy = _active("JPY")
    with pytest.raises(AmountPrecisionError, match="JPY amounts have at most 0"):
        _cost(jpy, "1500.5")
    assert project.pending == []
    assert jpy.pending == []
    assert project.actual_cost == 0
    assert jpy.actual_cost == 0


def test_a_cost_is_recorded_at_exactly_the_currencys_exponent() -> None:
    eur, jpy, bhd = _active("EUR"), _active("JPY"), _active("BHD")
    _cost(eur, "12.5")
    _cost(jpy, "1500.00")  # trailing zeros do not count
    _cost(bhd, "0.125")
    assert [str(recorded(p)[0]["amount"]) for p in (eur, jpy, bhd)] == ["12.50", "1500", "0.125"]


def test_the_budget_and_planned_values_are_checked_against_the_currency() -> None:
    project = given(proposed(currency="JPY"))
    with pytest.raises(AmountPrecisionError, match=r"budget at completion 2500000\.5"):
        _baseline(project, "2500000.5")
    half_yen = PlannedValuePoint(date=date(2026, 6, 1), planned_value=D("1000.5"))
    with pytest.raises(AmountPrecisionError, match=r"planned value of 2026-06-01 1000\.5"):
        _baseline(project, "2500000", half_yen)
    assert project.pending == []
    _baseline(project, "2500000.00", PlannedValuePoint(date=date(2026, 6, 1), planned_value=D(1)))
    event = recorded(project)[0]
    assert str(event["budget_at_completion"]) == "2500000"
    assert str(event["planned_values"][0]["planned_value"]) == "1"


def _risk(project: Project, impact: Decimal) -> None:
    project.raise_risk(
        title="vendor", probability=D("0.5"), impact=impact, owner="x", raised_on=TODAY, today=TODAY
    )


def test_a_risk_impact_is_checked_against_the_currency() -> None:
    project = _active("EUR")
    with pytest.raises(AmountPrecisionError, match=r"risk impact 10\.005"):
        _risk(project, D("10.005"))
    _risk(project, D("10"))
    assert str(recorded(project)[0]["impact"]) == "10.00"
