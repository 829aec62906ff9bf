"""What every service app answers before it can reach its database or broker: defaults,
open ops endpoints, problem responses, OpenAPI."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pmo_shared.web.auth import issue_dev_token
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
    Service(
        "project-svc",
        ProjectSettings,
        project_app,
        "project",
        8001,
        KERNEL_CHECKS | {"erasure-ledger"},
    ),
    Service(
        "program-svc",
        ProgramSettings,
        program_app,
        "program",
        8002,
        KERNEL_CHECKS | {"erasure-ledger"},
    ),
    Service(
        "portfolio-svc",
        PortfolioSettings,
        portfolio_app,
        "portfolio",
        8003,
        KERNEL_CHECKS | {"erasure-ledger"},
    ),
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
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
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
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert set(body["checks"]) == service.checks
    assert body["checks"]["database"].startswith("failed: ")
    # Kafka is reported but never required: the outbox holds events while it is down.
    assert body["checks"]["kafka"].startswith("degraded: ")
    assert "kafka" not in body["detail"]


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


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def concrete(path_template: str) -> str:
    """A path of the template, every parameter filled with an id that names nothing."""
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path_template)


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path template, operation) the service documents."""
    schema = (await client.get("/openapi.json")).json()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def bearer(settings: Any) -> dict[str, str]:
    token = issue_dev_token(
        settings.jwt_secret.get_secret_value(), sub="u-1", tenant="acme", roles=["pmo"]
    )
    return {"Authorization": f"Bearer {token}"}


async def test_options_names_every_method_of_each_path(client: httpx.AsyncClient) -> None:
    documented: dict[str, set[str]] = {}
    for method, path, _operation in await operations(client):
        documented.setdefault(path, set()).add(method)

    for path, methods in documented.items():
        response = await client.options(concrete(path))

        assert response.status_code == 204, path
        assert set(response.headers["allow"].split(", ")) >= methods | {"OPTIONS"}, path


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/docs", "/v1/nothing-here"])
async def test_responses_say_nosniff_and_no_store(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_docs_need_no_other_host(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    script = await client.get("/docs/assets/swagger-ui-bundle.js")

    assert page.status_code == 200
    assert "https://" not in page.text
    assert "http://" not in page.text
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


async def json_operations(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    found = [
        (method, concrete(path))
        for method, path, operation in await operations(client)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    if not found:
        pytest.skip("the service has no operation that takes a body")
    return found


async def test_a_body_is_refused_before_it_is_read(
    settings: Any, client: httpx.AsyncClient
) -> None:
    oversized = b"[" + b"0," * (settings.max_body_bytes // 2) + b"0]"
    json_type = {"content-type": "application/json"}
    for method, path in await json_operations(client):
        anonymous = await client.request(method, path, content=oversized, headers=json_type)
        too_large = await client.request(
            method, path, content=oversized, headers={**json_type, **bearer(settings)}
        )
        not_json = await client.request(
            method,
            path,
            content=b"name=x",
            headers={"content-type": "text/plain", **bearer(settings)},
        )

        assert anonymous.status_code == 401, path
        assert too_large.status_code == 413, path
        assert too_large.headers["content-type"] == "application/problem+json"
        assert not_json.status_code == 415, path


async def test_operations_with_a_body_document_413_and_415(client: httpx.AsyncClient) -> None:
    with_body = [op for _m, _p, op in await operations(client) if "requestBody" in op]
    if not with_body:
        pytest.skip("the service has no operation that takes a body")

    for operation in with_body:
        assert {"413", "415"} <= set(operation["responses"]), operation["operationId"]
