"""Commands on project-svc, program-svc and portfolio-svc show up in reporting-svc's portfolio
roll-up, with figures computed here by hand: earned value summed over the components (the
program through its member projects, the project directly) then divided, health and decisions
counted per component, each component's value Σ weight x score, the budget's coverage of each
objective, the adopted selection and the two charts; on both time axes. Health is rated by the
PMO's standards set in portfolio-svc (reaching reporting on `pmo.portfolio.events` alone), the
environment's defaults before any.

Every date lies in 2026's first half, before today: each plan has finished by today, so its PV
is its whole BAC. Money is EUR, shown with 2 decimals; SPI and CPI with 4.

    the engine (A): BAC 100,000, 1 Jan..11 Apr; costs 30,000 + 20,000; 40 % as of 20 Feb.
    the portal (B): BAC 200,000, 1 Mar..30 May; cost 120,000; 75 % as of 15 May.
    the hub (C):    flagged large, BAC 300,000, 1 Jan..30 Jun; cost 100,000; 50 % as of 1 Mar.
    the program G:  members A and B from 10 Jan, pool 250,000 (its cost as a component).
    the portfolio:  weights growth 0.6 / cost 0.4, budget 500,000, both from 1 Jan; G (cost
                    250,000) and C (cost 300,000, its BAC) from 15 Jan; G approved, C deferred
                    on 1 Feb; the optimal selection adopted today (G is forced in, approved).
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor, required_env

from .steps import as_user, command, new_project, poll

pytestmark = pytest.mark.integration

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def programs(
    program_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=program_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def portfolios(token_for: TokenFor, tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    url = required_env("PORTFOLIO_URL")
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        yield client


async def _project(
    projects: httpx.AsyncClient,
    *,
    plan: tuple[str, str, str],
    costs: list[tuple[str, str]],
    progress: tuple[str, str],
    large: bool = False,
) -> str:
    project_id = await new_project(projects, flagged_large=large)
    p = f"/v1/projects/{project_id}"
    bac, start, finish = plan
    baseline = {"budget_at_completion": bac, "planned_start": start, "planned_finish": finish}
    await command(projects, f"{p}/baseline", baseline)
    await command(projects, f"{p}/approve")
    await command(projects, f"{p}/start", {"actual_start": start})
    for amount, day in costs:
        await command(
            projects, f"{p}/costs", {"amount": amount, "incurred_on": day, "category": "labour"}
        )
    percent, as_of = progress
    await command(projects, f"{p}/progress", {"percent_complete": percent, "as_of": as_of})
    return project_id


async def _once_known(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    """POST once the service knows what `body` names: until another service's events have
    arrived there it answers 422 ("events may still be arriving", or a cost it cannot know
    yet)."""
    deadline = time.monotonic() + 30
    while True:
        response = await client.post(path, json=body)
        waiting = response.status_code == 422 and (
            "events may still be arriving" in response.text or "cost" in response.text
        )
        if not waiting:
            assert response.is_success, f"{path}: {response.status_code} {response.text}"
            return response.json()
        assert time.monotonic() < deadline, f"{path}: still {response.text}"
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Scenario:
    portfolio_id: str
    program_id: str
    engine: str
    portal: str
    hub: str
    known_before_decisions: str

    @property
    def report(self) -> str:
        return f"/v1/reports/portfolios/{self.portfolio_id}"


async def _program(programs: httpx.AsyncClient, engine: str, portal: str) -> str:
    charter = {
        "code": "PRG-PAY",
        "name": "Payroll modernisation",
        "area": "the Payroll application",
        "manager": "prog-mia",
        "sponsor": "cfo-bea",
        "currency": "EUR",
        "proposed_on": "2026-01-01",
    }
    proposed = await programs.post(
        "/v1/programs", json=charter, headers=as_user(programs, "prog-mia", "program_manager")
    )
    assert proposed.status_code == 201, proposed.text
    program_id: str = proposed.json()["program_id"]
    g = f"/v1/programs/{program_id}"
    await command(programs, f"{g}/activate", {"effective_on": "2026-01-02"})
    for member in (engine, portal):
        await _once_known(
            programs, f"{g}/members", {"project_id": member, "effective_on": "2026-01-10"}
        )
    pool = {"amount": "250000", "reason": "payroll budget", "effective_on": "2026-01-10"}
    await command(programs, f"{g}/funding/set", pool)
    return program_id


async def _scenario(
    projects: httpx.AsyncClient, programs: httpx.AsyncClient, portfolios: httpx.AsyncClient
) -> Scenario:
    engine = await _project(
        projects,
        plan=("100000", "2026-01-01", "2026-04-11"),
        costs=[("30000", "2026-02-01"), ("20000", "2026-02-19")],
        progress=("40", "2026-02-20"),
    )
    portal = await _project(
        projects,
        plan=("200000", "2026-03-01", "2026-05-30"),
        costs=[("120000", "2026-05-15")],
        progress=("75", "2026-05-15"),
    )
    hub = await _project(
        projects,
        plan=("300000", "2026-01-01", "2026-06-30"),
        costs=[("100000", "2026-03-01")],
        progress=("50", "2026-03-01"),
        large=True,
    )
    program_id = await _program(programs, engine, portal)
    body = {
        "code": "PF-STRAT",
        "name": "Strategic portfolio",
        "manager": "pf-mia",
        "currency": "EUR",
        "created_on": "2026-01-01",
    }
    created = await portfolios.post("/v1/portfolios", json=body)
    assert created.status_code == 201, created.text
    portfolio_id: str = created.json()["portfolio_id"]
    f = f"/v1/portfolios/{portfolio_id}"

    async def put(path: str, payload: dict[str, Any]) -> None:
        response = await portfolios.put(f"{f}{path}", json=payload)
        assert response.is_success, f"{path}: {response.status_code} {response.text}"

    await put(
        "/weights", {"weights": {"growth": "0.6", "cost": "0.4"}, "effective_on": "2026-01-01"}
    )
    await put("/budget", {"amount": "500000", "effective_on": "2026-01-01"})
    for component, kind, risk in ((program_id, "program", "0.3"), (hub, "project", "0.5")):
        component_body = {
            "component_id": component,
            "kind": kind,
            "risk_score": risk,
            "effective_on": "2026-01-15",
        }
        await _once_known(portfolios, f"{f}/components", component_body)
    for component, growth, cost in ((program_id, "5", "2.5"), (hub, "2", "4")):
        for objective, score in (("growth", growth), ("cost", cost)):
            payload = {
                "score": score,
                "rationale": f"{objective} {score}",
                "effective_on": "2026-01-15",
            }
            await put(f"/components/{component}/scores/{objective}", payload)
    trail = (await portfolios.get(f"{f}/events")).json()
    for component, decision in ((program_id, "approve"), (hub, "defer")):
        payload = {
            "component_id": component,
            "decision": decision,
            "rationale": f"{decision} it",
            "decided_on": "2026-02-01",
        }
        await command(portfolios, f"{f}/decisions", payload)
    await command(portfolios, f"{f}/selection/adoption", {"points": 5})
    return Scenario(portfolio_id, program_id, engine, portal, hub, trail[-1]["occurred_at"])


def _caught_up(response: httpx.Response) -> bool:
    """Every component known with its figures, the decisions and the selection in."""
    if response.status_code != 200:
        return False
    body = response.json()
    components = body["components"]
    return (
        len(components) == 2
        and all(c["known"] for c in components)
        and len(components[0]["members"]) == 2
        and body["ev"] == "340000.00"
        and body["decisions"]["undecided"] == 0
        and body["selection"] is not None
    )


def _pick(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: body[k] for k in keys}


async def test_the_portfolio_rollup_from_every_service(
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    portfolios: httpx.AsyncClient,
    reports: httpx.AsyncClient,
) -> None:
    s = await _scenario(projects, programs, portfolios)
    body = (await poll(reports, s.report, _caught_up, timeout=60)).json()

    # Today every plan has finished (PV = BAC). Through G: A and B; C directly.
    #   ΣBAC = ΣPV = 100,000 + 200,000 + 300,000 = 600,000
    #   ΣEV = 40,000 + 150,000 + 150,000 = 340,000; ΣAC = 50,000 + 120,000 + 100,000 = 270,000
    assert _pick(body, "component_count", "bac", "pv", "ev", "ac", "spi", "cpi", "budget") == {
        "component_count": 2,
        "bac": "600000.00",
        "pv": "600000.00",
        "ev": "340000.00",
        "ac": "270000.00",
        "spi": "0.5667",  # 340,000 / 600,000
        "cpi": "1.2593",  # 340,000 / 270,000
        "budget": "500000.00",
    }
    assert (body["unbaselined_count"], body["unbaselined_ac"]) == (0, "0.00")
    assert body["thresholds"]["source"] == "default"  # the tenant has no standards
    assert body["manager"] == "pf-mia"  # opened with portfolio-svc's key
    g, c = body["components"]
    assert (g["component_id"], g["code"], g["cost"], g["figures"]["spi"]) == (
        s.program_id,
        "PRG-PAY",
        "250000.00",
        "0.6333",
    )
    assert {m["project_id"] for m in g["members"]} == {s.engine, s.portal}
    assert (c["component_id"], c["cost"], c["figures"]["spi"], c["figures"]["cpi"]) == (
        s.hub,
        "300000.00",
        "0.5000",
        "1.5000",
    )
    # 0.6 x 5 + 0.4 x 2.5 = 4; 0.6 x 2 + 0.4 x 4 = 2.8 (exact, as portfolio-svc writes them)
    assert (g["value"]["value"], c["value"]["value"]) == ("4", "2.8")
    # G: SPI 190,000 / 300,000 = 0.6333: red; C: SPI 0.5: red (CPI 1.5 green).
    assert body["health_distribution"] == {"red": 2, "amber": 0, "green": 0, "none": 0}
    assert body["decisions"] == {
        "approved": 1,
        "deferred": 1,
        "terminated": 0,
        "undecided": 0,
        "other": 0,
    }
    # The PMO decided; a decision on G covers its members, as portfolio-svc knew them.
    assert (g["decision"]["decided_by"], set(g["decision"]["covers"])) == (
        "pmo-carol",
        {s.engine, s.portal},
    )
    # G is approved, so forced in; C (300,000) does not fit the rest of the 500,000.
    selection = body["selection_details"]
    assert (selection["selected"], selection["value"], selection["cost"]) == (
        [s.program_id],
        "4",
        "250000.00",
    )
    assert (g["selected"], c["selected"]) == (True, False)
    coverage = {o["objective"]: (o["share"], o["funded"], o["coverage"]) for o in body["coverage"]}
    assert coverage == {
        "growth": ("300000.00", "250000.00", "0.8333"),  # 250,000 x 5/5 of 0.6 x 500,000
        "cost": ("200000.00", "125000.00", "0.6250"),  # 250,000 x 2.5/5 of 0.4 x 500,000
    }
    # the terms follow the objectives in the order portfolio-svc published the weights
    assert [t["objective"] for t in g["value"]["terms"]] == [
        w["objective"] for w in body["weights"]
    ]
    listed = (await reports.get("/v1/reports/portfolios")).json()["items"]
    assert [_pick(p, "portfolio_id", "bac", "spi", "cpi") for p in listed] == [
        _pick(body, "portfolio_id", "bac", "spi", "cpi")
    ]

    bubble = await reports.get(f"{s.report}/bubble.svg")
    assert bubble.status_code == 200
    root = ET.fromstring(bubble.content)  # noqa: S314 - reporting's own output
    placed = {
        e.get("data-component"): e.get("data-health")
        for e in root.iter(f"{SVG}circle")
        if e.get("data-component")
    }
    assert placed == {s.program_id: "red", s.hub: "red"}
    assert {"PRG-PAY", c["code"]} <= {t.text for t in root.iter(f"{SVG}text")}
    frontier = await reports.get(f"{s.report}/frontier.svg")
    assert frontier.status_code == 200
    assert b"adopted budget 500,000.00 EUR" in frontier.content


async def test_the_portfolio_rollup_on_both_time_axes(
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    portfolios: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    token_for: TokenFor,
) -> None:
    s = await _scenario(projects, programs, portfolios)
    await poll(reports, s.report, _caught_up, timeout=60)

    # Business time: before the decisions' date nothing was decided; the selection was adopted
    # today, so none was in force then.
    january = (await reports.get(s.report, params={"as_of": "2026-01-31"})).json()
    assert january["decisions"]["undecided"] == 2
    assert january["selection"] is None
    none_yet = await reports.get(f"{s.report}/frontier.svg", params={"as_of": "2026-01-31"})
    assert none_yet.status_code == 404
    assert none_yet.json()["type"].endswith("/no-selection-adopted")
    # Before the components were added (15 Jan) the portfolio had none.
    early = (await reports.get(s.report, params={"as_of": "2026-01-14"})).json()
    assert (early["component_count"], early["bac"], early["spi"]) == (0, "0.00", None)

    # Record time: as known before the decisions were recorded, both are undecided today.
    before = (await reports.get(s.report, params={"known_at": s.known_before_decisions})).json()
    assert before["decisions"]["undecided"] == 2
    assert before["selection"] is None
    assert before["component_count"] == 2

    other = {"Authorization": f"Bearer {token_for('tenant-of-nobody-else', 'pmo')}"}
    hidden = await reports.get(s.report, headers=other)
    assert hidden.status_code == 404


LENIENT_SPI = {"green": "0.90", "amber": "0.50"}


async def test_the_pmo_standards_rate_the_portfolio(
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    portfolios: httpx.AsyncClient,
    reports: httpx.AsyncClient,
) -> None:
    s = await _scenario(projects, programs, portfolios)
    await poll(reports, s.report, _caught_up, timeout=60)
    trail = (await portfolios.get(f"/v1/portfolios/{s.portfolio_id}/events")).json()
    before_standards = trail[-1]["occurred_at"]

    # The PMO sets an SPI band amber from 0.50 (CPI keeps 0.95 / 0.85) from 1 January.
    standards = {
        "spi": LENIENT_SPI,
        "cpi": {"green": "0.95", "amber": "0.85"},
        "reporting_cadence_days": 14,
        "time_zone": "UTC",
        "effective_on": "2026-01-01",
    }
    put = await portfolios.put("/v1/pmo/standards", json=standards)
    assert put.status_code == 200, put.text

    def rated(response: httpx.Response) -> bool:
        return response.status_code == 200 and response.json()["thresholds"]["source"] != "default"

    body = (await poll(reports, s.report, rated)).json()
    assert body["thresholds"] == {
        "spi": LENIENT_SPI,
        "cpi": {"green": "0.95", "amber": "0.85"},
        "source": "pmo-standards",
        "effective_on": "2026-01-01",
    }
    # SPI 0.5667 (CPI 1.2593): amber on the PMO's band; G (0.6333) and C (0.5000) amber too.
    assert body["health"] == {"schedule": "amber", "cost": "green", "overall": "amber"}
    assert body["health_distribution"] == {"red": 0, "amber": 2, "green": 0, "none": 0}
    bubble = await reports.get(f"{s.report}/bubble.svg")
    root = ET.fromstring(bubble.content)  # noqa: S314 - reporting's own output
    colours = {e.get("data-health") for e in root.iter(f"{SVG}circle") if e.get("data-component")}
    assert colours == {"amber"}
    assert {"PMO standards", "from 2026-01-01"} <= {t.text for t in root.iter(f"{SVG}text")}

    # Record time: as known before the standards were set, the defaults rated it red.
    known = (await reports.get(s.report, params={"known_at": before_standards})).json()
    assert (known["thresholds"]["source"], known["health"]["overall"]) == ("default", "red")
    assert known["health_distribution"]["red"] == 2
