"""Request bodies and short flows shared by the API tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt

from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token

PROPOSAL: dict[str, Any] = {
    "name": "Payroll upgrade",
    "description": "Upgrade the payroll application",
    "manager": "pm-ann",
    "sponsor": "cfo-bob",
    "methodology": "hybrid",
    "currency": "EUR",
}
BASELINE = {
    "budget_at_completion": "2500000.00",
    "planned_start": "2026-01-01",
    "planned_finish": "2026-12-31",
}


PROPOSER = "pmo-paula"
"""Who proposes the projects of these tests: not the client's PMO user, who approves them
(nobody approves their own proposal)."""


def as_user(client: httpx.AsyncClient, sub: str, *roles: str) -> dict[str, str]:
    """The Authorization header of user `sub` with `roles` in the tenant of `client`'s token."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
    mine = issue_dev_token(required_env("JWT_SECRET"), sub=sub, tenant=tenant, roles=roles)
    return {"Authorization": f"Bearer {mine}"}


def code() -> str:
    return f"P-{uuid.uuid4().hex[:8]}"


async def propose(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A project proposed by `PROPOSER`, so that `api` (the PMO) may approve it."""
    body = {**PROPOSAL, "code": code(), **overrides}
    response = await api.post("/v1/projects", json=body, headers=as_user(api, PROPOSER, "pmo"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def post(api: httpx.AsyncClient, path: str, body: Any = None, **headers: str) -> Any:
    response = await api.post(path, json=body, headers=headers)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def active_large_project(api: httpx.AsyncClient, **overrides: Any) -> str:
    project_id: str = (await propose(api, **overrides))["project_id"]
    base = f"/v1/projects/{project_id}"
    await post(api, f"{base}/baseline", BASELINE)
    await post(api, f"{base}/approve")
    await post(api, f"{base}/start", {"actual_start": "2026-02-01"})
    return project_id
