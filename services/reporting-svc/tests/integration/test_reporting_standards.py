"""The PMO's standards steer the reports, on the real PostgreSQL: `PmoStandardsSet` envelopes (as
portfolio-svc publishes them: the payload's fields checked against its committed JSON Schema,
one stream per tenant) beside project-svc's and program-svc's events, encoded as CloudEvents and
decoded as the consumer does, through the real projection into a fresh generation; then the
reports on both time axes and through the HTTP routes.

Hand figures: project P, BAC 100,000 over 1 January to 11 April 2026 (100 days), 46 % done as of
15 February, 46,900 spent on 1 February; on 20 February (day 50) PV 50,000, EV 46,000, so
SPI 0.9200 and CPI 0.9808. On the defaults (green from 0.95, amber from 0.85 on both) that is
schedule amber, cost green. The standards:
- S1, effective 1 February, recorded 20 days ago: SPI green from 0.90 (green), CPI green from
  1.00, amber from 0.97 (amber); reporting at least every 14 days; zone UTC;
- S2, effective 1 February too, recorded 10 days ago (a correction, later in the stream): SPI
  green from 0.95, amber from 0.93 (red), CPI green from 0.98 (green);
- S3, effective 1 March, recorded 5 days ago: every band at 0.50 (all green), cadence 7."""

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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from reporting_svc.api.app import create_app
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportService, When
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag
from reporting_svc.readmodel import queries, standards_queries
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

D = Decimal
ON = date.fromisoformat
NOW = datetime.now(UTC).replace(microsecond=0)
WORKED = ON("2026-02-20")
SCHEMA = Path(__file__).parents[4] / "services/portfolio-svc/events/schemas/PmoStandardsSet.v1.json"
S1_AT, S2_AT, S3_AT = (NOW - timedelta(days=n) for n in (20, 10, 5))


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
    ordering_id: UUID | None = None
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
                ordering_id=self.ordering_id,
                stream_version=version,
                occurred_at=at or NOW - timedelta(days=60 - version),
                tenant_id=self.tenant,
                actor=str(uuid.uuid4()),
                correlation_id="c",
                causation_id=None,
                payload=payload,
            )
        )


def band(green: str, amber: str) -> dict[str, str]:
    return {"green": green, "amber": amber}


def standards_stream(tenant: str) -> Stream:
    """The tenant's one standards stream, as portfolio-svc names it."""
    return Stream(tenant, "pmo_standards", uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}"))


def set_standards(stream: Stream, *, at: datetime, **fields: Any) -> None:
    """A `PmoStandardsSet` with every field portfolio-svc's schema has (checked against it)."""
    payload = {
        "spi": band("0.95", "0.85"),
        "cpi": band("0.95", "0.85"),
        "large_project_threshold": {"EUR": "1000000"},
        "portfolio_approval_threshold": {},
        "reporting_cadence_days": 14,
        "required_gates": [],
        "size_classes": {"EUR": [{"name": "S", "up_to": "100000"}, {"name": "L"}]},
        "benchmark_min_group": 5,
        "reference_class_min": 5,
        "fiscal_year_start_month": 1,
        "time_zone": "UTC",
        **fields,
    }
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["required"]) <= set(payload) <= set(schema["properties"])
    stream.event("PmoStandardsSet", payload, at=at)


def the_three_standards(tenant: str) -> Stream:
    s = standards_stream(tenant)
    first = {"spi": band("0.90", "0.80"), "cpi": band("1.00", "0.97")}
    set_standards(s, at=S1_AT, effective_on="2026-02-01", **first)
    correction = {"spi": band("0.95", "0.93"), "cpi": band("0.98", "0.90")}
    set_standards(s, at=S2_AT, effective_on="2026-02-01", **correction)
    lenient = {"spi": band("0.50", "0.50"), "cpi": band("0.50", "0.50")}
    set_standards(s, at=S3_AT, effective_on="2026-03-01", reporting_cadence_days=7, **lenient)
    return s


