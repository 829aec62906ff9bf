"""Benchmarks and reference-class forecasts on the real PostgreSQL: project-svc's, program-svc's
and portfolio-svc's events as the producers publish them, encoded as CloudEvents and decoded as
the consumer does, through the real projection into a fresh generation; then the reports on both
time axes, through the application and the HTTP routes, with managers opened by a key service
(a stand-in answering the key route as project-svc does).

Hand figures. Every first baseline: BAC 500,000 (size M of the standards' EUR bands: S up to
250,000, M up to 1,000,000, L above), planned 1 January to 11 April 2025 (100 days); actual
start 1 January unless said; the standards' minimum group 5, fiscal year from April.

| code | methodology | manager  | closed    | on         | AC      | overrun | slip | sched. ratio |
|------|-------------|----------|-----------|------------|---------|--------:|-----:|-------------:|
| A1   | agile       | mia      | completed | 2025-04-01 | 450,000 |   -10 % |  -10 | 0.9          |
| A2   | agile       | mia      | completed | 2025-04-11 | 500,000 |     0 % |    0 | 1.0 (a)      |
| A3   | agile       | mia      | completed | 2025-05-01 | 600,000 |    20 % |   20 | 1.2 (b)      |
| A4   | agile       | mia      | completed | 2025-05-31 | 700,000 |    40 % |   50 | 1.5 (c)      |
| S1   | agile       | [erased] | completed | 2025-04-11 | 400,000 |   100 % |    0 | 1.0 (d)      |
| C1   | agile       | [erased] | cancelled | 2025-01-31 | 100,000 |   -80 % |  -70 |              |
| W1   | waterfall   | wes      | completed | 2025-04-21 | 525,000 |     5 % |   10 | 1.1          |
| W2   | waterfall   | wes      | completed | 2025-05-21 | 550,000 |    10 % |   40 | 1.3 (e)      |
| W3   | waterfall   | wes      | completed | 2025-05-21 | 650,000 |    30 % |   40 | 1.4          |
| W4   | waterfall   | wes      | completed | 2025-07-20 | 800,000 |    60 % |  100 | 2.0 (f)      |

(a) no actual start: from the planned one; (b) re-baselined to 900,000: measured against the
first; (c) a cost incurred after closing is not in its AC; (d) first BAC 200,000: size S;
(e) started 11 January; left the program on 1 March, before closing; (f) its completion was
recorded 8 days ago. W1, W3, W4 are in program PRG-W at closing. U closed without a baseline
(unmeasured). N, the project forecast: agile, first BAC 400,000 (M), current BAC 480,000 from
1 February, planned 5 January to 24 July 2026 (200 days), 20 % done on 24 February (day 50:
PV 120,000, EV 96,000, AC 120,000: SPI 0.8, CPI 0.8, EAC 600,000.00, EVM finish 200 / 0.8 =
250 days: 12 September 2026).

By methodology (as of 24 February 2026): agile completed -10, 0, 20, 40, 100 %: median 20, P80
at h = 3.2: 40 + 0.2 x 60 = 52; slips -10, 0, 0, 20, 50: median 0, P80 20 + 0.2 x 30 = 26;
waterfall (4: below the minimum) 5, 10, 30, 60 %: median 15 + ... = 20, P80 at h = 2.4:
30 + 0.4 x 30 = 42; slips 10, 40, 40, 100: median 40, P80 40 + 0.4 x 60 = 64.

Forecast of N. A second standards set from 1 December 2025, recorded 5 days ago, lowers the
reference-class minimum to 4: agile M has 4 completed (A1-A4), so that class: cost ratios 0.9
1.0 1.2 1.4: P50 1.1, P80 1.2 + 0.4 x 0.2 = 1.28: 528,000.00 and 614,400.00; schedule ratios
0.9 1.0 1.2 1.5: P50 1.1 (220 days: 13 August 2026), P80 1.2 + 0.4 x 0.3 = 1.32 (264 days:
26 September 2026). Known 6 days ago (minimum 5): the size class M alone, 8 completed: cost P50
1.15, P80 1.36 (552,000.00, 652,800.00); schedule 0.9 1.0 1.1 1.2 1.3 1.4 1.5 2.0: P50 1.25
(250 days: 12 September), P80 1.46 (292 days: 24 October 2026)."""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ET
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
from pmo_shared.privacy import crypto
from pmo_shared.privacy.remote import KEYS_PATH, RemoteKeys
from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token
from reporting_svc.api.app import create_app
from reporting_svc.application.evaluation import EvaluationService
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

