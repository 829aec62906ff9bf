"""Personal data in reporting, on the test stack's real PostgreSQL and project-svc (its key
service and its data-subject routes): the read model keeps only sealed values and pseudonyms;
the reports open them per request (an erasure shows as `[erased]` at once, nobody else's data
changes); `?manager=` filters by pseudonym; `PersonalDataErased` changes nothing; a value
published before sealing is shown only while its person is known; a key service that is down
makes values `[unavailable]` and a filter a 503; one erasure fans out to every service (a
failing one is a 502 naming it, and a retry is safe)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.caller import Principal
from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.privacy import crypto
from pmo_shared.privacy.fields import ERASED, is_sealed
from pmo_shared.privacy.remote import UNAVAILABLE, UNKNOWN, KeyServiceUnavailableError, RemoteKeys
from pmo_shared.testing import TokenFor, required_env
from pmo_shared.web.problems import Problem
from reporting_svc.api import datasubjects
from reporting_svc.application.reports import ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.events import registry
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, rows_for

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


def _token() -> str:
    return (Path(required_env("PMO_SECRETS_DIR")) / "reporting-svc.token").read_text().strip()


@dataclass
class Subject:
    """A person as project-svc's key service knows them."""

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
class Stack:
    tenant: str
    projects: httpx.AsyncClient
    keys: RemoteKeys

    async def person(self, label: str) -> Subject:
        """A new person, made a data subject of project-svc (by managing a project there)."""
        user_id = f"zz.{label}.{uuid.uuid4().hex[:10]}@example.org"
        body = {
            "code": f"PD-{uuid.uuid4().hex[:8]}",
            "name": "Personal data",
            "manager": user_id,
            "sponsor": "cio-bea",
            "methodology": "waterfall",
            "currency": "EUR",
        }
        created = await self.projects.post("/v1/projects", json=body)
        assert created.status_code == 201, created.text
        [ref] = await self.keys.lookup(self.tenant, user_id)
        asked = {"tenant_id": self.tenant, "subject_refs": [str(ref)]}
        answer = await self.projects.post(
            "/internal/v1/data-keys",
            json=asked,
            headers={"Authorization": f"Bearer {_token()}"},
        )
        assert answer.status_code == 200, answer.text
        [key] = answer.json()["keys"]
        return Subject(user_id, ref, UUID(key["key_id"]), base64.b64decode(key["data_key"]))

    async def erase(self, person: Subject) -> None:
        erased = await self.projects.post(f"/v1/data-subjects/{person.user_id}/erase")
        assert erased.status_code == 200, erased.text
        assert erased.json()["held"] is True


@pytest.fixture
async def stack(project_url: str, token_for: TokenFor, tenant: str) -> AsyncIterator[Stack]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='pmo-paula')}"}
    keys = RemoteKeys({"project-svc": project_url}, token=_token())
    async with httpx.AsyncClient(base_url=project_url, headers=headers, timeout=30) as projects:
        yield Stack(tenant, projects, keys)
    await keys.aclose()


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test, registered (as the only
    generation) in a `projection_generations` table of that schema."""
    url, schema = required_env("DATABASE_URL"), f"reporting_pd_{uuid.uuid4().hex[:10]}"
    engine = create_engine_for(url, schema=schema, pool_size=2)
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
        await conn.execute(text("CREATE TABLE projection_generations (schema_name text NOT NULL)"))
        await conn.execute(text("INSERT INTO projection_generations VALUES (:s)"), {"s": schema})
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


class Stream:
    def __init__(self, tenant: str, stream_type: str = "project") -> None:
        self.id, self.type, self.version, self.tenant = uuid.uuid4(), stream_type, 0, tenant

    def event(self, kind: str, payload: dict[str, Any], *, v: int = 1) -> EventEnvelope:
        self.version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=kind,
            schema_version=v,
            stream_type=self.type,
            stream_id=self.id,
            stream_version=self.version,
            occurred_at=NOW - timedelta(minutes=10 - self.version),
            tenant_id=self.tenant,
            actor=str(uuid.uuid4()),  # a pseudonym, as on the topic
            correlation_id="c",
            causation_id=None,
            payload=payload,
        )


def proposed(project: Stream, manager: Any, sponsor: Any) -> EventEnvelope:
    return project.event(
        "ProjectProposed",
        {
            "project_id": str(project.id),
            "code": f"P-{project.id.hex[:6]}",
            "name": "Payroll",
            "description": "",
            "manager": manager,
            "sponsor": sponsor,
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": False,
        },
    )


def office_of(project: Stream, lead: Any, staff: Any) -> list[EventEnvelope]:
    office = Stream(project.tenant, "project_office")
    return [
        office.event(
            "ProjectOfficeEstablished",
            {
                "office_id": str(office.id),
                "project_id": str(project.id),
                "lead": lead,
                "reporting_cadence_days": 7,
                "charter": "",
                "established_on": (NOW - timedelta(days=1)).date().isoformat(),
            },
            v=2,
        ),
        office.event("OfficeStaffAssigned", {"user_id": staff, "role": "analyst"}),
        office.event("OfficeStaffReleased", {"user_id": staff}),
    ]


async def feed(engine: AsyncEngine, envelopes: Sequence[EventEnvelope]) -> None:
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in envelopes:
            await projection.apply(conn, envelope, registry.decode_envelope(envelope))
        await projection.flush(conn)


class _Live:
    """The test's schema as the live generation (and its register, for the scrub)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


