"""The fold of program events into portfolio-svc's program references, and the readers it
decodes them with: payloads shaped as program-svc publishes them, decoded by the registry of
portfolio-svc's references consumer. Given a program's events, when they are delivered (once,
again, out of order), then its reference is this."""

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
from hypothesis import given
from hypothesis import strategies as st

from pmo_shared.domain.events import DomainEvent, EventEnvelope, UnknownEventError
from portfolio_svc.references import program_events as pg
from portfolio_svc.references.events import registry
from portfolio_svc.references.fold import (
    ForeignTenantError,
    changes_anything,
    fold_program,
    fold_project,
)
from portfolio_svc.references.model import ProgramRef

TENANT = "tenant-a"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ON = "2026-03-02"
SCHEMAS = Path(__file__).resolve().parents[4] / "program-svc/events/schemas"

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


def program_proposed(program_id: UUID, **changes: Any) -> dict[str, Any]:
    return {
        "program_id": str(program_id),
        "code": "PAY-1",
        "name": "Payroll improvement",
        "area": "the Payroll application",
        "description": "",
        "manager": sealed(),
        "sponsor": sealed(),
        "currency": "EUR",
        "proposed_on": "2026-03-01",
        **changes,
    }


def pool(amount: str, *, reason: str = "budget round") -> dict[str, Any]:
    return {"amount": amount, "reason": reason, "effective_on": ON}


def member(project_id: UUID) -> dict[str, Any]:
    return {"project_id": str(project_id), "effective_on": ON}


def _run(*events: Delivered) -> ProgramRef | None:
    ref: ProgramRef | None = None
    for envelope, event in events:
        ref = fold_program(ref, envelope, event)
    return ref


def _history(s: Stream) -> list[Delivered]:
    """A program's whole life: funded, members joining and leaving, paused, closed."""
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    return [
        s.event("ProgramProposed", program_proposed(s.id)),
        s.event("ProgramActivated", {"activated_by": sealed(), "effective_on": ON}),
        s.event("FundingPoolSet", pool("1000000.00", reason="")),
        s.event("MemberProjectAdded", member(a)),
        s.event("MemberProjectAdded", member(b)),
        s.event("FundsAllocated", {"project_id": str(a), "amount": "400", "effective_on": ON}),
        s.event("FundingPoolIncreased", pool("0.10")),
        s.event("FundingPoolIncreased", pool("0.20")),
        s.event("MemberProjectAdded", member(c)),
        s.event("ProgramPutOnHold", {"reason": "funding review", "effective_on": ON}),
        s.event("ProgramResumed", {"effective_on": ON}),
        s.event("MemberProjectRemoved", {**member(b), "reason": "moved"}),
        s.event("FundingPoolDecreased", pool("250000.05")),
        s.event("ProgramClosed", {"effective_on": ON}),
    ]


def test_the_payloads_of_these_tests_are_valid_for_the_committed_schemas() -> None:
    """So the tests below feed portfolio-svc exactly what program-svc may publish."""
    for envelope, _ in _history(Stream("program")):
        assert not published_errors(envelope), envelope.event_type


def test_a_proposal_makes_the_reference() -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)))
    assert ref == ProgramRef(
        program_id=s.id,
        tenant_id=TENANT,
        code="PAY-1",
        name="Payroll improvement",
        status="proposed",
        currency="EUR",
        pool=None,
        members=frozenset(),
        last_version=1,
        updated_at=T0 + timedelta(hours=1),
    )
    assert not ref.ended


def test_a_whole_life_folds_status_pool_and_members() -> None:
    s = Stream("program")
    history = _history(s)
    added = [event.project_id for _, event in history if isinstance(event, pg.MemberProjectAdded)]
    ref = _run(*history)
    assert ref is not None
    assert ref.status == "closed"
    assert ref.ended
    # exact: 1000000.00 + 0.10 + 0.20 - 250000.05, not a float's 750000.2500000001
    assert ref.pool == Decimal("750000.25")
    assert str(ref.pool) == "750000.25"
    # a closed program keeps the members it ended with (b left before)
    assert ref.members == {added[0], added[2]}
    assert ref.last_version == 14
    assert ref.updated_at == T0 + timedelta(hours=14)


@pytest.mark.parametrize(
    ("event_type", "payload", "status"),
    [
        ("ProgramActivated", {"activated_by": sealed(), "effective_on": ON}, "active"),
        ("ProgramPutOnHold", {"reason": "r", "effective_on": ON}, "on_hold"),
        ("ProgramResumed", {"effective_on": ON}, "active"),
        ("ProgramClosed", {"effective_on": ON}, "closed"),
        ("ProgramCancelled", {"reason": "r", "effective_on": ON}, "cancelled"),
    ],
)
def test_each_lifecycle_event_moves_the_status(
    event_type: str, payload: dict[str, Any], status: str
) -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)), s.event(event_type, payload))
    assert ref is not None
    assert (ref.status, ref.last_version) == (status, 2)
    assert ref.ended is (status in ("closed", "cancelled"))


def test_a_cancelled_program_keeps_its_members() -> None:
    s = Stream("program")
    project = uuid.uuid4()
    ref = _run(
        s.event("ProgramProposed", program_proposed(s.id)),
        s.event("MemberProjectAdded", member(project)),
        s.event("ProgramCancelled", {"reason": "no sponsor", "effective_on": ON}),
    )
    assert ref is not None
    assert (ref.status, ref.members) == ("cancelled", frozenset({project}))
    assert ref.pool is None


