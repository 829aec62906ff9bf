"""portfolio-svc's events as its outbox relay puts them on `pmo.portfolio.events`: envelopes of
its committed schemas (sealed personal fields), each stream numbered in order, encoded as
CloudEvents keyed by stream id with the kernel's encoder, sent by an idempotent producer. The
API tests publish them and watch the running project-svc obey them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from aiokafka import AIOKafkaProducer

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.topics import PORTFOLIO_EVENTS_TOPIC
from pmo_shared.testing import required_env


def _sealed() -> dict[str, str]:
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "AAAA"}


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

    def add(self, event_type: str, payload: dict[str, Any]) -> EventEnvelope:
        self.version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=1,
            stream_type=self.stream_type,
            stream_id=self.id,
            stream_version=self.version,
            occurred_at=datetime.now(UTC),
            tenant_id=self.tenant,
            actor=str(uuid.uuid4()),
            correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
            causation_id=None,
            payload=payload,
        )

    def standards_set(
        self,
        *,
        effective_on: date,
        large: dict[str, str] | None = None,
        approval: dict[str, str] | None = None,
        gates: Sequence[str] = (),
    ) -> EventEnvelope:
        """`PmoStandardsSet` with every field portfolio-svc publishes."""
        band = {"green": "0.95", "amber": "0.85"}
        return self.add(
            "PmoStandardsSet",
            {
                "spi": band,
                "cpi": band,
                "large_project_threshold": large or {},
                "portfolio_approval_threshold": approval or {},
                "reporting_cadence_days": 14,
                "required_gates": list(gates),
                "size_classes": {},
                "benchmark_min_group": 5,
                "reference_class_min": 5,
                "fiscal_year_start_month": 1,
                "time_zone": "UTC",
                "effective_on": effective_on.isoformat(),
            },
        )

    def decision(
        self,
        component_id: UUID | str,
        decision: str,
        *,
        decided_on: date,
        kind: str = "project",
        covers: Sequence[UUID | str] = (),
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


async def publish(*envelopes: EventEnvelope) -> None:
    """Put the envelopes on `pmo.portfolio.events` as the relay does."""
    producer = AIOKafkaProducer(
        bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"), enable_idempotence=True
    )
    await producer.start()
    try:
        for envelope in envelopes:
            message = cloudevents.encode(envelope)
            await producer.send_and_wait(
                PORTFOLIO_EVENTS_TOPIC,
                value=message.value,
                key=message.key,
                headers=message.headers,
            )
    finally:
        await producer.stop()
