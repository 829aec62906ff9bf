"""The fold of project events into portfolio-svc's project references, and the readers it
decodes them with: payloads shaped as project-svc publishes them (v1 and v2 of the dated
events), decoded by the registry of portfolio-svc's references consumer. Given a project's
events, when they are delivered (once, again, out of order), then its reference is this."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import jsonschema_rs
import pytest

from pmo_shared.domain.events import DomainEvent, EventEnvelope, UnknownEventError
from portfolio_svc.references import project_events as pj
from portfolio_svc.references.events import registry
from portfolio_svc.references.fold import (
    ForeignTenantError,
    changes_anything,
    fold_program,
    fold_project,
)
from portfolio_svc.references.model import ProjectRef

TENANT = "tenant-a"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ON = "2026-03-02"
SCHEMAS = Path(__file__).resolve().parents[4] / "project-svc/events/schemas"

Delivered = tuple[EventEnvelope, DomainEvent]


def sealed() -> dict[str, str]:
    """A sealed personal value: portfolio-svc never opens one."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "AAAA"}


def published_errors(envelope: EventEnvelope) -> list[str]:
    """What the producer's committed schema finds wrong with the envelope's payload."""
    name = f"{envelope.event_type}.v{envelope.schema_version}.json"
    schema = json.loads((SCHEMAS / name).read_text())
    return [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(envelope.payload)]


class Stream:
    """One stream's events, numbered as its versions, decoded by portfolio-svc."""

    def __init__(self, stream_type: str, *, tenant: str = TENANT) -> None:
        self.id = uuid.uuid4()
        self.tenant = tenant
        self.stream_type = stream_type
        self.version = 0

    def event(
        self, event_type: str, payload: dict[str, Any], *, schema_version: int = 1, **over: Any
    ) -> Delivered:
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
            "actor": str(uuid.uuid4()),
            "correlation_id": "corr-1",
            "causation_id": None,
            "payload": payload,
        }
        envelope = EventEnvelope(**{**fields, **over})
        return envelope, registry.decode_envelope(envelope)


def project_proposed(project_id: UUID, **changes: Any) -> dict[str, Any]:
    return {
        "project_id": str(project_id),
        "code": "ALPHA-1",
        "name": "Alpha",
        "description": "",
        "manager": sealed(),
        "sponsor": sealed(),
        "methodology": "agile",
        "currency": "EUR",
        "flagged_large": False,
        **changes,
    }


def baseline(bac: str, *, number: int = 1, dated: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "baseline_number": number,
        "budget_at_completion": bac,
        "planned_start": "2026-04-01",
        "planned_finish": "2026-12-31",
        "planned_values": [{"date": "2026-06-30", "planned_value": "400"}],
    }
    return {**payload, "effective_on": ON} if dated else payload


def _run(*events: Delivered) -> ProjectRef | None:
    ref: ProjectRef | None = None
    for envelope, event in events:
        ref = fold_project(ref, envelope, event)
    return ref


def _cost(amount: str) -> dict[str, Any]:
    return {
        "cost_id": str(uuid.uuid4()),
        "amount": amount,
        "incurred_on": "2026-05-01",
        "category": "labour",
        "description": "",
    }


def _history(s: Stream) -> list[Delivered]:
    """A project's whole life, with what portfolio-svc passes over mixed in."""
    return [
        s.event("ProjectProposed", project_proposed(s.id, flagged_large=True)),
        s.event("ProjectBaselined", baseline("1000.00", dated=False)),  # v1
        s.event("ProjectApproved", {"approved_by": sealed()}),  # v1
        s.event("ProjectStarted", {"actual_start": "2026-04-02"}),
        s.event("ProgressReported", {"percent_complete": "12.5", "as_of": ON}),
        s.event("CostRecorded", _cost("0.10")),
        s.event("ProjectBaselined", baseline("1500.505", number=2), schema_version=2),
        s.event("ProjectPutOnHold", {"reason": "budget", "effective_on": ON}, schema_version=2),
        s.event("ProjectResumed", {}),  # v1
        s.event("ProjectCompleted", {"actual_finish": "2027-03-30"}),
        s.event("ProjectClosed", {"effective_on": ON, "no_lessons_reason": None}, schema_version=2),
    ]


