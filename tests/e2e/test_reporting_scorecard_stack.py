"""The closure scorecard on the running stack: worked project A of the scorecard's unit tests
(over budget and late, re-baselined once) recorded through project-svc's commands, back-dated
(risks with their own dates and outcomes), read from reporting-svc once it completes; its
figures as worked by hand, at closing and while it ran, on both time axes, in the tenant's list
and for no other tenant; and a rebuild of the projection is invisible to readers of the
scorecards (every answer 200 and complete), which read the same afterwards."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor

from .steps import command, new_project, poll
from .test_projections import operator_client
from .test_rebuild_readers import Check, Reads, _read_until, _rebuild

pytestmark = pytest.mark.integration


async def _worked_project_a(projects: httpx.AsyncClient) -> str:
    """Project A, recorded now with its business dates (see
    services/reporting-svc/tests/unit/reporting_domain/test_reporting_scorecard_worked.py)."""
    project_id = await new_project(projects, description="Payroll for the new entity")
    p = f"/v1/projects/{project_id}"
    plan = {"planned_start": "2026-01-01", "effective_on": "2026-01-01"}
    await command(
        projects,
        f"{p}/baseline",
        {"budget_at_completion": "100000", "planned_finish": "2026-04-11", **plan},
    )
    await command(projects, f"{p}/approve", {"effective_on": "2026-01-01"})
    await command(projects, f"{p}/start", {"actual_start": "2026-01-01"})
    for due, achieved in (
        ("2026-02-15", "2026-02-14"),
        ("2026-04-01", "2026-04-20"),
        ("2026-05-15", "2026-06-10"),
        ("2026-06-30", None),
    ):
        added = await command(projects, f"{p}/milestones", {"name": f"due {due}", "due_date": due})
        if achieved is not None:
            await command(
                projects,
                f"{p}/milestones/{added['id']}/achieve",
                {"achieved_on": achieved},
            )
    for raised, closed, outcome in (
        ("2026-01-10", "2026-03-15", "materialised"),
        ("2026-02-01", "2026-05-01", "mitigated"),
        ("2026-05-20", None, None),
    ):
        risk = {"title": "t", "probability": "0.5", "impact": "100", "owner": "pm-ann"}
        created = await command(projects, f"{p}/risks", {**risk, "raised_on": raised})
        if closed is not None:
            await command(
                projects,
                f"{p}/risks/{created['id']}/close",
                {"resolution": "r", "outcome": outcome, "closed_on": closed},
            )
    for amount, on in (("20000", "2026-01-31"), ("25000", "2026-02-28"), ("30000", "2026-03-31")):
        body = {"amount": amount, "incurred_on": on, "category": "labour"}
        await command(projects, f"{p}/costs", body)
    await command(projects, f"{p}/progress", {"percent_complete": "30", "as_of": "2026-02-20"})
    await command(
        projects,
        f"{p}/baseline",
        {
            "budget_at_completion": "120000",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-05-21",
            "reason": "scope grew",
            "effective_on": "2026-03-01",
        },
    )
    await command(projects, f"{p}/progress", {"percent_complete": "60", "as_of": "2026-04-01"})
    for amount, on in (("40000", "2026-05-31"), ("15000", "2026-06-10")):
        body = {"amount": amount, "incurred_on": on, "category": "labour"}
        await command(projects, f"{p}/costs", body)
    await command(projects, f"{p}/progress", {"percent_complete": "100", "as_of": "2026-06-10"})
    await command(projects, f"{p}/complete", {"actual_finish": "2026-06-10"})
    for category in ("planning", "vendors"):
        lesson = {"category": category, "what_happened": "w", "recommendation": "r"}
        await command(projects, f"{p}/lessons", lesson)
    return project_id


def _final_a(body: dict[str, Any]) -> bool:
    """A's scorecard at its closing, as worked by hand."""
    return (
        body.get("closed") is True
        and body["evaluated_on"] == "2026-06-10"
        and body["rebaselines"] == 1
        and (body["performance"]["spi"], body["performance"]["cpi"]) == ("1.0000", "0.9231")
        and body["cost"]["ac"] == "130000.00"
        and body["cost"]["variance_pct_vs_first"] == "30.00"
        and body["cost"]["variance_pct_vs_last"] == "8.33"
        and body["cost"]["overrun_ratio"] == "1.3000"
        and body["schedule"]["slip_days_vs_first"] == 60
        and body["schedule"]["slip_days_vs_last"] == 20
        and body["schedule"]["schedule_ratio"] == "1.6000"
        and body["milestones"]["on_time_percent"] == "33.33"
        and body["risks"]
        == {
            "raised": 3,
            "materialised": 1,
            "open": 1,
            "by_outcome": {"materialised": 1, "mitigated": 1},
        }
        and body["lessons"] == 2
        and body["size_class"] == "S"
        and body["office_compliance"] is None
        and body["benefits"] is None
    )


async def test_the_worked_scorecard_through_the_stack_and_a_rebuild(
    projects: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    reporting_url: str,
    token_for: TokenFor,
    tenant: str,
) -> None:
    project_id = await _worked_project_a(projects)
    path = f"/v1/reports/projects/{project_id}/scorecard"
    done = await poll(
        reports, path, lambda r: r.status_code == 200 and _final_a(r.json()), timeout=60
    )
    final = _without_known_at(done.json())

    running = (await reports.get(path, params={"as_of": "2026-04-01"})).json()
    assert (running["closed"], running["status"]) == (False, "active")
    assert running["cost"]["cost_at_completion"] == "125000.00"
    assert (running["schedule"]["finish"], running["schedule"]["slip_days_vs_first"]) == (
        "2026-05-31",
        50,
    )
    assert running["risks"]["by_outcome"] == {"materialised": 1}
    # before anything was recorded, the project was unknown
    unknown = await reports.get(path, params={"known_at": "2026-01-01T00:00:00+00:00"})
    assert unknown.status_code == 404

    listed = await reports.get("/v1/reports/pmo/scorecards", params={"status": "closed"})
    assert [i["project_id"] for i in listed.json()["items"]] == [project_id]
    assert _without_known_at(listed.json()["items"][0]) == final
    elsewhere = {"Authorization": f"Bearer {token_for('someone-else', 'pmo')}"}
    assert (await reports.get(path, headers=elsewhere)).status_code == 404

    checks: list[tuple[str, Check]] = [
        (path, _final_a),
        (
            "/v1/reports/pmo/scorecards",
            lambda b: (
                [i["project_id"] for i in b.get("items", [])] == [project_id]
                and _final_a(b["items"][0])
            ),
        ),
    ]
    headers = {"Authorization": f"Bearer {token_for(tenant, 'viewer')}"}
    reads, stop = Reads(), asyncio.Event()
    async with (
        operator_client(reporting_url, token_for) as operator,
        httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as one,
        httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as two,
    ):
        readers = [asyncio.create_task(_read_until(c, checks, stop, reads)) for c in (one, two)]
        try:
            await _rebuild(operator)
        finally:
            stop.set()
            await asyncio.gather(*readers)
    assert reads.count > 0
    assert reads.wrong == [], f"{len(reads.wrong)} of {reads.count} reads failed: {reads.wrong[:5]}"
    assert _without_known_at((await reports.get(path)).json()) == final


def _without_known_at(body: dict[str, Any]) -> dict[str, Any]:
    """A scorecard without the instant it was asked at (each answer's own "now")."""
    return {k: v for k, v in body.items() if k != "known_at"}
