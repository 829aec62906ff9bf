"""Readiness needs every required check; a check that is not required (Kafka's) only degrades
the service, and a 503 tells the client when to ask again."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from pmo_shared.database.engine import create_engine
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.health import RETRY_AFTER_SECONDS, ReadinessCheck, kafka_check, ops_router
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE


async def fine() -> None:
    return None


async def broken() -> None:
    raise ConnectionRefusedError("secret host db.internal:5432 refused")


async def readyz(*checks: ReadinessCheck) -> httpx.Response:
    app = FastAPI()
    app.include_router(ops_router(checks))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        return await client.get("/readyz")


async def test_an_optional_check_that_fails_degrades_but_stays_ready() -> None:
    response = await readyz(
        ReadinessCheck("database", fine), ReadinessCheck("kafka", broken, required=False)
    )

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "kafka": "degraded: ConnectionRefusedError"},
    }


async def test_a_required_check_that_fails_is_a_503_with_retry_after() -> None:
    response = await readyz(
        ReadinessCheck("database", broken), ReadinessCheck("kafka", broken, required=False)
    )

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["detail"] == "Failed checks: database."
    assert body["checks"] == {
        "database": "failed: ConnectionRefusedError",
        "kafka": "degraded: ConnectionRefusedError",
    }
    assert "db.internal" not in response.text  # only the kind of failure leaves the process


def test_kafka_is_not_required_unless_asked() -> None:
    assert not kafka_check("127.0.0.1:1").required
    assert kafka_check("127.0.0.1:1", required=True).required


async def test_a_service_app_is_unready_without_its_database_and_degraded_without_kafka(
    settings: ServiceSettings,
) -> None:
    app = create_service_app(settings, title="unit", version="0", engine=create_engine(settings))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("failed: ")
    assert response.json()["checks"]["kafka"].startswith("degraded: ")
    assert response.json()["detail"] == "Failed checks: database."