pytestmark = pytest.mark.integration

D = Decimal
ON = date.fromisoformat
NOW = datetime.now(UTC).replace(microsecond=0)
AS_OF = ON("2026-02-24")
SCHEMA = Path(__file__).parents[4] / "services/portfolio-svc/events/schemas/PmoStandardsSet.v1.json"
W4_KNOWN_AT, SET2_AT = NOW - timedelta(days=8), NOW - timedelta(days=5)
START, FINISH = ON("2025-01-01"), ON("2025-04-11")


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


@dataclass
class People:
    """Managers sealed as project-svc seals them, and a stand-in of its key service that
    knows their keys (None: erased)."""

    tenant: str
    keys: dict[UUID, bytes | None] = field(default_factory=dict)
    refs: dict[str, UUID] = field(default_factory=dict)

    def sealed(self, user_id: str, *, erased: bool = False) -> dict[str, str]:
        ref = self.refs.setdefault(user_id, uuid.uuid4())
        key = self.keys.get(ref) or crypto.new_data_key()
        key_id = uuid.uuid4()
        ciphertext = crypto.seal(
            user_id, key, tenant_id=self.tenant, subject_ref=ref, key_id=key_id
        )
        self.keys[ref] = None if erased else key
        return {"subject_ref": str(ref), "key_id": str(key_id), "ciphertext": ciphertext}

    def remote_keys(self) -> RemoteKeys:
        def answer(request: httpx.Request) -> httpx.Response:
            assert request.url.path == KEYS_PATH
            asked = [UUID(r) for r in json.loads(request.content)["subject_refs"]]
            found = [
                {
                    "subject_ref": str(r),
                    "data_key": None
                    if self.keys[r] is None
                    else base64.b64encode(self.keys[r] or b"").decode(),
                }
                for r in asked
                if r in self.keys
            ]
            return httpx.Response(200, json={"keys": found})

        return RemoteKeys(
            {"project-svc": "http://keys.test"}, token="t", transport=httpx.MockTransport(answer)
        )


def project(
    t: str,
    code: str,
    manager: dict[str, str],
    *,
    methodology: str = "agile",
    bac: str | None = "500000",
    planned: tuple[str, str] = ("2025-01-01", "2025-04-11"),
    started: str | None = "2025-01-01",
) -> Stream:
    p = Stream(t, "project")
    p.event(
        "ProjectProposed",
        {
            "project_id": str(p.id),
            "code": code,
            "name": f"Project {code}",
            "manager": manager,
            "sponsor": manager,
            "methodology": methodology,
            "currency": "EUR",
            "flagged_large": False,
        },
    )
    if bac is not None:
        baseline(p, 1, bac, planned, effective_on="2024-12-01")
    if started is not None:
        p.event("ProjectStarted", {"actual_start": started})
    return p


def baseline(
    p: Stream, number: int, bac: str, planned: tuple[str, str], *, effective_on: str
) -> None:
    p.event(
        "ProjectBaselined",
        {
            "baseline_number": number,
            "budget_at_completion": bac,
            "planned_start": planned[0],
            "planned_finish": planned[1],
            "effective_on": effective_on,
        },
    )


def cost(p: Stream, amount: str, on: str) -> None:
    p.event(
        "CostRecorded",
        {"cost_id": str(uuid.uuid4()), "amount": amount, "incurred_on": on, "category": "labour"},
    )


def closed(
    t: str,
    code: str,
    manager: dict[str, str],
    *,
    ac: str,
    days: int,
    methodology: str = "agile",
    outcome: str = "completed",
    bac: str = "500000",
    started: date | None = START,
    at: datetime | None = None,
) -> Stream:
    """A project closed `days` after its start (the planned one without an actual start),
    having spent `ac` by the day before."""
    begun = started or START
    on = begun + timedelta(days=days)
    p = project(
        t,
        code,
        manager,
        methodology=methodology,
        bac=bac,
        started=started.isoformat() if started else None,
    )
    cost(p, ac, (on - timedelta(days=1)).isoformat())
    if outcome == "completed":
        p.event("ProjectCompleted", {"actual_finish": on.isoformat()}, at=at)
    else:
        p.event("ProjectCancelled", {"effective_on": on.isoformat()}, at=at)
    return p


