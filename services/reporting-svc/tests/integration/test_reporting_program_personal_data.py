"""Personal data of the program events in reporting, on the test stack's real PostgreSQL and a
real key service (project-svc's: a sealed value carries no producer name, so any key service
that knows the subject opens it): the program tables keep only sealed values and pseudonyms;
the program reports open them per request (an erasure shows as `[erased]` at once); the
data-subject counts see them; `PersonalDataErased` on the program topic changes nothing."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.privacy import crypto
from pmo_shared.privacy.fields import ERASED, is_sealed
from pmo_shared.privacy.remote import RemoteKeys
from pmo_shared.testing import TokenFor, required_env
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers, rows_for

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


def _token() -> str:
    return (Path(required_env("PMO_SECRETS_DIR")) / "reporting-svc.token").read_text().strip()


@dataclass
class Subject:
    user_id: str
    ref: UUID
    key_id: UUID
    key: bytes

    def sealed(self, tenant: str) -> dict[str, str]:
        ciphertext = crypto.seal(
            self.user_id, self.key, tenant_id=tenant, subject_ref=self.ref, key_id=self.key_id
        )
        return {"subject_ref": str(self.ref), "key_id": str(self.key_id), "ciphertext": ciphertext}


@dataclass
class KeyService:
    tenant: str
    projects: httpx.AsyncClient
    keys: RemoteKeys

    async def person(self, label: str) -> Subject:
        """A new data subject of project-svc (it manages a project there)."""
        user_id = f"zz.{label}.{uuid.uuid4().hex[:10]}@example.org"
        body = {
            "code": f"PG-{uuid.uuid4().hex[:8]}",
            "name": "Program personal data",
            "manager": user_id,
            "sponsor": "cio-bea",
            "methodology": "waterfall",
            "currency": "EUR",
        }
        created = await self.projects.post("/v1/projects", json=body)
        assert created.status_code == 201, created.text
        [ref] = await self.keys.lookup(self.tenant, user_id)
        answer = await self.projects.post(
            "/internal/v1/data-keys",
            json={"tenant_id": self.tenant, "subject_refs": [str(ref)]},
            headers={"Authorization": f"Bearer {_token()}"},
        )
        assert answer.status_code == 200, answer.text
        [key] = answer.json()["keys"]
        return Subject(user_id, ref, UUID(key["key_id"]), base64.b64decode(key["data_key"]))

    async def erase(self, person: Subject) -> None:
        erased = await self.projects.post(f"/v1/data-subjects/{person.user_id}/erase")
        assert erased.status_code == 200, erased.text


@pytest.fixture
async def key_service(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[KeyService]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='pmo-paula')}"}
    keys = RemoteKeys({"project-svc": project_url}, token=_token())
    async with httpx.AsyncClient(base_url=project_url, headers=headers, timeout=30) as projects:
        yield KeyService(tenant, projects, keys)
    await keys.aclose()


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    url, schema = required_env("DATABASE_URL"), f"reporting_pgpd_{uuid.uuid4().hex[:10]}"
    engine = keep_dates_literal(create_engine_for(url, schema=schema, pool_size=2))
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


class _Live:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


class Program:
    def __init__(self, tenant: str) -> None:
        self.id, self.tenant, self.version = uuid.uuid4(), tenant, 0

    def event(self, kind: str, payload: dict[str, Any]) -> EventEnvelope:
        self.version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=kind,
            schema_version=1,
            stream_type="program",
            stream_id=self.id,
            stream_version=self.version,
            occurred_at=NOW - timedelta(minutes=30 - self.version),
            tenant_id=self.tenant,
            actor=str(uuid.uuid4()),
            correlation_id="c",
            causation_id=None,
            payload=payload,
        )


def program_history(g: Program, ann: Subject, bob: Subject) -> list[EventEnvelope]:
    t, today = g.tenant, (NOW - timedelta(days=1)).date().isoformat()
    resource = uuid.uuid4()
    return [
        g.event(
            "ProgramProposed",
            {
                "program_id": str(g.id),
                "code": "PD-1",
                "name": "Personal",
                "area": "HR",
                "description": "",
                "manager": ann.sealed(t),
                "sponsor": bob.sealed(t),
                "currency": "EUR",
                "proposed_on": today,
            },
        ),
        g.event("ProgramActivated", {"activated_by": bob.sealed(t), "effective_on": today}),
        g.event(
            "ResourceAdded",
            {
                "resource_id": str(resource),
                "kind": "person",
                "person": ann.sealed(t),
                "weekly_capacity_hours": "40",
                "effective_on": today,
            },
        ),
        g.event(
            "BenefitPlanned",
            {
                "benefit_id": str(uuid.uuid4()),
                "name": "Hours saved",
                "measure": "hours",
                "unit": "h",
                "target_value": "10",
                "target_date": "2027-01-01",
                "owner": bob.sealed(t),
                "effective_on": today,
            },
        ),
    ]


async def feed(engine: AsyncEngine, envelopes: list[EventEnvelope]) -> None:
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in envelopes:
            await projection.apply(conn, envelope, readers.decode_envelope(envelope))
        await projection.flush(conn)


async def test_program_people_are_kept_sealed_and_opened_per_request(
    key_service: KeyService, read_model: AsyncEngine
) -> None:
    ann, bob = await key_service.person("ann"), await key_service.person("bob")
    t, g = key_service.tenant, Program(key_service.tenant)
    await feed(read_model, program_history(g, ann, bob))
    async with read_model.connect() as conn:
        tables = ("programs", "program_status", "program_resources", "program_benefits")
        stored = ""
        for table in tables:
            sql = f"SELECT coalesce(json_agg(t)::text, '') FROM {table} t"  # noqa: S608
            stored += (await conn.execute(text(sql))).scalar_one()
        row = (
            await conn.execute(text("SELECT manager, manager_ref, sponsor_ref FROM programs"))
        ).one()
        refs = (
            await conn.execute(
                text(
                    "SELECT (SELECT activated_by_ref FROM program_status WHERE status = 'active'),"
                    " (SELECT person_ref FROM program_resources),"
                    " (SELECT owner_ref FROM program_benefits)"
                )
            )
        ).one()
    assert str(g.id) in stored
    assert ann.user_id not in stored
    assert bob.user_id not in stored
    assert is_sealed(row.manager)
    assert (row.manager_ref, row.sponsor_ref) == (ann.ref, bob.ref)
    assert tuple(refs) == (bob.ref, ann.ref, bob.ref)
    async with read_model.connect() as conn:
        held = await personal.held(conn, tenant_id=t, refs={ann.ref}, user_id=ann.user_id)
    assert (held.sealed, held.plain) == (2, 0)  # manager, resource

    reports = ReportService(_Live(read_model), thresholds=HealthThresholds(), keys=key_service.keys)
    programs = ProgramReportService(_Live(read_model), reports=reports)
    report = await programs.program(t, g.id, when=When())
    assert (report.manager, report.sponsor) == (ann.user_id, bob.user_id)
    assert [b.owner for b in report.benefits] == [bob.user_id]
    [listed], _ = await programs.programs(t, when=When(), after=None, limit=10)
    assert (listed.manager, listed.sponsor) == (ann.user_id, bob.user_id)
    [resource] = (await programs.utilisation(t, g.id, when=When())).resources
    assert resource.label == ann.user_id

    await key_service.erase(ann)
    report = await programs.program(t, g.id, when=When())
    assert (report.manager, report.sponsor) == (ERASED, bob.user_id)  # nobody else's changes
    [resource] = (await programs.utilisation(t, g.id, when=When())).resources
    assert resource.label == ERASED


async def test_an_erasure_mark_on_the_program_topic_changes_nothing(
    key_service: KeyService, read_model: AsyncEngine
) -> None:
    ann, bob = await key_service.person("ann"), await key_service.person("bob")
    g = Program(key_service.tenant)
    history = program_history(g, ann, bob)
    mark = g.event(
        "PersonalDataErased", {"subject_ref": str(ann.ref), "erasure_id": str(uuid.uuid4())}
    )
    event = readers.decode_envelope(mark)
    assert event.bookkeeping
    assert rows_for(mark, event) == []
    closed = g.event(
        "ProgramClosed", {"effective_on": (NOW - timedelta(days=1)).date().isoformat()}
    )
    await feed(read_model, [*history, mark, closed])
    async with read_model.connect() as conn:
        statuses = await conn.execute(
            text("SELECT version, status FROM program_status ORDER BY version")
        )
        assert [tuple(s) for s in statuses] == [(1, "proposed"), (2, "active"), (6, "closed")]
