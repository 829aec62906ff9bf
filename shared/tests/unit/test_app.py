from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY

from pmo_shared.database.engine import create_engine
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.auth import CurrentPrincipal, issue_dev_token
from pmo_shared.web.health import ReadinessCheck, ops_router
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE


def widgets_router() -> APIRouter:
    router = APIRouter(prefix="/v1/widgets")

    @router.get("/{widget_id}")
    async def get_widget(widget_id: int, principal: CurrentPrincipal) -> dict[str, object]:
        """One widget."""
        return {"id": widget_id, "tenant": principal.tenant}

    return router


async def always_ready() -> None:
    return None


def service_app(settings: ServiceSettings, *checks: ReadinessCheck) -> FastAPI:
    return create_service_app(
        settings,
        title="unit",
        version="0.0.1",
        engine=create_engine(settings),
        routers=[widgets_router()],
        readiness=checks,
    )


@pytest.fixture
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_healthz_needs_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_names_the_unreachable_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "https://pmo.example/problems/not-ready"
    assert body["checks"]["database"].startswith("failed")
    assert body["checks"]["kafka"].startswith("degraded")


async def test_readyz_is_green_when_every_check_passes() -> None:
    app = FastAPI()
    app.include_router(ops_router([ReadinessCheck("always", always_ready)]))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"always": "ok"}}


async def test_api_routes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/widgets/7")

    assert response.status_code == 401


async def test_api_routes_answer_a_valid_token(
    client: httpx.AsyncClient, settings: ServiceSettings
) -> None:
    assert settings.jwt_secret is not None
    token = issue_dev_token(
        settings.jwt_secret.get_secret_value(), sub="u-1", tenant="acme", roles=["viewer"]
    )

    response = await client.get("/v1/widgets/7", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {"id": 7, "tenant": "acme"}


async def test_the_correlation_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Correlation-ID": "req-123"})

    assert response.headers["x-correlation-id"] == "req-123"


async def test_an_unsafe_correlation_id_is_replaced(client: httpx.AsyncClient) -> None:
    forged = 'x" level=error msg=forged'
    response = await client.get("/healthz", headers={"X-Correlation-ID": forged})

    assert response.headers["x-correlation-id"] != forged
    assert len(response.headers["x-correlation-id"]) == 36


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/v1/widgets/{widget_id}", "status": "401"}
    before = REGISTRY.get_sample_value("pmo_http_requests_total", labels) or 0.0

    await client.get("/v1/widgets/1")
    await client.get("/v1/widgets/2")
    response = await client.get("/metrics")

    assert REGISTRY.get_sample_value("pmo_http_requests_total", labels) == before + 2
    assert response.headers["content-type"].startswith("text/plain")
    assert "pmo_http_request_duration_seconds_bucket" in response.text


async def test_openapi_documents_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert schema["paths"]["/v1/widgets/{widget_id}"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]


async def test_background_tasks_run_for_the_lifespan(settings: ServiceSettings) -> None:
    started = asyncio.Event()
    stopped: list[bool] = []

    async def worker(stop: asyncio.Event) -> None:
        started.set()
        await stop.wait()
        stopped.append(True)

    app = create_service_app(
        settings, title="unit", version="0", engine=create_engine(settings), background=[worker]
    )
    async with app.router.lifespan_context(app):
        await started.wait()
        assert stopped == []

    assert stopped == [True]


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/v1/widgets/7", "/nowhere", "/docs"])
async def test_every_response_says_nosniff_and_no_store(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def referenced_urls(html: str) -> list[str]:
    """Every address a page loads or links: src and href attributes, and the script's url."""
    return re.findall(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""", html)


async def test_docs_load_swagger_ui_from_the_service_itself(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    urls = [a or b for a, b in referenced_urls(page.text)]

    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in urls
    assert "/docs/assets/swagger-ui.css" in urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "http://" not in page.text
    assert "https://" not in page.text


@pytest.mark.parametrize(
    ("asset", "media_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon.png", "image/png"),
    ],
)
async def test_the_docs_assets_are_served_and_revalidated(
    client: httpx.AsyncClient, asset: str, media_type: str
) -> None:
    response = await client.get(f"/docs/assets/{asset}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.content) > 1000