def standards(t: str) -> Stream:
    s = Stream(t, "pmo_standards", uuid5(NAMESPACE_URL, f"urn:pmo:standards:{t}"))
    base = {
        "spi": {"green": "0.95", "amber": "0.85"},
        "cpi": {"green": "0.95", "amber": "0.85"},
        "large_project_threshold": {"EUR": "1000000"},
        "portfolio_approval_threshold": {},
        "reporting_cadence_days": 14,
        "required_gates": [],
        "size_classes": {
            "EUR": [
                {"name": "S", "up_to": "250000"},
                {"name": "M", "up_to": "1000000"},
                {"name": "L"},
            ]
        },
        "benchmark_min_group": 5,
        "reference_class_min": 5,
        "fiscal_year_start_month": 4,
        "time_zone": "UTC",
    }
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["required"]) <= {*base, "effective_on"} <= set(schema["properties"])
    s.event("PmoStandardsSet", {**base, "effective_on": "2024-01-01"}, at=NOW - timedelta(days=30))
    s.event(
        "PmoStandardsSet",
        {**base, "reference_class_min": 4, "effective_on": "2025-12-01"},
        at=SET2_AT,
    )
    return s


@dataclass
class World:
    tenant: str
    people: People
    streams: list[Stream]
    ids: dict[str, UUID]


def the_world(t: str) -> World:
    people = People(t)
    mia, wes = people.sealed("mia@example.org"), people.sealed("wes@example.org")
    gone = people.sealed("gone@example.org", erased=True)
    a1 = closed(t, "A1", mia, ac="450000", days=90)
    a2 = closed(t, "A2", mia, ac="500000", days=100, started=None)
    a3 = closed(t, "A3", mia, ac="600000", days=120)
    baseline(a3, 2, "900000", ("2025-01-01", "2025-06-30"), effective_on="2025-02-01")
    a4 = closed(t, "A4", mia, ac="700000", days=150)
    cost(a4, "99999", "2025-06-15")  # after closing: not in AC at closing
    s1 = closed(t, "S1", gone, ac="400000", days=100, bac="200000")
    c1 = closed(t, "C1", gone, ac="100000", days=30, outcome="cancelled")
    w = {"methodology": "waterfall"}
    w1 = closed(t, "W1", wes, ac="525000", days=110, **w)
    w2 = closed(t, "W2", wes, ac="550000", days=130, started=ON("2025-01-11"), **w)
    w3 = closed(t, "W3", wes, ac="650000", days=140, **w)
    w4 = closed(t, "W4", wes, ac="800000", days=200, at=W4_KNOWN_AT, **w)
    u = project(t, "U", mia, methodology="hybrid", bac=None)
    u.event("ProjectCompleted", {"actual_finish": "2025-03-01"})
    n = project(
        t, "N", mia, bac="400000", planned=("2026-01-05", "2026-07-24"), started="2026-01-05"
    )
    baseline(n, 2, "480000", ("2026-01-05", "2026-07-24"), effective_on="2026-02-01")
    n.event("ProgressReported", {"percent_complete": "20", "as_of": "2026-02-24"})
    cost(n, "120000", "2026-02-20")
    running = project(t, "R", wes, methodology="waterfall")  # not closed: in no benchmark
    big = project(t, "BIG", mia, bac="5000000", planned=("2026-01-05", "2026-07-24"))
    bare = project(t, "NB", mia, bac=None, started=None)
    g = Stream(t, "program")
    g.event(
        "ProgramProposed",
        {
            "program_id": str(g.id),
            "code": "PRG-W",
            "name": "Waterfall programme",
            "area": "PMO",
            "description": "",
            "manager": wes,
            "sponsor": wes,
            "currency": "EUR",
            "proposed_on": "2024-12-01",
        },
    )
    for member in (w1, w2, w3, w4):
        g.event("MemberProjectAdded", {"project_id": str(member.id), "effective_on": "2024-12-15"})
    g.event("MemberProjectRemoved", {"project_id": str(w2.id), "effective_on": "2025-03-01"})
    streams = [a1, a2, a3, a4, s1, c1, w1, w2, w3, w4, u, n, running, big, bare, g, standards(t)]
    ids = {"N": n.id, "BIG": big.id, "NB": bare.id, "A1": a1.id}
    return World(t, people, streams, ids)


def elsewhere(t: str) -> list[Stream]:
    """Another tenant's closed project, far over budget: never in the first tenant's figures."""
    people = People(t)
    return [closed(t, "X1", people.sealed("xena@example.org"), ac="5000000", days=100)]


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
    url, schema = required_env("DATABASE_URL"), f"reporting_bench_{uuid.uuid4().hex[:10]}"
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


