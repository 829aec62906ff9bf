"""Request bodies and short flows shared by portfolio-svc's API tests: portfolios created,
projects made in project-svc and programs in program-svc, and waiting until portfolio-svc
knows them (its reference tables, fed by their topics)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import httpx
import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token

MANAGER = "pf-pia"
"""The portfolio manager of the portfolios these tests create."""
PROPOSER = "pmo-paula"
"""Who proposes the programs and projects: not the clients' PMO user (`pmo-carol`)."""
CREATED_ON = "2026-01-01"
PORTFOLIO: dict[str, Any] = {
    "name": "Strategic portfolio",
    "manager": MANAGER,
    "currency": "EUR",
    "created_on": CREATED_ON,
}
PROJECT: dict[str, Any] = {
    "name": "Payroll upgrade",
    "manager": "pm-ann",
    "sponsor": "cfo-bob",
    "methodology": "hybrid",
    "currency": "EUR",
}
PROGRAM: dict[str, Any] = {
    "name": "Payroll improvement",
    "area": "the Payroll application",
    "manager": "pgm-mia",
    "sponsor": "cfo-bob",
    "currency": "EUR",
}
STANDARDS: dict[str, Any] = {
    "spi": {"green": "0.95", "amber": "0.85"},
    "cpi": {"green": "0.95", "amber": "0.85"},
    "large_project_threshold": {"EUR": "100000"},
    "portfolio_approval_threshold": {"EUR": "5000000"},
    "reporting_cadence_days": 14,
    "time_zone": "Europe/Berlin",
}


def as_user(client: httpx.AsyncClient, sub: str, *roles: str) -> dict[str, str]:
    """The Authorization header of user `sub` with `roles` in the tenant of `client`'s token."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
    mine = issue_dev_token(required_env("JWT_SECRET"), sub=sub, tenant=tenant, roles=roles)
    return {"Authorization": f"Bearer {mine}"}


def code(prefix: str = "F") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def send(
    api: httpx.AsyncClient, method: str, path: str, body: Any = None, **headers: str
) -> Any:
    """The JSON answer of a request that must succeed."""
    response = await api.request(method, path, json=body, headers=headers)
    assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


async def post(api: httpx.AsyncClient, path: str, body: Any = None, **headers: str) -> Any:
    return await send(api, "POST", path, body, **headers)


async def put(api: httpx.AsyncClient, path: str, body: Any = None, **headers: str) -> Any:
    return await send(api, "PUT", path, body, **headers)


async def create_portfolio(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A portfolio created by the PMO, managed by `MANAGER`, in EUR, on 2026-01-01."""
    response = await api.post("/v1/portfolios", json={**PORTFOLIO, "code": code(), **overrides})
    assert response.status_code == 201, response.text
    portfolio: dict[str, Any] = response.json()
    return portfolio


async def project(projects: httpx.AsyncClient, *, bac: str | None = None, **overrides: Any) -> str:
    """The id of a project proposed in project-svc (by `PROPOSER`), baselined at `bac` if
    given."""
    body = {**PROJECT, "code": code("P"), **overrides}
    response = await projects.post(
        "/v1/projects", json=body, headers=as_user(projects, PROPOSER, "pmo")
    )
    assert response.status_code == 201, response.text
    project_id: str = response.json()["project_id"]
    if bac is not None:
        baseline = {
            "budget_at_completion": bac,
            "planned_start": "2026-01-01",
            "planned_finish": "2026-12-31",
            "effective_on": CREATED_ON,
        }
        await post(projects, f"/v1/projects/{project_id}/baseline", baseline)
    return project_id


async def program(
    programs: httpx.AsyncClient,
    *,
    members: Iterable[str] = (),
    pool: str | None = None,
    **overrides: Any,
) -> str:
    """The id of a program proposed in program-svc (by `PROPOSER`), with these member projects
    (each added once program-svc knows it) and its funding pool set if `pool` is given."""
    body = {**PROGRAM, "code": code("G"), "proposed_on": CREATED_ON, **overrides}
    response = await programs.post(
        "/v1/programs", json=body, headers=as_user(programs, PROPOSER, "pmo")
    )
    assert response.status_code == 201, response.text
    program_id: str = response.json()["program_id"]
    for project_id in members:
        await _add_member(programs, program_id, project_id)
    if pool is not None:
        await post(programs, f"/v1/programs/{program_id}/funding/set", {"amount": pool})
    return program_id


