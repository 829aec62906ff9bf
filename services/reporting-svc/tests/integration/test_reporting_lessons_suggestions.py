"""Lessons that find new projects, on the real PostgreSQL (full text and pg_trgm): project-svc's
and portfolio-svc's envelopes (the verdicts' payloads checked against portfolio-svc's committed
JSON Schema) encoded as CloudEvents, decoded as the consumer does and run through the real
projection into a fresh generation; then the suggestions on both time axes and through the
HTTP route.

The tenant's projects:
- P, "Payroll vendor switch" (agile, proposed): the project asked about; its own lesson is
  about the payroll vendor too, and is never suggested;
- A, agile, completed on 30 April 2026: "Vendor management: the payroll vendor missed the data
  migration deadline twice" (the obviously related lesson);
- B, waterfall, cancelled on 15 April 2026: "Communication: employees learned of the payroll
  change from the press" (related by one word) and "Testing: performance tests of the web
  server cluster came too late" (unrelated: never suggested);
- C, agile, still active: a lesson about the payroll vendor's migration (not closed: never
  suggested).
Another tenant has the same lessons on a closed project: never suggested to this one."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from reporting_svc.api.app import create_app
from reporting_svc.application.lessons import LessonSuggestionService, Suggestions
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

ON = date.fromisoformat
NOW = datetime.now(UTC).replace(microsecond=0)
VERDICT_SCHEMA = (
    Path(__file__).parents[4]
    / "services/portfolio-svc/events/schemas/LessonSuggestionJudged.v1.json"
)


def sealed() -> dict[str, str]:
    """A personal value as published (sealed), of a subject no key service knows."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "eA"}


@dataclass
class Stream:
    """Envelopes of one stream, numbered in order, recorded at the instants given (by default
    a day apart, from 60 days ago)."""

    tenant: str
    type: str
    id: UUID = field(default_factory=uuid.uuid4)
    envelopes: list[EventEnvelope] = field(default_factory=list)

    def event(self, kind: str, payload: dict[str, Any], *, at: datetime | None = None) -> None:
        version = len(self.envelopes) + 1
        self.envelopes.append(
            EventEnvelope(
                event_id=uuid.uuid4(),
                event_type=kind,
                schema_version=readers.latest_version(kind),
                stream_type=self.type,
                stream_id=self.id,
                stream_version=version,
                occurred_at=at or NOW - timedelta(days=60 - version),
                tenant_id=self.tenant,
                actor=str(uuid.uuid4()),
                correlation_id="c",
                causation_id=None,
                payload=payload,
            )
        )


def project(
    tenant: str, code: str, name: str, *, methodology: str, description: str = ""
) -> Stream:
    p = Stream(tenant, "project")
    p.event(
        "ProjectProposed",
        {
            "project_id": str(p.id),
            "code": code,
            "name": name,
            "description": description,
            "manager": sealed(),
            "sponsor": sealed(),
            "methodology": methodology,
            "currency": "EUR",
            "flagged_large": False,
        },
    )
    return p


def lesson(p: Stream, category: str, what: str, recommendation: str) -> UUID:
    lesson_id = uuid.uuid4()
    p.event(
        "LessonLearned",
        {
            "lesson_id": str(lesson_id),
            "category": category,
            "what_happened": what,
            "recommendation": recommendation,
        },
    )
    return lesson_id


def started(p: Stream, on: str) -> None:
    p.event("ProjectApproved", {"effective_on": "2026-01-05"})
    p.event("ProjectStarted", {"actual_start": on})


def verdict(
    s: Stream, project_id: UUID, lesson_id: UUID, *, useful: bool, on: str, at: datetime
) -> None:
    """A `LessonSuggestionJudged` with every field portfolio-svc's schema has."""
    payload = {
        "project_id": str(project_id),
        "lesson_id": str(lesson_id),
        "useful": useful,
        "note": "",
        "judged_on": on,
        "judged_by": sealed(),
    }
    schema = json.loads(VERDICT_SCHEMA.read_text())
    assert set(schema["required"]) == set(payload) == set(schema["properties"])
    s.event("LessonSuggestionJudged", payload, at=at)