def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def world(read_model: AsyncEngine) -> AsyncIterator[tuple[World, EvaluationService]]:
    w = the_world(tenant())
    await apply(read_model, [*w.streams, *elsewhere(tenant())])
    keys = w.people.remote_keys()
    reports = ReportService(_Live(read_model), thresholds=HealthThresholds(), keys=keys)
    yield w, EvaluationService(reports=reports)
    await keys.aclose()


def _stats(group: Any) -> tuple[Any, ...]:
    c = group.benchmark.completed
    return (c.count, c.cost_overrun_pct.median, c.cost_overrun_pct.p80, c.schedule_slip_days.median)


async def test_benchmarks_by_methodology_by_hand(world: tuple[World, EvaluationService]) -> None:
    w, evaluation = world
    r = await evaluation.benchmarks(w.tenant, group_by="methodology", when=When(AS_OF))
    assert (r.closed, r.unmeasured) == (11, 1)  # U has no baseline; R, N, BIG, NB still run
    assert (r.settings.benchmark_min_group, r.settings.fiscal_year_start_month) == (5, 4)
    agile, waterfall = r.groups
    assert (agile.key, agile.benchmark.below_minimum) == ("agile", False)
    a = agile.benchmark.completed
    assert (a.count, a.cost_overrun_pct.minimum, a.cost_overrun_pct.maximum) == (
        5,
        D("-10.00"),
        D("100.00"),
    )
    assert (a.cost_overrun_pct.median, a.cost_overrun_pct.p80) == (D("20.00"), D("52.00"))
    assert (a.schedule_slip_days.median, a.schedule_slip_days.p80) == (D("0.00"), D("26.00"))
    c = agile.benchmark.cancelled
    assert (c.count, c.cost_overrun_pct.median, c.schedule_slip_days.median) == (
        1,
        D("-80.00"),
        D("-70.00"),
    )
    assert (waterfall.key, waterfall.benchmark.below_minimum) == ("waterfall", True)
    assert _stats(waterfall) == (4, D("20.00"), D("42.00"), D("40.00"))
    assert waterfall.benchmark.completed.schedule_slip_days.p80 == D("64.00")
    # The trend by fiscal quarter from April: C1 in FY2025 Q4, W4 (20 July) in FY2026 Q2.
    assert [(q.quarter.label, q.completed.count, q.cancelled.count) for q in r.trend] == [
        ("FY2025 Q4", 0, 1),
        ("FY2026 Q1", 8, 0),
        ("FY2026 Q2", 1, 0),
    ]
    # FY2026 Q1: -10 0 20 40 100 5 10 30: median (10 + 20) / 2.
    assert r.trend[1].completed.median_cost_overrun_pct == D("15.00")


async def test_benchmarks_by_size_program_and_manager(
    world: tuple[World, EvaluationService],
) -> None:
    w, evaluation = world
    sized = await evaluation.benchmarks(w.tenant, group_by="size_class", when=When(AS_OF))
    assert [(g.key, g.benchmark.below_minimum) for g in sized.groups] == [("S", True), ("M", False)]
    # M: -10 0 5 10 20 30 40 60: median at h = 3.5: 15; P80 at h = 5.6: 30 + 0.6 x 10 = 36.
    assert _stats(sized.groups[1])[:3] == (8, D("15.00"), D("36.00"))
    assert sized.groups[1].benchmark.cancelled.count == 1
    programs = await evaluation.benchmarks(w.tenant, group_by="program", when=When(AS_OF))
    assert [(g.label, g.benchmark.completed.count) for g in programs.groups] == [
        ("PRG-W Waterfall programme", 3),  # W2 had left before it closed
        ("none", 6),
    ]
    assert programs.groups[-1].key == "none"
    managers = await evaluation.benchmarks(w.tenant, group_by="manager", when=When(AS_OF))
    assert [
        (g.key, g.benchmark.completed.count, g.benchmark.cancelled.count) for g in managers.groups
    ] == [
        ("[erased]", 1, 1),
        ("mia@example.org", 4, 0),
        ("wes@example.org", 4, 0),
    ]