def test_the_payloads_of_these_tests_are_valid_for_the_committed_schemas() -> None:
    """So the tests below feed portfolio-svc exactly what project-svc may publish."""
    for envelope, _ in _history(Stream("project")):
        assert not published_errors(envelope), envelope.event_type


def test_a_proposal_makes_the_reference() -> None:
    s = Stream("project")
    ref = _run(s.event("ProjectProposed", project_proposed(s.id)))
    assert ref == ProjectRef(
        project_id=s.id,
        tenant_id=TENANT,
        code="ALPHA-1",
        name="Alpha",
        status="proposed",
        currency="EUR",
        flagged_large=False,
        budget_at_completion=None,
        last_version=1,
        updated_at=T0 + timedelta(hours=1),
    )
    assert not ref.ended


def test_a_whole_life_folds_the_status_and_the_latest_baseline() -> None:
    s = Stream("project")
    ref = _run(*_history(s))
    assert ref is not None
    assert (ref.status, ref.ended, ref.flagged_large) == ("closed", True, True)
    assert ref.budget_at_completion == Decimal("1500.505")
    assert str(ref.budget_at_completion) == "1500.505"
    assert ref.last_version == 11
    assert ref.updated_at == T0 + timedelta(hours=11)


def test_a_proposal_without_the_large_flag_reads_as_not_flagged() -> None:
    """A proposal published before the flag existed is an ordinary project."""
    s = Stream("project")
    payload = project_proposed(s.id)
    del payload["flagged_large"]
    ref = _run(s.event("ProjectProposed", payload))
    assert ref is not None
    assert not ref.flagged_large


@pytest.mark.parametrize(
    ("event_type", "schema_version", "payload", "status"),
    [
        ("ProjectApproved", 1, {"approved_by": "cio-bea"}, "approved"),
        ("ProjectApproved", 2, {"approved_by": sealed(), "effective_on": ON}, "approved"),
        ("ProjectStarted", 1, {"actual_start": ON}, "active"),
        ("ProjectPutOnHold", 1, {"reason": "r"}, "on_hold"),
        ("ProjectPutOnHold", 2, {"reason": "r", "effective_on": ON}, "on_hold"),
        ("ProjectResumed", 1, {}, "active"),
        ("ProjectResumed", 2, {"effective_on": ON}, "active"),
        ("ProjectCompleted", 1, {"actual_finish": ON}, "completed"),
        ("ProjectCancelled", 1, {"reason": "r"}, "cancelled"),
        ("ProjectCancelled", 2, {"reason": "r", "effective_on": ON}, "cancelled"),
        ("ProjectClosed", 1, {}, "closed"),
        ("ProjectClosed", 2, {"effective_on": ON, "no_lessons_reason": None}, "closed"),
    ],
)
def test_each_lifecycle_event_of_each_version_moves_the_status(
    event_type: str, schema_version: int, payload: dict[str, Any], status: str
) -> None:
    s = Stream("project")
    ref = _run(
        s.event("ProjectProposed", project_proposed(s.id)),
        s.event(event_type, payload, schema_version=schema_version),
    )
    assert ref is not None
    assert (ref.status, ref.last_version) == (status, 2)
    assert ref.ended is (status in ("completed", "cancelled", "closed"))


def test_an_event_of_a_version_already_taken_changes_nothing() -> None:
    """A duplicate or a late redelivery never brings back an older baseline or status."""
    s = Stream("project")
    history = _history(s)
    ref = _run(*history)
    assert _run(*history, *history) == ref
    assert _run(*history, *reversed(history)) == ref
    first_baseline = history[1]
    copy = first_baseline[0].model_copy(update={"event_id": uuid.uuid4()})
    assert fold_project(ref, copy, first_baseline[1]) is ref
    assert ref is not None
    assert ref.budget_at_completion == Decimal("1500.505")
    # the event just taken, at once again
    closed = history[-1]
    assert fold_project(ref, *closed) is ref


