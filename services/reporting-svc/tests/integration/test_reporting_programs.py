"""The program roll-up on the real PostgreSQL: program-svc's and project-svc's events, built as
the producers publish them (payloads checked against program-svc's own models), encoded as
CloudEvents and decoded as the consumer does, applied through the real projection into a fresh
generation schema; then the program reports, by hand figures, on both time axes, and through
the HTTP routes (any tenant role reads, another tenant's program is a 404)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.privacy.fields import open_sealed
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from program_svc.domain.events import registry as producer_registry
from reporting_svc.api.app import create_app
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.domain.dependencies import DependencyRisk, Reason
from reporting_svc.domain.health import HealthThresholds, Rag
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import CONTENT_TABLES, generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

D = Decimal
NOW = datetime.now(UTC).replace(microsecond=0)
ON = date.fromisoformat
WORKED = ON("2026-02-20")  # day 50 of 100: P1 PV 200 EV 100 AC 150, P2 PV 50 EV 60 AC 40


def sealed() -> dict[str, str]:
    """A personal value as published (sealed), of a subject no key service knows."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "eA"}


@dataclass
class Stream:
    """Envelopes of one stream, numbered in order, recorded a day apart up to a day ago."""

    tenant: str
    type: str
    id: UUID = field(default_factory=uuid.uuid4)
    envelopes: list[EventEnvelope] = field(default_factory=list)

    def event(self, kind: str, payload: dict[str, Any], *, at: datetime | None = None) -> None:
        version = len(self.envelopes) + 1
        if self.type == "program":  # exactly what program-svc's models accept
            producer_registry.decode(kind, 1, open_sealed(payload, lambda _s: "someone"))
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


def project(tenant: str, code: str, *, bac: str | None, start: str = "2026-01-01") -> Stream:
    """A project; with `bac`, baselined over 100 days from `start` (effective then)."""
    stream = Stream(tenant, "project")
    stream.event(
        "ProjectProposed",
        {
            "project_id": str(stream.id),
            "code": code,
            "name": f"Project {code}",
            "manager": sealed(),
            "sponsor": sealed(),
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": False,
        },
    )
    if bac is not None:
        finish = (ON(start) + timedelta(days=100)).isoformat()
        stream.event(
            "ProjectBaselined",
            {
                "baseline_number": 1,
                "budget_at_completion": bac,
                "planned_start": start,
                "planned_finish": finish,
                "effective_on": start,
            },
        )
    return stream


def progress(stream: Stream, percent: str, on: str) -> None:
    stream.event("ProgressReported", {"percent_complete": percent, "as_of": on})


def cost(stream: Stream, amount: str, on: str) -> None:
    payload = {"cost_id": str(uuid.uuid4()), "amount": amount, "incurred_on": on}
    stream.event("CostRecorded", {**payload, "category": "labour"})


@dataclass
class History:
    tenant: str
    program: Stream
    p1: Stream
    p2: Stream
    p3: Stream
    p4: Stream
    resources: dict[str, UUID]
    removal_recorded: datetime

    def streams(self) -> list[Stream]:
        return [self.p1, self.p2, self.p3, self.p4, self.program]