async def test_benchmarks_on_both_time_axes(world: tuple[World, EvaluationService]) -> None:
    w, evaluation = world
    # Business time: by 30 April 2025 only C1, A1, A2, S1, W1 (and U) had closed.
    april = await evaluation.benchmarks(
        w.tenant, group_by="methodology", when=When(ON("2025-04-30"))
    )
    assert (april.closed, april.unmeasured) == (6, 1)
    assert [(g.key, g.benchmark.completed.count) for g in april.groups] == [
        ("agile", 3),
        ("waterfall", 1),
    ]
    # Record time: before W4's completion was recorded, waterfall had three.
    before = await evaluation.benchmarks(
        w.tenant, group_by="methodology", when=When(AS_OF, W4_KNOWN_AT - timedelta(seconds=1))
    )
    assert _stats(before.groups[1])[0] == 3
    # Before anything was recorded, nothing; and another tenant sees none of it.
    nothing = await evaluation.benchmarks(
        w.tenant, group_by="methodology", when=When(AS_OF, NOW - timedelta(days=400))
    )
    assert (nothing.closed, nothing.groups, nothing.settings.source) == (0, (), "defaults")
    theirs = await evaluation.benchmarks(tenant(), group_by="methodology", when=When(AS_OF))
    assert theirs.groups == ()


async def test_the_forecast_of_n_by_hand(world: tuple[World, EvaluationService]) -> None:
    w, evaluation = world
    r = await evaluation.forecast(w.tenant, w.ids["N"], when=When(AS_OF))
    assert (r.size_class, r.first_bac, r.settings.reference_class_min) == ("M", D(400000), 4)
    chosen = r.reference_class
    assert chosen is not None
    assert (chosen.used, chosen.fallback, chosen.size, chosen.cancelled_excluded) == (
        "methodology and size class",
        False,
        4,
        1,
    )
    f = r.forecast
    assert f is not None
    assert (f.cost_ratio_p50, f.cost_ratio_p80) == (D("1.1000"), D("1.2800"))
    assert (f.cost_p50, f.cost_p80) == (D("528000.00"), D("614400.00"))
    assert (f.finish_p50, f.finish_p80) == (ON("2026-08-13"), ON("2026-09-26"))
    e = r.evm
    assert (e.bac, e.spi, e.cpi, e.eac) == (
        D("480000.00"),
        D("0.8000"),
        D("0.8000"),
        D("600000.00"),
    )
    assert e.finish == ON("2026-09-12")
    # Known before the second set (minimum 4) was recorded: minimum 5, the size class alone.
    earlier = await evaluation.forecast(
        w.tenant, w.ids["N"], when=When(AS_OF, SET2_AT - timedelta(seconds=1))
    )
    assert earlier.reference_class is not None
    assert earlier.forecast is not None
    assert (earlier.reference_class.used, earlier.reference_class.fallback) == ("size class", True)
    assert (earlier.reference_class.size, earlier.reference_class.preferred_size) == (8, 4)
    assert (earlier.forecast.cost_p50, earlier.forecast.cost_p80) == (
        D("552000.00"),
        D("652800.00"),
    )
    assert (earlier.forecast.finish_p50, earlier.forecast.finish_p80) == (
        ON("2026-09-12"),
        ON("2026-10-24"),
    )
    # Business time: on 30 November 2025 the first set (minimum 5) was in force.
    november = await evaluation.forecast(w.tenant, w.ids["N"], when=When(ON("2025-11-30")))
    assert november.reference_class is not None
    assert november.reference_class.fallback


async def test_a_project_without_a_class_or_a_baseline_has_no_figures(
    world: tuple[World, EvaluationService],
) -> None:
    w, evaluation = world
    big = await evaluation.forecast(w.tenant, w.ids["BIG"], when=When(AS_OF))
    assert big.size_class == "L"
    assert big.forecast is None
    assert big.reference_class is not None
    assert big.reference_class.size == 0
    assert big.reason
    assert "empty" in big.reason
    bare = await evaluation.forecast(w.tenant, w.ids["NB"], when=When(AS_OF))
    assert (bare.size_class, bare.reference_class, bare.forecast) == (None, None, None)
    assert bare.reason
    assert "no baseline" in bare.reason
    # A closed project is not in its own class.
    a1 = await evaluation.forecast(w.tenant, w.ids["A1"], when=When(AS_OF))
    assert a1.reference_class is not None
    assert (a1.reference_class.preferred_size, a1.reference_class.fallback) == (3, True)
    with pytest.raises(ReportNotFoundError):
        await evaluation.forecast(tenant(), w.ids["N"], when=When(AS_OF))


# --- through HTTP ---------------------------------------------------------------------------

SECRET = "benchmarks-reports-test-secret-of-at-least-32-chars"


