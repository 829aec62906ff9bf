"""project-svc's responses show every amount as the canonical string of the project's currency:
exactly its ISO 4217 minor unit of decimals, whatever the stored event holds (events recorded
before the rule may hold 4 decimals: they are rounded half-even on reading, never rewritten)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from pmo_shared.domain.events import DomainEvent
from project_svc.api import schemas
from project_svc.api.views import project_read
from project_svc.domain import events as ev
from project_svc.domain.project import Project
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus

PROJECT_ID = UUID("00000000-0000-4000-8000-0000000000aa")
D = Decimal


def _history(currency: str, *, bac: str, planned: str, cost: str, impact: str) -> list[DomainEvent]:
    return [
        ev.ProjectProposed(
            project_id=PROJECT_ID,
            code="M-1",
            name="Money",
            description="",
            manager="pm-ann",
            sponsor="cfo-bob",
            methodology=Methodology.HYBRID,
            currency=currency,
            flagged_large=False,
        ),
        ev.ProjectBaselined(
            effective_on=date(2026, 1, 1),
            baseline_number=1,
            budget_at_completion=D(bac),
            planned_start=date(2026, 1, 1),
            planned_finish=date(2026, 12, 31),
            planned_values=(
                PlannedValuePoint(date=date(2026, 6, 1), planned_value=D(planned), label="half"),
            ),
        ),
        ev.ProjectApproved(approved_by="pmo-carol", effective_on=date(2026, 1, 2)),
        ev.ProjectStarted(actual_start=date(2026, 1, 5)),
        ev.CostRecorded(
            cost_id=uuid4(), amount=D(cost), incurred_on=date(2026, 2, 1), category="labour"
        ),
        ev.RiskRaised(
            risk_id=uuid4(),
            title="vendor",
            probability=D("0.5"),
            impact=D(impact),
            owner="x",
            raised_on=date(2026, 2, 1),
        ),
    ]


def _read(history: list[DomainEvent]) -> dict[str, Any]:
    project = Project.rehydrate(PROJECT_ID, history)
    return project_read(project, large=False).model_dump(mode="json")


def _amounts(body: dict[str, Any]) -> tuple[str, str, str, str]:
    baseline = body["baseline"]
    return (
        baseline["budget_at_completion"],
        baseline["planned_values"][0]["planned_value"],
        body["actual_cost"],
        body["risks"][0]["impact"],
    )


def test_amounts_have_exactly_the_currencys_exponent() -> None:
    eur = _history("EUR", bac="2500000", planned="1250000", cost="462500.5", impact="10000")
    jpy = _history("JPY", bac="2500000", planned="1250000", cost="462500", impact="10000")
    bhd = _history("BHD", bac="2500000", planned="1250000", cost="1.25", impact="0.5")
    assert _amounts(_read(eur)) == ("2500000.00", "1250000.00", "462500.50", "10000.00")
    assert _amounts(_read(jpy)) == ("2500000", "1250000", "462500", "10000")
    assert _amounts(_read(bhd)) == ("2500000.000", "1250000.000", "1.250", "0.500")


def test_a_stored_amount_with_four_decimals_is_shown_rounded_half_even() -> None:
    legacy = _history("EUR", bac="2500000.0000", planned="0.0050", cost="0.0150", impact="2.3450")
    assert _amounts(_read(legacy)) == ("2500000.00", "0.00", "0.02", "2.34")


def test_ratios_and_percentages_are_not_money() -> None:
    body = _read(_history("JPY", bac="1000", planned="500", cost="1", impact="1"))
    assert body["risks"][0]["probability"] == "0.5"
    assert body["percent_complete"] == "0"


def test_the_list_shows_the_budget_as_the_canonical_string() -> None:
    # The list row keeps the budget as NUMERIC(19, 4): "2500000.0000" is shown as the others.
    row = {
        "project_id": PROJECT_ID,
        "code": "M-1",
        "name": "Money",
        "status": ProjectStatus.PROPOSED,
        "manager": "pm-ann",
        "large": False,
        "version": 2,
    }
    summaries = [
        schemas.ProjectSummary.model_validate(
            SimpleNamespace(**row, currency=currency, budget_at_completion=budget),
            from_attributes=True,
        ).model_dump(mode="json")["budget_at_completion"]
        for currency, budget in [
            ("EUR", D("2500000.0000")),
            ("JPY", D("2500000.0000")),
            ("EUR", None),
        ]
    ]
    assert summaries == ["2500000.00", "2500000", None]
