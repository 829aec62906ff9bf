"""Authentication, tenant isolation and the authorisation matrix, on the running service."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from pmo_shared.testing import TokenFor

from .flows import BASELINE, PROPOSAL, code, post, propose

pytestmark = pytest.mark.integration


def _claims(tenant: str) -> dict[str, object]:
    return {"sub": "x", "tenant": tenant, "roles": ["pmo"], "exp": int(time.time()) + 600}


@pytest.mark.parametrize("kind", ["missing", "expired", "wrong-key", "alg-none", "garbage"])
async def test_bad_tokens_get_401(
    project_url: str, jwt_secret: str, tenant: str, kind: str
) -> None:
    tokens = {
        "expired": jwt.encode({**_claims(tenant), "exp": int(time.time()) - 3600}, jwt_secret),
        "wrong-key": jwt.encode(_claims(tenant), "another-secret-of-at-least-32-characters!"),
        "alg-none": jwt.encode(_claims(tenant), key=None, algorithm="none"),
        "garbage": "not.a.token",
    }
    headers = {"Authorization": f"Bearer {tokens[kind]}"} if kind in tokens else {}
    async with httpx.AsyncClient(base_url=project_url) as client:
        for method, path in (("GET", "/v1/projects"), ("POST", "/v1/projects")):
            response = await client.request(method, path, headers=headers, json=PROPOSAL)
            assert response.status_code == 401, (kind, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_another_tenants_project_is_not_found(
    api: httpx.AsyncClient, project_url: str, token_for: TokenFor
) -> None:
    project_id = (await propose(api, flagged_large=True))["project_id"]
    p = f"/v1/projects/{project_id}"
    headers = {"Authorization": f"Bearer {token_for('someone-else', 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as intruder:
        for method, path, body in (
            ("GET", p, None),
            ("GET", f"{p}/events", None),
            ("GET", f"{p}/office", None),
            ("POST", f"{p}/cancel", {"reason": "sabotage"}),
            ("POST", f"{p}/office", {"lead": "x", "reporting_cadence_days": 7}),
        ):
            response = await intruder.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
        listed = (await intruder.get("/v1/projects")).json()["items"]
        assert project_id not in [i["project_id"] for i in listed]
    assert (await api.get(p)).json()["status"] == "proposed"


@pytest.mark.parametrize(
    ("roles", "sub", "may_command"),
    [
        (("pmo",), "carol", True),
        (("project_manager",), "pm-ann", True),  # the project's manager
        (("project_manager",), "pm-zed", False),  # another project manager
        (("viewer",), "pm-ann", False),  # the manager's name, but only viewing rights
        (("program_manager",), "x", False),
        (("portfolio_manager",), "x", False),
        (("viewer",), "v", False),
    ],
)
async def test_authorisation_matrix(
    api: httpx.AsyncClient,
    project_url: str,
    token_for: TokenFor,
    tenant: str,
    roles: tuple[str, ...],
    sub: str,
    may_command: bool,
) -> None:
    project_id = (await propose(api, manager="pm-ann"))["project_id"]
    p = f"/v1/projects/{project_id}"
    headers = {"Authorization": f"Bearer {token_for(tenant, *roles, sub=sub)}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as caller:
        assert (await caller.get(p)).status_code == 200
        assert (await caller.get("/v1/projects")).status_code == 200
        command = await caller.post(f"{p}/milestones", json={"name": "m", "due_date": "2026-05-01"})
        assert command.status_code == (201 if may_command else 403), command.text


async def test_project_managers_propose_only_their_own_projects(
    project_url: str, token_for: TokenFor, tenant: str
) -> None:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'project_manager', sub='pm-ann')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as pm:
        own = await pm.post("/v1/projects", json={**PROPOSAL, "code": code(), "manager": "pm-ann"})
        other = await pm.post("/v1/projects", json={**PROPOSAL, "code": code(), "manager": "x"})
    assert own.status_code == 201
    assert other.status_code == 403
    viewer = {"Authorization": f"Bearer {token_for(tenant, 'viewer')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=viewer) as v:
        assert (await v.post("/v1/projects", json={**PROPOSAL, "code": code()})).status_code == 403


async def test_the_office_lead_may_report_but_not_disband(
    api: httpx.AsyncClient, project_url: str, token_for: TokenFor, tenant: str
) -> None:
    project_id = (await propose(api, flagged_large=True))["project_id"]
    p = f"/v1/projects/{project_id}"
    await post(
        api,
        f"{p}/baseline",
        {
            "budget_at_completion": "10",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-02-01",
        },
    )
    await post(api, f"{p}/approve")
    await post(api, f"{p}/office", {"lead": "lead-lu", "reporting_cadence_days": 7})
    headers = {"Authorization": f"Bearer {token_for(tenant, 'viewer', sub='lead-lu')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as lead:
        report = await lead.post(
            f"{p}/office/reports",
            json={"kind": "status", "period_end": "2026-01-15", "summary": "ok"},
        )
        disband = await lead.post(f"{p}/office/disband", json={"reason": "bored"})
    assert report.status_code == 201
    assert disband.status_code == 403


@pytest.mark.parametrize(
    ("sub", "role", "status"),
    [
        ("pm-ann", "project_manager", 403),  # proposed and manages it
        ("pmo-paula", "pmo", 403),  # proposed it
        ("cfo-bob", "portfolio_manager", 200),  # its sponsor, with a role that acts
        ("cfo-bob", "viewer", 403),  # its sponsor, but a viewer only reads
        ("pmo-carol", "pmo", 200),  # the PMO, not otherwise involved
        ("pm-dan", "project_manager", 403),  # not involved and no authority
    ],
)
async def test_nobody_approves_their_own_project(
    api: httpx.AsyncClient,
    project_url: str,
    token_for: TokenFor,
    tenant: str,
    sub: str,
    role: str,
    status: int,
) -> None:
    if sub == "pmo-paula":  # the PMO's Paula proposes it for Ann (`flows.propose`)
        project_id = (await propose(api))["project_id"]
        await post(api, f"/v1/projects/{project_id}/baseline", BASELINE)
    else:  # Ann proposes and baselines her own project
        ann = {"Authorization": f"Bearer {token_for(tenant, 'project_manager', sub='pm-ann')}"}
        async with httpx.AsyncClient(base_url=project_url, headers=ann) as manager:
            proposal = await post(manager, "/v1/projects", {**PROPOSAL, "code": code()})
            project_id = proposal["project_id"]
            await post(manager, f"/v1/projects/{project_id}/baseline", BASELINE)
    headers = {"Authorization": f"Bearer {token_for(tenant, role, sub=sub)}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as approver:
        response = await approver.post(f"/v1/projects/{project_id}/approve")

    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"
