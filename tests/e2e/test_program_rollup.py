"""Commands on project-svc and program-svc show up in reporting-svc's program roll-up, with
figures computed here by hand: earned value summed over the members then divided (never
averaged), a project counting only from the day it joined, the funds of the shared pool, and
the utilisation of a resource the members share.

Every date lies in 2026's first half, before today: each plan has finished by today, so its PV
is its whole BAC, and the facts at an earlier status date follow exactly from the dates below.
Money is EUR, shown with 2 decimals; SPI and CPI with 4 (the API's RATIO, rounded half-even).

    the engine (A): BAC 100,000, planned 1 Jan..11 Apr 2026 (100 days: PV 1,000 a day);
                    costs 30,000 on 1 Feb and 20,000 on 19 Feb; 40% complete as of 20 Feb;
                    joins the program on 10 Jan, allocated 40,000 then.
    the portal (B): BAC 200,000, planned 1 Mar..30 May 2026; cost 120,000 on 15 May;
                    75% complete as of 15 May; joins on 1 Jun, allocated 150,000 then.
    the program:    proposed 1 Jan, activated 2 Jan; pool 250,000 from 10 Jan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor

from .steps import as_user, command, new_project, poll

pytestmark = pytest.mark.integration

MANAGER = "prog-mia"
"""The program's manager, who proposes it (so the client's PMO user may activate it)."""


@pytest.fixture
async def programs(
    program_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=program_url, headers=headers, timeout=30) as client:
        yield client


async def _project(
    projects: httpx.AsyncClient,
    *,
    plan: tuple[str, str, str],
    costs: list[tuple[str, str]],
    progress: tuple[str, str],
) -> str:
    """A project baselined on `plan` (BAC, start, finish), approved, started on its planned
    start, with its costs (amount, day) and then its progress (percent, as of): the progress
    is its last event, so a read model showing it has applied the rest."""
    project_id = await new_project(projects)
    p = f"/v1/projects/{project_id}"
    bac, start, finish = plan
    baseline = {"budget_at_completion": bac, "planned_start": start, "planned_finish": finish}
    await command(projects, f"{p}/baseline", baseline)
    await command(projects, f"{p}/approve")
    await command(projects, f"{p}/start", {"actual_start": start})
    for amount, day in costs:
        cost = {"amount": amount, "incurred_on": day, "category": "labour"}
        await command(projects, f"{p}/costs", cost)
    percent, as_of = progress
    await command(projects, f"{p}/progress", {"percent_complete": percent, "as_of": as_of})
    return project_id


async def _add_member(programs: httpx.AsyncClient, path: str, project_id: str, on: str) -> None:
    """Add a member once program-svc knows the project: until its events have arrived there,
    program-svc answers 422 "unknown project ... (events may still be arriving)"."""
    body = {"project_id": project_id, "effective_on": on}
    for _ in range(1500):  # 30 s at most
        response = await programs.post(f"{path}/members", json=body)
        if response.status_code != 422 or "events may still be arriving" not in response.text:
            assert response.is_success, f"{path}/members: {response.status_code} {response.text}"
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"program-svc never learnt project {project_id}: {response.text}")


@dataclass(frozen=True)
class Scenario:
    """The program of the module docstring, with what the tests need to ask about it."""

    program_id: str
    engine: str
    portal: str
    resource: str
    known_before_portal: str
    """The instant program-svc recorded the last event before the portal joined."""

    @property
    def report(self) -> str:
        return f"/v1/reports/programs/{self.program_id}"


async def _scenario(projects: httpx.AsyncClient, programs: httpx.AsyncClient) -> Scenario:
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
    charter = {
        "code": "PRG-PAY",
        "name": "Payroll modernisation",
        "area": "the Payroll application",
        "manager": MANAGER,
        "sponsor": "cfo-bea",
        "currency": "EUR",
        "proposed_on": "2026-01-01",
    }
    proposed = await programs.post(
        "/v1/programs", json=charter, headers=as_user(programs, MANAGER, "program_manager")
    )
    assert proposed.status_code == 201, proposed.text
    program_id = proposed.json()["program_id"]
    g = f"/v1/programs/{program_id}"
    # The PMO activates: the proposer and manager may not (segregation of duties).
    await command(programs, f"{g}/activate", {"effective_on": "2026-01-02"})
    await _add_member(programs, g, engine, "2026-01-10")
    pool = {"amount": "250000", "reason": "payroll budget", "effective_on": "2026-01-10"}
    await command(programs, f"{g}/funding/set", pool)
    allocation = {"project_id": engine, "amount": "40000", "effective_on": "2026-01-10"}
    await command(programs, f"{g}/funding/allocations", allocation)
    trail = (await programs.get(f"{g}/events")).json()

    await _add_member(programs, g, portal, "2026-06-01")
    allocation = {"project_id": portal, "amount": "150000", "effective_on": "2026-06-01"}
    await command(programs, f"{g}/funding/allocations", allocation)
    person = {"kind": "person", "person": "eng-dana", "weekly_capacity_hours": "40"}
    resource = (await command(programs, f"{g}/resources", person))["id"]
    # 24 h a week for the engine in weeks 10..14, 12 h for the portal in weeks 12..20: both in
    # weeks 12, 13 and 14.
    for project_id, hours, first, last in (
        (engine, "24", "2026-W10", "2026-W14"),
        (portal, "12", "2026-W12", "2026-W20"),
    ):
        assignment = {
            "resource_id": resource,
            "project_id": project_id,
            "hours_per_week": hours,
            "first_week": first,
            "last_week": last,
        }
        await command(programs, f"{g}/assignments", assignment)
    return Scenario(program_id, engine, portal, resource, trail[-1]["occurred_at"])


def _caught_up(response: httpx.Response) -> bool:
    """The roll-up shows both members with their last facts (each project's progress) and the
    program's last fact before the assignments (the portal's allocation)."""
    if response.status_code != 200:
        return False
    body = response.json()
    members = body["members"]
    return (
        len(members) == 2
        and all(m["known"] and m["ev"] not in (None, "0.00") for m in members)
        and body["funds"]["allocated"] == "190000.00"
    )


def _pick(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: body[k] for k in keys}


FIGURES = ("member_count", "bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi")


async def test_the_rollup_sums_the_members_then_divides(
    projects: httpx.AsyncClient, programs: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    s = await _scenario(projects, programs)

    body = (await poll(reports, s.report, _caught_up)).json()

    # Today both plans have finished: PV = BAC.
    #   engine: PV 100,000; EV = 40% x 100,000 = 40,000; AC = 30,000 + 20,000 = 50,000
    #   portal: PV 200,000; EV = 75% x 200,000 = 150,000; AC = 120,000
    # ΣPV = 300,000, ΣEV = 190,000, ΣAC = 170,000.
    assert _pick(body, *FIGURES) == {
        "member_count": 2,
        "bac": "300000.00",
        "pv": "300000.00",
        "ev": "190000.00",
        "ac": "170000.00",
        "sv": "-110000.00",  # ΣEV - ΣPV
        "cv": "20000.00",  # ΣEV - ΣAC
        "spi": "0.6333",  # 190,000 / 300,000 = 0.63333...
        "cpi": "1.1176",  # 190,000 / 170,000 = 1.117647...
    }
    # Averaging the members' indices would be wrong: SPI (0.4 + 0.75) / 2 = 0.575,
    # CPI (0.8 + 1.25) / 2 = 1.025.
    members = {m["project_id"]: m for m in body["members"]}
    assert _pick(members[s.engine], "joined_on", "spi", "cpi") == {
        "joined_on": "2026-01-10",
        "spi": "0.4000",
        "cpi": "0.8000",
    }
    assert _pick(members[s.portal], "joined_on", "spi", "cpi") == {
        "joined_on": "2026-06-01",
        "spi": "0.7500",
        "cpi": "1.2500",
    }
    # SPI 0.6333 is below HEALTH_AMBER (0.85): red; CPI 1.1176 is at least 0.95: green.
    assert body["health"] == {"schedule": "red", "cost": "green", "overall": "red"}
    listed = (await reports.get("/v1/reports/programs")).json()["items"]
    assert [_pick(p, *FIGURES) for p in listed] == [_pick(body, *FIGURES)]


async def test_a_project_counts_only_from_the_day_it_joined(
    projects: httpx.AsyncClient, programs: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    s = await _scenario(projects, programs)
    await poll(reports, s.report, _caught_up)

    march = (await reports.get(s.report, params={"as_of": "2026-03-31"})).json()

    # On 31 Mar only the engine is a member (the portal joins on 1 Jun), though the portal's
    # plan had begun and it had a baseline then.
    #   engine: PV = 89 days (1 Jan..31 Mar) x 1,000 = 89,000; EV = 40,000; AC = 50,000
    assert [m["project_id"] for m in march["members"]] == [s.engine]
    assert _pick(march, *FIGURES) == {
        "member_count": 1,
        "bac": "100000.00",
        "pv": "89000.00",
        "ev": "40000.00",
        "ac": "50000.00",
        "sv": "-49000.00",
        "cv": "-10000.00",
        "spi": "0.4494",  # 40,000 / 89,000 = 0.449438...
        "cpi": "0.8000",  # 40,000 / 50,000
    }

    # The day before the engine joined, the program has no member and no figures to divide.
    january = (await reports.get(s.report, params={"as_of": "2026-01-09"})).json()
    assert (january["member_count"], january["members"], january["spi"], january["cpi"]) == (
        0,
        [],
        None,
        None,
    )

    # Record time: as known before the portal's membership was recorded, the program has the
    # engine alone, today (both plans finished): PV 100,000, EV 40,000, AC 50,000.
    known = {"known_at": s.known_before_portal}
    before = (await reports.get(s.report, params=known)).json()
    assert _pick(before, "member_count", "pv", "ev", "ac", "spi", "cpi") == {
        "member_count": 1,
        "pv": "100000.00",
        "ev": "40000.00",
        "ac": "50000.00",
        "spi": "0.4000",
        "cpi": "0.8000",
    }


async def test_the_funds_of_the_pool_and_a_member_overspent(
    projects: httpx.AsyncClient, programs: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    s = await _scenario(projects, programs)
    body = (await poll(reports, s.report, _caught_up)).json()

    # pool 250,000; allocated 40,000 + 150,000 = 190,000; unallocated 60,000;
    # spent = ΣAC = 50,000 + 120,000 = 170,000.
    # The engine spent 50,000 of its 40,000: overspent. The portal 120,000 of 150,000: not.
    # Unfunded BAC: engine 100,000 - 40,000 = 60,000; portal 200,000 - 150,000 = 50,000.
    assert body["funds"] == {
        "pool": "250000.00",
        "allocated": "190000.00",
        "unallocated": "60000.00",
        "spent": "170000.00",
        "unfunded": "110000.00",
        "overspent_members": 1,
    }
    members = {m["project_id"]: m for m in body["members"]}
    assert _pick(members[s.engine], "allocation", "ac", "overspent", "unfunded") == {
        "allocation": "40000.00",
        "ac": "50000.00",
        "overspent": True,
        "unfunded": "60000.00",
    }
    assert _pick(members[s.portal], "allocation", "ac", "overspent", "unfunded") == {
        "allocation": "150000.00",
        "ac": "120000.00",
        "overspent": False,
        "unfunded": "50000.00",
    }

    # The engine passes its allocation on 19 Feb (30,000 on 1 Feb, 50,000 from 19 Feb).
    spent = {}
    for day in ("2026-02-10", "2026-02-19"):
        funds = (await reports.get(s.report, params={"as_of": day})).json()["funds"]
        spent[day] = (funds["spent"], funds["overspent_members"])
        # Only the engine's allocation is in force before 1 Jun.
        assert (funds["pool"], funds["allocated"], funds["unallocated"]) == (
            "250000.00",
            "40000.00",
            "210000.00",
        )
    assert spent == {"2026-02-10": ("30000.00", 0), "2026-02-19": ("50000.00", 1)}


async def test_the_shared_resource_is_utilised_by_both_members_in_one_week(
    projects: httpx.AsyncClient, programs: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    s = await _scenario(projects, programs)
    path = f"{s.report}/utilisation"
    week = {"first_week": "2026-W13", "last_week": "2026-W13"}

    def booked(response: httpx.Response) -> bool:
        return response.status_code == 200 and any(
            r["weeks"] and Decimal(r["weeks"][0]["assigned_hours"]) == Decimal(36)
            for r in response.json()["resources"]
        )

    body = (await poll(reports, path, booked, params=week)).json()

    # 2026-W13: 24 h for the engine + 12 h for the portal = 36 h of 40: 36 / 40 = 0.9000.
    assert body["weeks"] == ["2026-W13"]
    [resource] = body["resources"]
    assert (resource["resource_id"], resource["label"]) == (s.resource, "eng-dana")
    [w13] = resource["weeks"]
    assert Decimal(w13["assigned_hours"]) == Decimal(36)
    assert Decimal(w13["capacity_hours"]) == Decimal(40)
    assert (w13["utilisation"], w13["overbooked"]) == ("0.9000", False)
    assert (resource["overbooked_weeks"], body["overbooked_resource_weeks"]) == ([], 0)

    # Over every week an assignment covers: 24 h alone in weeks 10 and 11, 36 h in 12..14,
    # 12 h alone in 15..20.
    whole = (await reports.get(path)).json()
    hours = {w["week"]: Decimal(w["assigned_hours"]) for w in whole["resources"][0]["weeks"]}
    assert hours == {
        **{f"2026-W{n}": Decimal(24) for n in (10, 11)},
        **{f"2026-W{n}": Decimal(36) for n in (12, 13, 14)},
        **{f"2026-W{n}": Decimal(12) for n in range(15, 21)},
    }