async def _add_member(programs: httpx.AsyncClient, program_id: str, project_id: str) -> None:
    """Add a member once program-svc knows the project (422 until its events arrive)."""
    path = f"/v1/programs/{program_id}/members"
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        response = await programs.post(path, json={"project_id": project_id})
        if response.status_code != 422 or "unknown project" not in response.text:
            assert response.is_success, response.text
            return
        assert asyncio.get_running_loop().time() < deadline, "program-svc never knew it"
        await asyncio.sleep(0.1)


class References:
    """What portfolio-svc knows of programs and projects (its reference tables), read to wait
    for it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _row(self, table: str, column: str, entity_id: str) -> Any:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                text(f"SELECT * FROM {table} WHERE {column} = :id"),  # noqa: S608 -- fixed names
                {"id": uuid.UUID(entity_id)},
            )
            return result.first()

    async def _until(self, what: str, check: Callable[[], Any]) -> None:
        deadline = asyncio.get_running_loop().time() + 60
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"portfolio-svc never knew {what}")
            await asyncio.sleep(0.1)

    async def project(self, project_id: str, *, bac: str | None = None) -> None:
        """Until portfolio-svc knows the project (with that BAC, if given)."""

        async def known() -> bool:
            row = await self._row("project_refs", "project_id", project_id)
            if row is None:
                return False
            return bac is None or row.budget_at_completion == Decimal(bac)

        await self._until(f"project {project_id} (BAC {bac})", known)

    async def program(
        self, program_id: str, *, pool: str | None = None, members: Iterable[str] = ()
    ) -> None:
        """Until portfolio-svc knows the program (with that pool and these members, if given)."""
        wanted = {uuid.UUID(m) for m in members}

        async def known() -> bool:
            row = await self._row("program_refs", "program_id", program_id)
            if row is None or not wanted <= set(row.members):
                return False
            return pool is None or row.pool == Decimal(pool)

        await self._until(f"program {program_id} (pool {pool}, members {wanted})", known)


WORKED_COSTS = {"A": "400", "B": "300", "C": "200", "D": "250", "E": "150"}
WORKED_VALUES = {"A": "0.80", "B": "0.55", "C": "0.50", "D": "0.45", "E": "0.20"}
WORKED_ON = "2026-02-01"


async def worked_portfolio(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> tuple[str, dict[str, str]]:
    """The worked portfolio on 2026-02-01: five flagged large projects of project-svc at
    estimated costs A 400, B 300, C 200, D 250, E 150; one objective weighted 1 and scored
    with the values 0.80 .. 0.20; budget 800; D needs E; a scenario "no A" forcing A out.
    Returns the portfolio's id and the projects' ids by letter."""
    ids = {name: await project(projects, flagged_large=True) for name in WORKED_COSTS}
    for project_id in ids.values():
        await known.project(project_id)
    portfolio_id = (await create_portfolio(api))["portfolio_id"]
    p = f"/v1/portfolios/{portfolio_id}"
    dated = {"effective_on": WORKED_ON}
    await put(api, f"{p}/weights", {"weights": {"fit": "1"}, **dated})
    for name, project_id in ids.items():
        component = {"component_id": project_id, "kind": "project", **dated}
        await post(api, f"{p}/components", {**component, "estimate": WORKED_COSTS[name]})
        score = {"score": WORKED_VALUES[name], "rationale": f"{name} fits", **dated}
        await put(api, f"{p}/components/{project_id}/scores/fit", score)
    await put(api, f"{p}/budget", {"amount": "800", **dated})
    await post(api, f"{p}/dependencies", {"component_id": ids["D"], "needs": ids["E"], **dated})
    await put(api, f"{p}/scenarios/no A", {"forced_out": [ids["A"]], **dated})
    return portfolio_id, ids


def letters(ids: dict[str, str], selected: Iterable[str]) -> list[str]:
    """The letters of the worked components among `selected`, sorted."""
    by_id = {v: k for k, v in ids.items()}
    return sorted(by_id[s] for s in selected)
