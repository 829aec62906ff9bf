"""Object-level tenant isolation, generated from every service's OpenAPI document: tenant A's
project, program and portfolio (and their milestone, risk, office and staff) exist; tenant B's
PMO calls every route whose path names one of them, every read and every command with a valid
body, and gets a 404 problem each time, while no event store gains an event of either tenant."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.testing.openapi_cases import Operation

from .security_stack import (
    MANAGER,
    SPONSOR,
    Service,
    World,
    bearer,
    bounded,
    event_counts,
    new_tenant,
    problem_failure,
    request_of,
    token,
)

pytestmark = pytest.mark.integration

OBJECT_PARAMETERS = frozenset({"project_id", "program_id", "portfolio_id"})
REPORTS_DEADLINE_SECONDS = 60
OWN_REPORTS = (
    "/v1/reports/projects/{project_id}/metrics",
    "/v1/reports/programs/{program_id}",
    "/v1/reports/portfolios/{portfolio_id}",
)


def _naming_an_object(service: Service) -> list[Operation]:
    return [op for op in service.operations if OBJECT_PARAMETERS & set(op.path_parameters)]


async def _until_reported(reporting: Service, world: World) -> None:
    """Wait (bounded) until reporting-svc shows A its own objects, so a 404 for B means
    isolation, not an event still on its way."""
    headers = bearer(token(world.tenant, "viewer"))
    pending = [path.format(**world.ids) for path in OWN_REPORTS]
    deadline = time.monotonic() + REPORTS_DEADLINE_SECONDS
    async with httpx.AsyncClient(base_url=reporting.url, headers=headers, timeout=30) as http:
        while pending and time.monotonic() < deadline:
            answers = [await http.get(path) for path in pending]
            pending = [p for p, r in zip(pending, answers, strict=True) if r.status_code != 200]
    assert not pending, f"reporting-svc never showed tenant A {pending}"


async def test_another_tenants_objects_are_404_on_every_route_and_nothing_is_appended(
    services: dict[str, Service], owner_world: World, event_stores: dict[str, AsyncEngine]
) -> None:
    intruder = new_tenant("intruder")
    await _until_reported(services["reporting-svc"], owner_world)
    headers = bearer(token(intruder, "pmo", sub="k3-intruder"))
    owner_headers = bearer(token(owner_world.tenant, "pmo", sub="k3-owner-reader"))
    cases = [(service, op) for service in services.values() for op in _naming_an_object(service)]
    # What the 404 may not reveal (it repeats the id asked for, which the caller knows).
    owner_facts = (owner_world.tenant, MANAGER, SPONSOR, "security suite")
    before = await event_counts(event_stores, [owner_world.tenant, intruder])

    async with httpx.AsyncClient(timeout=30) as http:

        async def check(service: Service, operation: Operation) -> str:
            path, body = request_of(operation, owner_world)
            response = await http.request(
                operation.method, service.url + path, headers=headers, json=body
            )
            failure = problem_failure(response, {404})
            if failure is None and any(secret in response.text for secret in owner_facts):
                failure = f"the 404 tells of tenant A: {response.text[:300]}"
            return "" if failure is None else f"{service.name} {operation.name}: {failure}"

        failures = [f for f in await bounded(check(*case) for case in cases) if f]
        # The owner still reads every object as it was.
        for service, path in (
            ("project-svc", "/v1/projects/{project_id}"),
            ("program-svc", "/v1/programs/{program_id}"),
            ("portfolio-svc", "/v1/portfolios/{portfolio_id}"),
        ):
            own = await http.get(
                services[service].url + path.format(**owner_world.ids), headers=owner_headers
            )
            assert own.status_code == 200, own.text

    after = await event_counts(event_stores, [owner_world.tenant, intruder])
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    assert len(cases) >= 80  # every id-taking route of the four services
    assert after == before


async def test_another_tenants_person_exports_nothing_of_the_owner(
    services: dict[str, Service], owner_world: World
) -> None:
    headers = bearer(token(new_tenant("intruder"), "pmo", sub="k3-intruder"))
    async with httpx.AsyncClient(timeout=30) as http:
        for service in services.values():
            if service.schema is None:
                continue
            response = await http.get(f"{service.url}/v1/data-subjects/k3-manager", headers=headers)
            assert response.status_code in (200, 404), (service.name, response.text)
            assert not any(v in response.text for v in owner_world.ids.values()), service.name
            assert owner_world.tenant not in response.text, service.name
