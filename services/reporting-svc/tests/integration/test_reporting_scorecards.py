"""The closure scorecards on the real PostgreSQL: project-svc's events (checked against
project-svc's own models, v1 risks among them), a program with a member and its benefits, a
Project Office and the PMO's standards, encoded as CloudEvents and decoded as the consumer
does, applied through the real projection into a fresh generation schema; then the
scorecards of the two worked projects of `test_reporting_scorecard_worked` (A over budget and
late, re-baselined; B early and under budget) at closing and while they ran, on both time
axes, through the service and the HTTP routes (any tenant role reads; another tenant sees
nothing); and the same tables and scorecards whether the events come in one batch or one by
one in the order they were recorded.

Every fact is recorded at 18:00 UTC on its business date (the tenant's zone is UTC), so the
facts without a business date of their own (a v1 risk, an office's reports, lessons) take
effect on that day; "now" is fixed at 2026-12-01."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
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
from pmo_shared.privacy.fields import open_sealed
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from program_svc.domain.events import registry as program_registry
from project_svc.domain.events import registry as project_registry
from reporting_svc.api.app import create_app
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.application.scorecards import ProjectScorecard, ScorecardService
from reporting_svc.domain.health import HealthThresholds, Rag
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import CONTENT_TABLES, generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

D = Decimal
ON = date.fromisoformat
NOW = datetime(2026, 12, 1, tzinfo=UTC)
STANDARDS_SCHEMA = (
    Path(__file__).resolve().parents[3] / "portfolio-svc/events/schemas/PmoStandardsSet.v1.json"
)


def sealed() -> dict[str, str]:
    """A personal value as published (sealed), of a subject no key service knows."""
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "eA"}


def recorded(on: str) -> datetime:
    """The instant a fact of the business date `on` was recorded: 18:00 UTC that day."""
    return datetime.combine(ON(on), time(18), tzinfo=UTC)


@dataclass
class Stream:
    """The events of one stream, each recorded at 18:00 UTC of its day, numbered in the order
    they were recorded (of one day, in the order given), as the producer appends them."""

    tenant: str
    type: str
    id: UUID = field(default_factory=uuid.uuid4)
    ordering_id: UUID | None = None
    pending: list[tuple[datetime, str, int, dict[str, Any]]] = field(default_factory=list)

    def event(self, kind: str, on: str, payload: dict[str, Any], *, v: int | None = None) -> None:
        version = readers.latest_version(kind) if v is None else v
        at = recorded(on)
        opened = open_sealed(payload, lambda _s: "someone")
        if self.type in ("project", "project_office"):  # exactly what project-svc accepts
            project_registry.decode(kind, version, opened, recorded_on=at.date())
        elif self.type == "program":
            program_registry.decode(kind, version, opened)
        self.pending.append((at, kind, version, payload))

    @property
    def envelopes(self) -> list[EventEnvelope]:
        ordered = sorted(self.pending, key=lambda p: p[0])  # stable: a day's in order given
        return [
            EventEnvelope(
                event_id=uuid5(self.id, str(number)),
                event_type=kind,
                schema_version=version,
                stream_type=self.type,
                stream_id=self.id,
                ordering_id=self.ordering_id,
                stream_version=number,
                occurred_at=at,
                tenant_id=self.tenant,
                actor="someone",
                correlation_id="c",
                causation_id=None,
                payload=payload,
            )
            for number, (at, kind, version, payload) in enumerate(ordered, start=1)
        ]


def proposed(tenant: str, code: str, *, currency: str, on: str) -> Stream:
    p = Stream(tenant, "project")
    p.event(
        "ProjectProposed",
        on,
        {
            "project_id": str(p.id),
            "code": code,
            "name": f"Project {code}",
            "description": f"The {code} project: payroll for the new entity",
            "manager": sealed(),
            "sponsor": sealed(),
            "methodology": "hybrid",
            "currency": currency,
            "flagged_large": False,
        },
    )
    return p


def baseline(p: Stream, number: int, bac: str, start: str, finish: str, on: str) -> None:
    plan = {"baseline_number": number, "budget_at_completion": bac, "planned_start": start}
    p.event("ProjectBaselined", on, {**plan, "planned_finish": finish, "effective_on": on})


def progress(p: Stream, percent: str, on: str) -> None:
    p.event("ProgressReported", on, {"percent_complete": percent, "as_of": on})


def cost(p: Stream, amount: str, on: str) -> None:
    payload = {"cost_id": str(uuid.uuid4()), "amount": amount, "incurred_on": on}
    p.event("CostRecorded", on, {**payload, "category": "labour"})


def milestone(p: Stream, due: str, achieved: str | None, *, added: str) -> None:
    mid = str(uuid.uuid4())
    p.event("MilestoneAdded", added, {"milestone_id": mid, "name": f"due {due}", "due_date": due})
    if achieved is not None:
        p.event("MilestoneAchieved", achieved, {"milestone_id": mid, "achieved_on": achieved})


def risk(
    p: Stream, raised: str, closed: str | None = None, outcome: str | None = None, *, v: int = 2
) -> None:
    """A risk raised on `raised` (v1: recorded that day, without a date of its own), closed on
    `closed` with `outcome` (v1: no date nor outcome of its own)."""
    rid = str(uuid.uuid4())
    raise_ = {"risk_id": rid, "title": "t", "probability": "0.5", "impact": "100"}
    dated = {"raised_on": raised} if v == 2 else {}
    p.event("RiskRaised", raised, {**raise_, "owner": sealed(), **dated}, v=v)
    if closed is not None:
        closing = {"closed_on": closed, "outcome": outcome} if v == 2 else {}
        p.event("RiskClosed", closed, {"risk_id": rid, "resolution": "r", **closing}, v=v)


def lesson(p: Stream, on: str) -> None:
    payload = {"lesson_id": str(uuid.uuid4()), "category": "planning"}
    p.event("LessonLearned", on, {**payload, "what_happened": "w", "recommendation": "r"})


@dataclass
class History:
    tenant: str
    a: Stream
    b: Stream
    c: Stream
    office: Stream
    program: Stream
    standards: Stream

    def streams(self) -> list[Stream]:
        return [self.a, self.b, self.c, self.office, self.program, self.standards]

    def envelopes(self) -> list[EventEnvelope]:
        return [e for s in self.streams() for e in s.envelopes]


def project_a(tenant: str) -> Stream:
    a = proposed(tenant, "A", currency="EUR", on="2025-12-15")
    baseline(a, 1, "100000", "2026-01-01", "2026-04-11", "2026-01-01")
    a.event(
        "ProjectApproved", "2026-01-01", {"approved_by": sealed(), "effective_on": "2026-01-01"}
    )
    a.event("ProjectStarted", "2026-01-01", {"actual_start": "2026-01-01"})
    milestone(a, "2026-02-15", "2026-02-14", added="2026-01-02")
    milestone(a, "2026-04-01", "2026-04-20", added="2026-01-02")
    milestone(a, "2026-05-15", "2026-06-10", added="2026-01-02")
    milestone(a, "2026-06-30", None, added="2026-01-02")
    risk(a, "2026-01-10", "2026-03-15", "materialised")
    risk(a, "2026-02-01", "2026-05-01", v=1)  # a v1 risk: its days are those it was recorded on
    risk(a, "2026-05-20")
    risk(a, "2026-06-20")  # after the closing
    cost(a, "20000", "2026-01-31")
    progress(a, "30", "2026-02-20")
    cost(a, "25000", "2026-02-28")
    baseline(a, 2, "120000", "2026-01-01", "2026-05-21", "2026-03-01")
    cost(a, "30000", "2026-03-31")
    progress(a, "60", "2026-04-01")
    cost(a, "40000", "2026-05-31")
    cost(a, "15000", "2026-06-10")
    progress(a, "100", "2026-06-10")
    a.event("ProjectCompleted", "2026-06-10", {"actual_finish": "2026-06-10"})
    lesson(a, "2026-06-12")
    lesson(a, "2026-06-15")
    return a


def project_b(tenant: str) -> Stream:
    b = proposed(tenant, "B", currency="USD", on="2026-01-10")
    baseline(b, 1, "200000", "2026-02-01", "2026-07-01", "2026-01-20")
    b.event("ProjectStarted", "2026-02-01", {"actual_start": "2026-02-01"})
    milestone(b, "2026-03-15", "2026-03-10", added="2026-02-01")
    milestone(b, "2026-06-15", "2026-05-31", added="2026-02-01")
    risk(b, "2026-02-05", "2026-03-01", "avoided")
    risk(b, "2026-03-10", "2026-05-31", "expired")
    cost(b, "40000", "2026-02-28")
    cost(b, "50000", "2026-03-31")
    progress(b, "50", "2026-03-31")
    cost(b, "70000", "2026-05-31")
    progress(b, "100", "2026-05-31")
    b.event("ProjectCompleted", "2026-05-31", {"actual_finish": "2026-05-31"})
    lesson(b, "2026-06-01")
    return b


def project_c(tenant: str) -> Stream:
    """Still running: BAC 300,000 (size M by the defaults)."""
    c = proposed(tenant, "C", currency="EUR", on="2026-03-01")
    baseline(c, 1, "300000", "2026-04-01", "2026-12-31", "2026-03-15")
    c.event("ProjectStarted", "2026-04-01", {"actual_start": "2026-04-01"})
    return c


def office_of(project: Stream) -> Stream:
    """A's Project Office: 30-day cadence from 5 January, three reports, disbanded when A
    completed."""
    o = Stream(project.tenant, "project_office", ordering_id=project.id)
    o.event(
        "ProjectOfficeEstablished",
        "2026-01-05",
        {
            "office_id": str(o.id),
            "project_id": str(project.id),
            "lead": sealed(),
            "reporting_cadence_days": 30,
            "charter": "",
            "established_on": "2026-01-05",
        },
    )
    for on in ("2026-02-01", "2026-03-01", "2026-04-15"):
        payload = {"report_id": str(uuid.uuid4()), "kind": "status", "period_end": on}
        o.event("OfficeReportPublished", on, {**payload, "summary": "s"})
    o.event(
        "ProjectOfficeDisbanded",
        "2026-06-10",
        {"reason": "project completed", "automatic": True, "disbanded_on": "2026-06-10"},
    )
    return o


def program_of(project: Stream) -> Stream:
    """A program with A as a member from 10 January and two benefits: 'Tickets' realised 5 of
    4 on 1 May, 'Hours saved' 80 of 100 on 15 July (after A completed)."""
    g = Stream(project.tenant, "program")
    g.event(
        "ProgramProposed",
        "2026-01-01",
        {
            "program_id": str(g.id),
            "code": "PRG-1",
            "name": "Payroll",
            "area": "Ops",
            "description": "",
            "manager": sealed(),
            "sponsor": sealed(),
            "currency": "EUR",
            "proposed_on": "2026-01-01",
        },
    )
    g.event(
        "ProgramActivated", "2026-01-05", {"activated_by": sealed(), "effective_on": "2026-01-05"}
    )
    g.event(
        "MemberProjectAdded",
        "2026-01-10",
        {"project_id": str(project.id), "effective_on": "2026-01-10"},
    )
    hours, tickets = str(uuid.uuid4()), str(uuid.uuid4())
    for bid, name, target in ((hours, "Hours saved", "100"), (tickets, "Tickets", "4")):
        g.event(
            "BenefitPlanned",
            "2026-01-10",
            {
                "benefit_id": bid,
                "name": name,
                "measure": "m",
                "unit": "u",
                "target_value": target,
                "target_date": "2026-12-31",
                "owner": sealed(),
                "effective_on": "2026-01-10",
            },
        )
    g.event(
        "BenefitRealisationReported",
        "2026-05-01",
        {"benefit_id": tickets, "value": "5", "as_of": "2026-05-01"},
    )
    g.event(
        "BenefitRealisationReported",
        "2026-07-15",
        {"benefit_id": hours, "value": "80", "as_of": "2026-07-15"},
    )
    return g


def standards_of(tenant: str) -> Stream:
    """The PMO's standards from 1 August: EUR projects up to 50,000 'small', above 'large'."""
    s = Stream(tenant, "pmo_standards", uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}"))
    band = {"green": "0.95", "amber": "0.85"}
    payload = {
        "spi": band,
        "cpi": band,
        "large_project_threshold": {"EUR": "1000000"},
        "portfolio_approval_threshold": {},
        "reporting_cadence_days": 60,
        "required_gates": [],
        "size_classes": {"EUR": [{"name": "small", "up_to": "50000"}, {"name": "large"}]},
        "benchmark_min_group": 5,
        "reference_class_min": 5,
        "fiscal_year_start_month": 1,
        "time_zone": "UTC",
        "effective_on": "2026-08-01",
    }
    schema = json.loads(STANDARDS_SCHEMA.read_text())
    assert set(schema["required"]) <= set(payload) <= set(schema["properties"])
    s.event("PmoStandardsSet", "2026-07-20", payload)
    return s


