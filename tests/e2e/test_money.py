"""One amount reads as one string everywhere: project-svc and reporting-svc show it with exactly
its currency's ISO 4217 minor unit of decimals; an amount with more decimals than the currency
has is a 422 and appends nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .steps import command, new_project, poll

pytestmark = pytest.mark.integration


async def _project_with_a_cost(projects: httpx.AsyncClient, currency: str, cost: str) -> str:
    project_id = await new_project(projects, currency=currency)
    p = f"/v1/projects/{project_id}"
    # A schedule wholly in the past: PV is the whole budget, whatever today is.
    await command(
        projects,
        f"{p}/baseline",
        {
            "budget_at_completion": "2500000",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-04-11",
        },
    )
    await command(projects, f"{p}/approve")
    await command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    # The last command: once the read model shows the cost, it has applied the rest too.
    await command(
        projects, f"{p}/costs", {"amount": cost, "incurred_on": "2026-02-01", "category": "x"}
    )
    return project_id


async def _every_reading(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient, project_id: str, ac: str
) -> dict[str, tuple[Any, Any]]:
    """(budget, actual cost) as each endpoint shows them, once reporting has seen the cost."""
    metrics_url = f"/v1/reports/projects/{project_id}/metrics"
    metrics = await poll(reports, metrics_url, lambda r: r.is_success and r.json()["ac"] == ac)
    project = (await projects.get(f"/v1/projects/{project_id}")).json()
    (listed,) = (await projects.get("/v1/projects")).json()["items"]
    (reported,) = (await reports.get("/v1/reports/projects")).json()["items"]
    (total,) = (await reports.get("/v1/reports/pmo/overview")).json()["totals"]
    series = (await reports.get(f"/v1/reports/projects/{project_id}/evm-series")).json()
    return {
        "project": (project["baseline"]["budget_at_completion"], project["actual_cost"]),
        "project list": (listed["budget_at_completion"], None),
        "metrics": (metrics.json()["bac"], metrics.json()["ac"]),
        "metrics pv": (metrics.json()["pv"], None),
        "report list": (reported["bac"], reported["ac"]),
        "overview": (total["bac"], total["ac"]),
        "series": (series["bac"], series["points"][-1]["ac"]),
        "series pv": (series["points"][-1]["pv"], None),
    }


@pytest.mark.parametrize(
    ("currency", "cost", "bac", "ac"),
    [("EUR", "462500.5", "2500000.00", "462500.50"), ("JPY", "462500", "2500000", "462500")],
)
async def test_an_amount_reads_identically_from_every_endpoint(
    projects: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    currency: str,
    cost: str,
    bac: str,
    ac: str,
) -> None:
    project_id = await _project_with_a_cost(projects, currency, cost)
    readings = await _every_reading(projects, reports, project_id, ac)
    assert readings == {
        "project": (bac, ac),
        "project list": (bac, None),
        "metrics": (bac, ac),
        "metrics pv": (bac, None),
        "report list": (bac, ac),
        "overview": (bac, ac),
        "series": (bac, ac),
        "series pv": (bac, None),
    }


@pytest.mark.parametrize(
    ("currency", "amount", "exponent"), [("EUR", "0.001", 2), ("JPY", "0.5", 0)]
)
async def test_more_decimals_than_the_currency_has_is_a_422_that_appends_nothing(
    projects: httpx.AsyncClient, currency: str, amount: str, exponent: int
) -> None:
    project_id = await _project_with_a_cost(projects, currency, "100")
    p = f"/v1/projects/{project_id}"
    before = (await projects.get(f"{p}/events")).json()
    refused = await projects.post(
        f"{p}/costs", json={"amount": amount, "incurred_on": "2026-02-02", "category": "x"}
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert (problem["currency"], problem["minor_unit"]) == (currency, exponent)
    assert f"{currency} amounts have at most {exponent}" in problem["detail"]
    assert (await projects.get(f"{p}/events")).json() == before


async def test_an_unknown_currency_is_a_422_at_propose(projects: httpx.AsyncClient) -> None:
    body = {
        "code": "MONEY-X",
        "name": "Unknown money",
        "manager": "pm-ann",
        "sponsor": "cio-bea",
        "methodology": "waterfall",
        "currency": "XYZ",
    }
    refused = await projects.post("/v1/projects", json=body)
    assert refused.status_code == 422, refused.text
    assert "not an ISO 4217 currency code" in refused.json()["detail"]
    assert (await projects.get("/v1/projects")).json()["items"] == []