def project(tenant: str, code: str, *, baselined: bool = True) -> Stream:
    """P of the module's hand figures (without a baseline: only its costs, 300 on 1 Feb)."""
    p = Stream(tenant, "project")
    p.event(
        "ProjectProposed",
        {
            "project_id": str(p.id),
            "code": code,
            "name": f"Project {code}",
            "manager": sealed(),
            "sponsor": sealed(),
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": True,
        },
    )
    cost = {"cost_id": str(uuid.uuid4()), "incurred_on": "2026-02-01", "category": "labour"}
    if not baselined:
        p.event("CostRecorded", {**cost, "amount": "300"})
        return p
    p.event(
        "ProjectBaselined",
        {
            "baseline_number": 1,
            "budget_at_completion": "100000",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-04-11",
            "effective_on": "2026-01-01",
        },
    )
    p.event("ProgressReported", {"percent_complete": "46", "as_of": "2026-02-15"})
    p.event("CostRecorded", {**cost, "amount": "46900"})
    return p


def office_of(p: Stream, *, cadence: int) -> Stream:
    """An office of `p` established on 1 February with its own cadence, which published one
    report on 10 February."""
    o = Stream(p.tenant, "project_office", ordering_id=p.id)
    o.event(
        "ProjectOfficeEstablished",
        {
            "office_id": str(o.id),
            "project_id": str(p.id),
            "lead": sealed(),
            "reporting_cadence_days": cadence,
            "established_on": "2026-02-01",
        },
        at=datetime(2026, 2, 1, 9, tzinfo=UTC),
    )
    o.event(
        "OfficeReportPublished",
        {
            "report_id": str(uuid.uuid4()),
            "kind": "status",
            "period_end": "2026-02-09",
            "summary": "on track",
        },
        at=datetime(2026, 2, 10, 9, tzinfo=UTC),
    )
    return o


def program_of(tenant: str, *members: Stream) -> Stream:
    g = Stream(tenant, "program")
    g.event(
        "ProgramProposed",
        {
            "program_id": str(g.id),
            "code": "PRG-S",
            "name": "Standards",
            "area": "PMO",
            "description": "",
            "manager": sealed(),
            "sponsor": sealed(),
            "currency": "EUR",
            "proposed_on": "2026-01-01",
        },
    )
    for member in members:
        g.event("MemberProjectAdded", {"project_id": str(member.id), "effective_on": "2026-01-10"})
    return g


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
    url, schema = required_env("DATABASE_URL"), f"reporting_std_{uuid.uuid4().hex[:10]}"
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


def reports_on(engine: AsyncEngine, *, now: datetime = NOW) -> ReportService:
    return ReportService(_Live(engine), thresholds=HealthThresholds(), now=lambda: now)


def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:8]}"


# --- the standards in force, on both axes ---------------------------------------------------


async def test_the_set_in_force_is_read_on_both_time_axes(read_model: AsyncEngine) -> None:
    t = tenant()
    await apply(read_model, [the_three_standards(t), the_three_standards(tenant())])

    async def version(day: str, known_at: datetime) -> int | None:
        async with read_model.connect() as conn:
            found = await standards_queries.standards_in_force(
                conn, tenant_id=t, day=ON(day), known_at=known_at
            )
        return None if found is None else found.version

    assert await version("2026-01-31", NOW) is None  # before the first takes effect
    assert await version("2026-02-20", NOW) == 2  # same day as S1, later in the stream
    assert await version("2026-02-20", S2_AT - timedelta(seconds=1)) == 1  # S2 not yet known
    assert await version("2026-02-20", S1_AT - timedelta(seconds=1)) is None  # none known
    assert await version("2026-03-01", NOW) == 3
    assert await version("2026-03-01", S3_AT - timedelta(seconds=1)) == 2  # S3 recorded later
    async with read_model.connect() as conn:  # another tenant's sets never answer
        known = await standards_queries.known_standards(conn, tenant_id=tenant(), known_at=NOW)
    assert known.sets == ()
    # What the portfolio roll-up asks: the thresholds of tenant T at D as known at K.
    reports = reports_on(read_model)
    async with reports.snapshot() as conn:
        s1 = await reports.thresholds_at(conn, t, day=WORKED, known_at=S2_AT - timedelta(seconds=1))
        default = await reports.thresholds_at(conn, t, day=ON("2026-01-31"), known_at=NOW)
    assert (s1.spi, s1.cpi, s1.source) == (
        HealthBand(D("0.90"), D("0.80")),
        HealthBand(D("1.00"), D("0.97")),
        "pmo-standards",
    )
    assert default == reports.thresholds


