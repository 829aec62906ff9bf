"""Project lifecycle: proposed → approved → active ⇄ on_hold → completed | cancelled → closed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pmo_shared.domain.errors import InvalidTransitionError, InvalidValueError, RuleViolationError
from project_svc.domain import events as ev
from project_svc.domain.project import Project

from .given import (
    ACTIVE_HISTORY,
    PROJECT_ID,
    TODAY,
    UNGATED,
    approved,
    baselined,
    given,
    proposed,
    recorded,
)


def test_propose_records_the_proposal() -> None:
    project = Project.propose(PROJECT_ID, **proposed().model_dump(exclude={"project_id"}))
    assert [e.event_type for e in project.pending] == ["ProjectProposed"]
    assert project.status == "proposed"
    assert project.currency == "EUR"


def test_approval_needs_a_baseline() -> None:
    project = given(proposed())
    with pytest.raises(RuleViolationError, match="baseline"):
        project.approve(approved_by="pmo-carol", effective_on=TODAY, today=TODAY, **UNGATED)


def test_baselined_proposal_is_approved() -> None:
    project = given(proposed(), baselined())
    project.approve(approved_by="pmo-carol", effective_on=TODAY, today=TODAY, **UNGATED)
    assert recorded(project) == [
        {"type": "ProjectApproved", "approved_by": "pmo-carol", "effective_on": TODAY}
    ]


@pytest.mark.parametrize(
    ("history", "command", "current"),
    [
        ((proposed(),), lambda p: p.start(actual_start=TODAY, today=TODAY), "proposed"),
        (
            (proposed(), baselined()),
            lambda p: p.hold(reason="x", effective_on=TODAY, today=TODAY),
            "proposed",
        ),
        (ACTIVE_HISTORY, lambda p: p.resume(effective_on=TODAY, today=TODAY), "active"),
        (
            ACTIVE_HISTORY,
            lambda p: p.approve(approved_by="x", effective_on=TODAY, today=TODAY, **UNGATED),
            "active",
        ),
        (
            (proposed(), baselined(), approved()),
            lambda p: p.complete(actual_finish=TODAY, today=TODAY),
            "approved",
        ),
        (
            (*ACTIVE_HISTORY, ev.ProjectCompleted(actual_finish=TODAY)),
            lambda p: p.cancel(reason="x", effective_on=TODAY, today=TODAY),
            "completed",
        ),
        (
            ACTIVE_HISTORY,
            lambda p: p.close(no_lessons_reason="none", effective_on=TODAY, today=TODAY),
            "active",
        ),
    ],
)
def test_transitions_outside_the_lifecycle_are_refused_naming_the_state(
    history: tuple[ev.DomainEvent, ...], command: object, current: str
) -> None:
    project = given(*history)
    with pytest.raises(InvalidTransitionError) as refused:
        command(project)  # type: ignore[operator]
    assert refused.value.current_state == current
    assert current in str(refused.value)
    assert project.pending == []


def test_the_whole_happy_lifecycle() -> None:
    project = given(proposed(), baselined())
    project.approve(approved_by="pmo-carol", effective_on=TODAY, today=TODAY, **UNGATED)
    project.start(actual_start=date(2026, 2, 1), today=TODAY)
    project.hold(reason="waiting for vendor", effective_on=date(2026, 3, 1), today=TODAY)
    project.resume(effective_on=date(2026, 4, 1), today=TODAY)
    project.complete(actual_finish=date(2026, 6, 1), today=TODAY)
    project.learn_lesson(category="vendor", what_happened="late", recommendation="buffer")
    project.close(effective_on=TODAY, today=TODAY)
    assert [e.event_type for e in project.pending] == [
        "ProjectApproved",
        "ProjectStarted",
        "ProjectPutOnHold",
        "ProjectResumed",
        "ProjectCompleted",
        "LessonLearned",
        "ProjectClosed",
    ]
    assert project.status == "closed"


@pytest.mark.parametrize(
    "state_history",
    [
        (proposed(),),
        (proposed(), baselined(), approved()),
        ACTIVE_HISTORY,
        (*ACTIVE_HISTORY, ev.ProjectPutOnHold(reason="x", effective_on=TODAY)),
    ],
)
def test_any_open_project_can_be_cancelled(state_history: tuple[ev.DomainEvent, ...]) -> None:
    project = given(*state_history)
    project.cancel(reason="no longer needed", effective_on=TODAY, today=TODAY)
    assert project.status == "cancelled"


def test_closing_needs_a_lesson_or_an_explicit_no_lessons() -> None:
    project = given(
        *ACTIVE_HISTORY, ev.ProjectCancelled(reason="strategy changed", effective_on=TODAY)
    )
    with pytest.raises(RuleViolationError, match="lesson"):
        project.close(effective_on=TODAY, today=TODAY)
    with pytest.raises(RuleViolationError):
        project.close(no_lessons_reason="   ", effective_on=TODAY, today=TODAY)
    project.close(no_lessons_reason="cancelled in week one", effective_on=TODAY, today=TODAY)
    assert recorded(project) == [
        {
            "type": "ProjectClosed",
            "no_lessons_reason": "cancelled in week one",
            "effective_on": TODAY,
        }
    ]


def test_a_closed_project_accepts_nothing() -> None:
    project = given(
        *ACTIVE_HISTORY,
        ev.ProjectCancelled(reason="x", effective_on=TODAY),
        ev.ProjectClosed(no_lessons_reason="n/a", effective_on=TODAY),
    )
    with pytest.raises(InvalidTransitionError, match="closed"):
        project.learn_lesson(category="a", what_happened="b", recommendation="c")


def test_start_and_finish_dates_are_checked() -> None:
    project = given(proposed(), baselined(), approved())
    with pytest.raises(InvalidValueError, match="future"):
        project.start(actual_start=date(2026, 7, 1), today=TODAY)
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="before the actual start"):
        project.complete(actual_finish=date(2026, 1, 15), today=TODAY)


def test_large_when_flagged_or_budget_reaches_the_threshold() -> None:
    threshold = Decimal(1_000_000)
    assert not given(proposed(), baselined("999999.99")).is_large(threshold)
    assert given(proposed(), baselined("1000000")).is_large(threshold)
    assert given(proposed(flagged_large=True)).is_large(threshold)
