"""The portfolio roll-up on the real PostgreSQL: portfolio-svc's, program-svc's and project-svc's
events, built as the producers publish them (the portfolio's and the program's payloads checked
against their producers' own models), encoded as CloudEvents and decoded as the consumer does,
applied through the real projection into a fresh generation schema; then the portfolio reports,
by hand figures, on both time axes, and through the HTTP routes (any tenant role reads, another
tenant's portfolio is a 404).

Hand figures (EUR; every plan 100 days from 1 Jan 2026, so on 20 Feb, day 50, PV = BAC / 2):
    P1  BAC 400, 25 % on 15 Feb, cost 150: PV 200 EV 100 AC 150   (a member of G)
    P2  BAC 100, 60 % on 15 Feb, cost 40:  PV 50  EV 60  AC 40    (a member of G until 10 Mar,
                                                                   and a component itself)
    P3  BAC 1000 planned from 1 Jun: nothing earned or spent yet  (a component)
    P4  no baseline, cost 30 on 1 Feb                             (a component 1..25 Feb)
    G   the program of P1 and P2                                  (a component)
The portfolio on 20 Feb: ΣBAC 1500, ΣPV 250, ΣEV 160, ΣAC 190 (P2 once, through G; P4's 30 apart,
with no baseline): SPI 0.6400, CPI 0.8421, red on the default thresholds (0.95 / 0.85). Weights
growth 0.6 / cost 0.4 (0.5 / 0.5 from 1 Mar, recorded a day ago); budget 1200 (800 from 1 Mar,
recorded a day ago).

The PMO's standards (`PmoStandardsSet`, as portfolio-svc publishes them) of the test on them:
SPI amber from 0.60, CPI amber from 0.80, in force from 21 Feb (day 51: ΣPV 255, SPI 0.6275),
recorded three days ago: amber there."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import portfolio_svc.domain.standards_events  # noqa: F401 - registers the standards' events
from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.privacy.fields import open_sealed
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from portfolio_svc.domain.events import registry as portfolio_registry
from program_svc.domain.events import registry as program_registry
from reporting_svc.api.app import create_app
from reporting_svc.application.portfolios import (
    NoSelectionAdoptedError,
    PortfolioReport,
    PortfolioReportService,
)
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import CONTENT_TABLES, generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

D = Decimal
NOW = datetime.now(UTC).replace(microsecond=0)
ON = date.fromisoformat
WORKED = ON("2026-02-20")
LATER = ON("2026-03-15")
PRODUCERS = {
    "program": program_registry,
    "portfolio": portfolio_registry,
    "pmo_standards": portfolio_registry,
}


def sealed() -> dict[str, str]:
    """A personal value as published (sealed), of a subject no key service knows."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "eA"}


@dataclass
class Stream:
    """Envelopes of one stream, numbered in order, recorded a day apart (up to 70 days ago), or
    at `at`."""

    tenant: str
    type: str
    id: UUID = field(default_factory=uuid.uuid4)
    envelopes: list[EventEnvelope] = field(default_factory=list)

    def event(self, kind: str, payload: dict[str, Any], *, at: datetime | None = None) -> None:
        version = len(self.envelopes) + 1
        if self.type in PRODUCERS:  # exactly what the producer's models accept
            PRODUCERS[self.type].decode(kind, 1, open_sealed(payload, lambda _s: "someone"))
        self.envelopes.append(
            EventEnvelope(
                event_id=uuid.uuid4(),
                event_type=kind,
                schema_version=readers.latest_version(kind),
                stream_type=self.type,
                stream_id=self.id,
                stream_version=version,
                occurred_at=at or NOW - timedelta(days=70 - version),
                tenant_id=self.tenant,
                actor=str(uuid.uuid4()),
                correlation_id="c",
                causation_id=None,
                payload=payload,
            )
        )


def project(tenant: str, code: str, *, bac: str | None, start: str = "2026-01-01") -> Stream:
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
            "flagged_large": True,
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


def earned(stream: Stream, *, percent: str, cost: str) -> None:
    stream.event("ProgressReported", {"percent_complete": percent, "as_of": "2026-02-15"})
    payload = {"cost_id": str(uuid.uuid4()), "amount": cost, "incurred_on": "2026-02-01"}
    stream.event("CostRecorded", {**payload, "category": "labour"})