def test_a_pool_changed_before_it_was_set_starts_from_zero() -> None:
    s = Stream("program")
    ref = _run(
        s.event("ProgramProposed", program_proposed(s.id)),
        s.event("FundingPoolIncreased", pool("300")),
        s.event("FundingPoolDecreased", pool("100.5")),
    )
    assert ref is not None
    assert ref.pool == Decimal("199.5")
    reset = fold_program(ref, *s.event("FundingPoolSet", pool("0")))
    assert reset is not None
    assert reset.pool == Decimal(0)


def test_an_event_of_a_version_already_taken_changes_nothing() -> None:
    """A duplicate or a late redelivery never counts a pool change twice nor goes back."""
    s = Stream("program")
    history = _history(s)
    ref = _run(*history)
    assert _run(*history, *history) == ref
    assert _run(*history, *reversed(history)) == ref
    increase = history[6]
    copy = increase[0].model_copy(update={"event_id": uuid.uuid4()})  # re-published
    assert fold_program(ref, copy, increase[1]) is ref
    removal = history[11]
    assert fold_program(ref, *removal) is ref
    # the event just taken, at once again
    increased = _run(*history[:7])
    assert fold_program(increased, *increase) is increased


def test_a_second_proposal_changes_nothing() -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)))
    again = s.event("ProgramProposed", program_proposed(s.id, name="Renamed"), stream_version=9)
    assert fold_program(ref, *again) is ref


def test_events_of_an_unknown_program_make_no_reference() -> None:
    s = Stream("program")
    s.version = 3
    assert _run(s.event("FundingPoolSet", pool("5")), s.event("ProgramClosed", {})) is None


def test_bookkeeping_and_passed_over_events_change_nothing() -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)))
    assert ref is not None
    project, resource = uuid.uuid4(), uuid.uuid4()
    passed = [
        s.event(
            "PersonalDataErased",
            {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())},
        ),
        s.event("FundsAllocated", {"project_id": str(project), "amount": "1", "effective_on": ON}),
        s.event(
            "ResourceAdded",
            {
                "resource_id": str(resource),
                "kind": "person",
                "person": sealed(),
                "weekly_capacity_hours": "40",
                "effective_on": ON,
            },
        ),
        s.event(
            "BenefitPlanned",
            {"benefit_id": str(uuid.uuid4()), "owner": sealed(), "name": "Faster payroll"},
        ),
        s.event("DependencyRemoved", {"dependency_id": str(uuid.uuid4())}),
    ]
    for envelope, event in passed:
        assert not changes_anything(envelope, event)
        assert fold_program(ref, envelope, event) is ref
    later = s.event("FundingPoolSet", pool("10"))
    after = fold_program(ref, *later)
    assert after is not None
    assert (after.pool, after.last_version) == (Decimal(10), 7)


def test_project_events_do_not_touch_a_program_nor_program_events_a_project() -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)))
    as_project = Stream("project")
    as_project.id = s.id  # a project event that happens to share the program's id
    envelope, event = as_project.event("ProjectCancelled", {"reason": "r"}, stream_version=5)
    assert fold_program(ref, envelope, event) is ref
    funded = s.event("FundingPoolSet", pool("10"))
    assert changes_anything(*funded)
    assert fold_project(None, *funded) is None


def test_an_event_under_another_tenant_is_refused() -> None:
    s = Stream("program")
    ref = _run(s.event("ProgramProposed", program_proposed(s.id)))
    with pytest.raises(ForeignTenantError):
        fold_program(ref, *s.event("FundingPoolSet", pool("5"), tenant_id="tenant-b"))
    with pytest.raises(ForeignTenantError):
        fold_program(ref, *s.event("ProgramProposed", program_proposed(s.id), tenant_id="b"))


@pytest.mark.parametrize("manager", [sealed(), "pgm-mia"], ids=["sealed", "plain"])
def test_the_proposal_reads_no_personal_field_and_ignores_unknown_ones(manager: object) -> None:
    s = Stream("program")
    payload = program_proposed(s.id, manager=manager, sponsor=manager, new_field={"x": 1})
    _, event = s.event("ProgramProposed", payload)
    assert isinstance(event, pg.ProgramProposed)
    assert set(type(event).model_fields) == {"code", "name", "currency"}
    assert (event.code, event.name, event.currency) == ("PAY-1", "Payroll improvement", "EUR")
    _, added = s.event("MemberProjectAdded", {**member(s.id), "weight": "0.5"})
    assert isinstance(added, pg.MemberProjectAdded)
    assert added.project_id == s.id


def test_a_version_newer_than_portfolio_knows_is_unknown() -> None:
    with pytest.raises(UnknownEventError):
        registry.decode("FundingPoolSet", 2, {"amount": "1"})
    with pytest.raises(UnknownEventError):
        registry.decode("ProgramRenamed", 1, {})


@given(st.lists(st.integers(min_value=0, max_value=13), max_size=30), st.randoms())
def test_any_redelivery_of_events_already_taken_gives_the_same_reference(
    redelivered: list[int], rnd: Any
) -> None:
    """At-least-once delivery in stream order: after each event, any events already taken may
    come again (the relay after a crash, a rebalance); the reference ends the same."""
    history = _history(Stream("program"))
    once = _run(*history)
    delivered: list[Delivered] = []
    for position, item in enumerate(history):
        delivered.append(item)
        again = [history[i] for i in redelivered if i <= position]
        rnd.shuffle(again)
        delivered += again
    assert _run(*delivered) == once
