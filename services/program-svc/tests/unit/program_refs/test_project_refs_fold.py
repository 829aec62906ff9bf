"""The fold of project events into program-svc's references, and the readers it decodes them
with: payloads shaped as project-svc publishes them, decoded by program-svc's registry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from pmo_shared.domain.events import DomainEvent, EventEnvelope, UnknownEventError
from program_svc.references import events as ev
from program_svc.references.fold import ForeignTenantError, changes_anything, fold
from program_svc.references.model import ProjectRef

TENANT = "tenant-a"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _sealed() -> dict[str, str]:
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "AAAA"}


def _proposed(project_id: UUID, **changes: Any) -> dict[str, Any]:
    return {
        "project_id": str(project_id),
        "code": "ALPHA-1",
        "name": "Alpha",
        "description": "",
        "manager": _sealed(),
        "sponsor": _sealed(),
        "methodology": "agile",
        "currency": "EUR",
        "flagged_large": False,
        **changes,
    }


class Stream:
    """One project's events, numbered as its stream's versions, decoded by program-svc."""

    def __init__(self, *, tenant: str = TENANT, stream_type: str = "project") -> None:
        self.id = uuid.uuid4()
        self.tenant = tenant
        self.stream_type = stream_type
        self.version = 0

    def envelope(
        self, event_type: str, payload: dict[str, Any], *, schema_version: int = 1, **over: Any
    ) -> EventEnvelope:
        self.version += 1
        fields: dict[str, Any] = {
            "event_id": uuid.uuid4(),
            "event_type": event_type,
            "schema_version": schema_version,
            "stream_type": self.stream_type,
            "stream_id": self.id,
            "stream_version": self.version,
            "occurred_at": T0 + timedelta(hours=self.version),
            "tenant_id": self.tenant,
            "actor": "pmo-paula",
            "correlation_id": "corr-1",
            "causation_id": None,
            "payload": payload,
        }
        return EventEnvelope(**{**fields, **over})

    def event(
        self, event_type: str, payload: dict[str, Any], *, schema_version: int = 1, **over: Any
    ) -> tuple[EventEnvelope, DomainEvent]:
        envelope = self.envelope(event_type, payload, schema_version=schema_version, **over)
        return envelope, ev.registry.decode_envelope(envelope)


def _run(*events: tuple[EventEnvelope, DomainEvent]) -> ProjectRef | None:
    ref: ProjectRef | None = None
    for envelope, event in events:
        ref = fold(ref, envelope, event)
    return ref


def test_a_proposal_makes_the_reference() -> None:
    stream = Stream()
    ref = _run(stream.event("ProjectProposed", _proposed(stream.id)))
    assert ref == ProjectRef(
        project_id=stream.id,
        tenant_id=TENANT,
        code="ALPHA-1",
        name="Alpha",
        status="proposed",
        currency="EUR",
        budget_at_completion=None,
        actual_cost=Decimal(0),
        planned_start=None,
        planned_finish=None,
        percent_complete=None,
        last_version=1,
        updated_at=T0 + timedelta(hours=1),
    )
    assert not ref.ended


def test_a_whole_lifecycle_folds_status_baselines_progress_and_costs() -> None:
    s = Stream()
    on = "2026-03-02"
    ref = _run(
        s.event("ProjectProposed", _proposed(s.id)),
        s.event(
            "ProjectBaselined",
            {
                "baseline_number": 1,
                "budget_at_completion": "1000.00",
                "planned_start": "2026-04-01",
                "planned_finish": "2026-12-31",
                "planned_values": [{"date": "2026-06-30", "planned_value": "400"}],
            },
        ),
        s.event("ProjectApproved", {"approved_by": _sealed()}),
        s.event("ProjectStarted", {"actual_start": "2026-04-02"}),
        s.event("ProgressReported", {"percent_complete": "12.5", "as_of": on}),
        s.event("CostRecorded", _cost("0.10")),
        s.event("CostRecorded", _cost("0.20")),
        s.event(
            "ProjectBaselined",
            {
                "baseline_number": 2,
                "budget_at_completion": "1500.50",
                "planned_start": "2026-04-01",
                "planned_finish": "2027-03-31",
                "effective_on": on,
            },
            schema_version=2,
        ),
        s.event("ProjectPutOnHold", {"reason": "budget", "effective_on": on}, schema_version=2),
        s.event("ProjectResumed", {}),
        s.event("ProgressReported", {"percent_complete": "100", "as_of": on}),
        s.event("CostRecorded", _cost("1234567890.123456789")),
        s.event("ProjectCompleted", {"actual_finish": "2027-03-30"}),
    )
    assert ref is not None
    assert ref.status == "completed"
    assert ref.ended
    assert ref.budget_at_completion == Decimal("1500.50")
    assert (ref.planned_start, ref.planned_finish) == (date(2026, 4, 1), date(2027, 3, 31))
    assert ref.percent_complete == Decimal(100)
    assert ref.actual_cost == Decimal("1234567890.423456789")  # exact, not 0.30000000000000004
    assert ref.last_version == 13
    assert ref.updated_at == T0 + timedelta(hours=13)


def _cost(amount: str) -> dict[str, Any]:
    return {
        "cost_id": str(uuid.uuid4()),
        "amount": amount,
        "incurred_on": "2026-05-01",
        "category": "labour",
        "description": "",
    }


@pytest.mark.parametrize(
    ("event_type", "schema_version", "payload", "status"),
    [
        ("ProjectApproved", 1, {"approved_by": "cio-bea"}, "approved"),
        ("ProjectApproved", 2, {"approved_by": {}, "effective_on": "2026-03-02"}, "approved"),
        ("ProjectStarted", 1, {"actual_start": "2026-03-02"}, "active"),
        ("ProjectPutOnHold", 1, {"reason": "r"}, "on_hold"),
        ("ProjectResumed", 2, {"effective_on": "2026-03-02"}, "active"),
        ("ProjectCompleted", 1, {"actual_finish": "2026-03-02"}, "completed"),
        ("ProjectCancelled", 1, {"reason": "r"}, "cancelled"),
        ("ProjectCancelled", 2, {"reason": "r", "effective_on": "2026-03-02"}, "cancelled"),
        ("ProjectClosed", 1, {}, "closed"),
        ("ProjectClosed", 2, {"effective_on": "2026-03-02", "no_lessons_reason": None}, "closed"),
    ],
)
def test_each_lifecycle_event_moves_the_status(
    event_type: str, schema_version: int, payload: dict[str, Any], status: str
) -> None:
    s = Stream()
    ref = _run(
        s.event("ProjectProposed", _proposed(s.id)),
        s.event(event_type, payload, schema_version=schema_version),
    )
    assert ref is not None
    assert (ref.status, ref.last_version) == (status, 2)
    assert ref.ended is (status in ("completed", "cancelled", "closed"))


def test_an_event_of_a_version_already_taken_changes_nothing() -> None:
    """A duplicate or out-of-order delivery never counts a cost twice nor goes back."""
    s = Stream()
    proposal = s.event("ProjectProposed", _proposed(s.id))
    cost = s.event("CostRecorded", _cost("10"))
    hold = s.event("ProjectPutOnHold", {"reason": "r"})
    ref = _run(proposal, cost, hold)
    assert ref is not None
    again = _run(proposal, cost, hold, cost, hold)
    assert again == ref
    # the same version under another event id (a re-published event) is refused too
    copy = cost[0].model_copy(update={"event_id": uuid.uuid4()})
    assert fold(ref, copy, cost[1]) is ref
    assert ref.actual_cost == Decimal(10)
    assert ref.status == "on_hold"


def test_a_second_proposal_changes_nothing() -> None:
    s = Stream()
    ref = _run(s.event("ProjectProposed", _proposed(s.id)))
    replay = s.event("ProjectProposed", _proposed(s.id, name="Renamed"), stream_version=9)
    assert fold(ref, *replay) is ref


def test_events_of_an_unknown_project_make_no_reference() -> None:
    s = Stream()
    s.version = 3
    assert _run(s.event("CostRecorded", _cost("5")), s.event("ProjectClosed", {})) is None


def test_bookkeeping_office_and_passed_over_events_change_nothing() -> None:
    s = Stream()
    ref = _run(s.event("ProjectProposed", _proposed(s.id)))
    assert ref is not None
    passed = [
        s.event(
            "PersonalDataErased",
            {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())},
        ),
        s.event(
            "MilestoneAdded",
            {"milestone_id": str(uuid.uuid4()), "name": "M1", "due_date": "2026-06-01"},
        ),
        s.event(
            "RiskRaised",
            {
                "risk_id": str(uuid.uuid4()),
                "title": "R",
                "probability": "0.5",
                "impact": "0.2",
                "owner": _sealed(),
            },
        ),
        s.event("StatusReportSubmitted", {"report_id": str(uuid.uuid4())}),
        s.event("LessonLearned", {"lesson_id": str(uuid.uuid4())}),
    ]
    office = Stream(stream_type="project_office")
    passed += [
        office.event(
            "ProjectOfficeEstablished",
            {"office_id": str(office.id), "project_id": str(s.id), "lead": _sealed()},
            ordering_id=s.id,
        ),
        office.event("OfficeStaffAssigned", {"user_id": _sealed(), "role": "pmo"}),
        office.event(
            "ProjectOfficeDisbanded", {"reason": "done", "automatic": True}, schema_version=2
        ),
        # an office event that happens to share a type and id with a project event is still
        # another stream's
        office.event("CostRecorded", _cost("99"), stream_id=s.id, stream_version=50),
    ]
    for envelope, event in passed:
        assert not changes_anything(envelope, event)
        assert fold(ref, envelope, event) is ref
    # the project's version moved on meanwhile: its next event still applies
    later = s.event("CostRecorded", _cost("1.5"))
    after = fold(ref, *later)
    assert after is not None
    assert (after.actual_cost, after.last_version) == (Decimal("1.5"), 7)


def test_an_event_under_another_tenant_is_refused() -> None:
    s = Stream()
    ref = _run(s.event("ProjectProposed", _proposed(s.id)))
    foreign = s.event("CostRecorded", _cost("5"), tenant_id="tenant-b")
    with pytest.raises(ForeignTenantError):
        fold(ref, *foreign)
    with pytest.raises(ForeignTenantError):
        fold(ref, *s.event("ProjectProposed", _proposed(s.id), tenant_id="tenant-b"))


@pytest.mark.parametrize("manager", [_sealed(), "pmo-paula"], ids=["sealed", "plain"])
def test_the_proposal_reads_whatever_shape_the_personal_fields_have(manager: object) -> None:
    """A sealed manager, or a plain user id from before sealing existed: never read."""
    s = Stream()
    _, event = s.event(
        "ProjectProposed", _proposed(s.id, manager=manager, sponsor=manager, extra="new")
    )
    assert isinstance(event, ev.ProjectProposed)
    assert "manager" not in type(event).model_fields
    assert (event.code, event.name, event.currency) == ("ALPHA-1", "Alpha", "EUR")


def test_older_versions_decode_to_the_newest_reader() -> None:
    s = Stream()
    _, baselined = s.event(
        "ProjectBaselined",
        {
            "baseline_number": 1,
            "budget_at_completion": "10",
            "planned_start": "0001-01-01",
            "planned_finish": "9999-12-31",
        },
    )
    assert type(baselined) is ev.ProjectBaselined
    assert (baselined.planned_start, baselined.planned_finish) == (date.min, date.max)
    _, established = s.event("ProjectOfficeEstablished", {"charter": ""})
    assert isinstance(established, ev.PassedOver)
    assert established.schema_version == 2


def test_a_version_newer_than_program_knows_is_unknown() -> None:
    with pytest.raises(UnknownEventError):
        ev.registry.decode("CostRecorded", 2, {"amount": "1"})


def test_amounts_are_exact_decimals() -> None:
    s = Stream()
    ref = _run(s.event("ProjectProposed", _proposed(s.id)))
    for _ in range(10):
        ref = fold(ref, *s.event("CostRecorded", _cost("0.1")))
    assert ref is not None
    assert ref.actual_cost == Decimal("1.0")
    assert str(ref.actual_cost) == "1.0"