def reports_of(engine: AsyncEngine, keys: RemoteKeys) -> ReportService:
    return ReportService(_Live(engine), thresholds=HealthThresholds(), keys=keys)


async def _everything(engine: AsyncEngine) -> str:
    """Every row of the tables that hold personal values, as JSON text."""
    texts = []
    async with engine.connect() as conn:
        for table in ("projects", "risks", "offices", "office_staff"):
            sql = f"SELECT coalesce(json_agg(t)::text, '') FROM {table} t"  # noqa: S608
            texts.append((await conn.execute(text(sql))).scalar_one())
    return "".join(texts)


async def test_the_read_model_keeps_only_sealed_values_and_pseudonyms(
    stack: Stack, read_model: AsyncEngine
) -> None:
    ann, bob = await stack.person("ann"), await stack.person("bob")
    t = stack.tenant
    project = Stream(t)
    risk = {"risk_id": str(uuid.uuid4()), "title": "Vendor", "probability": "0.2"}
    await feed(
        read_model,
        [
            proposed(project, ann.sealed(t), bob.sealed(t)),
            project.event("RiskRaised", {**risk, "impact": "10", "owner": ann.sealed(t)}),
            *office_of(project, ann.sealed(t), bob.sealed(t)),
        ],
    )
    stored = await _everything(read_model)
    assert str(project.id) in stored  # the scan reads the rows
    assert ann.user_id not in stored
    assert bob.user_id not in stored
    async with read_model.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT manager, manager_ref, sponsor, sponsor_ref FROM projects")
            )
        ).one()
        assert is_sealed(row.manager)
        assert is_sealed(row.sponsor)
        assert (row.manager_ref, row.sponsor_ref) == (ann.ref, bob.ref)
        refs = (
            await conn.execute(
                text(
                    "SELECT (SELECT owner_ref FROM risks), (SELECT lead_ref FROM offices), "
                    "(SELECT array_agg(DISTINCT user_ref) FROM office_staff)"
                )
            )
        ).one()
        assert tuple(refs) == (ann.ref, ann.ref, [bob.ref])