async def test_a_report_reads_one_snapshot_whatever_commits_meanwhile(
    read_model: AsyncEngine,
) -> None:
    t = tenant()
    stream = the_three_standards(t)
    await apply(read_model, [stream])
    async with queries.snapshot(read_model) as conn:
        first = await standards_queries.known_standards(conn, tenant_id=t, known_at=NOW)
        # A fourth set, committed while the report reads.
        set_standards(stream, at=NOW - timedelta(days=1), effective_on="2026-04-01")
        await apply(read_model, [Stream(t, stream.type, stream.id, envelopes=stream.envelopes[3:])])
        again = await standards_queries.known_standards(conn, tenant_id=t, known_at=NOW)
        assert again == first  # the same snapshot: the set committed meanwhile is not in it
        with pytest.raises(DBAPIError, match="read-only"):
            await conn.execute(text("DELETE FROM pmo_standards"))
    async with queries.snapshot(read_model) as conn:
        after = await standards_queries.known_standards(conn, tenant_id=t, known_at=NOW)
    assert [s.version for s in after.sets] == [1, 2, 3, 4]


async def test_a_projects_health_follows_the_standards_in_force_at_its_status_date(
    read_model: AsyncEngine,
) -> None:
    t = tenant()
    p = project(t, "P")
    await apply(read_model, [p, the_three_standards(t)])
    reports = reports_on(read_model)

    async def at(as_of: str, known_at: datetime | None = None) -> Any:
        return await reports.project(t, p.id, when=When(ON(as_of), known_at))

    now = await at("2026-02-20")
    assert (now.metrics.spi, now.metrics.cpi) == (D("0.9200"), D("0.9808"))
    assert now.metrics.health == Health(Rag.RED, Rag.GREEN, Rag.RED)  # S2's bands
    assert (now.thresholds.source, now.thresholds.effective_on) == (
        "pmo-standards",
        ON("2026-02-01"),
    )
    assert (now.thresholds.spi, now.thresholds.cpi) == (
        HealthBand(D("0.95"), D("0.93")),
        HealthBand(D("0.98"), D("0.90")),
    )
    # Record time: before S2 was recorded, S1 rated it; before S1, the defaults.
    s1 = await at("2026-02-20", S2_AT - timedelta(seconds=1))
    assert s1.metrics.health == Health(Rag.GREEN, Rag.AMBER, Rag.AMBER)
    default = await at("2026-02-20", S1_AT - timedelta(seconds=1))
    assert default.metrics.health == Health(Rag.AMBER, Rag.GREEN, Rag.AMBER)
    assert (default.thresholds.source, default.thresholds.effective_on) == ("default", None)
    # Business time: S3 takes effect on 1 March, the defaults apply before 1 February.
    assert (await at("2026-02-28")).thresholds.effective_on == ON("2026-02-01")
    march = await at("2026-03-01")
    assert (march.thresholds.effective_on, march.metrics.health.overall) == (
        ON("2026-03-01"),
        Rag.GREEN,
    )
    assert (await at("2026-01-31")).thresholds.source == "default"


async def test_an_ended_project_is_rated_by_the_standards_of_the_day_it_ended(
    read_model: AsyncEngine,
) -> None:
    t = tenant()
    p = project(t, "P")
    p.event("ProjectCompleted", {"actual_finish": "2026-02-20"})
    await apply(read_model, [p, the_three_standards(t)])
    report = await reports_on(read_model).project(t, p.id, when=When())  # today: after S3
    assert report.metrics.as_of == WORKED
    assert report.thresholds.effective_on == ON("2026-02-01")  # not S3's 1 March


# --- programs and the overview --------------------------------------------------------------


