"""The PMO's standards, set through portfolio-svc's API, steer project-svc through events only:
a project's `large` flag follows the large-project threshold in force (no project event in
between), a Project Office needs it, and approving a project at the approval threshold needs the
portfolio's "approve" decision, which reaches project-svc on `pmo.portfolio.events` too. A
tenant without standards keeps the environment defaults (LARGE_PROJECT_THRESHOLD, 1,000,000 in
the local stack; no approval threshold)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor, eventually, required_env

from .steps import as_user, command, new_project, poll

pytestmark = pytest.mark.integration

STANDARDS: dict[str, Any] = {
    "spi": {"green": "0.95", "amber": "0.85"},
    "cpi": {"green": "0.95", "amber": "0.85"},
    "reporting_cadence_days": 14,
    "time_zone": "Europe/Berlin",
}


@pytest.fixture
async def portfolios(token_for: TokenFor, tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    url = required_env("PORTFOLIO_URL")
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        yield client


async def _baselined(projects: httpx.AsyncClient, bac: str) -> str:
    project_id = await new_project(projects)
    baseline = {
        "budget_at_completion": bac,
        "planned_start": "2027-01-04",
        "planned_finish": "2027-06-30",
    }
    await command(projects, f"/v1/projects/{project_id}/baseline", baseline)
    return project_id


def _large(expected: bool) -> Any:
    return lambda r: r.status_code == 200 and r.json()["large"] is expected


async def _listed_large(projects: httpx.AsyncClient) -> set[str]:
    page = await projects.get("/v1/projects", params={"large": "true", "limit": "200"})
    assert page.status_code == 200, page.text
    return {p["project_id"] for p in page.json()["items"]}


async def test_standards_set_in_portfolio_svc_steer_large_offices_and_approval(
    projects: httpx.AsyncClient, portfolios: httpx.AsyncClient
) -> None:
    small = await _baselined(projects, "600000")
    big = await _baselined(projects, "900000")
    # No standards yet: the environment's 1,000,000 makes neither large, and approval needs no
    # portfolio decision (approved and back to the check below with a fresh project).
    for project_id in (small, big):
        assert (await projects.get(f"/v1/projects/{project_id}")).json()["large"] is False
    office = {"lead": "po-lead", "reporting_cadence_days": 14, "charter": "EVM"}
    refused = await projects.post(f"/v1/projects/{big}/office", json=office)
    assert refused.status_code in (409, 422), refused.text

    # The PMO lowers the large-project threshold to 800,000 EUR and sets an approval threshold.
    standards = {
        **STANDARDS,
        "large_project_threshold": {"EUR": "800000"},
        "portfolio_approval_threshold": {"EUR": "850000"},
    }
    put = await portfolios.put("/v1/pmo/standards", json=standards)
    assert put.status_code == 200, put.text

    # project-svc follows from the event alone: the read, the list and its filter.
    await poll(projects, f"/v1/projects/{big}", _large(True))
    assert (await projects.get(f"/v1/projects/{small}")).json()["large"] is False
    listed = await _listed_large(projects)
    assert big in listed
    assert small not in listed
    versions = (await projects.get(f"/v1/projects/{big}")).json()["version"]
    assert versions == 2  # proposed, baselined: no project event made it large

    # Approval of the 900,000 project needs the portfolio's decision: a 409 naming it.
    gate = await projects.post(f"/v1/projects/{big}/approve")
    assert gate.status_code == 409, gate.text
    problem = gate.json()
    assert gate.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/portfolio-decision-required")
    assert problem["threshold"] == "850000.00"
    assert problem["currency"] == "EUR"
    # The 600,000 project is below the approval threshold: approved as before.
    await command(projects, f"/v1/projects/{small}/approve")

    # A portfolio takes the large project as a component (portfolio-svc knows it from
    # project-svc's events) and approves it; project-svc then lets its sponsor approve it.
    manager = as_user(portfolios, "pf-omar", "portfolio_manager")
    created = await portfolios.post(
        "/v1/portfolios",
        json={"code": "PF-1", "name": "Growth", "manager": "pf-omar", "currency": "EUR"},
        headers=manager,
    )
    assert created.status_code == 201, created.text
    portfolio = created.json()["portfolio_id"]
    component = {"component_id": big, "kind": "project"}
    path = f"/v1/portfolios/{portfolio}/components"
    added = await _until_known(portfolios, path, component, manager)
    assert added.status_code == 200, added.text
    decision = {"component_id": big, "decision": "defer", "rationale": "Wait for Q2"}
    deferred = await portfolios.post(
        f"/v1/portfolios/{portfolio}/decisions", json=decision, headers=manager
    )
    assert deferred.status_code == 200, deferred.text

    # A deferral is not an approval: still 409, naming the decision found.
    async def refused_naming_the_deferral() -> bool:
        answer = await projects.post(f"/v1/projects/{big}/approve")
        assert answer.status_code == 409, answer.text
        return "defer" in answer.text

    await eventually(
        refused_naming_the_deferral, what="the refusal naming the deferral", timeout=30
    )

    decision = {"component_id": big, "decision": "approve", "rationale": "Funded"}
    approved = await portfolios.post(
        f"/v1/portfolios/{portfolio}/decisions", json=decision, headers=manager
    )
    assert approved.status_code == 200, approved.text

    async def approval_accepted() -> bool:
        answer = await projects.post(f"/v1/projects/{big}/approve")
        if answer.status_code == 409:
            return False
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["status"] == "approved")

    await eventually(approval_accepted, what="the approval", timeout=30)

    # Raising the threshold again makes it not large from that set on (same day: it replaces).
    raised = {**standards, "large_project_threshold": {"EUR": "2000000"}}
    assert (await portfolios.put("/v1/pmo/standards", json=raised)).status_code == 200
    await poll(projects, f"/v1/projects/{big}", _large(False))
    assert big not in await _listed_large(projects)


async def _until_known(
    client: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    """POST until the service knows the other service's aggregate (422 "events may still be
    arriving" until then)."""
    answer: httpx.Response | None = None

    async def known() -> bool:
        nonlocal answer
        answer = await client.post(path, json=body, headers=headers)
        return not (answer.status_code == 422 and "arriving" in answer.text)

    await eventually(known, what="portfolio-svc knowing the project", timeout=30)
    assert answer is not None
    return answer