def history(tenant: str) -> History:
    a = project_a(tenant)
    return History(
        tenant,
        a,
        project_b(tenant),
        project_c(tenant),
        office_of(a),
        program_of(a),
        standards_of(tenant),
    )


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


async def _model(prefix: str) -> tuple[AsyncEngine, str]:
    url, schema = required_env("DATABASE_URL"), f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = keep_dates_literal(create_engine_for(url, schema=schema, pool_size=2))
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    return engine, schema


async def _drop(engine: AsyncEngine, schema: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test."""
    engine, schema = await _model("reporting_sc")
    yield engine
    await _drop(engine, schema)


@pytest.fixture
async def second_model() -> AsyncIterator[AsyncEngine]:
    engine, schema = await _model("reporting_sc2")
    yield engine
    await _drop(engine, schema)


class _Live:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


def services(engine: AsyncEngine) -> tuple[ReportService, ScorecardService]:
    reports = ReportService(_Live(engine), thresholds=HealthThresholds(), now=lambda: NOW)
    return reports, ScorecardService(_Live(engine), reports=reports)


Loaded = tuple[History, ScorecardService]


@pytest.fixture
async def loaded(read_model: AsyncEngine) -> Loaded:
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    await apply(read_model, h.envelopes())
    return h, services(read_model)[1]


async def card(
    scorecards: ScorecardService,
    h: History,
    project: Stream,
    as_of: str | None = None,
    known_at: datetime | None = None,
) -> ProjectScorecard:
    when = When(as_of=None if as_of is None else ON(as_of), known_at=known_at)
    return await scorecards.scorecard(h.tenant, project.id, when=when)


async def test_a_is_final_at_its_closing_over_budget_and_late(loaded: Loaded) -> None:
    h, scorecards = loaded
    s = await card(scorecards, h, h.a, "2026-06-10")
    c = s.card
    assert (s.code, s.currency, s.status, s.size_class) == ("A", "EUR", "completed", "S")
    assert (c.closed, c.closed_as, c.closed_on, c.evaluated_on) == (
        True,
        "completed",
        ON("2026-06-10"),
        ON("2026-06-10"),
    )
    assert c.rebaselines == 1
    assert (c.performance.spi, c.performance.cpi) == (D("1.0000"), D("0.9231"))
    assert c.performance.health.overall == Rag.AMBER
    assert (c.cost.ac, c.cost.variance_pct_vs_first, c.cost.variance_pct_vs_last) == (
        D("130000.00"),
        D("30.00"),
        D("8.33"),
    )
    assert (c.cost.cost_at_completion_basis, c.cost.overrun_ratio) == ("actual", D("1.3000"))
    sched = c.schedule
    assert (sched.finish, sched.slip_days_vs_first, sched.slip_days_vs_last) == (
        ON("2026-06-10"),
        60,
        20,
    )
    assert sched.schedule_ratio == D("1.6000")
    m = c.milestones
    assert (m.counted, m.on_time, m.late, m.missed, m.on_time_percent) == (3, 1, 2, 0, D("33.33"))
    # the v1 closure (recorded 1 May) has no outcome of its own
    r = c.risks
    assert (r.raised, r.materialised, r.open) == (3, 1, 1)
    assert r.by_outcome == {"materialised": 1, "unrecorded": 1}
    # the office: 156 days alive on a 30-day cadence = 5 expected, 3 published, disbanded
    assert c.office is not None
    assert (c.office.offices, c.office.reports_expected, c.office.reports_published) == (1, 5, 3)
    assert (c.office.overdue, c.office.compliance_percent) == (False, D("60.00"))
    # a member of PRG-1; by 10 June only 'Tickets' was reported: 5 of 4 = 125 %
    assert s.programs == (h.program.id,)
    assert c.benefits is not None
    assert (c.benefits.planned, c.benefits.reported, c.benefits.at_target) == (2, 1, 1)
    assert c.benefits.realised_percent == D("125.00")
    assert c.lessons == 0  # recorded on 12 and 15 June, after the status date


async def test_a_later_status_date_keeps_the_figures_but_counts_benefits_and_lessons_since(
    loaded: Loaded,
) -> None:
    h, scorecards = loaded
    closing = await card(scorecards, h, h.a, "2026-06-10")
    later = await card(scorecards, h, h.a, "2026-09-30")
    for name in ("evaluated_on", "performance", "cost", "schedule", "milestones", "risks"):
        assert getattr(later.card, name) == getattr(closing.card, name), name
    assert later.card.office == closing.card.office
    # 'Hours saved' 80 % reported 15 July: the mean of 80 and 125
    assert later.card.benefits is not None
    assert later.card.benefits.realised_percent == D("102.50")
    assert later.card.lessons == 2
    # the standards in force on 30 September put A's 100,000 EUR above 'small'
    assert later.size_class == "large"
    by_default = await card(scorecards, h, h.a)  # as of the tenant's today, 2026-12-01
    assert (by_default.card.as_of, by_default.card.evaluated_on) == (NOW.date(), ON("2026-06-10"))


async def test_a_and_b_while_they_ran(loaded: Loaded) -> None:
    h, scorecards = loaded
    a = (await card(scorecards, h, h.a, "2026-04-01")).card
    assert (a.closed, a.evaluated_on, a.rebaselines) == (False, ON("2026-04-01"), 1)
    assert (a.performance.spi, a.performance.cpi) == (D("0.9333"), D("0.9600"))
    assert (a.cost.cost_at_completion, a.cost.forecast_variance_pct_vs_last) == (
        D("125000.00"),
        D("4.17"),
    )
    assert (a.schedule.finish, a.schedule.finish_basis) == (ON("2026-05-31"), "spi-forecast")
    assert (a.schedule.slip_days_vs_first, a.schedule.slip_days_vs_last) == (50, 10)
    assert (a.milestones.counted, a.milestones.missed, a.milestones.on_time_percent) == (
        2,
        1,
        D("50.00"),
    )
    assert (a.risks.raised, a.risks.materialised, a.risks.open) == (2, 1, 1)
    # 86 days on a 30-day cadence: 2 expected, 2 published, the last 31 days ago: overdue
    assert a.office is not None
    assert (a.office.reports_expected, a.office.reports_published, a.office.overdue) == (
        2,
        2,
        True,
    )
    assert a.office.compliance_percent == D("100.00")
    assert a.benefits is not None
    assert a.benefits.realised_percent is None  # nothing reported by 1 April
    b = await card(scorecards, h, h.b, "2026-03-31")
    assert (b.status, b.currency, b.size_class) == ("active", "USD", "S")
    assert (b.card.performance.spi, b.card.performance.cpi) == (D("1.2931"), D("1.1111"))
    assert (b.card.cost.cost_at_completion, b.card.cost.forecast_variance_pct_vs_first) == (
        D("180000.00"),
        D("-10.00"),
    )
    assert (b.card.schedule.finish, b.card.schedule.slip_days_vs_first) == (ON("2026-05-28"), -34)
    assert (b.card.office, b.card.benefits) == (None, None)


async def test_b_at_its_closing_early_and_under_budget(loaded: Loaded) -> None:
    h, scorecards = loaded
    b = (await card(scorecards, h, h.b, "2026-06-30")).card
    assert (b.closed, b.closed_on, b.evaluated_on) == (True, ON("2026-05-31"), ON("2026-05-31"))
    assert (b.performance.spi, b.performance.cpi) == (D("1.2605"), D("1.2500"))
    assert (b.cost.ac, b.cost.variance_pct_vs_first, b.cost.overrun_ratio) == (
        D("160000.00"),
        D("-20.00"),
        D("0.8000"),
    )
    assert (b.schedule.slip_days_vs_first, b.schedule.schedule_ratio) == (-31, D("0.7933"))
    assert (b.milestones.counted, b.milestones.on_time_percent) == (2, D("100.00"))
    assert b.risks.by_outcome == {"avoided": 1, "expired": 1}
    assert (b.rebaselines, b.lessons) == (0, 1)


async def test_what_was_known_before_the_completion_was_recorded(loaded: Loaded) -> None:
    """On 10 June at noon the day's cost, progress and completion (recorded at 18:00) were
    not known yet: A was running, 60 % done for 115,000."""
    h, scorecards = loaded
    noon = datetime(2026, 6, 10, 12, tzinfo=UTC)
    s = await card(scorecards, h, h.a, "2026-06-10", known_at=noon)
    c = s.card
    assert (s.status, c.closed, c.evaluated_on) == ("active", False, ON("2026-06-10"))
    # baseline 2: PV 120,000 (past its finish), EV 72,000, AC 115,000
    assert (c.performance.spi, c.performance.cpi) == (D("0.6000"), D("0.6261"))
    assert c.cost.ac == D("115000.00")
    assert c.cost.cost_at_completion == D("191666.67")  # 120,000 x 115,000 / 72,000
    # 140 days / 0.6 = 233.3 -> 234 days from 1 January: 23 August
    assert (c.schedule.finish, c.schedule.finish_basis) == (ON("2026-08-23"), "spi-forecast")
    assert c.schedule.slip_days_vs_first == (ON("2026-08-23") - ON("2026-04-11")).days
    assert (c.risks.raised, c.risks.open) == (3, 1)  # the one of 20 June is not raised yet
    assert (c.milestones.late, c.milestones.missed) == (1, 1)  # 15 May's achievement unknown
    before = datetime(2025, 12, 15, 12, tzinfo=UTC)  # before A was proposed
    with pytest.raises(ReportNotFoundError):
        await card(scorecards, h, h.a, "2026-06-10", known_at=before)


async def test_the_list_by_status_and_page(loaded: Loaded) -> None:
    h, scorecards = loaded
    when = When(as_of=ON("2026-09-30"))
    every, more = await scorecards.scorecards(
        h.tenant, when=when, status=None, after=None, limit=10
    )
    assert ([s.code for s in every], more) == (["A", "B", "C"], False)
    assert every[0] == await card(scorecards, h, h.a, "2026-09-30")  # as the one computes it
    closed, _ = await scorecards.scorecards(
        h.tenant, when=when, status="closed", after=None, limit=10
    )
    running, _ = await scorecards.scorecards(
        h.tenant, when=when, status="running", after=None, limit=10
    )
    assert ([s.code for s in closed], [s.code for s in running]) == (["A", "B"], ["C"])
    assert running[0].size_class == "large"  # 300,000 EUR by the standards of 30 September
    in_may, _ = await scorecards.scorecards(
        h.tenant, when=When(as_of=ON("2026-05-15")), status="closed", after=None, limit=10
    )
    assert in_may == []  # neither had closed by then
    first, more = await scorecards.scorecards(h.tenant, when=when, status=None, after=None, limit=2)
    assert ([s.code for s in first], more) == (["A", "B"], True)
    rest, more = await scorecards.scorecards(
        h.tenant, when=when, status=None, after=("B", first[-1].project_id), limit=2
    )
    assert ([s.code for s in rest], more) == (["C"], False)


async def test_another_tenant_sees_no_scorecard(loaded: Loaded) -> None:
    h, scorecards = loaded
    with pytest.raises(ReportNotFoundError):
        await scorecards.scorecard("someone-else", h.a.id, when=When())
    page = await scorecards.scorecards(
        "someone-else", when=When(), status=None, after=None, limit=5
    )
    assert page == ([], False)


async def test_the_description_and_the_risk_facts_are_kept(
    read_model: AsyncEngine, loaded: Loaded
) -> None:
    h, _ = loaded
    async with read_model.connect() as conn:
        description = await conn.execute(
            text("SELECT description FROM projects WHERE project_id = :p"), {"p": h.a.id}
        )
        assert description.scalar_one() == "The A project: payroll for the new entity"
        rows = await conn.execute(
            text(
                "SELECT raised_on, closed_on, outcome FROM risks WHERE project_id = :p "
                "ORDER BY raised_at"
            ),
            {"p": h.a.id},
        )
        assert [tuple(r) for r in rows] == [
            (ON("2026-01-10"), ON("2026-03-15"), "materialised"),
            (None, None, "unrecorded"),  # v1: the days it was recorded on count
            (ON("2026-05-20"), None, None),
            (ON("2026-06-20"), None, None),
        ]


# -- through HTTP --------------------------------------------------------------------------------

SECRET = "scorecard-reports-test-secret-of-at-least-32-chars"


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
    app.state.reports, app.state.scorecards = services(read_model)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(tenant: str, *roles: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub="reader", tenant=tenant, roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


async def test_the_routes_answer_any_tenant_role_and_no_other_tenant(
    loaded: Loaded, http: httpx.AsyncClient
) -> None:
    h, _ = loaded
    path = f"/v1/reports/projects/{h.a.id}/scorecard"
    answer = await http.get(path, params={"as_of": "2026-06-10"}, headers=bearer(h.tenant, "pmo"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["closed"], body["closed_as"], body["evaluated_on"]) == (
        True,
        "completed",
        "2026-06-10",
    )
    assert (body["performance"]["spi"], body["performance"]["cpi"]) == ("1.0000", "0.9231")
    assert body["performance"]["health"] == {
        "schedule": "green",
        "cost": "amber",
        "overall": "amber",
    }
    assert body["cost"] == {
        "ac": "130000.00",
        "bac_first": "100000.00",
        "bac_last": "120000.00",
        "variance_pct_vs_first": "30.00",
        "variance_pct_vs_last": "8.33",
        "cost_at_completion": "130000.00",
        "cost_at_completion_basis": "actual",
        "forecast_variance_pct_vs_first": "30.00",
        "forecast_variance_pct_vs_last": "8.33",
        "overrun_ratio": "1.3000",
    }
    assert body["schedule"]["slip_days_vs_first"] == 60
    assert body["schedule"]["finish_basis"] == "actual"
    assert body["milestones"]["on_time_percent"] == "33.33"
    assert body["risks"] == {
        "raised": 3,
        "materialised": 1,
        "open": 1,
        "by_outcome": {"materialised": 1, "unrecorded": 1},
    }
    assert body["office_compliance"]["compliance_percent"] == "60.00"
    assert body["benefits"]["programs"] == [str(h.program.id)]
    assert (body["size_class"], body["rebaselines"], body["lessons"]) == ("S", 1, 0)
    assert body["thresholds"]["source"] == "default"

    b = await http.get(
        f"/v1/reports/projects/{h.b.id}/scorecard",
        params={"as_of": "2026-06-30"},
        headers=bearer(h.tenant, "viewer"),
    )
    assert b.status_code == 200, b.text
    assert (b.json()["cost"]["ac"], b.json()["office_compliance"], b.json()["benefits"]) == (
        "160000.00",
        None,
        None,
    )
    known = await http.get(
        path,
        params={"as_of": "2026-06-10", "known_at": "2026-06-10T12:00:00+00:00"},
        headers=bearer(h.tenant, "viewer"),
    )
    assert (known.json()["closed"], known.json()["cost"]["ac"]) == (False, "115000.00")

    hidden = await http.get(path, headers=bearer("someone-else", "pmo"))
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    refused = await http.get(path, headers=bearer(h.tenant, "platform_operator"))
    assert refused.status_code == 403
    bad_date = await http.get(path, params={"as_of": "2026-02-30"}, headers=bearer(h.tenant, "pmo"))
    assert bad_date.status_code == 422


async def test_the_tenant_list_route_filters_and_pages(
    loaded: Loaded, http: httpx.AsyncClient
) -> None:
    h, _ = loaded
    headers = bearer(h.tenant, "viewer")
    url = "/v1/reports/pmo/scorecards"
    first = await http.get(url, params={"as_of": "2026-09-30", "limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    assert [s["code"] for s in first.json()["items"]] == ["A", "B"]
    params = {"as_of": "2026-09-30", "limit": 2, "cursor": first.json()["next_cursor"]}
    second = (await http.get(url, params=params, headers=headers)).json()
    assert ([s["code"] for s in second["items"]], second["next_cursor"]) == (["C"], None)
    closed = await http.get(
        url, params={"as_of": "2026-09-30", "status": "closed"}, headers=headers
    )
    assert [(s["code"], s["closed_on"]) for s in closed.json()["items"]] == [
        ("A", "2026-06-10"),
        ("B", "2026-05-31"),
    ]
    running = await http.get(url, params={"status": "running"}, headers=headers)
    assert [s["code"] for s in running.json()["items"]] == ["C"]
    wrong = await http.get(url, params={"status": "finished"}, headers=headers)
    assert wrong.status_code == 422
    bad = await http.get(url, params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 400
    theirs = await http.get(url, headers=bearer("someone-else", "viewer"))
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


async def test_one_batch_or_event_by_event_gives_the_same_tables_and_scorecards(
    read_model: AsyncEngine, second_model: AsyncEngine
) -> None:
    """What a rebuild does (one big batch, the program's and office's topics maybe ahead) and
    what the running consumer did (an event at a time, as they were recorded) write the same
    rows, and the scorecards read the same from either."""
    h = history(f"tenant-{uuid.uuid4().hex[:8]}")
    others_first = [e for s in reversed(h.streams()) for e in s.envelopes]
    await apply(read_model, others_first)
    for envelope in sorted(h.envelopes(), key=lambda e: e.occurred_at):
        await apply(second_model, [envelope])
    assert await _content(read_model) == await _content(second_model)
    one, other = services(read_model)[1], services(second_model)[1]
    for as_of in ("2026-04-01", "2026-06-10", "2026-09-30"):
        when = When(as_of=ON(as_of))
        assert await one.scorecards(
            h.tenant, when=when, status=None, after=None, limit=10
        ) == await other.scorecards(h.tenant, when=when, status=None, after=None, limit=10)