async def test_the_program_and_the_overview_rate_their_sums_by_the_standards(
    read_model: AsyncEngine,
) -> None:
    t = tenant()
    p, bare = project(t, "P"), project(t, "Q", baselined=False)
    g = program_of(t, p, bare)
    await apply(read_model, [p, bare, g, the_three_standards(t)])
    reports = reports_on(read_model)
    programs = ProgramReportService(_Live(read_model), reports=reports)

    r = await programs.program(t, g.id, when=When(as_of=WORKED))
    totals = r.performance.totals
    # Q has no baseline: its 300 stays out of ΣAC (CPI 46,000 / 46,900), shown apart.
    assert (totals.ac, totals.cpi, totals.unbaselined_ac) == (D("46900.00"), D("0.9808"), D(300))
    assert r.performance.health == Health(Rag.RED, Rag.GREEN, Rag.RED)  # on S2's bands
    assert (r.thresholds.source, r.thresholds.effective_on) == ("pmo-standards", ON("2026-02-01"))
    before = await programs.program(t, g.id, when=When(WORKED, S1_AT - timedelta(seconds=1)))
    assert (before.thresholds.source, before.performance.health.schedule) == ("default", Rag.AMBER)

    overview = await reports.overview(t, when=When(as_of=WORKED))
    eur = overview["totals"]["EUR"]
    assert (eur.rollup.project_count, eur.rollup.ac, eur.rollup.cpi) == (
        2,
        D("46900.00"),
        D("0.9808"),
    )
    assert (eur.rollup.unbaselined_count, eur.rollup.unbaselined_ac) == (1, D("300.00"))
    assert eur.health == Health(Rag.RED, Rag.GREEN, Rag.RED)
    assert overview["thresholds"].effective_on == ON("2026-02-01")
    assert overview["projects_by_health"] == {"red": 1, "unknown": 1}


# --- Project Office reporting compliance ----------------------------------------------------


async def test_an_office_is_judged_on_the_standards_cadence_when_shorter(
    read_model: AsyncEngine,
) -> None:
    t = tenant()
    p, k = project(t, "P"), project(t, "K")
    relaxed, keen = office_of(p, cadence=30), office_of(k, cadence=7)
    await apply(read_model, [p, k, relaxed, keen, the_three_standards(t)])
    reports = reports_on(read_model)
    # 5 March: 23 days after the last report. Within the office's 30, beyond S3's 7.
    on_fifth = {o.row.office_id: o for o in await reports.offices(t, when=When(ON("2026-03-05")))}
    judged = on_fifth[relaxed.id]
    assert (judged.overdue, judged.cadence.days, judged.cadence.source) == (
        True,
        7,
        "pmo-standards",
    )
    assert (judged.cadence.office_days, judged.cadence.standard_days) == (30, 7)
    assert judged.reports_expected == 32 // 7  # 32 days alive, a report every 7 days
    assert on_fifth[keen.id].cadence.source == "office"  # its own 7 ties S3's: its own
    # On 28 February S2 (14 days) was in force: 18 days since the last report, overdue too; as
    # known before any standards, only the office's own 30 days count.
    feb = await reports.offices(t, when=When(ON("2026-02-28")), project_id=p.id)
    assert (feb[0].overdue, feb[0].cadence.days, feb[0].cadence.effective_on) == (
        True,
        14,
        ON("2026-02-01"),
    )
    unknown = await reports.offices(
        t, when=When(ON("2026-02-28"), S1_AT - timedelta(seconds=1)), project_id=p.id
    )
    assert (unknown[0].overdue, unknown[0].cadence.source) == (False, "office")


# --- the tenant's today ---------------------------------------------------------------------


