"""What the security tests share: the running services and their OpenAPI documents, tokens
(every one the suite sends is recorded, for the log check), a set of objects per tenant, the
event counts of the write services, and the assertion of a problem response."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import uuid
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.testing import required_env
from pmo_shared.testing.openapi_cases import JsonDict, Operation, concrete_path, sample_of

T = TypeVar("T")

CONCURRENCY = 12
"""Requests in flight at once, per test: enough to keep the services busy on two cores."""

PUBLIC_ROUTES = frozenset({"GET /healthz", "GET /readyz", "GET /metrics"})
"""The documented routes that answer without a token (liveness, readiness, Prometheus)."""
PUBLIC_UNDOCUMENTED = ("/openapi.json", "/docs")
"""The routes outside the OpenAPI document that answer without a token."""

ISSUED: set[str] = set()
"""Every bearer token (valid or forged) the suite sent: none may show up in a log."""


@dataclass(frozen=True)
class Service:
    """A service of the running test stack."""

    name: str
    url: str
    schema: str | None  # the write service's schema (its event store); None: reporting-svc
    manager_role: str | None  # the role of the manager of its objects
    document: JsonDict = field(repr=False)

    @property
    def operations(self) -> list[Operation]:
        """Every operation its live OpenAPI document describes."""
        from pmo_shared.testing.openapi_cases import operations

        return operations(self.document)


SERVICE_SPECS = (
    ("project-svc", "PROJECT_URL", "project", "project_manager"),
    ("program-svc", "PROGRAM_URL", "program", "program_manager"),
    ("portfolio-svc", "PORTFOLIO_URL", "portfolio", "portfolio_manager"),
    ("reporting-svc", "REPORTING_URL", None, None),
)


async def live_services() -> list[Service]:
    """The four services, each with the OpenAPI document it serves now."""
    found = []
    async with httpx.AsyncClient(timeout=30) as http:
        for name, env, schema, role in SERVICE_SPECS:
            url = required_env(env)
            document = (await http.get(f"{url}/openapi.json")).raise_for_status().json()
            found.append(Service(name, url, schema, role, document))
    return found


def token(tenant: str, *roles: str, sub: str = "k3-pmo", **claims: Any) -> str:
    """A valid HS256 token of the stack (plus or minus `claims`: a None value drops one)."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub,
        "tenant": tenant,
        "roles": list(roles),
        "iat": now,
        "exp": now + 3600,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return remember(jwt.encode(payload, required_env("JWT_SECRET"), algorithm="HS256"))


def remember(bearer: str) -> str:
    """Record a token the suite sends."""
    ISSUED.add(bearer)
    return bearer