async def test_reports_open_per_request_and_an_erasure_shows_at_once(
    stack: Stack, read_model: AsyncEngine
) -> None:
    ann, bob = await stack.person("ann"), await stack.person("bob")
    t = stack.tenant
    mine, theirs = Stream(t), Stream(t)
    await feed(
        read_model,
        [
            proposed(mine, ann.sealed(t), bob.sealed(t)),
            proposed(theirs, bob.sealed(t), ann.sealed(t)),
            *office_of(mine, ann.sealed(t), bob.sealed(t)),
        ],
    )
    reports = reports_of(read_model, stack.keys)
    assert (await reports.project(t, mine.id, when=When())).manager == ann.user_id
    [office] = await reports.offices(t, when=When())
    assert office.lead == ann.user_id
    managed = await reports.projects(t, when=When(), manager=ann.user_id)
    assert [r.project_id for r in managed] == [mine.id]
    assert [r.manager for r in managed] == [ann.user_id]
    assert await reports.projects(t, when=When(), manager="never-known") == []
    overview = await reports.overview(t, when=When())
    assert overview["projects_by_status"] == {"proposed": 2}

    await stack.erase(ann)
    assert (await reports.project(t, mine.id, when=When())).manager == ERASED
    [office] = await reports.offices(t, when=When())
    assert office.lead == ERASED
    assert await reports.projects(t, when=When(), manager=ann.user_id) == []
    # nobody else's data changes
    assert (await reports.project(t, theirs.id, when=When())).manager == bob.user_id
    assert [r.project_id for r in await reports.projects(t, when=When(), manager=bob.user_id)] == [
        theirs.id
    ]
    async with read_model.connect() as conn:
        sponsors = (
            await conn.execute(text("SELECT sponsor FROM projects ORDER BY code"))
        ).scalars()
        assert sorted(await stack.keys.open(t, list(sponsors))) == sorted([bob.user_id, ERASED])


async def test_an_erasure_mark_changes_nothing_and_versions_still_count(
    stack: Stack, read_model: AsyncEngine
) -> None:
    ann = await stack.person("ann")
    t = stack.tenant
    project = Stream(t)
    first = proposed(project, ann.sealed(t), ann.sealed(t))
    mark = project.event(
        "PersonalDataErased", {"subject_ref": str(ann.ref), "erasure_id": str(uuid.uuid4())}
    )
    event = registry.decode_envelope(mark)
    assert event.bookkeeping
    assert rows_for(mark, event) == []
    approved = project.event("ProjectApproved", {"approved_by": ann.sealed(t)}, v=2)
    await feed(read_model, [first, mark, approved])
    async with read_model.connect() as conn:
        status, version = (await conn.execute(text("SELECT status, version FROM projects"))).one()
        history = (
            await conn.execute(text("SELECT version, status FROM project_status ORDER BY version"))
        ).all()
    assert (status, version) == ("approved", 3)
    assert [tuple(h) for h in history] == [(1, "proposed"), (3, "approved")]


async def test_a_value_published_before_sealing_shows_only_while_its_person_is_known(
    stack: Stack, read_model: AsyncEngine
) -> None:
    ann, bob = await stack.person("ann"), await stack.person("bob")
    t = stack.tenant
    legacy, sealed = Stream(t), Stream(t)
    await feed(
        read_model,
        [
            proposed(legacy, ann.user_id, bob.user_id),  # plain, as published before sealing
            proposed(sealed, ann.sealed(t), bob.sealed(t)),
        ],
    )
    reports = reports_of(read_model, stack.keys)
    assert (await reports.project(t, legacy.id, when=When())).manager == ann.user_id
    managed = await reports.projects(t, when=When(), manager=ann.user_id)
    assert {r.project_id for r in managed} == {legacy.id, sealed.id}

    await stack.erase(ann)
    assert (await reports.project(t, legacy.id, when=When())).manager == ERASED
    assert await reports.projects(t, when=When(), manager=ann.user_id) == []
    async with read_model.begin() as conn:
        held = await personal.held(conn, tenant_id=t, refs=set(), user_id=ann.user_id)
        assert (held.sealed, held.plain) == (0, 1)
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        assert await personal.scrub_plain(conn, [schema], tenant_id=t, user_id=ann.user_id) == 1
        assert (
            await personal.scrub_plain(conn, [schema], tenant_id="other", user_id=bob.user_id) == 0
        )
    assert ann.user_id not in await _everything(read_model)
    assert bob.user_id in await _everything(read_model)  # bob's plain sponsor stays
    assert (await reports.project(t, legacy.id, when=When())).manager == ERASED


async def test_a_key_service_that_is_down_leaves_values_unavailable_and_filters_503(
    stack: Stack, read_model: AsyncEngine
) -> None:
    ann = await stack.person("ann")
    t = stack.tenant
    project = Stream(t)
    stranger = {**ann.sealed(t), "subject_ref": str(uuid.uuid4())}
    await feed(read_model, [proposed(project, ann.sealed(t), stranger)])
    down = RemoteKeys({"project-svc": "http://127.0.0.1:1"}, token=_token(), timeout=0.5)
    try:
        reports = reports_of(read_model, down)
        assert (await reports.project(t, project.id, when=When())).manager == UNAVAILABLE
        with pytest.raises(KeyServiceUnavailableError):
            await reports.projects(t, when=When(), manager=ann.user_id)
    finally:
        await down.aclose()
    async with read_model.connect() as conn:
        sponsor = (await conn.execute(text("SELECT sponsor FROM projects"))).scalar_one()
    assert await stack.keys.open(t, [sponsor]) == [UNKNOWN]  # no key service knows it


