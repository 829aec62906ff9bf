"""Reports answer in business time (`as_of`: facts in effect by a status date) and, separately,
in record time (`known_at`: facts recorded by an instant), through the running services.

Every project here is entered today with a history dated in 2026's first months, as a PMO
does when it takes over a project late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from .steps import command, new_project, poll

pytestmark = pytest.mark.integration

# 1 Jan to 11 Apr 2026 is 100 days: PV grows by 1,000 a day on a budget of 100,000.
PLAN = {
    "budget_at_completion": "100000",
    "planned_start": "2026-01-01",
    "planned_finish": "2026-04-11",
}


async def _entered_late(projects: httpx.AsyncClient, **overrides: Any) -> str:
    """A project proposed, baselined and approved today, started on 5 January."""
    project_id = await new_project(projects, **overrides)
    p = f"/v1/projects/{project_id}"
    await command(projects, f"{p}/baseline", PLAN)
    await command(projects, f"{p}/approve")
    await command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    return project_id


async def _cost(projects: httpx.AsyncClient, project_id: str, amount: str, on: str) -> None:
    body = {"amount": amount, "incurred_on": on, "category": "labour"}
    await command(projects, f"/v1/projects/{project_id}/costs", body)


async def _progress(projects: httpx.AsyncClient, project_id: str, percent: str, on: str) -> None:
    body = {"percent_complete": percent, "as_of": on}
    await command(projects, f"/v1/projects/{project_id}/progress", body)


async def _last_recorded(projects: httpx.AsyncClient, project_id: str) -> str:
    """The instant project-svc recorded the project's latest event."""
    trail = (await projects.get(f"/v1/projects/{project_id}/events")).json()
    instant: str = trail[-1]["occurred_at"]
    return instant


