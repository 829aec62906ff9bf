"""The Project Office: only for large projects, one at a time, never outlives its project."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.domain.errors import InvalidTransitionError, NotFoundError, RuleViolationError
from project_svc.domain import events as ev
from project_svc.domain.project_office import ProjectOffice

from .given import ACTIVE_HISTORY, TODAY, approved, baselined, given, proposed, recorded

THRESHOLD = Decimal(1_000_000)
ESTABLISHED_ON = date(2026, 3, 1)
LARGE_ACTIVE = (
    proposed(),
    baselined("2500000"),
    approved(),
    ev.ProjectStarted(actual_start=date(2026, 2, 1)),
)


def _establish(*history: ev.DomainEvent) -> ProjectOffice:
    return ProjectOffice.establish(
        uuid4(),
        project=given(*history),
        large_threshold=THRESHOLD,
        lead="po-lead",
        reporting_cadence_days=14,
        charter="Report weekly on the payroll programme",
        established_on=ESTABLISHED_ON,
        today=TODAY,
    )


def test_established_for_a_large_active_project() -> None:
    office = _establish(*LARGE_ACTIVE)
    assert recorded(office)[0]["type"] == "ProjectOfficeEstablished"
    assert office.lead == "po-lead"


def test_flagged_large_counts_as_large() -> None:
    _establish(proposed(flagged_large=True), baselined(), approved())


def test_refused_for_a_small_project() -> None:
    with pytest.raises(RuleViolationError, match="large"):
        _establish(*ACTIVE_HISTORY)


@pytest.mark.parametrize("extra", [(), (ev.ProjectCompleted(actual_finish=date(2026, 6, 1)),)])
def test_refused_unless_approved_active_or_on_hold(extra: tuple[ev.DomainEvent, ...]) -> None:
    history = (proposed(flagged_large=True),) if not extra else (*LARGE_ACTIVE, *extra)
    with pytest.raises(InvalidTransitionError):
        _establish(*history)


def test_staff_reports_documents() -> None:
    office = _establish(*LARGE_ACTIVE)
    office.assign_staff(user_id="analyst-1", role="analyst")
    with pytest.raises(RuleViolationError):
        office.assign_staff(user_id="analyst-1", role="analyst")
    office.publish_report(
        kind="financial",
        period_end=date(2026, 3, 1),
        summary="on budget",
        metrics={"cpi": Decimal("1.02")},
    )
    office.file_document(title="Charter", kind="charter", link="https://docs.example/charter")
    office.release_staff(user_id="analyst-1")
    with pytest.raises(NotFoundError):
        office.release_staff(user_id="analyst-1")
    assert [e["type"] for e in recorded(office)] == [
        "ProjectOfficeEstablished",
        "OfficeStaffAssigned",
        "OfficeReportPublished",
        "OfficeDocumentFiled",
        "OfficeStaffReleased",
    ]


def test_a_disbanded_office_accepts_nothing() -> None:
    office = _establish(*LARGE_ACTIVE)
    office.disband(reason="project completed", disbanded_on=TODAY, today=TODAY, automatic=True)
    for command in (
        lambda: office.assign_staff(user_id="x", role="y"),
        lambda: office.publish_report(
            kind="status", period_end=date(2026, 3, 1), summary="s", metrics={}
        ),
        lambda: office.file_document(title="t", kind="k", link="l"),
        lambda: office.disband(reason="again", disbanded_on=TODAY, today=TODAY),
    ):
        with pytest.raises(InvalidTransitionError, match="disbanded"):
            command()


def test_every_event_type_has_exactly_one_fold() -> None:
    from project_svc.domain.events import registry
    from project_svc.domain.project import Project

    folded = [*Project._folds, *ProjectOffice._folds]
    latest = [
        c
        for c in registry
        if c.schema_version == registry.latest_version(c.event_type) and not c.bookkeeping
    ]
    assert sorted(c.__name__ for c in folded) == sorted(c.__name__ for c in latest)
