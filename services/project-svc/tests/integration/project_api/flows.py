"""Request bodies and short flows shared by the API tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

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


def code() -> str:
    return f"P-{uuid.uuid4().hex[:8]}"


async def propose(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await api.post("/v1/projects", json={**PROPOSAL, "code": code(), **overrides})
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