def history(tenant: str, code: str = "PRG-1") -> History:
    """Four projects and a program of three of them (see the module's hand figures)."""
    p1, p2 = project(tenant, "P1", bac="400"), project(tenant, "P2", bac="100")
    p3, p4 = project(tenant, "P3", bac="1000", start="2026-06-01"), project(tenant, "P4", bac=None)
    progress(p1, "25", "2026-02-15")  # EV 100 of 400
    cost(p1, "150", "2026-02-01")
    progress(p2, "60", "2026-02-15")  # EV 60 of 100
    cost(p2, "40", "2026-02-01")
    g = Stream(tenant, "program")
    g.event(
        "ProgramProposed",
        {
            "program_id": str(g.id),
            "code": code,
            "name": "Payroll modernisation",
            "area": "Payroll",
            "description": "",
            "manager": sealed(),
            "sponsor": sealed(),
            "currency": "EUR",
            "proposed_on": "2026-01-01",
        },
    )
    g.event("ProgramActivated", {"activated_by": sealed(), "effective_on": "2026-01-05"})
    for member, on in ((p1, "2026-01-10"), (p2, "2026-01-10"), (p3, "2026-03-01")):
        g.event("MemberProjectAdded", {"project_id": str(member.id), "effective_on": on})
    g.event("FundingPoolSet", {"amount": "1000", "reason": "", "effective_on": "2026-01-10"})
    g.event("FundingPoolIncreased", {"amount": "200", "reason": "Q1", "effective_on": "2026-02-01"})
    g.event(
        "FundsAllocated", {"project_id": str(p1.id), "amount": "100", "effective_on": "2026-01-10"}
    )
    g.event(
        "FundsAllocated", {"project_id": str(p2.id), "amount": "300", "effective_on": "2026-01-10"}
    )
    g.event(
        "FundsReallocated",
        {
            "from_project_id": str(p2.id),
            "to_project_id": str(p1.id),
            "amount": "20",
            "reason": "",
            "effective_on": "2026-02-15",
        },
    )
    benefit = {"measure": "m", "target_date": "2026-12-31", "owner": sealed()}
    b1, b2 = uuid.uuid4(), uuid.uuid4()
    g.event(
        "BenefitPlanned",
        {
            **benefit,
            "benefit_id": str(b1),
            "name": "Hours saved",
            "unit": "h",
            "target_value": "100",
            "effective_on": "2026-01-10",
        },
    )
    g.event(
        "BenefitPlanned",
        {
            **benefit,
            "benefit_id": str(b2),
            "name": "Tickets",
            "unit": "per week",
            "target_value": "4",
            "effective_on": "2026-01-10",
        },
    )
    g.event(
        "BenefitRealisationReported", {"benefit_id": str(b1), "value": "80", "as_of": "2026-02-10"}
    )
    g.event(
        "BenefitRealisationReported", {"benefit_id": str(b2), "value": "5", "as_of": "2026-02-15"}
    )
    deps = {"p2_p1": uuid.uuid4(), "p1_p4": uuid.uuid4(), "p3_p2": uuid.uuid4()}
    for name, dependent, prerequisite in (("p2_p1", p2, p1), ("p1_p4", p1, p4), ("p3_p2", p3, p2)):
        g.event(
            "DependencyAdded",
            {
                "dependency_id": str(deps[name]),
                "dependent_project_id": str(dependent.id),
                "prerequisite_project_id": str(prerequisite.id),
                "kind": "finish_to_start",
                "effective_on": "2026-03-01" if name == "p3_p2" else "2026-01-10",
            },
        )
    resources = {"ann": uuid.uuid4(), "role": uuid.uuid4()}
    g.event(
        "ResourceAdded",
        {
            "resource_id": str(resources["ann"]),
            "kind": "person",
            "person": sealed(),
            "weekly_capacity_hours": "40",
            "effective_on": "2026-01-10",
        },
    )
    g.event(
        "ResourceAdded",
        {
            "resource_id": str(resources["role"]),
            "kind": "role",
            "role": "Data engineer",
            "weekly_capacity_hours": "20",
            "effective_on": "2026-01-10",
        },
    )
    a = {k: uuid.uuid4() for k in ("a1", "a2", "a3", "a4")}
    for key, resource, member, hours, first, last in (
        ("a1", "ann", p1, "24", "2026-W02", "2026-W06"),
        ("a2", "ann", p2, "24", "2026-W05", "2026-W12"),
        ("a3", "role", p2, "16", "2026-W03", "2026-W08"),
        ("a4", "role", p1, "8", "2026-W01", "2026-W20"),
    ):
        g.event(
            "ResourceAssigned",
            {
                "assignment_id": str(a[key]),
                "resource_id": str(resources[resource]),
                "project_id": str(member.id),
                "hours_per_week": hours,
                "first_week": first,
                "last_week": last,
                "effective_on": "2026-01-11",
            },
        )
    g.event(
        "AssignmentHoursChanged",
        {"assignment_id": str(a["a3"]), "hours_per_week": "24", "effective_on": "2026-02-01"},
    )
    g.event(
        "AssignmentEndedEarly",
        {"assignment_id": str(a["a2"]), "last_week": "2026-W10", "effective_on": "2026-02-10"},
    )
    g.event("AssignmentReleased", {"assignment_id": str(a["a4"]), "effective_on": "2026-01-15"})
    # P2 leaves on 10 March, recorded a day ago (its dependencies removed first, as program-svc
    # records it).
    removal = NOW - timedelta(days=1)
    for name in ("p2_p1", "p3_p2"):
        g.event(
            "DependencyRemoved",
            {"dependency_id": str(deps[name]), "effective_on": "2026-03-10"},
            at=removal,
        )
    g.event(
        "MemberProjectRemoved",
        {"project_id": str(p2.id), "reason": "merged", "effective_on": "2026-03-10"},
        at=removal,
    )
    return History(tenant, g, p1, p2, p3, p4, resources, removal)


