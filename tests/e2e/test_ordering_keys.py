"""Everything that belongs to a project travels under the project's key. Office events published
before that (keyed by the office's own id, on another partition, without `ce_partitionkey`) stay
on the topic forever: the read models must come out right from them too, incrementally and after
a rebuild, even when a consumer sees the office's events before its project's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from pmo_shared.testing import TokenFor, required_env

from .steps import poll
from .test_projections import operator_client

pytestmark = pytest.mark.integration

START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


def _envelopes(
    tenant: str, stream_type: str, stream_id: uuid.UUID, *facts: tuple[str, dict[str, Any]]
) -> list[EventEnvelope]:
    return [
        EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=1,
            stream_type=stream_type,
            stream_id=stream_id,
            stream_version=version,
            occurred_at=START + timedelta(hours=version),
            tenant_id=tenant,
            actor="pm-ann",
            correlation_id=f"old-{stream_id}",
            causation_id=None,
            payload=payload,
        )
        for version, (event_type, payload) in enumerate(facts, start=1)
    ]


def _old_style(envelope: EventEnvelope) -> cloudevents.KafkaMessage:
    """As the relay published it before the ordering root: keyed by the stream's own id."""
    message = cloudevents.encode(envelope)
    headers = [(k, v) for k, v in message.headers if k != "ce_partitionkey"]
    return cloudevents.KafkaMessage(str(envelope.stream_id).encode(), message.value, headers)


async def _publish(messages: Sequence[cloudevents.KafkaMessage]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"))
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(
                PROJECT_EVENTS_TOPIC, value=m.value, key=m.key, headers=m.headers
            )
    finally:
        await producer.stop()


@pytest.fixture
async def reports(
    reporting_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as client:
        yield client


def _lifecycle(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    keys = ("office_id", "state", "staff_count", "disband_reason", "disbanded_automatically")
    return {k: body[k] for k in keys}


async def test_office_events_keyed_by_their_own_id_still_come_out_right(
    reports: httpx.AsyncClient, reporting_url: str, token_for: TokenFor, tenant: str
) -> None:
    project_id, office_id = uuid.uuid4(), uuid.uuid4()
    project = _envelopes(
        tenant,
        "project",
        project_id,
        (
            "ProjectProposed",
            {
                "project_id": str(project_id),
                "code": f"OLD-{project_id.hex[:6]}",
                "name": "Old keys",
                "description": "",
                "manager": "pm-ann",
                "sponsor": "cfo-bob",
                "methodology": "waterfall",
                "currency": "EUR",
                "flagged_large": True,
            },
        ),
        (
            "ProjectBaselined",
            {
                "baseline_number": 1,
                "budget_at_completion": "2000000",
                "planned_start": "2026-01-01",
                "planned_finish": "2026-12-31",
                "planned_values": [],
                "reason": "",
            },
        ),
        ("ProjectApproved", {"approved_by": "pmo-carol"}),
        ("ProjectStarted", {"actual_start": "2026-02-01"}),
    )
    office = _envelopes(
        tenant,
        "project_office",
        office_id,
        (
            "ProjectOfficeEstablished",
            {
                "office_id": str(office_id),
                "project_id": str(project_id),
                "lead": "po-lu",
                "reporting_cadence_days": 14,
                "charter": "",
            },
        ),
        ("OfficeStaffAssigned", {"user_id": "analyst-1", "role": "analyst"}),
        ("ProjectOfficeDisbanded", {"reason": "project completed", "automatic": True}),
    )
    # The worst order a consumer can see across partitions: the office's events first.
    await _publish([_old_style(e) for e in (*office, *project)])

    url = f"/v1/reports/project-offices/{project_id}"
    seen = await poll(
        reports, url, lambda r: r.status_code == 200 and r.json()["state"] == "disbanded"
    )
    incrementally = _lifecycle(seen)
    assert incrementally == {
        "office_id": str(office_id),
        "state": "disbanded",
        "staff_count": 1,
        "disband_reason": "project completed",
        "disbanded_automatically": True,
    }

    async with operator_client(reporting_url, token_for) as admin:
        live = await admin.get("/v1/projections")
        old = max(g["generation"] for g in live.json()[0]["generations"] if g["status"] == "live")
        started = await admin.post("/v1/projections/project-reports/rebuild")
        assert started.status_code == 202, started.text
        await poll(
            admin,
            "/v1/projections",
            lambda r: any(
                g["status"] == "live" and g["generation"] > old for g in r.json()[0]["generations"]
            ),
            timeout=90,
        )

    assert _lifecycle(await reports.get(url)) == incrementally
