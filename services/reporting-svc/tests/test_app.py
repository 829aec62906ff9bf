from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from reporting_svc.api.app import create_app
from reporting_svc.settings import ReportingSettings

SECRET = "reporting-svc-test-secret-of-at-least-32-chars"


@pytest.fixture
def settings() -> ReportingSettings:
    # Port 1 refuses at once: the app is built without a database or broker to talk to.
    return ReportingSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret=SECRET,
    )


@pytest.fixture
async def client(settings: ReportingSettings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_defaults_name_the_service(settings: ReportingSettings) -> None:
    assert settings.service_name == "reporting-svc"
    assert settings.db_schema == "reporting"
    assert settings.port == 8004


async def test_healthz_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200


async def test_readyz_reports_unreachable_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()["checks"]) == {"database", "kafka", "projections"}


async def test_metrics_are_exposed(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert "pmo_http_requests_total" in response.text


async def test_openapi_names_the_service(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    assert schema["info"]["title"] == "reporting-svc"
    assert "bearerAuth" in schema["components"]["securitySchemes"]


async def test_unknown_paths_are_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
