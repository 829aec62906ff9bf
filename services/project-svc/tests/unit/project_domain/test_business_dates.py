"""Business dates: every fact carries the day it took effect, old events are read with the day
they were recorded on (in the tenant's calendar), and the date rules are the same for
progress, costs and the actual start."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.events import EventEnvelope, InvalidEventError, recorded_on_in
from project_svc.domain import events as ev
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice

from .given import ACTIVE_HISTORY, TODAY, UNGATED, approved, baselined, given, proposed, started

START = date(2026, 2, 1)  # the actual start of ACTIVE_HISTORY

V1_PAYLOADS: dict[str, dict[str, Any]] = {
    "ProjectBaselined": {
        "baseline_number": 1,
        "budget_at_completion": "1000",
        "planned_start": "2026-01-01",
        "planned_finish": "2026-12-31",
    },
    "ProjectApproved": {"approved_by": "pmo-carol"},
    "ProjectPutOnHold": {"reason": "vendor"},
    "ProjectResumed": {},
    "ProjectCancelled": {"reason": "strategy"},
    "ProjectClosed": {"no_lessons_reason": None},
    "ProjectOfficeEstablished": {
        "office_id": str(uuid4()),
        "project_id": str(uuid4()),
        "lead": "po-lead",
        "reporting_cadence_days": 7,
        "charter": "",
    },
    "ProjectOfficeDisbanded": {"reason": "done", "automatic": False},
    "RiskRaised": {
        "risk_id": str(uuid4()),
        "title": "Vendor late",
        "probability": "0.3",
        "impact": "5000",
        "owner": "pm-ann",
    },
    "RiskClosed": {"risk_id": str(uuid4()), "resolution": "second vendor signed"},
}


def _envelope(event_type: str, occurred_at: datetime, tenant: str = "acme") -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        event_type=event_type,
        schema_version=1,
        stream_type="project",
        stream_id=uuid4(),
        stream_version=2,
        occurred_at=occurred_at,
        tenant_id=tenant,
        actor="pmo-carol",
        correlation_id="c",
        causation_id=None,
        payload=V1_PAYLOADS[event_type],
    )


# -- old events ------------------------------------------------------------------------------
def test_every_event_that_gained_a_business_date_has_a_v1_and_a_v2() -> None:
    assert set(ev.BUSINESS_DATE_OF_V1) == set(V1_PAYLOADS)
    for event_type in V1_PAYLOADS:
        assert ev.registry.latest_version(event_type) == 2


@pytest.mark.parametrize("event_type", sorted(V1_PAYLOADS))
def test_a_v1_event_takes_effect_on_the_day_it_was_recorded(event_type: str) -> None:
    envelope = _envelope(event_type, datetime(2026, 3, 1, 9, 30, tzinfo=UTC))

    event = ev.registry.decode_envelope(envelope)

    assert event.schema_version == 2
    assert getattr(event, ev.BUSINESS_DATE_OF_V1[event_type]) == date(2026, 3, 1)


def test_a_v1_risk_closure_recorded_no_outcome() -> None:
    envelope = _envelope("RiskClosed", datetime(2026, 3, 1, 9, 30, tzinfo=UTC))

    event = ev.registry.decode_envelope(envelope)

    assert event == ev.RiskClosed(
        risk_id=V1_PAYLOADS["RiskClosed"]["risk_id"],
        resolution="second vendor signed",
        closed_on=date(2026, 3, 1),
        outcome="unrecorded",
    )


def test_the_recorded_day_is_the_tenants_in_its_time_zone() -> None:
    zones = {"acme": ZoneInfo("Europe/Berlin"), "globex": ZoneInfo("America/New_York")}
    dated = ev.registry.dated_by(recorded_on_in(zones.__getitem__))
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    in_berlin = dated.decode_envelope(_envelope("ProjectApproved", late_evening_utc, "acme"))
    in_new_york = dated.decode_envelope(_envelope("ProjectApproved", late_evening_utc, "globex"))
    in_utc = ev.registry.decode_envelope(_envelope("ProjectApproved", late_evening_utc))

    assert isinstance(in_berlin, ev.ProjectApproved)
    assert isinstance(in_new_york, ev.ProjectApproved)
    assert isinstance(in_utc, ev.ProjectApproved)
    assert (in_berlin.effective_on, in_new_york.effective_on, in_utc.effective_on) == (
        date(2026, 3, 2),
        date(2026, 3, 1),
        date(2026, 3, 1),
    )


def test_a_v1_payload_without_its_envelope_cannot_be_dated() -> None:
    with pytest.raises(InvalidEventError, match="needs its date"):
        ev.registry.decode("ProjectApproved", 1, {"approved_by": "pmo-carol"})


def test_a_project_folds_v1_and_v2_events_alike() -> None:
    stored = [
        ("ProjectProposed", 1, proposed().model_dump(mode="json"), None),
        ("ProjectBaselined", 1, V1_PAYLOADS["ProjectBaselined"], date(2026, 1, 10)),
        ("ProjectApproved", 2, approved(date(2026, 1, 20)).model_dump(mode="json"), None),
    ]
    history = [ev.registry.decode(t, v, p, recorded_on=on) for t, v, p, on in stored]

    project = Project.rehydrate(uuid4(), history)

    assert project.baseline is not None
    assert project.baseline.effective_on == date(2026, 1, 10)
    assert (project.approved_on, project.status_since) == (date(2026, 1, 20), date(2026, 1, 20))


# -- baselines ---------------------------------------------------------------------------------
def _rebaseline(project: Project, on: date, reason: str = "scope added") -> None:
    project.set_baseline(
        budget_at_completion=Decimal(150_000),
        planned_start=date(2026, 1, 1),
        planned_finish=date(2026, 12, 31),
        reason=reason,
        effective_on=on,
        today=TODAY,
    )


def test_a_baseline_takes_effect_on_its_date() -> None:
    project = given(*ACTIVE_HISTORY)
    _rebaseline(project, date(2026, 5, 1))
    assert [(b.number, b.effective_on) for b in project.baselines] == [
        (1, date(2026, 1, 1)),
        (2, date(2026, 5, 1)),
    ]
    assert project.pending[0].model_dump()["effective_on"] == date(2026, 5, 1)


@pytest.mark.parametrize(
    ("on", "refusal"),
    [
        (date(2026, 6, 16), "in the future"),
        (date(2026, 1, 31), "before the actual start"),
    ],
)
def test_a_rebaseline_is_neither_in_the_future_nor_before_the_start(on: date, refusal: str) -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match=refusal):
        _rebaseline(project, on)
    assert project.pending == []


def test_a_rebaseline_takes_effect_no_earlier_than_the_one_it_replaces() -> None:
    project = given(proposed(), baselined(on=date(2026, 3, 1)))
    with pytest.raises(InvalidValueError, match="before the effective date 2026-03-01"):
        _rebaseline(project, date(2026, 2, 28), reason="")
    _rebaseline(project, date(2026, 3, 1), reason="")  # the same day: the later one counts
    assert len(project.baselines) == 2


def test_a_plan_that_began_before_the_baseline_was_set_is_accepted() -> None:
    project = given(proposed())
    project.set_baseline(
        budget_at_completion=Decimal(100_000),
        planned_start=date(2025, 1, 1),
        planned_finish=date(2026, 12, 31),
        effective_on=TODAY,
        today=TODAY,
    )
    assert project.baseline is not None
    assert project.baseline.effective_on == TODAY


# -- progress, costs and the actual start: one rule ----------------------------------------------
def _cost(project: Project, on: date) -> None:
    project.record_cost(
        amount=Decimal(100), incurred_on=on, category="labour", description="", today=TODAY
    )


def _progress(project: Project, on: date) -> None:
    project.report_progress(percent_complete=Decimal(10), as_of=on, today=TODAY)


@pytest.mark.parametrize("record", [_cost, _progress], ids=["cost", "progress"])
def test_progress_and_costs_are_dated_between_the_actual_start_and_today(record: Any) -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="before the actual start 2026-02-01"):
        record(project, date(2026, 1, 31))
    with pytest.raises(InvalidValueError, match="in the future"):
        record(project, date(2026, 6, 16))
    record(project, START)
    record(project, TODAY)
    assert len(project.pending) == 2


def test_the_actual_start_is_not_after_a_cost_already_recorded() -> None:
    project = given(proposed(), baselined(), approved())
    _cost(project, date(2026, 1, 20))  # approved, not started: costs are taken
    with pytest.raises(InvalidValueError, match="after the first cost, incurred on 2026-01-20"):
        project.start(actual_start=date(2026, 1, 21), today=TODAY)
    project.start(actual_start=date(2026, 1, 20), today=TODAY)
    assert project.actual_start == date(2026, 1, 20)


def test_the_actual_start_may_precede_the_approval() -> None:
    project = given(proposed(), baselined(), approved(TODAY))
    project.start(actual_start=date(2026, 1, 5), today=TODAY)
    assert (project.approved_on, project.actual_start, project.status_since) == (
        TODAY,
        date(2026, 1, 5),
        date(2026, 1, 5),
    )


# -- lifecycle dates -----------------------------------------------------------------------------
def test_each_lifecycle_change_is_dated_no_earlier_than_the_one_before() -> None:
    project = given(*ACTIVE_HISTORY)
    with pytest.raises(InvalidValueError, match="before 2026-02-01, when the project became"):
        project.hold(reason="vendor", effective_on=date(2026, 1, 31), today=TODAY)
    project.hold(reason="vendor", effective_on=date(2026, 3, 1), today=TODAY)
    with pytest.raises(InvalidValueError, match="resumption date 2026-02-28 is before 2026-03-01"):
        project.resume(effective_on=date(2026, 2, 28), today=TODAY)
    project.resume(effective_on=date(2026, 4, 1), today=TODAY)
    with pytest.raises(InvalidValueError, match="actual finish 2026-03-31 is before 2026-04-01"):
        project.complete(actual_finish=date(2026, 3, 31), today=TODAY)
    project.complete(actual_finish=date(2026, 5, 1), today=TODAY)
    with pytest.raises(InvalidValueError, match="closing date 2026-04-30 is before 2026-05-01"):
        project.close(no_lessons_reason="none", effective_on=date(2026, 4, 30), today=TODAY)
    with pytest.raises(InvalidValueError, match="in the future"):
        project.close(no_lessons_reason="none", effective_on=date(2026, 6, 16), today=TODAY)
    project.close(no_lessons_reason="none", effective_on=TODAY, today=TODAY)
    assert project.status_since == TODAY


def test_a_cancellation_is_not_dated_before_the_approval() -> None:
    project = given(proposed(), baselined(), approved(date(2026, 3, 1)))
    with pytest.raises(InvalidValueError, match="before 2026-03-01"):
        project.cancel(reason="dropped", effective_on=date(2026, 2, 1), today=TODAY)
    project.cancel(reason="dropped", effective_on=date(2026, 3, 1), today=TODAY)
    assert project.status_since == date(2026, 3, 1)


def test_an_approval_is_not_in_the_future() -> None:
    project = given(proposed(), baselined())
    with pytest.raises(InvalidValueError, match="approval date 2026-06-16 is in the future"):
        project.approve(
            approved_by="pmo-carol", effective_on=date(2026, 6, 16), today=TODAY, **UNGATED
        )


# -- the Project Office ----------------------------------------------------------------------------
def _office(established_on: date) -> tuple[Project, ProjectOffice]:
    project = given(proposed(flagged_large=True), baselined(), approved(), started(START))
    office = ProjectOffice.establish(
        uuid4(),
        project=project,
        large_threshold=Decimal(1_000_000),
        lead="po-lead",
        reporting_cadence_days=7,
        charter="",
        established_on=established_on,
        today=TODAY,
    )
    return project, office


def test_an_office_is_established_and_disbanded_on_its_dates() -> None:
    with pytest.raises(InvalidValueError, match="in the future"):
        _office(date(2026, 6, 16))
    _, office = _office(date(2026, 3, 1))
    with pytest.raises(InvalidValueError, match="before the office was established on"):
        office.disband(reason="done", disbanded_on=date(2026, 2, 28), today=TODAY)
    office.disband(reason="done", disbanded_on=date(2026, 4, 1), today=TODAY)
    assert (office.established_on, office.disbanded_on) == (date(2026, 3, 1), date(2026, 4, 1))


def test_an_office_disbanded_with_its_project_ends_the_day_the_project_did() -> None:
    project, office = _office(date(2026, 3, 1))
    project.complete(actual_finish=date(2026, 5, 1), today=TODAY)

    office.disband_with_project(project, today=TODAY)

    assert (office.disbanded_on, office.disbanded_automatically) == (date(2026, 5, 1), True)


def test_an_office_set_up_after_its_project_ended_is_disbanded_the_day_it_was_set_up() -> None:
    project, office = _office(TODAY)
    project.complete(actual_finish=date(2026, 5, 1), today=TODAY)

    office.disband_with_project(project, today=TODAY)

    assert office.disbanded_on == TODAY
