"""How one portfolio event changes project-svc's references: a pure function, so the
projection (`projection`) only loads, folds and writes.

- `PmoStandardsSet` (of a tenant's standards stream) stores its set under (tenant,
  `effective_on`). A set replaces a stored one of the same date only from a later stream
  version: a redelivered or out-of-order copy changes nothing.
- `DecisionRecorded` (of a portfolio stream) applies to the project it is on (kind
  "project"), or to each project a program `covers` (kind "program"), stored once per
  project and version of the portfolio's stream: a redelivery, or a copy of a version
  already taken under another event id, adds nothing.
- Every other event changes nothing, and nor does a bookkeeping event.

Tenants: a tenant's standards stream has one id, derived from the tenant
(`standards_id`), so a set under another tenant's stream id is refused; and a decision may not
name a portfolio or a project known under another tenant (`PortfolioRefs.owners`: the
projects project-svc holds itself, and the portfolios and projects of earlier decisions).
Either refusal is a `ForeignTenantError`, which the consumer runner dead-letters.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import NAMESPACE_URL, UUID, uuid5

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from project_svc.references import events as ev
from project_svc.references.model import DecisionRef, PortfolioRefs, StandardsSet


class ForeignTenantError(ValueError):
    """An event names a stream, portfolio or project of another tenant than its own."""


def standards_id(tenant: str) -> UUID:
    """The id of a tenant's standards stream, as portfolio-svc derives it (a name-based UUID:
    every writer and reader gets the same id without a lookup)."""
    return uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}")


def changes_anything(envelope: EventEnvelope, event: DomainEvent) -> bool:
    """Whether an event can change the references at all (else the projection skips it)."""
    if event.bookkeeping:
        return False
    if isinstance(event, ev.PmoStandardsSet):
        return envelope.stream_type == ev.STANDARDS_STREAM
    if isinstance(event, ev.DecisionRecorded):
        return envelope.stream_type == ev.PORTFOLIO_STREAM
    return False


def fold(refs: PortfolioRefs, envelope: EventEnvelope, event: DomainEvent) -> PortfolioRefs:
    """The references after `event` (of `envelope`); `refs` itself when it changes nothing.
    Raises `ForeignTenantError` (see the module docstring)."""
    if not changes_anything(envelope, event):
        return refs
    if isinstance(event, ev.PmoStandardsSet):
        return _standards_set(refs, envelope, event)
    assert isinstance(event, ev.DecisionRecorded)
    return _decided(refs, envelope, event)


def decided_projects(event: ev.DecisionRecorded) -> list[UUID]:
    """The projects a decision applies to (a kind portfolio-svc may add later: none)."""
    if event.kind == "project":
        return [event.component_id]
    if event.kind == "program":
        return list(dict.fromkeys(event.covers))
    return []


def _standards_set(
    refs: PortfolioRefs, envelope: EventEnvelope, event: ev.PmoStandardsSet
) -> PortfolioRefs:
    tenant = envelope.tenant_id
    if envelope.stream_id != standards_id(tenant):
        raise ForeignTenantError(
            f"standards stream {envelope.stream_id} is not the one of tenant {tenant!r}"
        )
    key = (tenant, event.effective_on)
    known = refs.standards.get(key)
    if known is not None and known.stream_version >= envelope.stream_version:
        return refs
    taken = StandardsSet(
        tenant_id=tenant,
        effective_on=event.effective_on,
        large_project_threshold=dict(sorted(event.large_project_threshold.items())),
        portfolio_approval_threshold=dict(sorted(event.portfolio_approval_threshold.items())),
        required_gates=tuple(sorted(set(event.required_gates))),
        time_zone=event.time_zone,
        stream_version=envelope.stream_version,
        recorded_at=envelope.occurred_at,
    )
    return replace(refs, standards={**refs.standards, key: taken})


def _decided(
    refs: PortfolioRefs, envelope: EventEnvelope, event: ev.DecisionRecorded
) -> PortfolioRefs:
    tenant, portfolio_id = envelope.tenant_id, envelope.stream_id
    projects = decided_projects(event)
    for named in (portfolio_id, *projects):
        owner = refs.owners.get(named)
        if owner is not None and owner != tenant:
            raise ForeignTenantError(
                f"decision {envelope.event_id} of tenant {tenant!r} names {named}, which is "
                "known under another tenant"
            )
    made = [
        DecisionRef(
            tenant_id=tenant,
            project_id=project_id,
            event_id=envelope.event_id,
            portfolio_id=portfolio_id,
            stream_version=envelope.stream_version,
            component_id=event.component_id,
            kind=event.kind,
            decision=event.decision,
            decided_on=event.decided_on,
            recorded_at=envelope.occurred_at,
        )
        for project_id in projects
    ]
    new = {d.key: d for d in made if d.key not in refs.decisions}
    if not new:
        return refs
    owners = {**refs.owners, portfolio_id: tenant, **dict.fromkeys(projects, tenant)}
    return replace(refs, decisions={**refs.decisions, **new}, owners=owners)
