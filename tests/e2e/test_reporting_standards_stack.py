"""The PMO's standards steer reporting-svc through events only: a `PmoStandardsSet` published on
`pmo.portfolio.events` as portfolio-svc's relay publishes it (a CloudEvents message keyed by the
tenant's standards stream) changes the health of a project made through project-svc, and the
reporting compliance of its Project Office, from the standards' effective date, as known from
when they arrived.

Hand figures: BAC 100,000 over 1 January to 11 April 2026 (100 days), 46 % done as of 15
February, 46,900 spent: on 20 February PV 50,000, EV 46,000, SPI 0.9200, CPI 0.9808 (on the
defaults, green from 0.95 and amber from 0.85: schedule amber, cost green)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.topics import PORTFOLIO_EVENTS_TOPIC
from pmo_shared.testing import required_env

from .steps import command, poll
from .test_project_reports import started_project

pytestmark = pytest.mark.integration

FEB_20 = {"as_of": "2026-02-20"}


def _tenant_of(client: httpx.AsyncClient) -> str:
    token = client.headers["Authorization"].removeprefix("Bearer ")
    tenant: str = jwt.decode(token, options={"verify_signature": False})["tenant"]
    return tenant


def _standards(version: int, tenant: str, **fields: Any) -> EventEnvelope:
    """The tenant's standards set number `version`, as portfolio-svc records it."""
    payload = {
        "spi": {"green": "0.90", "amber": "0.80"},
        "cpi": {"green": "1.00", "amber": "0.97"},
        "large_project_threshold": {},
        "portfolio_approval_threshold": {},
        "reporting_cadence_days": 14,
        "required_gates": [],
        "size_classes": {},
        "benchmark_min_group": 5,
        "reference_class_min": 5,
        "fiscal_year_start_month": 1,
        "time_zone": "UTC",
        "effective_on": "2026-02-01",
        **fields,
    }
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type="PmoStandardsSet",
        schema_version=1,
        stream_type="pmo_standards",
        stream_id=uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}"),
        stream_version=version,
        occurred_at=datetime.now(UTC),
        tenant_id=tenant,
        actor="pmo-petra",
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        payload=payload,
    )


async def _publish(envelope: EventEnvelope) -> None:
    """Publish as the relay does: the envelope's CloudEvents message on its stream's topic."""
    message = cloudevents.encode(envelope)
    producer = AIOKafkaProducer(
        bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"), enable_idempotence=True
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            PORTFOLIO_EVENTS_TOPIC, value=message.value, key=message.key, headers=message.headers
        )
    finally:
        await producer.stop()


async def _measured_project(projects: httpx.AsyncClient) -> str:
    project_id = await started_project(projects, flagged_large=True)
    p = f"/v1/projects/{project_id}"
    await command(
        projects, f"{p}/costs", {"amount": "46900", "incurred_on": "2026-02-01", "category": "x"}
    )
    await command(projects, f"{p}/progress", {"percent_complete": "46", "as_of": "2026-02-15"})
    return project_id


async def test_standards_published_as_events_steer_health_and_office_compliance(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    tenant = _tenant_of(projects)
    project_id = await _measured_project(projects)
    p = f"/v1/projects/{project_id}"
    office_body = {"lead": "po-lu", "reporting_cadence_days": 30, "established_on": "2026-02-01"}
    await command(projects, f"{p}/office", office_body)
    metrics, office = (
        f"/v1/reports/projects/{project_id}/metrics",
        f"/v1/reports/project-offices/{project_id}",
    )
    await poll(reports, office, lambda r: r.status_code == 200)
    before = (
        await poll(
            reports, metrics, lambda r: r.json().get("percent_complete") == "46.00", params=FEB_20
        )
    ).json()
    assert (before["spi"], before["cpi"], before["thresholds"]["source"]) == (
        "0.9200",
        "0.9808",
        "default",
    )
    assert before["health"] == {"schedule": "amber", "cost": "green", "overall": "amber"}
    known_before = datetime.now(UTC).isoformat()

    await _publish(_standards(1, tenant))
    rated = (
        await poll(
            reports,
            metrics,
            lambda r: r.json()["thresholds"]["source"] == "pmo-standards",
            params=FEB_20,
        )
    ).json()
    assert rated["health"] == {"schedule": "green", "cost": "amber", "overall": "amber"}
    assert rated["thresholds"]["effective_on"] == "2026-02-01"
    # What was known before the standards arrived, and before they took effect, is unchanged.
    as_known = await reports.get(metrics, params={**FEB_20, "known_at": known_before})
    assert as_known.json()["health"] == before["health"]
    january = await reports.get(metrics, params={"as_of": "2026-01-31"})
    assert january.json()["thresholds"]["source"] == "default"

    # 19 days after the office was established: within its own 30, beyond the standards' 14.
    judged = (await reports.get(office, params=FEB_20)).json()
    assert (judged["reporting_overdue"], judged["reporting_cadence"]["days"]) == (True, 14)
    assert judged["reporting_cadence"]["source"] == "pmo-standards"
    own = (await reports.get(office, params={**FEB_20, "known_at": known_before})).json()
    assert (own["reporting_overdue"], own["reporting_cadence"]["source"]) == (False, "office")

    # A new set from 1 March changes nothing before it.
    await _publish(
        _standards(
            2,
            tenant,
            spi={"green": "0.99", "amber": "0.98"},
            cpi={"green": "0.99", "amber": "0.98"},
            effective_on="2026-03-01",
        )
    )
    await poll(
        reports,
        metrics,
        lambda r: r.json()["thresholds"]["effective_on"] == "2026-03-01",
        params={"as_of": "2026-03-01"},
    )
    still = (await reports.get(metrics, params=FEB_20)).json()
    assert (still["thresholds"]["effective_on"], still["health"]) == ("2026-02-01", rated["health"])
