"""Portfolio events as portfolio-svc publishes them (payloads of its committed schemas, sealed
personal fields, each stream numbered in order), for the handler tests of the PMO's rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pmo_shared.domain.events import EventEnvelope

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _sealed() -> dict[str, str]:
    """A sealed personal value: project-svc never opens one."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "AAAA"}


def _band(green: str, amber: str) -> dict[str, str]:
    return {"green": green, "amber": amber}


@dataclass
class PortfolioStream:
    """One stream of portfolio-svc: a tenant's standards (`standards_of`) or a portfolio's."""

    tenant: str
    stream_type: str = "portfolio"
    id: UUID = field(default_factory=uuid.uuid4)
    version: int = 0

    @classmethod
    def standards_of(cls, tenant: str) -> PortfolioStream:
        """The tenant's one standards stream, under the id portfolio-svc derives."""
        stream_id = uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}")
        return cls(tenant, stream_type="pmo_standards", id=stream_id)

    def add(self, event_type: str, payload: dict[str, Any], **over: Any) -> EventEnvelope:
        self.version += 1
        fields: dict[str, Any] = {
            "event_id": uuid.uuid4(),
            "event_type": event_type,
            "schema_version": 1,
            "stream_type": self.stream_type,
            "stream_id": self.id,
            "stream_version": self.version,
            "occurred_at": T0 + timedelta(minutes=self.version),
            "tenant_id": self.tenant,
            "actor": str(uuid.uuid4()),
            "correlation_id": f"corr-{uuid.uuid4().hex[:8]}",
            "causation_id": None,
            "payload": payload,
        }
        return EventEnvelope(**{**fields, **over})

    def standards_set(
        self,
        *,
        effective_on: date,
        large: dict[str, str] | None = None,
        approval: dict[str, str] | None = None,
        gates: Sequence[str] = (),
        time_zone: str = "Europe/Berlin",
    ) -> EventEnvelope:
        """`PmoStandardsSet` with every field portfolio-svc publishes."""
        return self.add(
            "PmoStandardsSet",
            {
                "spi": _band("0.95", "0.85"),
                "cpi": _band("0.95", "0.85"),
                "large_project_threshold": large or {},
                "portfolio_approval_threshold": approval or {},
                "reporting_cadence_days": 14,
                "required_gates": list(gates),
                "size_classes": {"EUR": [{"name": "S", "up_to": "100000.00"}, {"name": "L"}]},
                "benchmark_min_group": 5,
                "reference_class_min": 5,
                "fiscal_year_start_month": 1,
                "time_zone": time_zone,
                "effective_on": effective_on.isoformat(),
            },
        )

    def decision(
        self,
        component_id: UUID,
        decision: str,
        *,
        decided_on: date,
        kind: str = "project",
        covers: Sequence[UUID] = (),
    ) -> EventEnvelope:
        """`DecisionRecorded` on a project, or on a program covering `covers`."""
        return self.add(
            "DecisionRecorded",
            {
                "component_id": str(component_id),
                "kind": kind,
                "covers": [str(c) for c in covers],
                "decision": decision,
                "rationale": "strategic fit",
                "decided_on": decided_on.isoformat(),
                "decided_by": _sealed(),
            },
        )

    def budget_set(self, amount: str, *, effective_on: date) -> EventEnvelope:
        """An event project-svc passes over."""
        return self.add("BudgetSet", {"amount": amount, "effective_on": effective_on.isoformat()})