def _figures(response: httpx.Response, *keys: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {k: body[k] for k in keys}


async def test_a_back_dated_fact_changes_an_earlier_status_date_but_not_what_was_known_before(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await _entered_late(projects)
    await _cost(projects, project_id, "30000", "2026-02-01")
    await _progress(projects, project_id, "20", "2026-02-10")
    url = f"/v1/reports/projects/{project_id}/metrics"
    await poll(reports, url, lambda r: r.status_code == 200 and r.json()["ev"] == "20000.00")
    before_the_back_dated_facts = await _last_recorded(projects, project_id)

    # Entered now, dated in January and February.
    await _cost(projects, project_id, "5000", "2026-01-20")
    await _progress(projects, project_id, "25", "2026-02-14")
    mid_february = {"as_of": "2026-02-15"}
    now = await poll(reports, url, lambda r: r.json().get("ev") == "25000.00", params=mid_february)
    then = await reports.get(url, params={**mid_february, "known_at": before_the_back_dated_facts})

    keys = ("as_of", "status", "bac", "pv", "ev", "ac")
    # 15 Feb is day 45 of the plan: PV 45,000. EV is 25% (then: 20%) of 100,000.
    assert _figures(now, *keys) == {
        "as_of": "2026-02-15",
        "status": "active",
        "bac": "100000.00",
        "pv": "45000.00",
        "ev": "25000.00",
        "ac": "35000.00",
    }
    assert _figures(then, *keys) == {**_figures(now, *keys), "ev": "20000.00", "ac": "30000.00"}
    answered_as_known = datetime.fromisoformat(then.json()["known_at"])
    assert answered_as_known == datetime.fromisoformat(before_the_back_dated_facts)

    # Before the first cost: only the back-dated one, which nobody knew of before.
    end_of_january = {"as_of": "2026-01-31"}
    assert _figures(await reports.get(url, params=end_of_january), "ac") == {"ac": "5000.00"}
    known_then = {**end_of_january, "known_at": before_the_back_dated_facts}
    assert _figures(await reports.get(url, params=known_then), "ac") == {"ac": "0.00"}

    # Yesterday the system did not know the project at all.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await reports.get(url, params={"known_at": yesterday})).status_code == 404


async def test_a_project_is_never_a_404_because_of_a_date(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await _entered_late(projects)
    await _cost(projects, project_id, "1000", "2026-01-05")
    url = f"/v1/reports/projects/{project_id}/metrics"
    await poll(reports, url, lambda r: r.status_code == 200 and r.json()["ac"] == "1000.00")

    long_before = await reports.get(url, params={"as_of": "2025-06-30"})
    listed = await reports.get("/v1/reports/projects", params={"as_of": "2025-06-30"})

    # Before its first dated fact (the plan starts on 1 January 2026): zero figures.
    assert _figures(long_before, "as_of", "status", "bac", "pv", "ev", "ac") == {
        "as_of": "2025-06-30",
        "status": "proposed",
        "bac": "100000.00",
        "pv": "0.00",
        "ev": "0.00",
        "ac": "0.00",
    }
    assert [i["project_id"] for i in listed.json()["items"]] == [project_id]
    series = await reports.get(
        f"/v1/reports/projects/{project_id}/evm-series", params={"as_of": "2025-06-30"}
    )
    assert series.status_code == 200


async def test_the_baseline_in_force_at_the_status_date(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await new_project(projects)
    p = f"/v1/projects/{project_id}"
    await command(projects, f"{p}/baseline", {**PLAN, "effective_on": "2026-01-10"})
    await command(projects, f"{p}/approve", {"effective_on": "2026-01-10"})
    await command(projects, f"{p}/start", {"actual_start": "2026-01-12"})
    await command(
        projects,
        f"{p}/baseline",
        {
            "budget_at_completion": "200000",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-04-11",
            "reason": "scope doubled",
            "effective_on": "2026-03-01",
        },
    )
    url = f"/v1/reports/projects/{project_id}/metrics"
    await poll(reports, url, lambda r: r.status_code == 200 and r.json()["bac"] == "200000.00")

    async def bac_and_pv(as_of: str) -> dict[str, Any]:
        return _figures(await reports.get(url, params={"as_of": as_of}), "bac", "pv")

    # Before the first baseline takes effect, the first one: the plan began on 1 January.
    assert await bac_and_pv("2026-01-05") == {"bac": "100000.00", "pv": "4000.00"}
    assert await bac_and_pv("2026-02-28") == {"bac": "100000.00", "pv": "58000.00"}
    assert await bac_and_pv("2026-03-01") == {"bac": "200000.00", "pv": "118000.00"}


async def test_the_status_at_a_date_follows_the_dated_lifecycle(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await new_project(projects)
    p = f"/v1/projects/{project_id}"
    await command(projects, f"{p}/baseline", {**PLAN, "effective_on": "2026-01-02"})
    await command(projects, f"{p}/approve", {"effective_on": "2026-01-03"})
    await command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    await command(projects, f"{p}/hold", {"reason": "vendor", "effective_on": "2026-02-01"})
    await command(projects, f"{p}/resume", {"effective_on": "2026-03-01"})
    await command(projects, f"{p}/complete", {"actual_finish": "2026-04-11"})
    url = f"/v1/reports/projects/{project_id}/metrics"
    done = await poll(reports, url, lambda r: r.json().get("status") == "completed")

    async def status_on(as_of: str) -> str:
        status: str = (await reports.get(url, params={"as_of": as_of})).json()["status"]
        return status

    statuses = [
        await status_on(d)
        for d in ("2026-01-02", "2026-01-03", "2026-01-05", "2026-02-15", "2026-03-01")
    ]
    assert statuses == ["proposed", "approved", "active", "on_hold", "active"]
    assert done.json()["as_of"] == "2026-04-11"  # an ended project's figures are final then
    on_hold = await reports.get(
        "/v1/reports/projects", params={"as_of": "2026-02-15", "status": "on_hold"}
    )
    assert [i["project_id"] for i in on_hold.json()["items"]] == [project_id]


async def test_offices_and_the_overview_at_a_status_date(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await _entered_late(projects, flagged_large=True)
    p = f"/v1/projects/{project_id}"
    office_body = {"lead": "po-lu", "reporting_cadence_days": 7, "established_on": "2026-02-01"}
    await command(projects, f"{p}/office", office_body)
    await command(
        projects, f"{p}/office/disband", {"reason": "merged", "disbanded_on": "2026-03-01"}
    )
    office = f"/v1/reports/project-offices/{project_id}"
    await poll(reports, office, lambda r: r.json().get("state") == "disbanded")

    before = await reports.get(office, params={"as_of": "2026-01-31"})
    during = (await reports.get(office, params={"as_of": "2026-02-15"})).json()
    after = (await reports.get(office, params={"as_of": "2026-03-15"})).json()

    assert before.status_code == 404
    assert (during["state"], during["established_on"], during["disbanded_on"]) == (
        "established",
        "2026-02-01",
        None,
    )
    assert during["lifetime_days"] == 14
    assert (after["state"], after["disbanded_on"], after["lifetime_days"]) == (
        "disbanded",
        "2026-03-01",
        28,
    )
    overview = "/v1/reports/pmo/overview"
    mid_feb = (await reports.get(overview, params={"as_of": "2026-02-15"})).json()
    assert (mid_feb["as_of"], mid_feb["active_project_offices"]) == ("2026-02-15", 1)
    assert mid_feb["projects_by_status"] == {"active": 1}
    assert (await reports.get(overview)).json()["active_project_offices"] == 0


async def test_known_at_needs_its_offset(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await _entered_late(projects)
    url = f"/v1/reports/projects/{project_id}/metrics"

    naive = await reports.get(url, params={"known_at": "2026-03-01T12:00:00"})

    assert naive.status_code == 422


async def test_a_milestone_counts_from_the_day_it_was_planned(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    project_id = await _entered_late(projects)
    await command(
        projects,
        f"/v1/projects/{project_id}/milestones",
        {"name": "Go live", "due_date": "2026-01-10"},
    )
    url = f"/v1/reports/projects/{project_id}/metrics"
    today = await poll(
        reports, url, lambda r: r.status_code == 200 and r.json()["milestones"]["total"] == 1
    )

    before_it_was_planned = await reports.get(url, params={"as_of": "2026-01-31"})

    assert today.json()["milestones"]["overdue"] == 1
    assert before_it_was_planned.json()["milestones"] == {
        "total": 0,
        "achieved": 0,
        "due": 0,
        "overdue": 0,
    }
