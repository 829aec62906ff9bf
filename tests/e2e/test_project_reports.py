"""Commands on project-svc show up in reporting-svc's read models, with hand-checked figures."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from pmo_shared.testing import TokenFor

from .steps import command, new_project, poll

pytestmark = pytest.mark.integration


async def started_project(projects: httpx.AsyncClient, **overrides: object) -> str:
    project_id = await new_project(projects, **overrides)
    p = f"/v1/projects/{project_id}"
    # A schedule wholly in the past: PV is then the whole budget, whatever today is.
    await command(
        projects,
        f"{p}/baseline",
        {
            "budget_at_completion": "100000",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-04-11",
        },
    )
    await command(projects, f"{p}/approve")
    await command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    return project_id


async def test_metrics_follow_the_commands_and_match_hand_figures(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await started_project(projects)
    p = f"/v1/projects/{project_id}"
    await command(
        projects,
        f"{p}/costs",
        {"amount": "30000", "incurred_on": "2026-02-01", "category": "labour"},
    )
    await command(
        projects,
        f"{p}/costs",
        {"amount": "20000", "incurred_on": "2026-02-19", "category": "licences"},
    )
    risk = await command(
        projects,
        f"{p}/risks",
        {"title": "Vendor", "probability": "0.25", "impact": "40000", "owner": "pm-ann"},
    )
    await command(
        projects,
        f"{p}/risks",
        {"title": "Staff", "probability": "0.5", "impact": "1000", "owner": "pm-ann"},
    )
    await command(projects, f"{p}/risks/{risk['id']}/close", {"resolution": "second vendor"})
    # The last command: a project's events stay in order, so once the read model shows it,
    # it has applied every command before it.
    await command(projects, f"{p}/progress", {"percent_complete": "40", "as_of": "2026-02-20"})

    url = f"/v1/reports/projects/{project_id}/metrics"
    body = (
        await poll(
            reports, url, lambda r: r.status_code == 200 and r.json()["percent_complete"] == "40.00"
        )
    ).json()

    # By hand: BAC 100,000; today is after the planned finish, so PV = BAC = 100,000.
    # EV = 40% of BAC = 40,000. AC = 30,000 + 20,000 = 50,000.
    expected = {
        "bac": "100000.00",
        "pv": "100000.00",
        "ev": "40000.00",
        "ac": "50000.00",
        "sv": "-60000.00",  # EV - PV
        "cv": "-10000.00",  # EV - AC
        "spi": "0.4000",  # 40,000 / 100,000
        "cpi": "0.8000",  # 40,000 / 50,000
        "eac": "125000.00",  # BAC / CPI = 100,000 / 0.8
        "eac_atypical": "110000.00",  # AC + (BAC - EV) = 50,000 + 60,000
        "eac_combined": "237500.00",  # AC + (BAC - EV)/(CPI x SPI) = 50,000 + 60,000/0.32
        "etc": "75000.00",  # EAC - AC
        "vac": "-25000.00",  # BAC - EAC
        "tcpi": "1.2000",  # (BAC - EV)/(BAC - AC) = 60,000 / 50,000
        "percent_complete": "40.00",
        "risk_exposure": "500.00",  # only the open risk: 0.5 x 1,000
        "status": "active",
    }
    assert {k: body[k] for k in expected} == expected
    assert body["health"] == {"schedule": "red", "cost": "red", "overall": "red"}


async def test_a_project_office_life_appears_in_its_lifecycle_view(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await started_project(projects, flagged_large=True)
    p = f"/v1/projects/{project_id}"
    office = f"/v1/reports/project-offices/{project_id}"
    await command(projects, f"{p}/office", {"lead": "po-lu", "reporting_cadence_days": 7})
    view = await poll(reports, office, lambda r: r.status_code == 200)
    assert (view.json()["state"], view.json()["working"]) == ("established", False)

    await command(projects, f"{p}/office/staff", {"user_id": "analyst-1", "role": "analyst"})
    await command(projects, f"{p}/office/staff", {"user_id": "analyst-2", "role": "analyst"})
    await command(projects, f"{p}/office/staff/analyst-2/release")
    for kind in ("status", "financial", "financial"):
        await command(
            projects,
            f"{p}/office/reports",
            {"kind": kind, "period_end": "2026-03-01", "summary": "weekly"},
        )
    view = await poll(reports, office, lambda r: r.json().get("reports_published") == 3)
    # One vocabulary: the state project-svc gives, and whether the office is at work beside it.
    in_project_svc = (await projects.get(f"{p}/office")).json()["state"]
    assert (view.json()["state"], view.json()["working"]) == (in_project_svc, True)
    assert in_project_svc == "established"
    working = await reports.get(
        "/v1/reports/project-offices", params={"state": "established", "working": "true"}
    )
    assert [o["project_id"] for o in working.json()] == [project_id]
    idle = await reports.get("/v1/reports/project-offices", params={"working": "false"})
    assert idle.json() == []
    listed_as_active = await reports.get("/v1/reports/project-offices", params={"state": "active"})
    assert listed_as_active.status_code == 422
    assert view.json()["staff_count"] == 1
    assert view.json()["reports_by_kind"] == {"status": 1, "financial": 2}
    assert view.json()["reporting_overdue"] is False

    await command(projects, f"{p}/complete", {"actual_finish": "2026-04-01"})
    done = (await poll(reports, office, lambda r: r.json().get("state") == "disbanded")).json()
    assert done["disband_reason"] == "project completed"
    assert done["disbanded_automatically"] is True
    assert done["disbanded_at"] is not None
    listed = await reports.get("/v1/reports/project-offices", params={"state": "disbanded"})
    assert [o["project_id"] for o in listed.json()] == [project_id]


async def test_pmo_overview_sums_then_divides(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    big, small = await started_project(projects), await started_project(projects)
    await command(projects, f"/v1/projects/{big}/progress", {"percent_complete": "50"})
    await command(
        projects,
        f"/v1/projects/{big}/costs",
        {"amount": "25000", "incurred_on": "2026-02-01", "category": "labour"},
    )
    await command(projects, f"/v1/projects/{small}/progress", {"percent_complete": "10"})
    await command(
        projects,
        f"/v1/projects/{small}/costs",
        {"amount": "40000", "incurred_on": "2026-02-01", "category": "labour"},
    )
    overview = (
        await poll(
            reports,
            "/v1/reports/pmo/overview",
            lambda r: r.json()["totals"] and r.json()["totals"][0]["ac"] == "65000.00",
        )
    ).json()
    totals = overview["totals"][0]
    # EV = 50,000 + 10,000; AC = 25,000 + 40,000; CPI from the sums = 60,000 / 65,000.
    # (Averaging the two CPIs, 2.0 and 0.25, would wrongly give 1.125.)
    assert totals["ev"] == "60000.00"
    assert Decimal(totals["cpi"]) == Decimal("0.9231")
    assert totals["spi"] == "0.3000"  # 60,000 / 200,000
    assert overview["projects_by_status"] == {"active": 2}


async def test_lessons_are_searchable_newest_first(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await started_project(projects)
    p = f"/v1/projects/{project_id}"
    await command(
        projects,
        f"{p}/lessons",
        {
            "category": "vendors",
            "what_happened": "The firewall vendor delivered late",
            "recommendation": "Order network hardware a quarter ahead",
        },
    )
    await command(
        projects,
        f"{p}/lessons",
        {
            "category": "testing",
            "what_happened": "Load tests found the database limits",
            "recommendation": "Run load tests before the migration weekend",
        },
    )
    found = await poll(reports, "/v1/reports/lessons", lambda r: len(r.json()["items"]) == 2)
    assert [i["category"] for i in found.json()["items"]] == ["testing", "vendors"]

    hardware = await reports.get("/v1/reports/lessons", params={"q": "hardware ordering"})
    assert [i["category"] for i in hardware.json()["items"]] == ["vendors"]
    assert hardware.json()["items"][0]["project_id"] == project_id
    by_category = await reports.get("/v1/reports/lessons", params={"category": "testing"})
    assert len(by_category.json()["items"]) == 1


async def test_reports_are_tenant_scoped_and_need_a_token(
    projects: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    reporting_url: str,
    token_for: TokenFor,
) -> None:
    project_id = await started_project(projects)
    url = f"/v1/reports/projects/{project_id}/metrics"
    await poll(reports, url, lambda r: r.status_code == 200)
    other = {"Authorization": f"Bearer {token_for('another-tenant', 'pmo')}"}
    async with httpx.AsyncClient(base_url=reporting_url) as client:
        assert (await client.get(url, headers=other)).status_code == 404
        listed = await client.get("/v1/reports/projects", headers=other)
        assert project_id not in [i["project_id"] for i in listed.json()["items"]]
        assert (await client.get(url)).status_code == 401
