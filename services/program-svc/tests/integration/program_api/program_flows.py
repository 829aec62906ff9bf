"""Request bodies and short flows shared by program-svc's API tests: programs proposed and
activated, projects made in project-svc, and waiting until program-svc knows them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token

PROPOSER = "pmo-paula"
"""Who proposes the programs and projects of these tests: not the clients' PMO user
(`pmo-carol`), who activates them (nobody approves their own proposal)."""
MANAGER = "pgm-mia"
SPONSOR = "cfo-bob"
PROGRAM: dict[str, Any] = {
    "name": "Payroll improvement",
    "area": "the Payroll application",
    "description": "Make payroll faster and cheaper",
    "manager": MANAGER,
    "sponsor": SPONSOR,
    "currency": "EUR",
}
PROJECT: dict[str, Any] = {
    "name": "Payroll upgrade",
    "manager": "pm-ann",
    "sponsor": SPONSOR,
    "methodology": "hybrid",
    "currency": "EUR",
}
BASELINE = {
    "budget_at_completion": "500000.00",
    "planned_start": "2026-01-01",
    "planned_finish": "2026-12-31",
}


def as_user(client: httpx.AsyncClient, sub: str, *roles: str) -> dict[str, str]:
    """The Authorization header of user `sub` with `roles` in the tenant of `client`'s token."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
    mine = issue_dev_token(required_env("JWT_SECRET"), sub=sub, tenant=tenant, roles=roles)
    return {"Authorization": f"Bearer {mine}"}


def code(prefix: str = "G") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def post(api: httpx.AsyncClient, path: str, body: Any = None, **headers: str) -> Any:
    response = await api.post(path, json=body, headers=headers)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def propose_program(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A program proposed by `PROPOSER`, so that `api` (the PMO) may activate it."""
    body = {**PROGRAM, "code": code(), **overrides}
    response = await api.post("/v1/programs", json=body, headers=as_user(api, PROPOSER, "pmo"))
    assert response.status_code == 201, response.text
    program: dict[str, Any] = response.json()
    return program


async def active_program(api: httpx.AsyncClient, **overrides: Any) -> str:
    """The id of a program proposed and activated."""
    program_id: str = (await propose_program(api, **overrides))["program_id"]
    await post(api, f"/v1/programs/{program_id}/activate")
    return program_id


async def project(projects: httpx.AsyncClient, **overrides: Any) -> str:
    """The id of a project proposed in project-svc (by `PROPOSER`)."""
    body = {**PROJECT, "code": code("P"), **overrides}
    headers = as_user(projects, PROPOSER, "pmo")
    response = await projects.post("/v1/projects", json=body, headers=headers)
    assert response.status_code == 201, response.text
    project_id: str = response.json()["project_id"]
    return project_id


async def started_project(projects: httpx.AsyncClient, **overrides: Any) -> str:
    """The id of a project proposed, baselined, approved and started in project-svc (4
    events)."""
    project_id = await project(projects, **overrides)
    base = f"/v1/projects/{project_id}"
    await post(projects, f"{base}/baseline", BASELINE)
    await post(projects, f"{base}/approve")
    await post(projects, f"{base}/start", {"actual_start": "2026-02-01"})
    return project_id


class References:
    """What program-svc knows of projects (its `project_refs` table), read to wait for it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def version(self, project_id: str) -> int:
        """The project's last version program-svc has applied (0: none yet)."""
        async with self._engine.connect() as conn:
            row = await conn.execute(
                text("SELECT last_version FROM project_refs WHERE project_id = :id"),
                {"id": uuid.UUID(project_id)},
            )
            return int(row.scalar_one_or_none() or 0)

    async def wait(self, *project_ids: str, version: int = 1, timeout: float = 60) -> None:
        """Until program-svc has applied each project's events up to `version`."""
        deadline = asyncio.get_running_loop().time() + timeout
        for project_id in project_ids:
            while (seen := await self.version(project_id)) < version:
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"program-svc knows {project_id} at v{seen} only")
                await asyncio.sleep(0.1)