def test_a_second_proposal_changes_nothing() -> None:
    s = Stream("project")
    ref = _run(s.event("ProjectProposed", project_proposed(s.id)))
    again = s.event("ProjectProposed", project_proposed(s.id, flagged_large=True), stream_version=9)
    assert fold_project(ref, *again) is ref


def test_events_of_an_unknown_project_make_no_reference() -> None:
    s = Stream("project")
    s.version = 3
    assert _run(s.event("ProjectBaselined", baseline("5")), s.event("ProjectClosed", {})) is None


def test_bookkeeping_office_and_passed_over_events_change_nothing() -> None:
    s = Stream("project")
    ref = _run(s.event("ProjectProposed", project_proposed(s.id)))
    assert ref is not None
    passed = [
        s.event(
            "PersonalDataErased",
            {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())},
        ),
        s.event("ProgressReported", {"percent_complete": "50", "as_of": ON}),
        s.event("CostRecorded", _cost("99")),
        s.event("MilestoneAdded", {"milestone_id": str(uuid.uuid4()), "name": "M1"}),
        s.event("RiskRaised", {"risk_id": str(uuid.uuid4()), "owner": sealed()}),
        s.event("LessonLearned", {"lesson_id": str(uuid.uuid4())}),
    ]
    office = Stream("project_office")
    passed += [
        office.event(
            "ProjectOfficeEstablished",
            {"office_id": str(office.id), "project_id": str(s.id), "lead": sealed()},
            ordering_id=s.id,
        ),
        office.event("OfficeStaffAssigned", {"user_id": sealed(), "role": "pmo"}),
        office.event("ProjectOfficeDisbanded", {"reason": "done"}, schema_version=2),
        # an office event that shares a project event's type and the project's id is still
        # another stream's
        office.event("ProjectClosed", {}, stream_id=s.id, stream_version=50),
    ]
    for envelope, event in passed:
        assert not changes_anything(envelope, event)
        assert fold_project(ref, envelope, event) is ref
    later = fold_project(ref, *s.event("ProjectStarted", {"actual_start": ON}))
    assert later is not None
    assert (later.status, later.last_version) == ("active", 8)


def test_a_projects_events_make_no_program() -> None:
    s = Stream("project")
    proposal = s.event("ProjectProposed", project_proposed(s.id))
    assert changes_anything(*proposal)
    assert fold_program(None, *proposal) is None


def test_an_event_under_another_tenant_is_refused() -> None:
    s = Stream("project")
    ref = _run(s.event("ProjectProposed", project_proposed(s.id)))
    with pytest.raises(ForeignTenantError):
        fold_project(ref, *s.event("ProjectBaselined", baseline("5"), tenant_id="tenant-b"))
    with pytest.raises(ForeignTenantError):
        fold_project(ref, *s.event("ProjectProposed", project_proposed(s.id), tenant_id="b"))


@pytest.mark.parametrize("manager", [sealed(), "pm-ann"], ids=["sealed", "plain"])
def test_the_proposal_reads_no_personal_field_and_ignores_unknown_ones(manager: object) -> None:
    """A sealed manager, or a plain user id from before sealing existed: never read."""
    s = Stream("project")
    payload = project_proposed(s.id, manager=manager, sponsor=manager, portfolio_hint="x")
    _, event = s.event("ProjectProposed", payload)
    assert isinstance(event, pj.ProjectProposed)
    assert set(type(event).model_fields) == {"code", "name", "currency", "flagged_large"}
    assert (event.code, event.name, event.currency) == ("ALPHA-1", "Alpha", "EUR")


def test_older_versions_decode_to_the_newest_reader() -> None:
    s = Stream("project")
    _, baselined = s.event("ProjectBaselined", baseline("10", dated=False))
    assert type(baselined) is pj.ProjectBaselined
    assert baselined.budget_at_completion == Decimal(10)
    _, established = s.event("ProjectOfficeEstablished", {"charter": ""})
    assert isinstance(established, pj.PassedOver)
    assert established.schema_version == 2


def test_a_version_newer_than_portfolio_knows_is_unknown() -> None:
    with pytest.raises(UnknownEventError):
        registry.decode("ProjectBaselined", 3, {"budget_at_completion": "1"})