async def apply(engine: AsyncEngine, envelopes: Sequence[EventEnvelope]) -> None:
    """Encode each envelope as its CloudEvents Kafka message, decode it as the consumer does
    and run it through the projection, in one batch."""
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in envelopes:
            message = cloudevents.encode(envelope)
            received = cloudevents.decode(message.value, message.headers)
            await projection.apply(conn, received, readers.decode_envelope(received))
        await projection.flush(conn)


def every(h: History) -> list[EventEnvelope]:
    return [e for s in h.streams() for e in s.envelopes]


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test."""
    url, schema = required_env("DATABASE_URL"), f"reporting_pg_{uuid.uuid4().hex[:10]}"
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


def services(engine: AsyncEngine) -> tuple[ReportService, ProgramReportService]:
    reports = ReportService(_Live(engine), thresholds=HealthThresholds(), now=lambda: NOW)
    return reports, ProgramReportService(_Live(engine), reports=reports)


@pytest.fixture
async def loaded(read_model: AsyncEngine) -> tuple[History, ReportService, ProgramReportService]:
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    await apply(read_model, every(h))
    return (h, *services(read_model))


Loaded = tuple[History, ReportService, ProgramReportService]


async def test_the_worked_check_sums_the_members_first(loaded: Loaded) -> None:
    h, reports, programs = loaded
    r = await programs.program(h.tenant, h.program.id, when=When(as_of=WORKED))
    totals = r.performance.totals
    assert [m.membership.project_id for m in r.members] == [h.p1.id, h.p2.id]  # P3 joins later
    assert (totals.bac, totals.pv, totals.ev, totals.ac) == (
        D("500.00"),
        D("250.00"),
        D("160.00"),
        D("190.00"),
    )
    assert (totals.spi, totals.cpi) == (D("0.6400"), D("0.8421"))
    assert r.performance.health.overall == Rag.RED
    assert (r.status, r.as_of) == ("active", WORKED)
    # Each member's figures are its project report's, for the same question.
    for member in r.members:
        own = await reports.project(h.tenant, member.membership.project_id, when=When(as_of=WORKED))
        assert member.project is not None
        assert member.project.metrics == own.metrics
    p1, p2 = r.members
    assert (p1.project.metrics.spi, p2.project.metrics.spi) == (D("0.5000"), D("1.2000"))  # type: ignore[union-attr]


async def test_funds_pool_allocations_spend_and_unfunded_budget(loaded: Loaded) -> None:
    h, _, programs = loaded
    f = (await programs.program(h.tenant, h.program.id, when=When(as_of=WORKED))).funds
    assert (f.pool, f.allocated, f.unallocated, f.spent) == (
        D("1200.00"),
        D("400.00"),
        D("800.00"),
        D("190.00"),
    )
    p1, p2 = f.members
    assert (p1.allocation, p1.ac, p1.overspent, p1.unfunded) == (
        D("120.00"),
        D("150.00"),
        True,  # AC 150 beyond its allocation of 100 + 20
        D("280.00"),
    )
    assert (p2.allocation, p2.overspent, p2.unfunded) == (D("280.00"), False, D("0.00"))
    assert (f.unfunded, f.overspent_members) == (D("280.00"), 1)
    before_reallocation = await programs.program(
        h.tenant, h.program.id, when=When(as_of=ON("2026-02-14"))
    )
    assert [m.allocation for m in before_reallocation.funds.members] == [D("100.00"), D("300.00")]
    assert before_reallocation.funds.pool == D("1200.00")


async def test_benefits_against_their_own_targets(loaded: Loaded) -> None:
    h, _, programs = loaded
    r = await programs.program(h.tenant, h.program.id, when=When(as_of=WORKED))
    assert [(b.fact.name, b.progress.percent, b.progress.at_target) for b in r.benefits] == [
        ("Hours saved", D("80.00"), False),
        ("Tickets", D("125.00"), True),
    ]
    s = r.benefit_summary
    assert (s.planned, s.reported, s.at_target, s.at_target_share, s.mean_percent) == (
        2,
        2,
        1,
        D("0.5000"),
        D("102.50"),
    )
    early = await programs.program(h.tenant, h.program.id, when=When(as_of=ON("2026-02-12")))
    assert [b.progress.realised for b in early.benefits] == [D("80"), None]


async def test_dependency_risk_red_late_and_unknown(loaded: Loaded) -> None:
    h, _, programs = loaded
    r = await programs.program(h.tenant, h.program.id, when=When(as_of=WORKED))
    by_pair = {(a.dependency.dependent, a.dependency.prerequisite): a for a in r.dependencies}
    p2_needs_p1 = by_pair[(h.p2.id, h.p1.id)]
    assert p2_needs_p1.risk == DependencyRisk.AT_RISK  # P1 is red (SPI 0.5, CPI 0.6667)
    assert p2_needs_p1.reasons == (Reason.PREREQUISITE_RED, Reason.FORECAST_AFTER_START)
    assert p2_needs_p1.forecast_finish == ON("2026-07-20")  # 1 Jan + 100 / 0.5 days
    p1_needs_p4 = by_pair[(h.p1.id, h.p4.id)]  # P4 has no baseline: no SPI, no finish
    assert (p1_needs_p4.risk, p1_needs_p4.forecast_finish) == (DependencyRisk.UNKNOWN, None)
    assert (h.p3.id, h.p2.id) not in by_pair  # P3 is no member yet
    assert [m.dependency_risk for m in r.members] == [
        DependencyRisk.UNKNOWN,
        DependencyRisk.AT_RISK,
    ]
    march = await programs.program(h.tenant, h.program.id, when=When(as_of=ON("2026-03-05")))
    p3_needs_p2 = next(a for a in march.dependencies if a.dependency.dependent == h.p3.id)
    # P2 at 5 March (day 63): SPI 60 / 63 = 0.9524; 100 / 0.9524 = 104.998 -> 105 days: 16 April.
    assert p3_needs_p2.forecast_finish == ON("2026-04-16")
    assert p3_needs_p2.risk == DependencyRisk.NONE  # P3 starts 1 June


async def test_membership_over_time_on_both_axes(loaded: Loaded) -> None:
    h, _, programs = loaded

    async def members(as_of: str, known_at: datetime | None = None) -> list[UUID]:
        when = When(as_of=ON(as_of), known_at=known_at)
        r = await programs.program(h.tenant, h.program.id, when=when)
        return [m.membership.project_id for m in r.members]

    before = await programs.program(h.tenant, h.program.id, when=When(as_of=ON("2026-01-05")))
    assert (before.members, before.performance.totals.bac) == ((), D("0.00"))  # none joined yet
    assert (before.performance.totals.spi, before.funds.pool) == (None, D("0.00"))
    assert await members("2026-03-09") == [h.p1.id, h.p2.id, h.p3.id]
    assert await members("2026-03-10") == [h.p1.id, h.p3.id]  # P2 left on 10 March
    # ... which the system learnt a day ago: what it knew two days ago still had P2.
    two_days_ago = NOW - timedelta(days=2)
    assert await members("2026-03-15", known_at=two_days_ago) == [h.p1.id, h.p2.id, h.p3.id]
    after = await programs.program(h.tenant, h.program.id, when=When(as_of=ON("2026-03-15")))
    assert after.funds.allocated == D("120.00")  # P2's allocation went back to the pool
    assert {a.dependency.dependent for a in after.dependencies} == {h.p1.id}
    proposed = await programs.program(
        h.tenant, h.program.id, when=When(known_at=h.program.envelopes[0].occurred_at)
    )
    assert (proposed.status, proposed.members) == ("proposed", ())


async def test_utilisation_per_resource_and_iso_week(loaded: Loaded) -> None:
    h, _, programs = loaded
    u = await programs.utilisation(h.tenant, h.program.id, when=When(as_of=WORKED))
    assert u.weeks == tuple(f"2026-W{n:02d}" for n in range(2, 11))  # W12 ended early at W10
    ann, role = u.resources
    assert (ann.fact.resource_id, ann.label, role.label) == (
        h.resources["ann"],
        "[unknown]",  # sealed: no key service here knows the person
        "Data engineer",
    )
    assert [w.utilisation for w in ann.load.weeks] == [
        D("0.6000"),
        D("0.6000"),
        D("0.6000"),
        D("1.2000"),
        D("1.2000"),
        D("0.6000"),
        D("0.6000"),
        D("0.6000"),
        D("0.6000"),
    ]
    assert ann.load.overbooked_weeks == ("2026-W05", "2026-W06")
    # The hours changed from 16 to 24 for all its weeks; the released assignment counts no more.
    assert role.load.overbooked_weeks == tuple(f"2026-W{n:02d}" for n in range(3, 9))
    january = await programs.utilisation(
        h.tenant,
        h.program.id,
        when=When(as_of=ON("2026-01-12")),
        first_week="2026-W03",
        last_week="2026-W03",
    )
    assert january.weeks == ("2026-W03",)
    assert [w.assigned for r in january.resources for w in r.load.weeks] == [D(24), D(24)]  # 16 + 8
    # After P2 left (10 March, 2026-W11) its assignments end with that week.
    march = await programs.utilisation(h.tenant, h.program.id, when=When(as_of=ON("2026-03-15")))
    assert march.weeks[-1] == "2026-W10"
    assert not (
        await programs.utilisation(h.tenant, h.program.id, when=When(as_of=ON("2026-01-01")))
    ).weeks


async def test_another_tenant_never_sees_the_program(loaded: Loaded) -> None:
    h, _, programs = loaded
    with pytest.raises(ReportNotFoundError):
        await programs.program("someone-else", h.program.id, when=When())
    with pytest.raises(ReportNotFoundError):
        await programs.utilisation("someone-else", h.program.id, when=When())
    page, more = await programs.programs("someone-else", when=When(), after=None, limit=10)
    assert (page, more) == ([], False)
    before = h.program.envelopes[0].occurred_at - timedelta(seconds=1)
    with pytest.raises(ReportNotFoundError):  # not known before it was proposed
        await programs.program(h.tenant, h.program.id, when=When(known_at=before))


SECRET = "program-reports-test-secret-of-at-least-32-chars"


@pytest.fixture
async def http(read_model: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The reporting app (its routes, auth and problems) on this test's read model."""
    settings = ReportingSettings(
        environment="test",
        database_url=required_env("DATABASE_URL"),
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
    )
    app = create_app(settings)
    app.state.reports, app.state.programs = services(read_model)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(tenant: str, *roles: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub="reader", tenant=tenant, roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


async def test_the_routes_answer_any_tenant_role_and_no_other_tenant(
    read_model: AsyncEngine, http: httpx.AsyncClient
) -> None:
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    await apply(read_model, every(h))
    path = f"/v1/reports/programs/{h.program.id}"
    for role in ("viewer", "project_manager", "program_manager", "portfolio_manager", "pmo"):
        answer = await http.get(
            path, params={"as_of": "2026-02-20"}, headers=bearer(h.tenant, role)
        )
        assert answer.status_code == 200, (role, answer.text)
    body = answer.json()
    assert (body["spi"], body["cpi"], body["bac"], body["ac"]) == (
        "0.6400",
        "0.8421",
        "500.00",
        "190.00",
    )
    assert body["health"] == {"schedule": "red", "cost": "red", "overall": "red"}
    assert body["funds"] == {
        "pool": "1200.00",
        "allocated": "400.00",
        "unallocated": "800.00",
        "spent": "190.00",
        "unfunded": "280.00",
        "overspent_members": 1,
    }
    assert [m["allocation"] for m in body["members"]] == ["120.00", "280.00"]
    assert [m["overspent"] for m in body["members"]] == [True, False]
    assert body["benefits"]["mean_percent"] == "102.50"
    assert body["members_at_risk"] == 1
    assert body["manager"] == "[unknown]"
    assert {d["risk"] for d in body["dependencies"]} == {"at_risk", "unknown"}

    headers = bearer(h.tenant, "viewer")
    utilisation = await http.get(
        f"{path}/utilisation", params={"as_of": "2026-02-20"}, headers=headers
    )
    assert utilisation.status_code == 200, utilisation.text
    assert utilisation.json()["overbooked_resource_weeks"] == 8
    svg = await http.get(f"{path}/utilisation.svg", params={"as_of": "2026-02-20"}, headers=headers)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)  # noqa: S314 - our own output
    assert (
        len(
            [
                r
                for r in root.iter("{http://www.w3.org/2000/svg}rect")
                if r.get("data-utilisation") is not None
            ]
        )
        == 18
    )

    for other in (path, f"{path}/utilisation", f"{path}/utilisation.svg"):
        hidden = await http.get(other, headers=bearer("someone-else", "pmo"))
        assert hidden.status_code == 404, other
    refused = await http.get(path, headers=bearer(h.tenant, "platform_operator"))
    assert refused.status_code == 403
    wrong_week = await http.get(
        f"{path}/utilisation", params={"first_week": "2027-W53"}, headers=headers
    )
    assert wrong_week.status_code == 422