def bearer(value: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {value}"}


def new_tenant(purpose: str) -> str:
    """A tenant of one test alone."""
    return f"k3-{purpose}-{uuid.uuid4().hex[:8]}"


async def bounded(calls: Iterable[Awaitable[T]], *, limit: int = CONCURRENCY) -> list[T]:
    """Await every call, at most `limit` at a time, in order of the results."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


def problem_failure(response: httpx.Response, statuses: Iterable[int]) -> str | None:
    """Why the response is not a problem with one of `statuses` (None when it is)."""
    wanted = sorted(set(statuses))
    media = response.headers.get("content-type", "").split(";")[0]
    if response.status_code not in wanted or media != "application/problem+json":
        return (
            f"{response.status_code} {media} (wanted {wanted} problem+json): {response.text[:300]}"
        )
    body = response.json()
    if body.get("status") != response.status_code or not str(body.get("type", "")).startswith(
        "https://"
    ):
        return f"a problem body without its status or type: {response.text[:300]}"
    return None


# --- objects of a tenant ---------------------------------------------------------------------

MANAGER = "k3-manager"
SPONSOR = "k3-sponsor"
LEAD = "k3-lead"
STAFF = "k3-staff"
CREATOR = "k3-creator"


@dataclass
class World:
    """The objects one tenant created through the APIs: a large approved project with a
    Project Office, a milestone, a risk and a member of staff; a program; a portfolio."""

    tenant: str
    ids: dict[str, str] = field(default_factory=dict)

    def path_values(self) -> dict[str, str]:
        """What fills path parameters: the objects' ids, and names for the rest."""
        return {
            **self.ids,
            "role": "developer",
            "objective": "value",
            "name": "k3-scenario",
        }


async def build_world(services: Mapping[str, Service], tenant: str) -> World:
    """Create the tenant's objects (as a PMO that is neither manager nor sponsor)."""
    world = World(tenant)
    creator = bearer(token(tenant, "pmo", sub=CREATOR))
    approver = bearer(token(tenant, "pmo", sub="k3-approver"))
    today = dt.date.today().isoformat()
    finish = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    async with httpx.AsyncClient(timeout=30) as http:
        project = services["project-svc"].url + "/v1/projects"
        created = await _created(
            http.post(
                project,
                headers=creator,
                json={
                    "code": f"K3-{uuid.uuid4().hex[:6]}",
                    "name": "security suite",
                    "manager": MANAGER,
                    "sponsor": SPONSOR,
                    "methodology": "agile",
                    "currency": "EUR",
                    "flagged_large": True,
                },
            )
        )
        pid = world.ids["project_id"] = created["project_id"]
        steps: list[tuple[str, dict[str, str], JsonDict]] = [
            (
                "baseline",
                creator,
                {"budget_at_completion": "1000", "planned_start": today, "planned_finish": finish},
            ),
            ("approve", approver, {}),
            ("office", creator, {"lead": LEAD, "reporting_cadence_days": 7}),
            ("office/staff", creator, {"user_id": STAFF, "role": "analyst"}),
        ]
        for step, headers, body in steps:
            await _created(http.post(f"{project}/{pid}/{step}", headers=headers, json=body))
        world.ids["user_id"] = STAFF
        milestone = {"name": "m", "due_date": today}
        world.ids["milestone_id"] = (
            await _created(
                http.post(f"{project}/{pid}/milestones", headers=creator, json=milestone)
            )
        )["id"]
        risk = {"title": "r", "probability": "0.5", "impact": "10", "owner": MANAGER}
        world.ids["risk_id"] = (
            await _created(http.post(f"{project}/{pid}/risks", headers=creator, json=risk))
        )["id"]
        program = {
            "code": f"K3-{uuid.uuid4().hex[:6]}",
            "name": "security suite",
            "area": "security",
            "manager": MANAGER,
            "sponsor": SPONSOR,
            "currency": "EUR",
        }
        world.ids["program_id"] = (
            await _created(
                http.post(
                    services["program-svc"].url + "/v1/programs", headers=creator, json=program
                )
            )
        )["program_id"]
        portfolio = {
            "code": f"K3-{uuid.uuid4().hex[:6]}",
            "name": "security suite",
            "manager": MANAGER,
            "currency": "EUR",
        }
        world.ids["portfolio_id"] = (
            await _created(
                http.post(
                    services["portfolio-svc"].url + "/v1/portfolios",
                    headers=creator,
                    json=portfolio,
                )
            )
        )["portfolio_id"]
    return world


async def _created(call: Awaitable[httpx.Response]) -> JsonDict:
    response = await call
    assert response.status_code in (200, 201), response.text
    body: JsonDict = response.json()
    return body


def sample_body(operation: Operation) -> JsonDict | None:
    """The smallest valid body of a command, its people being the world's."""
    schema = operation.body_schema
    if schema is None:
        return None
    body: JsonDict = sample_of(operation.document, schema)
    for member, person in (("manager", MANAGER), ("sponsor", SPONSOR)):
        if member in body:
            body[member] = person
    return body


def request_of(operation: Operation, world: World) -> tuple[str, JsonDict | None]:
    """The path (the world's ids filled in) and the valid body of an operation."""
    return concrete_path(operation, world.path_values()), sample_body(operation)


# --- event store -------------------------------------------------------------------------------


async def event_counts(engines: Mapping[str, AsyncEngine], tenants: Iterable[str]) -> JsonDict:
    """Each write service's number of stored events of each tenant."""
    names = sorted(set(tenants))
    counts: JsonDict = {}
    for schema, engine in sorted(engines.items()):
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    f"SELECT tenant_id, count(*) FROM {schema}.events "  # noqa: S608 -- our schema names
                    "WHERE tenant_id = ANY(:tenants) GROUP BY tenant_id"
                ),
                {"tenants": names},
            )
            found: dict[str, int] = dict(rows.all())
        counts[schema] = {t: found.get(t, 0) for t in names}
    return counts


def database_url() -> str:
    """The stack's PostgreSQL."""
    return os.environ.get("DATABASE_URL") or required_env("DATABASE_URL")