def program(tenant: str, p1: Stream, p2: Stream, *, left_at: datetime) -> Stream:
    g = Stream(tenant, "program")
    g.event(
        "ProgramProposed",
        {
            "program_id": str(g.id),
            "code": "PRG-G",
            "name": "Payroll modernisation",
            "area": "Payroll",
            "description": "",
            "manager": sealed(),
            "sponsor": sealed(),
            "currency": "EUR",
            "proposed_on": "2026-01-01",
        },
    )
    for member in (p1, p2):
        g.event("MemberProjectAdded", {"project_id": str(member.id), "effective_on": "2026-01-10"})
    g.event(
        "MemberProjectRemoved",
        {"project_id": str(p2.id), "reason": "now on its own", "effective_on": "2026-03-10"},
        at=left_at,
    )
    return g


@dataclass
class History:
    tenant: str
    portfolio: Stream
    program: Stream
    p1: Stream
    p2: Stream
    p3: Stream
    p4: Stream
    a_day_ago: datetime

    def streams(self) -> list[Stream]:
        return [self.p1, self.p2, self.p3, self.p4, self.program, self.portfolio]

    def envelopes(self) -> list[EventEnvelope]:
        return [e for s in self.streams() for e in s.envelopes]


def _frontier(*points: tuple[str, bool, str | None, str | None, bool]) -> list[dict[str, Any]]:
    return [
        {"budget": b, "feasible": f, "value": v, "cost": c, "current": current}
        for b, f, v, c, current in points
    ]