async def test_the_list_pages_by_code(read_model: AsyncEngine, http: httpx.AsyncClient) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    histories = [history(tenant, code) for code in ("PRG-B", "PRG-A", "PRG-C")]
    await apply(read_model, [e for h in histories for e in every(h)])
    headers = bearer(tenant, "viewer")
    first = (
        await http.get(
            "/v1/reports/programs", params={"limit": 2, "as_of": "2026-02-20"}, headers=headers
        )
    ).json()
    assert [p["code"] for p in first["items"]] == ["PRG-A", "PRG-B"]
    assert [p["spi"] for p in first["items"]] == ["0.6400", "0.6400"]
    params = {"limit": 2, "cursor": first["next_cursor"]}
    second = (await http.get("/v1/reports/programs", params=params, headers=headers)).json()
    assert ([p["code"] for p in second["items"]], second["next_cursor"]) == (["PRG-C"], None)
    bad = await http.get("/v1/reports/programs", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 400
    theirs = await http.get("/v1/reports/programs", headers=bearer("someone-else", "viewer"))
    assert theirs.json() == {"items": [], "next_cursor": None}


# -- rebuilds ------------------------------------------------------------------------------------


async def _content(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.execute(
                    text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - constants
                )
            ]
            for table, key in CONTENT_TABLES.items()
        }


