"""Risks: raised on a day, closed on a day with an outcome, never closed before they were
raised, never dated in the future nor before the project went ahead; old (v1) risk events read
with the day they were recorded on and an "unrecorded" outcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from pmo_shared.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)
from project_svc.domain import events as ev
from project_svc.domain.project import Project

from .given import (
    ACTIVE_HISTORY,
    TODAY,
    UNGATED,
    approved,
    baselined,
    given,
    proposed,
    recorded,
    started,
)

RISK_ID = UUID("00000000-0000-4000-8000-0000000000aa")


def _raise(project: Project, on: date) -> UUID:
    return project.raise_risk(
        title="Vendor late",
        probability=Decimal("0.3"),
        impact=Decimal(50_000),
        owner="pm-ann",
        raised_on=on,
        today=TODAY,
    )


def raised(on: date = date(2026, 3, 1), risk_id: UUID = RISK_ID) -> ev.RiskRaised:
    return ev.RiskRaised(
        risk_id=risk_id,
        title="Vendor late",
        probability=Decimal("0.3"),
        impact=Decimal(50_000),
        owner="pm-ann",
        raised_on=on,
    )


def _close(project: Project, on: date, **overrides: Any) -> None:
    project.close_risk(
        overrides.pop("risk_id", RISK_ID),
        resolution="second vendor signed",
        closed_on=on,
        today=TODAY,
        **overrides,
    )


# -- raising -----------------------------------------------------------------------------------
def test_a_risk_is_raised_on_its_day() -> None:
    project = given(*ACTIVE_HISTORY)

    risk_id = _raise(project, date(2026, 3, 1))

    assert recorded(project) == [
        {
            "type": "RiskRaised",
            "risk_id": "<id>",
            "title": "Vendor late",
            "probability": Decimal("0.3"),
            "impact": Decimal("50000.00"),
            "owner": "pm-ann",
            "raised_on": date(2026, 3, 1),
        }
    ]
    risk = project.risks[risk_id]
    assert (risk.raised_on, risk.resolution, risk.closed_on, risk.outcome) == (
        date(2026, 3, 1),
        None,
        None,
        None,
    )


def test_a_risk_is_not_raised_in_the_future() -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="risk date 2026-06-16 is in the future"):
        _raise(project, date(2026, 6, 16))
    assert project.pending == []


def test_once_approved_a_risk_is_not_raised_before_the_approval() -> None:
    project = given(proposed(), baselined(), approved(date(2026, 1, 15)))
    with pytest.raises(
        InvalidValueError,
        match="risk date 2026-01-14 is before 2026-01-15, when the project went ahead",
    ):
        _raise(project, date(2026, 1, 14))
    _raise(project, date(2026, 1, 15))
    assert len(project.pending) == 1


def test_where_work_started_before_the_approval_a_risk_may_date_from_the_start() -> None:
    project = given(proposed(), baselined(), approved(date(2026, 3, 1)), started(date(2026, 2, 1)))
    with pytest.raises(InvalidValueError, match="before 2026-02-01, when the project went ahead"):
        _raise(project, date(2026, 1, 31))
    _raise(project, date(2026, 2, 1))
    assert len(project.pending) == 1


def test_a_proposed_projects_risk_takes_any_past_day() -> None:
    """The proposal carries no business date: back-dated history can be entered."""
    project = given(proposed(), baselined())
    risk_id = _raise(project, date(2019, 5, 2))
    assert project.risks[risk_id].raised_on == date(2019, 5, 2)


def test_a_closed_project_takes_no_new_risk() -> None:
    project = given(
        *ACTIVE_HISTORY,
        ev.ProjectCompleted(actual_finish=date(2026, 5, 1)),
        ev.ProjectClosed(no_lessons_reason="none", effective_on=date(2026, 5, 2)),
    )
    with pytest.raises(InvalidTransitionError):
        _raise(project, TODAY)


# -- closing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["materialised", "avoided", "mitigated", "expired"])
def test_a_risk_is_closed_on_its_day_with_its_outcome(outcome: ev.RiskOutcome) -> None:
    project = given(*ACTIVE_HISTORY, raised(date(2026, 3, 1)))

    _close(project, date(2026, 4, 1), outcome=outcome)

    assert recorded(project) == [
        {
            "type": "RiskClosed",
            "risk_id": "<id>",
            "resolution": "second vendor signed",
            "closed_on": date(2026, 4, 1),
            "outcome": outcome,
        }
    ]
    risk = project.risks[RISK_ID]
    assert (risk.resolution, risk.closed_on, risk.outcome) == (
        "second vendor signed",
        date(2026, 4, 1),
        outcome,
    )


def test_a_closure_without_an_outcome_records_it_unrecorded() -> None:
    project = given(*ACTIVE_HISTORY, raised())
    _close(project, TODAY)
    assert project.risks[RISK_ID].outcome == "unrecorded"


def test_a_risk_is_not_closed_before_it_was_raised() -> None:
    project = given(*ACTIVE_HISTORY, raised(date(2026, 3, 1)))
    with pytest.raises(
        InvalidValueError,
        match="risk closing date 2026-02-28 is before 2026-03-01, when the risk was raised",
    ):
        _close(project, date(2026, 2, 28), outcome="materialised")
    assert project.pending == []
    _close(project, date(2026, 3, 1))  # the day it was raised
    assert project.risks[RISK_ID].closed_on == date(2026, 3, 1)


def test_a_risk_is_not_closed_in_the_future_nor_before_the_project_went_ahead() -> None:
    project = given(proposed(), baselined(), raised(date(2026, 1, 2)), approved(date(2026, 1, 15)))
    with pytest.raises(InvalidValueError, match="risk closing date 2026-06-16 is in the future"):
        _close(project, date(2026, 6, 16))
    with pytest.raises(InvalidValueError, match="before 2026-01-15, when the project went ahead"):
        _close(project, date(2026, 1, 10))
    assert project.pending == []


def test_a_risk_raised_and_closed_while_proposed_keeps_its_days() -> None:
    project = given(proposed(), baselined(), raised(date(2026, 1, 2)))
    _close(project, date(2026, 1, 10), outcome="avoided")
    project.approve(
        approved_by="pmo-carol",
        effective_on=date(2026, 1, 15),
        today=TODAY,
        **UNGATED,
    )
    assert project.risks[RISK_ID].closed_on == date(2026, 1, 10)


def test_a_risk_is_closed_once_and_must_exist() -> None:
    project = given(
        *ACTIVE_HISTORY,
        raised(),
        ev.RiskClosed(
            risk_id=RISK_ID, resolution="done", closed_on=date(2026, 3, 2), outcome="expired"
        ),
    )
    with pytest.raises(RuleViolationError, match="already closed"):
        _close(project, TODAY)
    with pytest.raises(NotFoundError):
        _close(project, TODAY, risk_id=uuid4())


def test_a_finished_projects_risks_are_closed_until_the_project_is() -> None:
    finished = (*ACTIVE_HISTORY, raised(), ev.ProjectCancelled(reason="x", effective_on=TODAY))
    project = given(*finished)
    _close(project, TODAY, outcome="materialised")
    assert project.risks[RISK_ID].outcome == "materialised"
    closed = given(*finished, ev.ProjectClosed(no_lessons_reason="none", effective_on=TODAY))
    with pytest.raises(InvalidTransitionError):
        _close(closed, TODAY)


# -- old events --------------------------------------------------------------------------------
def test_v1_risks_read_with_their_recorded_day_and_no_outcome() -> None:
    stored = [
        ("ProjectProposed", 1, proposed().model_dump(mode="json"), None),
        (
            "RiskRaised",
            1,
            raised().model_dump(mode="json", exclude={"raised_on"}),
            date(2026, 1, 5),
        ),
        (
            "RiskClosed",
            1,
            {"risk_id": str(RISK_ID), "resolution": "went away"},
            date(2026, 1, 20),
        ),
    ]
    history = [ev.registry.decode(t, v, p, recorded_on=on) for t, v, p, on in stored]

    project = Project.rehydrate(uuid4(), history)

    risk = project.risks[RISK_ID]
    assert (risk.raised_on, risk.closed_on, risk.outcome) == (
        date(2026, 1, 5),
        date(2026, 1, 20),
        "unrecorded",
    )