def _route_request(keys: RemoteKeys, engine: AsyncEngine, token: str) -> Any:
    state = SimpleNamespace(remote_keys=keys, supervisor=_Live(engine))
    return SimpleNamespace(app=SimpleNamespace(state=state), headers={"authorization": token})


async def test_one_erasure_fans_out_and_a_failing_service_is_a_502_naming_it(
    stack: Stack, read_model: AsyncEngine, project_url: str, token_for: TokenFor
) -> None:
    ann = await stack.person("ann")
    t = stack.tenant
    legacy = Stream(t)
    await feed(read_model, [proposed(legacy, ann.user_id, ann.sealed(t))])
    officer = Principal(subject="pmo-carol", tenant=t, roles=frozenset({"pmo"}))
    bearer = f"Bearer {token_for(t, 'pmo', sub='pmo-carol')}"
    both = RemoteKeys(
        {"project-svc": project_url, "program-svc": "http://127.0.0.1:1"}, token=_token()
    )
    try:
        request = _route_request(both, read_model, bearer)
        with pytest.raises(Problem) as failed:
            await datasubjects.erase_data_subject(ann.user_id, request, officer)
        problem = failed.value
        assert problem.status == 502
        assert problem.extra["failed_services"] == ["program-svc"]
        assert "program-svc" in str(problem.detail)
        results = {s["service"]: s for s in problem.extra["services"]}
        assert results["program-svc"]["status"] is None
        assert results["project-svc"]["result"]["held"] is True  # done there: a retry is safe
        assert problem.extra["reporting"]["plain_values_erased"] == 1
    finally:
        await both.aclose()

    request = _route_request(stack.keys, read_model, bearer)
    again = await datasubjects.erase_data_subject(ann.user_id, request, officer)
    assert [(s.service, s.status, s.result["held"]) for s in again.services] == [
        ("project-svc", 200, False)
    ]
    assert again.reporting.plain_values_erased == 0
    exported = await datasubjects.export_data_subject(ann.user_id, request, officer, limit=10)
    assert exported.services[0].result["held"] is False
    assert (exported.reporting.sealed_values, exported.reporting.plain_values) == (0, 0)


async def test_the_running_service_fans_out_for_the_pmo_only(
    stack: Stack, reporting_url: str, token_for: TokenFor
) -> None:
    ann = await stack.person("ann")
    path = f"/v1/data-subjects/{ann.user_id}"
    async with httpx.AsyncClient(base_url=reporting_url, timeout=60) as reporting:
        for roles in (("viewer",), ("project_manager",)):
            headers = {"Authorization": f"Bearer {token_for(stack.tenant, *roles)}"}
            for method, url in (("GET", path), ("POST", f"{path}/erase")):
                refused = await reporting.request(method, url, headers=headers)
                assert refused.status_code == 403, refused.text
        headers = {"Authorization": f"Bearer {token_for(stack.tenant, 'pmo')}"}
        exported = await reporting.get(path, headers=headers)
        assert exported.status_code == 200, exported.text
        # Every write service answers (project-svc, program-svc, portfolio-svc); project-svc
        # knows ann.
        answers = {a["service"]: a for a in exported.json()["services"]}
        assert set(answers) == {"project-svc", "program-svc", "portfolio-svc"}
        assert answers["project-svc"]["result"]["held"] is True
        erased = await reporting.post(f"{path}/erase", headers=headers)
        assert erased.status_code == 200, erased.text
        erasures = {a["service"]: a for a in erased.json()["services"]}
        assert erasures["project-svc"]["result"]["streams_marked"] == 1
        assert "sealed" in erased.json()["reporting"]["statement"]
    assert await stack.keys.lookup(stack.tenant, ann.user_id) == set()