@pytest.fixture
async def second_model() -> AsyncIterator[AsyncEngine]:
    url, schema = required_env("DATABASE_URL"), f"reporting_pg2_{uuid.uuid4().hex[:10]}"
    engine = keep_dates_literal(create_engine_for(url, schema=schema, pool_size=2))
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


async def test_one_batch_or_event_by_event_in_any_topic_order_gives_the_same_tables(
    read_model: AsyncEngine, second_model: AsyncEngine
) -> None:
    """What a rebuild does (big batches, the program topic maybe ahead of the project topic)
    and what the running consumer did (small batches, as events came) write the same rows."""
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    programs_first = h.program.envelopes + [
        e for s in (h.p1, h.p2, h.p3, h.p4) for e in s.envelopes
    ]
    await apply(read_model, programs_first)
    for envelope in sorted(every(h), key=lambda e: e.occurred_at):  # as they were recorded
        await apply(second_model, [envelope])
    assert await _content(read_model) == await _content(second_model)
    one, other = services(read_model)[1], services(second_model)[1]
    for as_of in (WORKED, ON("2026-03-15")):
        when = When(as_of=as_of)
        assert await one.program(h.tenant, h.program.id, when=when) == await other.program(
            h.tenant, h.program.id, when=when
        )
        assert await one.utilisation(h.tenant, h.program.id, when=when) == await other.utilisation(
            h.tenant, h.program.id, when=when
        )
