"""What every service app answers before it can reach its database or broker: defaults,
open ops endpoints, problem responses, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from portfolio_svc.api.app import create_app as portfolio_app
from portfolio_svc.settings import PortfolioSettings
from program_svc.api.app import create_app as program_app
from program_svc.settings import ProgramSettings
from project_svc.api.app import create_app as project_app
from project_svc.settings import ProjectSettings
from reporting_svc.api.app import create_app as reporting_app
from reporting_svc.settings import ReportingSettings


@dataclass(frozen=True)
class Service:
    name: str
    settings: type[Any]
    create_app: Callable[[Any], FastAPI]
    schema: str
    port: int
    checks: frozenset[str]


KERNEL_CHECKS = frozenset({"database", "kafka"})
SERVICES = [
    Service("project-svc", ProjectSettings, project_app, "project", 8001, KERNEL_CHECKS),
    Service("program-svc", ProgramSettings, program_app, "program", 8002, KERNEL_CHECKS),
    Service("portfolio-svc", PortfolioSettings, portfolio_app, "portfolio", 8003, KERNEL_CHECKS),
    Service(
        "reporting-svc",
        ReportingSettings,
        reporting_app,
        "reporting",
        8004,
        KERNEL_CHECKS | {"projections"},
    ),
]


@pytest.fixture(params=SERVICES, ids=[s.name for s in SERVICES])
def service(request: pytest.FixtureRequest) -> Service:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def settings(service: Service) -> Any:
    # Port 1 refuses at once: the app is built without a database or broker to talk to.
    return service.settings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=f"{service.name}-test-secret-of-at-least-32-chars",
    )


@pytest.fixture
async def client(service: Service, settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service.create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_defaults_name_the_service(service: Service, settings: Any) -> None:
    assert settings.service_name == service.name
    assert settings.db_schema == service.schema
    assert settings.port == service.port


async def test_healthz_answers_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200


async def test_readyz_reports_unreachable_dependencies(
    service: Service, client: httpx.AsyncClient
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()["checks"]) == service.checks


async def test_metrics_are_exposed(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert "pmo_http_requests_total" in response.text


async def test_openapi_names_the_service(service: Service, client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    assert schema["info"]["title"] == service.name
    assert "bearerAuth" in schema["components"]["securitySchemes"]


async def test_unknown_paths_are_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
