"""A token must hold a role inside its tenant to read or command anything there:
`platform_operator` alone (cross-tenant operations only) or no role at all is a 403."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pmo_shared.web.auth import issue_dev_token
from project_svc.api.app import create_app as project_app
from project_svc.settings import ProjectSettings
from reporting_svc.api.app import create_app as reporting_app
from reporting_svc.settings import ReportingSettings

SECRET = "tenant-roles-test-secret-of-at-least-32-chars"
PROJECT = f"/v1/projects/{uuid.uuid4()}"
ROUTES: list[tuple[str, str, str]] = [
    ("project", "GET", "/v1/projects"),
    ("project", "GET", PROJECT),
    ("project", "GET", f"{PROJECT}/events"),
    ("project", "GET", f"{PROJECT}/office"),
    ("project", "POST", f"{PROJECT}/hold"),
    ("reporting", "GET", "/v1/reports/projects"),
    ("reporting", "GET", f"/v1/reports/projects/{uuid.uuid4()}/metrics"),
    ("reporting", "GET", "/v1/reports/pmo/overview"),
    ("reporting", "GET", "/v1/reports/lessons"),
    ("reporting", "GET", "/v1/reports/project-offices"),
]
APPS: dict[str, tuple[type[Any], Callable[[Any], FastAPI]]] = {
    "project": (ProjectSettings, project_app),
    "reporting": (ReportingSettings, reporting_app),
}


@pytest.fixture(params=sorted(APPS))
async def client(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with _client(request.param) as http:
        yield request.param, http


@pytest.fixture
async def project() -> AsyncIterator[httpx.AsyncClient]:
    async with _client("project") as http:
        yield http


@asynccontextmanager
async def _client(service: str) -> AsyncIterator[httpx.AsyncClient]:
    settings_type, create = APPS[service]
    settings = settings_type(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    transport = httpx.ASGITransport(app=create(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.mark.parametrize("roles", [[], ["platform_operator"]], ids=["no-role", "operator-only"])
async def test_without_a_tenant_role_nothing_of_the_tenant_is_reached(
    client: tuple[str, httpx.AsyncClient], roles: list[str]
) -> None:
    service, http = client
    token = issue_dev_token(SECRET, sub="olga", tenant="acme", roles=roles)
    headers = {"Authorization": f"Bearer {token}"}

    for owner, method, path in ROUTES:
        if owner != service:
            continue
        body = {"reason": "x"} if method == "POST" else None
        response = await http.request(method, path, headers=headers, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "roles",
    [[], ["viewer"], ["project_manager"], ["program_manager", "portfolio_manager"]],
    ids=["no-role", "viewer", "project-manager", "managers"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/data-subjects/ann/erase"), ("GET", "/v1/data-subjects/ann")],
)
async def test_only_the_pmo_or_a_platform_operator_erases_or_exports_a_person(
    project: httpx.AsyncClient, roles: list[str], method: str, path: str
) -> None:
    token = issue_dev_token(SECRET, sub="olga", tenant="acme", roles=roles)
    response = await project.request(method, path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_internal_routes_need_a_service_token_not_a_user_token(
    project: httpx.AsyncClient,
) -> None:
    token = issue_dev_token(SECRET, sub="olga", tenant="acme", roles=["pmo", "platform_operator"])
    asked = {
        "/internal/v1/data-keys": {"tenant_id": "acme", "subject_refs": [str(uuid.uuid4())]},
        "/internal/v1/data-subjects/lookup": {"tenant_id": "acme", "user_id": "olga"},
        "/internal/v1/data-subjects/lookups": {"tenant_id": "acme", "user_ids": ["olga"]},
    }
    for path, body in asked.items():
        for headers in (
            {},
            {"Authorization": f"Bearer {token}"},
            {"Authorization": "Bearer x" * 9},
        ):
            response = await project.post(path, json=body, headers=headers)
            assert response.status_code == 401, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