def pmo_stream(tenant: str) -> Stream:
    """The tenant's one PMO stream (standards and verdicts), as portfolio-svc names it."""
    return Stream(tenant, "pmo_standards", uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}"))


@dataclass
class Library:
    """The module docstring's tenant: its projects and lessons."""

    tenant: str
    streams: list[Stream]
    target: Stream
    related: UUID  # A's
    press: UUID  # B's communication lesson
    unrelated: UUID  # B's testing lesson
    own: UUID  # P's
    active: UUID  # C's


def library(tenant: str) -> Library:
    p = project(
        tenant,
        "PAY-2",
        "Payroll vendor switch",
        methodology="agile",
        description="Move payroll to a new SaaS vendor and migrate the employee records.",
    )
    own = lesson(p, "Vendor management", "The payroll vendor demo overran", "Timebox demos")
    a = project(tenant, "PAY-1", "Payroll outsourcing", methodology="agile")
    started(a, "2026-01-10")
    related = lesson(
        a,
        "Vendor management",
        "The payroll vendor missed the data migration deadline twice",
        "Put migration milestones and penalties in the vendor contract",
    )
    a.event("ProjectCompleted", {"actual_finish": "2026-04-30"})
    b = project(tenant, "WEB-1", "Web cluster upgrade", methodology="waterfall")
    started(b, "2026-01-12")
    press = lesson(
        b,
        "Communication",
        "Employees learned of the payroll change from the press",
        "Tell staff before any public announcement",
    )
    unrelated = lesson(
        b,
        "Testing",
        "Performance tests of the web server cluster came too late",
        "Load test the cluster early, before the upgrade",
    )
    b.event("ProjectCancelled", {"effective_on": "2026-04-15"})
    c = project(tenant, "PAY-3", "Payroll vendor audit", methodology="agile")
    started(c, "2026-02-01")
    active = lesson(
        c,
        "Vendor management",
        "The payroll vendor migration slipped",
        "Track the vendor's migration plan weekly",
    )
    return Library(tenant, [p, a, b, c], p, related, press, unrelated, own, active)