async def test_the_default_status_date_is_today_in_the_standards_time_zone(
    read_model: AsyncEngine,
) -> None:
    # At noon UTC it is already the next day on Kiritimati (UTC+14).
    t, noon = tenant(), (NOW + timedelta(days=1)).replace(hour=12, minute=0, second=0)
    utc_today, kiritimati_today = noon.date(), noon.date() + timedelta(days=1)
    p, s = project(t, "P"), standards_stream(t)
    set_standards(
        s, at=noon - timedelta(days=1), effective_on="2026-01-01", time_zone="Pacific/Kiritimati"
    )
    await apply(read_model, [p, s])
    reports = reports_on(read_model, now=noon)
    assert (await reports.project(t, p.id, when=When())).metrics.as_of == kiritimati_today
    # Known before the standards were recorded: the environment's zone (UTC here).
    earlier = When(known_at=noon - timedelta(days=2))
    assert (await reports.project(t, p.id, when=earlier)).metrics.as_of == utc_today - timedelta(
        days=2
    )
    overview = await reports.overview(t, when=When())
    assert overview["as_of"] == kiritimati_today


# --- through HTTP ---------------------------------------------------------------------------

SECRET = "standards-reports-test-secret-of-at-least-32-chars"


@pytest.fixture
async def http(read_model: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = ReportingSettings(
        environment="test",
        database_url=required_env("DATABASE_URL"),
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
    )
    app = create_app(settings)
    reports = reports_on(read_model)
    app.state.reports = reports
    app.state.programs = ProgramReportService(_Live(read_model), reports=reports)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(tenant_id: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub="reader", tenant=tenant_id, roles=["viewer"])
    return {"Authorization": f"Bearer {token}"}


async def test_every_report_states_what_it_rated_by(
    read_model: AsyncEngine, http: httpx.AsyncClient
) -> None:
    t = tenant()
    p, bare = project(t, "P"), project(t, "Q", baselined=False)
    g, o = program_of(t, p), office_of(p, cadence=30)
    await apply(read_model, [p, bare, g, o, the_three_standards(t)])
    headers, feb = bearer(t), {"as_of": "2026-02-20"}
    s2 = {
        "spi": {"green": "0.95", "amber": "0.93"},
        "cpi": {"green": "0.98", "amber": "0.90"},
        "source": "pmo-standards",
        "effective_on": "2026-02-01",
    }

    metrics = (
        await http.get(f"/v1/reports/projects/{p.id}/metrics", params=feb, headers=headers)
    ).json()
    assert (metrics["thresholds"], metrics["health"]["overall"]) == (s2, "red")
    listed = (await http.get("/v1/reports/projects", params=feb, headers=headers)).json()
    assert [i["thresholds"]["source"] for i in listed["items"]] == ["pmo-standards"] * 2
    early = {"as_of": "2026-01-20"}
    before = (
        await http.get(f"/v1/reports/projects/{p.id}/metrics", params=early, headers=headers)
    ).json()
    assert before["thresholds"] == {
        "spi": {"green": "0.95", "amber": "0.85"},
        "cpi": {"green": "0.95", "amber": "0.85"},
        "source": "default",
        "effective_on": None,
    }

    overview = (await http.get("/v1/reports/pmo/overview", params=feb, headers=headers)).json()
    assert overview["thresholds"] == s2
    [eur] = overview["totals"]
    assert (eur["ac"], eur["cpi"], eur["unbaselined_count"], eur["unbaselined_ac"]) == (
        "46900.00",
        "0.9808",
        1,
        "300.00",
    )
    assert eur["health"] == {"schedule": "red", "cost": "green", "overall": "red"}

    program = (await http.get(f"/v1/reports/programs/{g.id}", params=feb, headers=headers)).json()
    assert (program["thresholds"], program["unbaselined_ac"]) == (s2, "0.00")

    office = (
        await http.get(
            f"/v1/reports/project-offices/{p.id}", params={"as_of": "2026-02-28"}, headers=headers
        )
    ).json()
    assert office["reporting_cadence_days"] == 30  # the office's own, as established
    assert office["reporting_cadence"] == {
        "days": 14,
        "source": "pmo-standards",
        "office_days": 30,
        "standard_days": 14,
        "effective_on": "2026-02-01",
    }
    assert office["reporting_overdue"] is True
    theirs = (
        await http.get("/v1/reports/pmo/overview", params=feb, headers=bearer(tenant()))
    ).json()
    assert (theirs["thresholds"]["source"], theirs["totals"]) == ("default", [])
