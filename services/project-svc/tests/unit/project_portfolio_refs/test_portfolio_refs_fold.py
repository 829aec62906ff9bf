"""The fold of portfolio events into project-svc's references, and the readers it decodes them
with: payloads shaped as portfolio-svc publishes them, decoded by project-svc's registry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from pmo_shared.domain.events import DomainEvent, EventEnvelope, UnknownEventError
from project_svc.domain.standards import PortfolioDecision, Standards
from project_svc.references import events as ev
from project_svc.references.fold import (
    ForeignTenantError,
    changes_anything,
    fold,
    standards_id,
)
from project_svc.references.model import PortfolioRefs

TENANT, OTHER = "tenant-a", "tenant-b"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
D1, D2, D3 = date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)


def _sealed() -> dict[str, str]:
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "AAAA"}


class Stream:
    """One stream of portfolio-svc, numbered as its versions, decoded by project-svc."""

    def __init__(self, *, tenant: str = TENANT, stream_type: str = "portfolio") -> None:
        self.tenant = tenant
        self.stream_type = stream_type
        self.id = standards_id(tenant) if stream_type == "pmo_standards" else uuid.uuid4()
        self.version = 0

    def event(
        self, event_type: str, payload: dict[str, Any], **over: Any
    ) -> tuple[EventEnvelope, DomainEvent]:
        self.version += 1
        fields: dict[str, Any] = {
            "event_id": uuid.uuid4(),
            "event_type": event_type,
            "schema_version": 1,
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
        return envelope, ev.registry.decode_envelope(envelope)

    def standards(self, on: date, **fields: Any) -> tuple[EventEnvelope, DomainEvent]:
        payload = {
            "spi": {"green": "0.95", "amber": "0.85"},
            "cpi": {"green": "0.95", "amber": "0.85"},
            "large_project_threshold": {"EUR": "1000000.00", "JPY": "150000000"},
            "portfolio_approval_threshold": {"EUR": "5000000.00"},
            "reporting_cadence_days": 14,
            "required_gates": ["rebaseline_active_needs_pmo"],
            "size_classes": {},
            "benchmark_min_group": 5,
            "reference_class_min": 5,
            "fiscal_year_start_month": 4,
            "time_zone": "Asia/Tokyo",
            "effective_on": on.isoformat(),
            **fields,
        }
        return self.event("PmoStandardsSet", payload)

    def decision(
        self,
        component: UUID,
        decision: str,
        on: date,
        *,
        kind: str = "project",
        covers: tuple[UUID, ...] = (),
    ) -> tuple[EventEnvelope, DomainEvent]:
        payload = {
            "component_id": str(component),
            "kind": kind,
            "covers": [str(c) for c in covers],
            "decision": decision,
            "rationale": "",
            "decided_on": on.isoformat(),
            "decided_by": _sealed(),
        }
        return self.event("DecisionRecorded", payload)


def _run(*events: tuple[EventEnvelope, DomainEvent], refs: PortfolioRefs | None = None) -> Any:
    refs = refs or PortfolioRefs()
    for envelope, event in events:
        refs = fold(refs, envelope, event)
    return refs


# -- standards ------------------------------------------------------------------------------
def test_a_set_is_kept_by_its_date_with_the_fields_project_svc_uses() -> None:
    stream = Stream(stream_type="pmo_standards")
    refs = _run(stream.standards(D1))

    [stored] = refs.standards.values()
    assert (stored.tenant_id, stored.effective_on, stored.stream_version) == (TENANT, D1, 1)
    assert stored.standards() == Standards(
        large_project_threshold={"EUR": Decimal("1000000.00"), "JPY": Decimal(150000000)},
        portfolio_approval_threshold={"EUR": Decimal("5000000.00")},
        required_gates=frozenset({"rebaseline_active_needs_pmo"}),
        effective_on=D1,
    )
    assert stored.time_zone == "Asia/Tokyo"


def test_the_set_in_force_is_the_last_dated_on_or_before_the_date() -> None:
    stream = Stream(stream_type="pmo_standards")
    refs = _run(stream.standards(D1), stream.standards(D2))

    assert refs.standards_on(TENANT, D1 - timedelta(days=1)) is None
    assert refs.standards_on(TENANT, D1).effective_on == D1
    assert refs.standards_on(TENANT, D3).effective_on == D2
    assert refs.standards_on(OTHER, D3) is None


def test_a_later_set_of_the_same_date_replaces_it_and_a_copy_of_an_older_one_does_not() -> None:
    stream = Stream(stream_type="pmo_standards")
    first = stream.standards(D1)
    second = stream.standards(D1, large_project_threshold={"EUR": "2.00"})
    refs = _run(first, second)
    assert refs.standards[(TENANT, D1)].large_project_threshold == {"EUR": Decimal(2)}

    again = _run(first, second, refs=refs)
    redelivered_out_of_order = _run(second, first, refs=PortfolioRefs())

    assert again is refs
    assert redelivered_out_of_order.standards == refs.standards


def test_a_set_under_another_tenants_stream_id_is_foreign() -> None:
    theirs = Stream(tenant=OTHER, stream_type="pmo_standards")
    envelope, event = theirs.standards(D1)

    with pytest.raises(ForeignTenantError, match="not the one of tenant 'tenant-a'"):
        fold(PortfolioRefs(), envelope.model_copy(update={"tenant_id": TENANT}), event)


def test_standards_id_is_portfolio_svcs_name_based_uuid() -> None:
    assert standards_id("acme") == uuid5(NAMESPACE_URL, "urn:pmo:standards:acme")
    assert standards_id("acme") != standards_id("globex")


def test_a_set_with_fields_project_svc_does_not_know_still_decodes() -> None:
    stream = Stream(stream_type="pmo_standards")
    refs = _run(stream.standards(D1, required_gates=["a_gate_of_tomorrow"], new_field={"x": 1}))
    assert refs.standards[(TENANT, D1)].standards().required_gates == {"a_gate_of_tomorrow"}


# -- decisions ------------------------------------------------------------------------------
def test_a_decision_on_a_project_applies_to_it() -> None:
    project = uuid.uuid4()
    portfolio = Stream()
    refs = _run(portfolio.decision(project, "defer", D1))

    found = refs.decision_on(TENANT, project, D1)
    assert found.portfolio_id == portfolio.id
    assert found.portfolio_decision() == PortfolioDecision(
        decision="defer", decided_on=D1, component_id=project, kind="project"
    )
    assert refs.decision_on(TENANT, project, D1 - timedelta(days=1)) is None
    assert refs.decision_on(OTHER, project, D1) is None


def test_a_decision_on_a_program_applies_to_each_project_it_covers() -> None:
    program, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    refs = _run(Stream().decision(program, "approve", D1, kind="program", covers=(a, b, a)))

    assert {d.project_id for d in refs.decisions.values()} == {a, b}
    for project in (a, b):
        assert refs.decision_on(TENANT, project, D2).component_id == program
    assert refs.decision_on(TENANT, program, D2) is None


def test_the_latest_decision_in_force_wins_by_date_then_by_record() -> None:
    project = uuid.uuid4()
    portfolio = Stream()
    refs = _run(
        portfolio.decision(project, "approve", D2),
        portfolio.decision(project, "terminate", D1),  # decided earlier, recorded later
        portfolio.decision(project, "defer", D2),  # the same day, recorded later
        portfolio.decision(project, "approve", D3),
    )

    assert refs.decision_on(TENANT, project, D1).decision == "terminate"
    assert refs.decision_on(TENANT, project, D2).decision == "defer"
    assert refs.decision_on(TENANT, project, D3).decision == "approve"


def test_a_redelivered_decision_adds_nothing() -> None:
    decided = Stream().decision(uuid.uuid4(), "approve", D1)
    refs = _run(decided)

    assert _run(decided, refs=refs) is refs


def test_a_decision_naming_a_project_or_portfolio_of_another_tenant_is_foreign() -> None:
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    known = PortfolioRefs(owners={ours: TENANT})
    portfolio = Stream(tenant=OTHER)

    with pytest.raises(ForeignTenantError):
        _run(portfolio.decision(ours, "approve", D1), refs=known)
    with pytest.raises(ForeignTenantError):
        _run(portfolio.decision(theirs, "approve", D1, kind="program", covers=(ours,)), refs=known)

    refs = _run(portfolio.decision(theirs, "approve", D1))
    intruder = Stream(tenant=TENANT)
    intruder.id = portfolio.id  # the other tenant's portfolio, under ours
    with pytest.raises(ForeignTenantError):
        _run(intruder.decision(uuid.uuid4(), "approve", D1), refs=refs)
    with pytest.raises(ForeignTenantError):  # and their project, decided again under ours
        _run(Stream(tenant=TENANT).decision(theirs, "approve", D1), refs=refs)


def test_a_decision_of_a_kind_project_svc_does_not_know_applies_to_no_project() -> None:
    refs = _run(Stream().decision(uuid.uuid4(), "approve", D1, kind="candidate"))
    assert refs.decisions == {}


# -- what changes nothing -------------------------------------------------------------------
def test_the_events_project_svc_passes_over_decode_and_change_nothing() -> None:
    portfolio = Stream()
    passed = [
        portfolio.event("BudgetSet", {"amount": "100.00", "effective_on": "2026-01-01"}),
        portfolio.event("PortfolioCreated", {"code": "P", "manager": _sealed()}),
        portfolio.event("SelectionAdopted", {"selected": [], "adopted_by": _sealed()}),
        portfolio.event(
            "PersonalDataErased",
            {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())},
        ),
    ]
    refs = PortfolioRefs()
    for envelope, event in passed:
        assert not changes_anything(envelope, event)
        assert fold(refs, envelope, event) is refs


def test_an_event_of_the_other_kind_of_stream_is_passed_over() -> None:
    """A standards set in a portfolio's stream, a decision in a tenant's standards stream."""
    misplaced = [
        Stream().standards(D1),
        Stream(stream_type="pmo_standards").decision(uuid.uuid4(), "approve", D1),
    ]
    for envelope, event in misplaced:
        assert not changes_anything(envelope, event)


def test_an_unknown_event_type_is_unknown() -> None:
    with pytest.raises(UnknownEventError):
        ev.registry.decode("PortfolioExploded", 1, {})
