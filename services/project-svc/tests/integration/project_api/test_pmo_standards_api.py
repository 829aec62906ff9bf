"""The running project-svc obeys the PMO's standards and the portfolio's decisions that arrive on
`pmo.portfolio.events` (published here as portfolio-svc's relay would): `large` in a read and
in the list (and its filter) follows the standards without any project event, and so do the
office rule, the approval gate and the re-baselining gate; a tenant without standards keeps
the environment's settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pmo_shared.testing import eventually

from .flows import BASELINE, as_user, post, propose
from .portfolio_publish import PortfolioStream, publish

pytestmark = pytest.mark.integration

# A business date in force for every tenant's calendar whatever its time zone.
IN_FORCE = (datetime.now(UTC) - timedelta(days=2)).date()
GATE = "rebaseline_active_needs_pmo"
PROBLEMS = "https://pmo.example/problems/"


async def _baselined(api: httpx.AsyncClient, bac: str, **overrides: Any) -> str:
    project_id: str = (await propose(api, **overrides))["project_id"]
    await post(
        api, f"/v1/projects/{project_id}/baseline", {**BASELINE, "budget_at_completion": bac}
    )
    return project_id


async def _active(api: httpx.AsyncClient, bac: str, **overrides: Any) -> str:
    project_id = await _baselined(api, bac, **overrides)
    await post(api, f"/v1/projects/{project_id}/approve")
    await post(api, f"/v1/projects/{project_id}/start", {"actual_start": "2026-02-01"})
    return project_id


async def _large(api: httpx.AsyncClient, project_id: str) -> bool:
    read = await api.get(f"/v1/projects/{project_id}")
    assert read.status_code == 200, read.text
    large: bool = read.json()["large"]
    return large


async def _listed(api: httpx.AsyncClient, **params: str) -> dict[str, bool]:
    page = await api.get("/v1/projects", params=params)
    assert page.status_code == 200, page.text
    return {item["project_id"]: item["large"] for item in page.json()["items"]}


async def _office(api: httpx.AsyncClient, project_id: str) -> httpx.Response:
    body = {"lead": "po-lead", "reporting_cadence_days": 14}
    return await api.post(f"/v1/projects/{project_id}/office", json=body)


async def test_a_tenant_without_standards_keeps_the_environments_settings(
    api: httpx.AsyncClient,
) -> None:
    small = await _active(api, "999999.99")
    big = await _active(api, "2500000.00")  # approved with no portfolio decision
    yen = await _baselined(api, "50000000", currency="JPY")

    assert await _listed(api) == {small: False, big: True, yen: True}
    assert (await _office(api, small)).status_code == 409
    assert (await _office(api, big)).status_code == 201
    ann = as_user(api, "pm-ann", "project_manager")
    body = {**BASELINE, "budget_at_completion": "900000.00", "reason": "scope cut"}
    assert (await api.post(f"/v1/projects/{small}/baseline", json=body, headers=ann)).is_success


async def test_large_follows_the_standards_without_any_project_event(
    api: httpx.AsyncClient, tenant: str
) -> None:
    small = await _active(api, "600000.00")
    big = await _active(api, "2500000.00")
    yen = await _baselined(api, "50000000", currency="JPY")
    versions = {p: (await api.get(f"/v1/projects/{p}")).json()["version"] for p in (small, big)}
    assert (await _office(api, small)).status_code == 409
    standards = PortfolioStream.standards_of(tenant)

    await publish(standards.standards_set(effective_on=IN_FORCE, large={"EUR": "500000.00"}))

    await eventually(lambda: _large(api, small), what="the first standards set")
    assert await _listed(api) == {small: True, big: True, yen: False}  # JPY: only the flag
    assert await _listed(api, large="true") == {small: True, big: True}
    assert await _listed(api, large="false") == {yen: False}
    office = await _office(api, small)
    assert office.status_code == 201, office.text

    # the same date again, later in the stream: it replaces the set
    await publish(standards.standards_set(effective_on=IN_FORCE, large={"EUR": "3000000.00"}))

    async def big_is_small() -> bool:
        return not await _large(api, big)

    await eventually(big_is_small, what="the replacing set")
    assert await _listed(api, large="true") == {}
    refused = await _office(api, big)
    assert refused.status_code == 409
    assert "at least 3000000.00 EUR" in refused.json()["detail"]

    # a set without any large-project threshold: only the flag makes a project large
    flagged = (await propose(api, flagged_large=True))["project_id"]
    huge = await _baselined(api, "3500000.00")
    assert await _listed(api, large="true") == {flagged: True, huge: True}
    await publish(standards.standards_set(effective_on=IN_FORCE, large={}))

    async def only_the_flag() -> bool:
        return await _listed(api, large="true") == {flagged: True}

    await eventually(only_the_flag, what="the set without thresholds")
    for project_id, version in versions.items():  # no project event made any of it
        assert (await api.get(f"/v1/projects/{project_id}")).json()["version"] == version


async def test_approval_waits_for_the_portfolios_approve_decision(
    api: httpx.AsyncClient, tenant: str
) -> None:
    witness = await _baselined(api, "100000.00")
    project = await _baselined(api, "2500000.00")
    below = await _baselined(api, "1999999.99")
    await publish(
        PortfolioStream.standards_of(tenant).standards_set(
            effective_on=IN_FORCE, large={"EUR": "100000.00"}, approval={"EUR": "2000000.00"}
        )
    )
    await eventually(lambda: _large(api, witness), what="the standards")

    refused = await api.post(f"/v1/projects/{project}/approve")

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == PROBLEMS + "portfolio-decision-required"
    assert {k: problem[k] for k in ("project_id", "budget_at_completion", "threshold")} == {
        "project_id": project,
        "budget_at_completion": "2500000.00",
        "threshold": "2000000.00",
    }
    assert (problem["currency"], problem["decision"]) == ("EUR", None)
    assert (await api.post(f"/v1/projects/{below}/approve")).status_code == 200

    portfolio = PortfolioStream(tenant)
    await publish(portfolio.decision(project, "defer", decided_on=IN_FORCE))

    async def names_the_deferral() -> bool:
        answer = await api.post(f"/v1/projects/{project}/approve")
        assert answer.status_code == 409, answer.text
        return bool(answer.json()["decision"] == "defer")

    await eventually(names_the_deferral, what="the deferral")

    program = uuid.uuid4()
    await publish(
        portfolio.decision(
            program, "approve", decided_on=IN_FORCE, kind="program", covers=[project]
        )
    )

    async def approved() -> bool:
        answer = await api.post(f"/v1/projects/{project}/approve")
        if answer.status_code == 409:
            assert answer.json()["decision"] == "defer", answer.text
            return False
        assert answer.status_code == 200, answer.text
        return True

    await eventually(approved, what="the program's approval")
    assert (await api.get(f"/v1/projects/{project}")).json()["status"] == "approved"


async def test_under_the_gate_only_the_pmo_rebaselines_an_active_project(
    api: httpx.AsyncClient, tenant: str
) -> None:
    witness = await _baselined(api, "100000.00")
    project = await _active(api, "500000.00")  # managed by pm-ann
    await publish(
        PortfolioStream.standards_of(tenant).standards_set(
            effective_on=IN_FORCE, large={"EUR": "100000.00"}, gates=[GATE]
        )
    )
    await eventually(lambda: _large(api, witness), what="the standards")
    body = {**BASELINE, "budget_at_completion": "650000.00", "reason": "scope change"}
    path = f"/v1/projects/{project}/baseline"

    refused = await api.post(path, json=body, headers=as_user(api, "pm-ann", "project_manager"))

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["type"], problem["gate"], problem["project_status"]) == (
        PROBLEMS + "pmo-gate",
        GATE,
        "active",
    )
    assert (await api.get(f"/v1/projects/{project}")).json()["baseline"]["number"] == 1
    rebaselined = await post(api, path, body)  # the PMO
    assert rebaselined["baseline"]["number"] == 2