async def apply(engine: AsyncEngine, streams: Sequence[Stream]) -> None:
    """Encode each envelope as its CloudEvents Kafka message, decode it as the consumer does
    and run it through the projection, in one batch."""
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in (e for s in streams for e in s.envelopes):
            message = cloudevents.encode(envelope)
            received = cloudevents.decode(message.value, message.headers)
            await projection.apply(conn, received, readers.decode_envelope(received))
        await projection.flush(conn)


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test."""
    url, schema = required_env("DATABASE_URL"), f"reporting_lsn_{uuid.uuid4().hex[:10]}"
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


def service_on(engine: AsyncEngine) -> LessonSuggestionService:
    reports = ReportService(_Live(engine), thresholds=HealthThresholds(), now=lambda: NOW)
    return LessonSuggestionService(reports=reports)


def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:8]}"


async def suggested(
    engine: AsyncEngine, lib: Library, *, as_of: str | None = None, known_at: datetime | None = None
) -> Suggestions:
    when = When(ON(as_of) if as_of else None, known_at)
    return await service_on(engine).suggestions(lib.tenant, lib.target.id, when=when, limit=10)


def ids(found: Suggestions) -> list[UUID]:
    return [s.row.lesson_id for s in found.items]


# --- relevance ------------------------------------------------------------------------------


async def test_the_obviously_related_lesson_ranks_first_with_its_reason(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    await apply(read_model, lib.streams)

    found = await suggested(read_model, lib)

    assert ids(found) == [lib.related, lib.press]
    first, second = found.items
    assert first.score > second.score
    assert first.shared_words[:2] == ("payroll", "vendor")
    assert "migrate" in first.shared_words
    assert first.reason.startswith("shares the words payroll, vendor, migrate")
    assert "(vendor in its category)" in first.reason
    assert "same methodology (agile)" in first.reason
    assert second.shared_words == ("payroll", "employee")  # "Employees": the same stem
    assert "methodology" not in second.reason  # waterfall: no boost
    assert [t.name for t in first.terms] == [
        "full_text",
        "trigram",
        "methodology",
        "verdict",
        "useful_elsewhere",
        "not_useful_elsewhere",
    ]
    assert first.score == sum(t.points for t in first.terms)
    assert found.considered == 3  # A's lesson and B's two: not P's own, nor C's (active)
    assert found.words[:3] == ("payroll", "vendor", "switch")
    assert first.row.code == "PAY-1"
    assert (first.row.status, second.row.status) == ("completed", "cancelled")


async def test_only_lessons_of_projects_closed_at_the_status_date_are_suggested(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    await apply(read_model, lib.streams)

    mid_april = await suggested(read_model, lib, as_of="2026-04-20")  # B cancelled, A not done
    march = await suggested(read_model, lib, as_of="2026-03-31")

    assert ids(mid_april) == [lib.press]
    assert ids(march) == []
    assert march.considered == 0


async def test_a_tenant_without_lessons_gets_an_empty_list_and_tenants_stay_apart(
    read_model: AsyncEngine,
) -> None:
    lonely = tenant()
    alone = project(lonely, "NEW-1", "Payroll vendor switch", methodology="agile")
    other = library(tenant())
    await apply(read_model, [alone, *other.streams])
    service = service_on(read_model)

    found = await service.suggestions(lonely, alone.id, when=When(), limit=10)
    with pytest.raises(ReportNotFoundError):
        await service.suggestions(lonely, other.target.id, when=When(), limit=10)

    assert (found.items, found.considered) == ((), 0)


async def test_a_project_not_yet_known_is_a_404(read_model: AsyncEngine) -> None:
    lib = library(tenant())
    await apply(read_model, lib.streams)
    proposed_at = lib.target.envelopes[0].occurred_at

    with pytest.raises(ReportNotFoundError):
        await suggested(read_model, lib, known_at=proposed_at - timedelta(seconds=1))


# --- verdicts -------------------------------------------------------------------------------


async def test_a_verdict_not_useful_here_drops_the_lesson_on_both_time_axes(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    pmo = pmo_stream(lib.tenant)
    judged_at = NOW - timedelta(days=3)
    verdict(pmo, lib.target.id, lib.related, useful=False, on="2026-05-10", at=judged_at)
    verdict(pmo, lib.target.id, lib.press, useful=True, on="2026-05-10", at=judged_at)
    await apply(read_model, [*lib.streams, pmo])

    now = await suggested(read_model, lib)
    before_known = await suggested(read_model, lib, known_at=judged_at - timedelta(seconds=1))
    before_judged = await suggested(read_model, lib, as_of="2026-05-09")

    assert ids(now) == [lib.press]
    [press] = now.items
    assert press.verdict is not None
    assert press.verdict.useful
    assert press.verdict.judged_by == "[unknown]"  # no key service knows the test's subject
    assert "marked useful for this project on 2026-05-10" in press.reason
    assert ids(before_known) == [lib.related, lib.press]
    assert ids(before_judged) == [lib.related, lib.press]
    assert all(s.verdict is None for s in before_judged.items)


async def test_a_later_verdict_replaces_the_earlier_from_its_date(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    pmo = pmo_stream(lib.tenant)
    verdict(pmo, lib.target.id, lib.related, useful=False, on="2026-05-10", at=NOW - timedelta(2))
    verdict(pmo, lib.target.id, lib.related, useful=True, on="2026-05-20", at=NOW - timedelta(1))
    await apply(read_model, [*lib.streams, pmo])

    dropped = await suggested(read_model, lib, as_of="2026-05-15")
    back = await suggested(read_model, lib, as_of="2026-05-20")

    assert ids(dropped) == [lib.press]
    assert ids(back) == [lib.related, lib.press]
    assert back.items[0].verdict is not None


async def test_verdicts_for_other_projects_lift_one_lesson_and_sink_another(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    pmo = pmo_stream(lib.tenant)
    at = NOW - timedelta(days=2)
    for _ in range(2):
        verdict(pmo, uuid.uuid4(), lib.press, useful=True, on="2026-05-10", at=at)
    for _ in range(4):
        verdict(pmo, uuid.uuid4(), lib.related, useful=False, on="2026-05-10", at=at)
    await apply(read_model, [*lib.streams, pmo])

    now = await suggested(read_model, lib)
    before = await suggested(read_model, lib, known_at=at - timedelta(seconds=1))

    assert ids(before) == [lib.related, lib.press]
    assert ids(now) == [lib.press, lib.related]
    press, related = now.items
    assert "marked useful for 2 other projects" in press.reason
    assert "marked not useful for 4 other projects" in related.reason
    sunk = next(t for t in related.terms if t.name == "not_useful_elsewhere")
    assert str(sunk.points) == "-0.4000"


# --- through the HTTP route -----------------------------------------------------------------

SECRET = "lesson-suggestions-test-secret-of-at-least-32-chars"


@pytest.fixture
async def http(read_model: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = ReportingSettings(
        environment="test",
        database_url=required_env("DATABASE_URL"),
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
    )
    app = create_app(settings)
    app.state.lessons = service_on(read_model)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(tenant_id: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub="reader", tenant=tenant_id, roles=["viewer"])
    return {"Authorization": f"Bearer {token}"}


async def test_the_route_answers_every_term_and_refuses_another_tenants_project(
    read_model: AsyncEngine, http: httpx.AsyncClient
) -> None:
    lib = library(tenant())
    await apply(read_model, lib.streams)
    path = f"/v1/reports/projects/{lib.target.id}/suggested-lessons"

    ok = await http.get(path, params={"limit": 1}, headers=bearer(lib.tenant))
    foreign = await http.get(path, headers=bearer(tenant()))
    bad = await http.get(path, params={"limit": 0}, headers=bearer(lib.tenant))

    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert [i["lesson_id"] for i in body["items"]] == [str(lib.related)]
    [item] = body["items"]
    assert item["project"]["code"] == "PAY-1"
    assert item["reason"].startswith("shares the words payroll, vendor")
    assert [t["term"] for t in item["terms"]][:3] == ["full_text", "trigram", "methodology"]
    assert sum(Decimal(t["points"]) for t in item["terms"]) == Decimal(item["score"])
    assert body["weights"]["full_text"] == "2"
    assert body["considered"] == 3
    assert foreign.status_code == 404
    assert foreign.headers["content-type"] == "application/problem+json"
    assert bad.status_code == 422


# --- the verdicts' table --------------------------------------------------------------------


async def _feedback(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT tenant_id, version, project_id, lesson_id, useful, note, judged_on, "
                "judged_by, judged_by_ref, occurred_at FROM lesson_feedback "
                "ORDER BY tenant_id, version"
            )
        )
        return [tuple(r) for r in rows]


async def test_verdicts_are_kept_once_sealed_and_counted_as_personal_data(
    read_model: AsyncEngine,
) -> None:
    lib = library(tenant())
    pmo = pmo_stream(lib.tenant)
    verdict(pmo, lib.target.id, lib.related, useful=True, on="2026-05-10", at=NOW - timedelta(2))
    verdict(pmo, lib.target.id, lib.press, useful=False, on="2026-05-11", at=NOW - timedelta(1))
    await apply(read_model, [*lib.streams, pmo])
    once = await _feedback(read_model)

    await apply(read_model, [pmo])  # redelivered
    for envelope in pmo.envelopes:  # and again, one event per batch
        await apply(read_model, [Stream(pmo.tenant, pmo.type, pmo.id, [envelope])])

    assert await _feedback(read_model) == once
    assert [(r[1], r[4], r[6]) for r in once] == [
        (1, True, ON("2026-05-10")),
        (2, False, ON("2026-05-11")),
    ]
    judge = pmo.envelopes[0].payload["judged_by"]
    assert once[0][7] == judge  # sealed, as published
    assert once[0][8] == UUID(judge["subject_ref"])
    async with read_model.connect() as conn:
        found = await personal.held(
            conn, tenant_id=lib.tenant, refs={UUID(judge["subject_ref"])}, user_id="pmo-carol"
        )
    assert (found.sealed, found.plain) == (1, 0)