def history(tenant: str, code: str = "PF-1") -> History:
    """The portfolio of the module docstring."""
    p1, p2 = project(tenant, "P1", bac="400"), project(tenant, "P2", bac="100")
    p3, p4 = project(tenant, "P3", bac="1000", start="2026-06-01"), project(tenant, "P4", bac=None)
    earned(p1, percent="25", cost="150")
    earned(p2, percent="60", cost="40")
    p4.event(
        "CostRecorded",
        {
            "cost_id": str(uuid.uuid4()),
            "amount": "30",
            "incurred_on": "2026-02-01",
            "category": "x",
        },
    )
    a_day_ago = NOW - timedelta(days=1)
    g = program(tenant, p1, p2, left_at=a_day_ago)
    f = Stream(tenant, "portfolio")
    f.event(
        "PortfolioCreated",
        {
            "portfolio_id": str(f.id),
            "code": code,
            "name": "Strategic portfolio",
            "manager": sealed(),
            "currency": "EUR",
            "created_on": "2026-01-01",
        },
    )
    weights = {"growth": "0.6", "cost": "0.4"}
    f.event(
        "ObjectivesWeighted", {"weights": weights, "method": "direct", "effective_on": "2026-01-01"}
    )
    f.event("BudgetSet", {"amount": "1200", "effective_on": "2026-01-01"})

    def add(
        component: Stream, kind: str, cost: str, risk: str, on: str, *, estimate: bool = False
    ) -> None:
        f.event(
            "ComponentAdded",
            {
                "component_id": str(component.id),
                "kind": kind,
                "cost": cost,
                "cost_is_estimate": estimate,
                "risk_score": risk,
                "demand": {"developer": "2"},
                "currency": "EUR",
                "effective_on": on,
            },
        )

    def score(component: Stream, objective: str, value: str, on: str) -> None:
        f.event(
            "ComponentScored",
            {
                "component_id": str(component.id),
                "objective": objective,
                "score": value,
                "rationale": f"{objective} {value}",
                "effective_on": on,
            },
        )

    def decide(
        component: Stream, kind: str, decision: str, on: str, covers: Sequence[Stream] = ()
    ) -> None:
        f.event(
            "DecisionRecorded",
            {
                "component_id": str(component.id),
                "kind": kind,
                "covers": [str(c.id) for c in covers],
                "decision": decision,
                "rationale": f"{decision} it",
                "decided_on": on,
                "decided_by": sealed(),
            },
        )

    add(g, "program", "500", "0.3", "2026-01-05")
    add(p2, "project", "100", "0.1", "2026-01-05")
    add(p3, "project", "1000", "0.6", "2026-01-05", estimate=True)
    score(g, "growth", "5", "2026-01-05")
    score(g, "cost", "2.5", "2026-01-05")
    score(p2, "growth", "2", "2026-01-05")
    score(p2, "cost", "4", "2026-01-05")
    score(p3, "growth", "4", "2026-01-05")  # no score on cost: no value
    decide(g, "program", "approve", "2026-01-20", covers=[p1, p2])
    decide(p2, "project", "defer", "2026-01-20")
    add(p4, "project", "50", "0.9", "2026-02-01")
    score(p4, "growth", "1", "2026-02-01")
    score(p4, "cost", "1", "2026-02-01")
    decide(p3, "project", "defer", "2026-02-01")
    f.event(
        "SelectionAdopted",
        {
            "as_of": "2026-02-01",
            "scenario": None,
            "budget": "1200",
            "value": "6.8",
            "cost": "600",
            "selected": [str(g.id), str(p2.id)],
            "excluded": sorted([str(p3.id), str(p4.id)]),
            "frontier": _frontier(
                ("0", False, None, None, False),
                ("600", True, "4", "500", False),
                ("1200", True, "6.8", "600", True),
                ("1650", True, "7.8", "1650", False),
            ),
            "adopted_on": "2026-02-01",
            "adopted_by": sealed(),
        },
    )
    decide(p3, "project", "approve", "2026-02-10")
    decide(p4, "project", "terminate", "2026-02-12")
    f.event(
        "ComponentCostChanged",
        {
            "component_id": str(g.id),
            "cost": "600",
            "cost_is_estimate": False,
            "effective_on": "2026-02-15",
        },
    )
    f.event(
        "ComponentRemoved", {"component_id": str(p4.id), "reason": "", "effective_on": "2026-02-25"}
    )
    f.event("CapacitySet", {"role": "developer", "amount": "10", "effective_on": "2026-02-25"})
    f.event("ScenarioSaved", {"name": "lean", "budget": "700", "effective_on": "2026-02-25"})
    # Recorded a day ago: the weights and budget from 1 March, and the selection of that day.
    weights = {"growth": "0.5", "cost": "0.5"}
    f.event(
        "ObjectivesWeighted",
        {"weights": weights, "method": "direct", "effective_on": "2026-03-01"},
        at=a_day_ago,
    )
    f.event("BudgetSet", {"amount": "800", "effective_on": "2026-03-01"}, at=a_day_ago)
    f.event(
        "SelectionAdopted",
        {
            "as_of": "2026-03-01",
            "scenario": "lean",
            "budget": "800",
            "value": "3.75",
            "cost": "600",
            "selected": [str(g.id)],
            "excluded": sorted([str(p2.id), str(p3.id)]),
            "frontier": _frontier(("800", True, "3.75", "600", True)),
            "adopted_on": "2026-03-01",
            "adopted_by": sealed(),
        },
        at=a_day_ago,
    )
    return History(tenant, f, g, p1, p2, p3, p4, a_day_ago)


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


async def _fresh_generation(prefix: str) -> AsyncEngine:
    url, schema = required_env("DATABASE_URL"), f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = keep_dates_literal(create_engine_for(url, schema=schema, pool_size=2))
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    return engine