@pytest.fixture
async def http(
    read_model: AsyncEngine, world: tuple[World, EvaluationService]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ReportingSettings(
        environment="test",
        database_url=required_env("DATABASE_URL"),
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
    )
    app = create_app(settings)
    app.state.evaluation = world[1]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(tenant_id: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub="reader", tenant=tenant_id, roles=["viewer"])
    return {"Authorization": f"Bearer {token}"}


async def test_the_benchmarks_route(
    world: tuple[World, EvaluationService], http: httpx.AsyncClient
) -> None:
    w = world[0]
    got = await http.get(
        "/v1/reports/pmo/benchmarks",
        params={"group_by": "methodology", "as_of": AS_OF.isoformat()},
        headers=bearer(w.tenant),
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["percentile_method"] == "linear interpolation between closest ranks (type 7)"
    assert (body["closed_count"], body["unmeasured_count"]) == (11, 1)
    assert body["standards"]["source"] == "pmo-standards"
    assert body["standards"]["size_classes"]["EUR"][0] == {"name": "S", "up_to": "250000"}
    agile, waterfall = body["groups"]
    assert (agile["key"], agile["below_minimum"], waterfall["below_minimum"]) == (
        "agile",
        False,
        True,
    )
    assert agile["completed"]["cost_overrun_pct"] == {
        "n": 5,
        "min": "-10.00",
        "p25": "0.00",
        "median": "20.00",
        "p75": "40.00",
        "p80": "52.00",
        "max": "100.00",
    }
    assert agile["cancelled"]["count"] == 1
    assert body["trend"][0]["quarter"] == "FY2025 Q4"
    assert (body["trend"][0]["starts_on"], body["trend"][0]["ends_on"]) == (
        "2025-01-01",
        "2025-03-31",
    )
    bad = await http.get(
        "/v1/reports/pmo/benchmarks", params={"group_by": "colour"}, headers=bearer(w.tenant)
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    theirs = await http.get("/v1/reports/pmo/benchmarks", headers=bearer(tenant()))
    assert (theirs.status_code, theirs.json()["groups"]) == (200, [])


async def test_the_box_plot_route(
    world: tuple[World, EvaluationService], http: httpx.AsyncClient
) -> None:
    w = world[0]
    got = await http.get(
        "/v1/reports/pmo/benchmarks.svg",
        params={"group_by": "manager", "as_of": AS_OF.isoformat()},
        headers=bearer(w.tenant),
    )
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(got.content)  # noqa: S314 - the service's own output
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "data-group" in g.attrib]
    assert [(g.get("data-group"), g.get("data-below-minimum")) for g in groups] == [
        ("[erased]", "true"),
        ("mia@example.org", "true"),
        ("wes@example.org", "true"),
    ]
    assert groups[1].get("data-median") == "10.00"  # mia: -10 0 20 40


async def test_the_forecast_route(
    world: tuple[World, EvaluationService], http: httpx.AsyncClient
) -> None:
    w = world[0]
    got = await http.get(
        f"/v1/reports/projects/{w.ids['N']}/forecast",
        params={"as_of": AS_OF.isoformat()},
        headers=bearer(w.tenant),
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["code"], body["size_class"], body["first_bac"]) == ("N", "M", "400000.00")
    assert body["reference_class"]["class_used"] == "methodology and size class"
    assert (body["reference_class"]["fallback"], body["reference_class"]["size"]) == (False, 4)
    rcf = body["reference_class_forecast"]
    assert (rcf["cost_at_completion_p50"], rcf["cost_at_completion_p80"]) == (
        "528000.00",
        "614400.00",
    )
    assert (rcf["finish_p50"], rcf["finish_p80"]) == ("2026-08-13", "2026-09-26")
    assert body["evm_forecast"] == {
        "as_of": "2026-02-24",
        "bac": "480000.00",
        "cpi": "0.8000",
        "spi": "0.8000",
        "eac": "600000.00",
        "planned_start": "2026-01-05",
        "planned_finish": "2026-07-24",
        "finish": "2026-09-12",
    }
    big = (
        await http.get(f"/v1/reports/projects/{w.ids['BIG']}/forecast", headers=bearer(w.tenant))
    ).json()
    assert (big["reference_class_forecast"], big["reference_class"]["empty"]) == (None, True)
    assert "empty" in big["reason"]
    theirs = await http.get(f"/v1/reports/projects/{w.ids['N']}/forecast", headers=bearer(tenant()))
    assert theirs.status_code == 404
