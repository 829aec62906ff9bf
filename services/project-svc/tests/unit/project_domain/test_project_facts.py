"""Baselines, progress, costs, milestones, status reports and lessons (risks:
`test_project_risks`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)
from project_svc.domain import events as ev
from project_svc.domain.values import PlannedValuePoint, Rag

from .given import ACTIVE_HISTORY, TODAY, baselined, given, proposed, recorded


def _baseline(project: object, **overrides: object) -> None:
    args: dict[str, object] = {
        "budget_at_completion": Decimal("200000"),
        "planned_start": date(2026, 1, 1),
        "planned_finish": date(2026, 12, 31),
        "effective_on": TODAY,
        "today": TODAY,
    }
    project.set_baseline(**{**args, **overrides})  # type: ignore[attr-defined]


def test_first_baseline_is_number_one() -> None:
    project = given(proposed())
    _baseline(project)
    assert recorded(project)[0]["baseline_number"] == 1
    assert project.baseline is not None
    assert project.baseline.budget_at_completion == Decimal("200000")


def test_rebaselining_an_active_project_is_numbered_and_needs_a_reason() -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="reason"):
        _baseline(project)
    _baseline(project, reason="scope added")
    assert recorded(project)[0]["baseline_number"] == 2
    assert [b.number for b in project.baselines] == [1, 2]


def test_baseline_schedule_and_planned_values_are_checked() -> None:
    project = given(proposed())
    with pytest.raises(InvalidValueError, match="after planned start"):
        _baseline(project, planned_finish=date(2025, 12, 31))
    points = (
        PlannedValuePoint(date=date(2026, 6, 1), planned_value=Decimal(100)),
        PlannedValuePoint(date=date(2026, 3, 1), planned_value=Decimal(150)),
    )
    with pytest.raises(InvalidValueError, match="date order"):
        _baseline(project, planned_values=points)
    too_much = (PlannedValuePoint(date=date(2026, 6, 1), planned_value=Decimal(300000)),)
    with pytest.raises(InvalidValueError, match="exceed"):
        _baseline(project, planned_values=too_much)


def test_progress_between_actual_start_and_today() -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="before the actual start"):
        project.report_progress(percent_complete=Decimal(10), as_of=date(2026, 1, 1), today=TODAY)
    with pytest.raises(InvalidValueError, match="future"):
        project.report_progress(percent_complete=Decimal(10), as_of=date(2026, 7, 1), today=TODAY)
    project.report_progress(percent_complete=Decimal("42.5"), as_of=TODAY, today=TODAY)
    assert project.percent_complete == Decimal("42.5")


def test_progress_needs_a_started_project() -> None:
    with pytest.raises(InvalidTransitionError):
        given(proposed(), baselined()).report_progress(
            percent_complete=Decimal(1), as_of=TODAY, today=TODAY
        )


def test_costs_add_up_exactly() -> None:
    project = given(*ACTIVE_HISTORY)
    for amount in ("0.10", "0.20"):
        project.record_cost(
            amount=Decimal(amount),
            incurred_on=TODAY,
            category="labour",
            description="",
            today=TODAY,
        )
    assert project.actual_cost == Decimal("0.30")
    with pytest.raises(InvalidValueError, match="future"):
        project.record_cost(
            amount=Decimal(1),
            incurred_on=date(2027, 1, 1),
            category="x",
            description="",
            today=TODAY,
        )


def test_a_milestone_is_achieved_once() -> None:
    project = given(*ACTIVE_HISTORY)
    milestone = project.add_milestone(name="Go live", due_date=date(2026, 5, 1))
    project.achieve_milestone(milestone, achieved_on=TODAY, today=TODAY)
    with pytest.raises(RuleViolationError, match="already achieved"):
        project.achieve_milestone(milestone, achieved_on=TODAY, today=TODAY)
    with pytest.raises(NotFoundError):
        project.achieve_milestone(uuid4(), achieved_on=TODAY, today=TODAY)


def test_status_report_while_underway() -> None:
    project = given(*ACTIVE_HISTORY, ev.ProjectPutOnHold(reason="x", effective_on=TODAY))
    project.submit_status_report(
        schedule=Rag.AMBER, cost=Rag.GREEN, scope=Rag.GREEN, summary="paused for vendor"
    )
    assert project.last_status == (Rag.AMBER, Rag.GREEN, Rag.GREEN)
    with pytest.raises(InvalidTransitionError):
        given(proposed()).submit_status_report(
            schedule=Rag.RED, cost=Rag.RED, scope=Rag.RED, summary="x"
        )


def test_lesson_then_close_without_reason() -> None:
    project = given(*ACTIVE_HISTORY, ev.ProjectCompleted(actual_finish=TODAY))
    project.learn_lesson(
        category="estimation",
        what_happened="underestimated testing",
        recommendation="double test effort",
    )
    project.close(effective_on=TODAY, today=TODAY)
    assert recorded(project)[-1] == {
        "type": "ProjectClosed",
        "no_lessons_reason": None,
        "effective_on": TODAY,
    }