async def _drop(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test."""
    engine = await _fresh_generation("reporting_pf")
    yield engine
    await _drop(engine)


class _Live:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


@dataclass(frozen=True)
class Services:
    reports: ReportService
    programs: ProgramReportService
    portfolios: PortfolioReportService


def services(engine: AsyncEngine) -> Services:
    reports = ReportService(_Live(engine), thresholds=HealthThresholds(), now=lambda: NOW)
    return Services(
        reports,
        ProgramReportService(_Live(engine), reports=reports),
        PortfolioReportService(_Live(engine), reports=reports),
    )


@pytest.fixture
async def loaded(read_model: AsyncEngine) -> tuple[History, Services]:
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    await apply(read_model, h.envelopes())
    return h, services(read_model)


Loaded = tuple[History, Services]


def _by_id(report: PortfolioReport) -> dict[UUID, Any]:
    return {c.component_id: c for c in report.components}


async def test_the_worked_check_counts_each_project_once_through_its_program(
    loaded: Loaded,
) -> None:
    h, s = loaded
    r = await s.portfolios.portfolio(h.tenant, h.portfolio.id, when=When(as_of=WORKED))
    totals = r.performance.totals
    assert (totals.bac, totals.pv, totals.ev, totals.ac) == (
        D("1500.00"),
        D("250.00"),
        D("160.00"),
        D("190.00"),
    )
    assert (totals.spi, totals.cpi, totals.project_count) == (D("0.6400"), D("0.8421"), 4)
    # P4 has no baseline: its 30 stays out of ΣAC (and of CPI), shown apart.
    assert (totals.unbaselined_count, totals.unbaselined_ac) == (1, D("30.00"))
    assert r.performance.health.overall == Rag.RED
    assert r.thresholds == HealthThresholds()  # the tenant has no standards: the defaults
    c = _by_id(r)
    assert list(c) == [h.program.id, h.p2.id, h.p3.id, h.p4.id]  # in the order added
    g, p2 = c[h.program.id], c[h.p2.id]
    assert (g.code, g.kind, [m.project_id for m in g.members]) == (
        "PRG-G",
        "program",
        [h.p1.id, h.p2.id],
    )
    assert all(m.counted for m in g.members)
    assert (p2.code, p2.counted_through) == ("P2", h.program.id)  # counted through G, not twice
    # A program component's figures are exactly its own roll-up's; a project's its report's.
    own = await s.programs.program(h.tenant, h.program.id, when=When(as_of=WORKED))
    assert (g.figures.bac, g.figures.spi, g.figures.cpi) == (
        own.performance.totals.bac,
        own.performance.totals.spi,
        own.performance.totals.cpi,
    )
    assert g.figures.health == own.performance.health
    report = await s.reports.project(h.tenant, h.p2.id, when=When(as_of=WORKED))
    assert (p2.figures.spi, p2.figures.health) == (report.metrics.spi, report.metrics.health)
    assert r.health == {"red": 1, "amber": 0, "green": 1, "none": 2}  # G red, P2 green


async def test_value_terms_decisions_selection_and_coverage(loaded: Loaded) -> None:
    h, s = loaded
    r = await s.portfolios.portfolio(h.tenant, h.portfolio.id, when=When(as_of=WORKED))
    c = _by_id(r)
    g, p2, p3, p4 = (c[x.id] for x in (h.program, h.p2, h.p3, h.p4))
    assert r.weights == (("growth", D("0.6")), ("cost", D("0.4")))
    assert [(t.objective, t.score, t.product, t.rationale) for t in g.valuation.terms] == [
        ("growth", D(5), D("3.0"), "growth 5"),
        ("cost", D("2.5"), D("1.00"), "cost 2.5"),
    ]
    assert [x.valuation.value for x in (g, p2, p3, p4)] == [D("4.00"), D("2.8"), None, D("1.0")]
    assert p3.valuation.missing == ("cost",)
    assert [(x.cost, x.cost_is_estimate, x.risk_score) for x in (g, p3)] == [
        (D(600), False, D("0.3")),  # changed on 15 Feb
        (D(1000), True, D("0.6")),
    ]
    assert [x.decision.status for x in (g, p2, p3, p4)] == [
        "approved",
        "deferred",
        "approved",
        "terminated",
    ]
    assert g.decision.covers == (h.p1.id, h.p2.id)
    assert (g.decision.decided_on, g.decision.rationale, g.decision.decided_by) == (
        ON("2026-01-20"),
        "approve it",
        "[unknown]",  # sealed: no key service here knows the person
    )
    assert r.decisions == {"approved": 2, "deferred": 1, "terminated": 1, "undecided": 0}
    assert r.selection is not None
    assert (r.selection.as_of, r.selection.value, r.selection.cost, r.selection.budget) == (
        ON("2026-02-01"),
        D("6.8"),
        D(600),
        D(1200),
    )
    assert [x.selected for x in (g, p2, p3, p4)] == [True, True, False, False]
    assert r.budget == D(1200)
    growth, cost = r.coverage
    # growth: 600 x 5/5 + 1000 x 4/5 = 1400 against 0.6 x 1200 = 720
    assert (growth.share, growth.funded, growth.coverage, growth.gap) == (
        D("720.00"),
        D("1400.00"),
        D("1.9444"),
        D("-680.00"),
    )
    # cost: 600 x 2.5/5 = 300 against 480; P3 is approved without a score on it
    assert (cost.share, cost.funded, cost.coverage, cost.unscored) == (
        D("480.00"),
        D("300.00"),
        D("0.6250"),
        (h.p3.id,),
    )


async def test_both_time_axes(loaded: Loaded) -> None:
    h, s = loaded

    async def at(as_of: date, known_at: datetime | None = None) -> PortfolioReport:
        return await s.portfolios.portfolio(
            h.tenant, h.portfolio.id, when=When(as_of=as_of, known_at=known_at)
        )

    early = await at(ON("2026-01-10"))
    assert [c.component_id for c in early.components] == [h.program.id, h.p2.id, h.p3.id]
    assert early.decisions == {"approved": 0, "deferred": 0, "terminated": 0, "undecided": 3}
    assert (early.selection, _by_id(early)[h.program.id].cost) == (None, D(500))
    with pytest.raises(NoSelectionAdoptedError):
        await s.portfolios.selection(h.tenant, h.portfolio.id, when=When(as_of=ON("2026-01-10")))

    later = await at(LATER)  # P4 removed; P2 left G on 10 March; the March weights, budget
    c = _by_id(later)
    assert list(c) == [h.program.id, h.p2.id, h.p3.id]
    assert [m.project_id for m in c[h.program.id].members] == [h.p1.id]
    assert c[h.p2.id].counted_through is None  # on its own now, counted directly
    assert later.weights == (("growth", D("0.5")), ("cost", D("0.5")))
    assert c[h.program.id].valuation.value == D("3.750")
    assert later.budget == D(800)
    assert later.selection is not None
    assert (later.selection.scenario, later.selection.selected) == ("lean", (h.program.id,))
    # Day 73: P1 PV 292, P2 PV 73; still EV 160, AC 190, each project once.
    totals = later.performance.totals
    assert (totals.pv, totals.ev, totals.ac, totals.spi) == (
        D("365.00"),
        D("160.00"),
        D("190.00"),
        D("0.4384"),
    )

    # Two days ago the system knew neither P2's leaving nor the March weights, budget, selection.
    known = await at(LATER, known_at=h.a_day_ago - timedelta(days=1))
    c = _by_id(known)
    assert [m.project_id for m in c[h.program.id].members] == [h.p1.id, h.p2.id]
    assert c[h.p2.id].counted_through == h.program.id
    assert (known.weights, known.budget) == ((("growth", D("0.6")), ("cost", D("0.4"))), D(1200))
    assert known.selection is not None
    assert known.selection.as_of == ON("2026-02-01")
    assert known.performance.totals == totals  # the same projects, each once

    created = h.portfolio.envelopes[0].occurred_at
    bare = await s.portfolios.portfolio(h.tenant, h.portfolio.id, when=When(known_at=created))
    assert (bare.components, bare.weights, bare.budget) == ((), None, None)
    assert bare.health == {"red": 0, "amber": 0, "green": 0, "none": 0}


# -- the PMO's standards ----------------------------------------------------------------------

STANDARDS_RECORDED = NOW - timedelta(days=3)
LENIENT = {"spi": {"green": "0.90", "amber": "0.60"}, "cpi": {"green": "0.95", "amber": "0.80"}}
FROM_21_FEB = ON("2026-02-21")


def standards(tenant: str, *, effective_on: str, at: datetime) -> Stream:
    """The tenant's one standards stream (named as portfolio-svc names it) with one set of the
    `LENIENT` bands, every other field as a PMO would set it (checked against portfolio-svc's
    model)."""
    s = Stream(tenant, "pmo_standards", uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}"))
    payload = {
        **LENIENT,
        "large_project_threshold": {"EUR": "1000000"},
        "portfolio_approval_threshold": {},
        "reporting_cadence_days": 14,
        "required_gates": [],
        "size_classes": {"EUR": [{"name": "S", "up_to": "100000"}, {"name": "L"}]},
        "benchmark_min_group": 5,
        "reference_class_min": 5,
        "fiscal_year_start_month": 1,
        "time_zone": "UTC",
        "effective_on": effective_on,
    }
    s.event("PmoStandardsSet", payload, at=at)
    return s


async def test_health_is_rated_by_the_standards_in_force_as_known_then(
    read_model: AsyncEngine, http: httpx.AsyncClient
) -> None:
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    pmo = standards(h.tenant, effective_on="2026-02-21", at=STANDARDS_RECORDED)
    await apply(read_model, [*h.envelopes(), *pmo.envelopes])
    s = services(read_model)

    async def at(as_of: date, known_at: datetime | None = None) -> PortfolioReport:
        return await s.portfolios.portfolio(h.tenant, h.portfolio.id, when=When(as_of, known_at))

    rated = await at(FROM_21_FEB)
    totals = rated.performance.totals
    assert (totals.pv, totals.spi, totals.cpi) == (D("255.00"), D("0.6275"), D("0.8421"))
    assert rated.performance.health == Health(Rag.AMBER, Rag.AMBER, Rag.AMBER)
    assert (rated.thresholds.spi, rated.thresholds.cpi) == (
        HealthBand(D("0.90"), D("0.60")),
        HealthBand(D("0.95"), D("0.80")),
    )
    assert (rated.thresholds.source, rated.thresholds.effective_on) == (
        "pmo-standards",
        FROM_21_FEB,
    )
    c = _by_id(rated)
    g, p2 = c[h.program.id], c[h.p2.id]
    assert g.figures.health.overall == Rag.AMBER  # the same sums, the same bands
    own = await s.programs.program(h.tenant, h.program.id, when=When(as_of=FROM_21_FEB))
    assert (g.figures.health, own.thresholds) == (own.performance.health, rated.thresholds)
    report = await s.reports.project(h.tenant, h.p2.id, when=When(as_of=FROM_21_FEB))
    assert (p2.figures.health, report.thresholds) == (report.metrics.health, rated.thresholds)
    assert rated.health == {"red": 0, "amber": 1, "green": 1, "none": 2}

    # Business time: on 20 Feb the set was not in force yet, the defaults rated.
    before = await at(WORKED)
    assert (before.thresholds, before.performance.health.overall) == (HealthThresholds(), Rag.RED)
    assert before.health == {"red": 1, "amber": 0, "green": 1, "none": 2}
    # Record time: as known before the set was recorded, the same figures on the defaults.
    unknown = await at(FROM_21_FEB, STANDARDS_RECORDED - timedelta(seconds=1))
    assert unknown.performance.totals == totals
    assert (unknown.thresholds, unknown.performance.health.overall) == (
        HealthThresholds(),
        Rag.RED,
    )
    assert _by_id(unknown)[h.program.id].figures.health.overall == Rag.RED

    # Through HTTP: the answer states what it rated by, and the bubbles take the same colours.
    path, headers = f"/v1/reports/portfolios/{h.portfolio.id}", bearer(h.tenant, "viewer")
    body = (await http.get(path, params={"as_of": "2026-02-21"}, headers=headers)).json()
    assert body["thresholds"] == {
        **LENIENT,
        "source": "pmo-standards",
        "effective_on": "2026-02-21",
    }
    assert body["health"] == {"schedule": "amber", "cost": "amber", "overall": "amber"}
    listed = (
        await http.get("/v1/reports/portfolios", params={"as_of": "2026-02-21"}, headers=headers)
    ).json()
    assert [p["thresholds"]["source"] for p in listed["items"]] == ["pmo-standards"]
    for as_of, colour, rated_by in (
        ("2026-02-21", "amber", "from 2026-02-21"),
        ("2026-02-20", "red", "default thresholds"),
    ):
        svg = await http.get(f"{path}/bubble.svg", params={"as_of": as_of}, headers=headers)
        root = ET.fromstring(svg.content)  # noqa: S314 - our own output
        colours = {
            c.get("data-component"): c.get("data-health")
            for c in root.iter("{http://www.w3.org/2000/svg}circle")
            if c.get("data-component")
        }
        assert (colours[str(h.program.id)], colours[str(h.p2.id)]) == (colour, "green")
        assert rated_by in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


async def test_another_tenant_never_sees_the_portfolio(loaded: Loaded) -> None:
    h, s = loaded
    with pytest.raises(ReportNotFoundError):
        await s.portfolios.portfolio("someone-else", h.portfolio.id, when=When())
    page, more = await s.portfolios.portfolios("someone-else", when=When(), after=None, limit=10)
    assert (page, more) == ([], False)
    before = h.portfolio.envelopes[0].occurred_at - timedelta(seconds=1)
    with pytest.raises(ReportNotFoundError):  # not known before it was created
        await s.portfolios.portfolio(h.tenant, h.portfolio.id, when=When(known_at=before))
    other = history(f"tenant-{uuid.uuid4().hex[:8]}")
    assert other.portfolio.id != h.portfolio.id


SECRET = "portfolio-reports-test-secret-of-at-least-32-chars"


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
    s = services(read_model)
    app.state.reports, app.state.programs, app.state.portfolios = (
        s.reports,
        s.programs,
        s.portfolios,
    )
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
    await apply(read_model, h.envelopes())
    path = f"/v1/reports/portfolios/{h.portfolio.id}"
    for role in ("viewer", "project_manager", "program_manager", "portfolio_manager", "pmo"):
        answer = await http.get(
            path, params={"as_of": "2026-02-20"}, headers=bearer(h.tenant, role)
        )
        assert answer.status_code == 200, (role, answer.text)
    body = answer.json()
    assert (body["bac"], body["pv"], body["ev"], body["ac"], body["spi"], body["cpi"]) == (
        "1500.00",
        "250.00",
        "160.00",
        "190.00",
        "0.6400",
        "0.8421",
    )
    assert (body["budget"], body["manager"], body["component_count"]) == ("1200.00", "[unknown]", 4)
    assert (body["unbaselined_count"], body["unbaselined_ac"]) == (1, "30.00")
    assert body["thresholds"] == {
        "spi": {"green": "0.95", "amber": "0.85"},
        "cpi": {"green": "0.95", "amber": "0.85"},
        "source": "default",
        "effective_on": None,
    }
    assert body["health_distribution"] == {"red": 1, "amber": 0, "green": 1, "none": 2}
    assert body["decisions"] == {
        "approved": 2,
        "deferred": 1,
        "terminated": 1,
        "undecided": 0,
        "other": 0,
    }
    assert body["selection"]["value"] == "6.8"
    assert body["selection"]["selected_in_force"] == 2
    details = body["selection_details"]
    assert (details["adopted_by"], details["cost"]) == ("[unknown]", "600.00")
    assert [p["budget"] for p in details["frontier"]] == ["0.00", "600.00", "1200.00", "1650.00"]
    g = body["components"][0]
    assert (g["code"], g["cost"], g["value"]["value"], g["figures"]["spi"]) == (
        "PRG-G",
        "600.00",
        "4",  # exact, written without trailing zeros, as portfolio-svc writes its figures
        "0.6400",
    )
    assert [t["product"] for t in g["value"]["terms"]] == ["3", "1"]
    assert body["components"][2]["risk_score"] == "0.6"
    assert body["weights"] == [
        {"objective": "growth", "weight": "0.6"},
        {"objective": "cost", "weight": "0.4"},
    ]
    assert g["decision"]["status"] == "approved"
    assert body["components"][1]["counted_through"] == str(h.program.id)
    assert body["components"][2]["value"] == {
        "value": None,
        "terms": [
            {
                "objective": "growth",
                "weight": "0.6",
                "score": "4",
                "product": "2.4",
                "rationale": "growth 4",
            },
            {
                "objective": "cost",
                "weight": "0.4",
                "score": None,
                "product": None,
                "rationale": None,
            },
        ],
        "missing_scores": ["cost"],
    }
    assert [(o["objective"], o["coverage"]) for o in body["coverage"]] == [
        ("growth", "1.9444"),
        ("cost", "0.6250"),
    ]

    headers = bearer(h.tenant, "viewer")
    svg = await http.get(f"{path}/bubble.svg", params={"as_of": "2026-02-20"}, headers=headers)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)  # noqa: S314 - our own output
    bubbles = [
        c for c in root.iter("{http://www.w3.org/2000/svg}circle") if c.get("data-component")
    ]
    assert {b.get("data-component") for b in bubbles} == {
        str(h.program.id),
        str(h.p2.id),
        str(h.p4.id),
    }
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"PRG-G", "P2", "P4"} <= set(texts)
    assert "Not placed (no value: a score missing or no weights): P3" in texts
    frontier = await http.get(
        f"{path}/frontier.svg", params={"as_of": "2026-02-20"}, headers=headers
    )
    assert frontier.status_code == 200
    assert b"adopted budget 1,200.00 EUR" in frontier.content
    none_yet = await http.get(
        f"{path}/frontier.svg", params={"as_of": "2026-01-10"}, headers=headers
    )
    assert none_yet.status_code == 404
    assert none_yet.headers["content-type"] == "application/problem+json"
    problem = none_yet.json()
    assert problem["type"].endswith("/no-selection-adopted")
    assert problem["as_of"] == "2026-01-10"

    for other in (path, f"{path}/bubble.svg", f"{path}/frontier.svg"):
        hidden = await http.get(other, headers=bearer("someone-else", "pmo"))
        assert hidden.status_code == 404, other
        assert hidden.json()["type"].endswith("/not-found")
    refused = await http.get(path, headers=bearer(h.tenant, "platform_operator"))
    assert refused.status_code == 403
    bad_date = await http.get(path, params={"as_of": "2026-02-30"}, headers=headers)
    assert bad_date.status_code == 422


async def test_the_list_pages_by_code(read_model: AsyncEngine, http: httpx.AsyncClient) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    histories = [history(tenant, code) for code in ("PF-B", "PF-A", "PF-C")]
    await apply(read_model, [e for h in histories for e in h.envelopes()])
    headers = bearer(tenant, "viewer")
    first = (
        await http.get(
            "/v1/reports/portfolios", params={"limit": 2, "as_of": "2026-02-20"}, headers=headers
        )
    ).json()
    assert [p["code"] for p in first["items"]] == ["PF-A", "PF-B"]
    assert [p["spi"] for p in first["items"]] == ["0.6400", "0.6400"]
    assert "components" not in first["items"][0]
    params = {"limit": 2, "cursor": first["next_cursor"]}
    second = (await http.get("/v1/reports/portfolios", params=params, headers=headers)).json()
    assert ([p["code"] for p in second["items"]], second["next_cursor"]) == (["PF-C"], None)
    bad = await http.get("/v1/reports/portfolios", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 400
    theirs = await http.get("/v1/reports/portfolios", headers=bearer("someone-else", "viewer"))
    assert theirs.json() == {"items": [], "next_cursor": None}


# -- rebuilds ------------------------------------------------------------------------------------


async def _content(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))  # noqa: S608 - constants
            ]
            for table, key in CONTENT_TABLES.items()
        }


@pytest.fixture
async def second_model() -> AsyncIterator[AsyncEngine]:
    engine = await _fresh_generation("reporting_pf2")
    yield engine
    await _drop(engine)


async def test_one_batch_or_event_by_event_in_any_topic_order_gives_the_same_tables(
    read_model: AsyncEngine, second_model: AsyncEngine
) -> None:
    """What a rebuild does (big batches, the portfolio topic maybe ahead of the others) and what
    the running consumer did (small batches, as events came) write the same rows."""
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    portfolio_first = h.portfolio.envelopes + h.program.envelopes
    portfolio_first += [e for s in (h.p1, h.p2, h.p3, h.p4) for e in s.envelopes]
    await apply(read_model, portfolio_first)
    for envelope in sorted(h.envelopes(), key=lambda e: e.occurred_at):  # as they were recorded
        await apply(second_model, [envelope])
    content = await _content(read_model)
    assert content == await _content(second_model)
    assert len(content["portfolio_components"]) == 4
    assert len(content["portfolio_selections"]) == 2
    one, other = services(read_model).portfolios, services(second_model).portfolios
    for as_of in (WORKED, LATER):
        when = When(as_of=as_of)
        assert await one.portfolio(h.tenant, h.portfolio.id, when=when) == await other.portfolio(
            h.tenant, h.portfolio.id, when=when
        )
