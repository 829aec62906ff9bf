"""The ops endpoints every service answers without a token: `/healthz`, `/readyz`, `/metrics`.

Readiness says whether the process should get traffic. A check is *required* (its failure
makes `/readyz` a 503 with `Retry-After`) or not: Kafka is not, since a write service accepts
commands with PostgreSQL alone (the outbox holds their events until the relay can publish), so a
broker outage is reported as `degraded: <kind>` while the service stays ready.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka.client import AIOKafkaClient
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.kafka import Kafka, options_of
from pmo_shared.telemetry.metrics import exposed_registry
from pmo_shared.web.problems import Problem, problem_response

Probe = Callable[[], Awaitable[None]]

CHECK_TIMEOUT_SECONDS = 3.0
RETRY_AFTER_SECONDS = 5
"""What a 503 from `/readyz` tells a client to wait before it asks again."""

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """A named probe that returns when its dependency is usable and raises when it is not."""

    name: str
    probe: Probe
    required: bool = True
    """False: a failure is reported as `degraded: <kind>` and does not make the process unready."""


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    """Ready when the database answers `SELECT 1`."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return ReadinessCheck("database", probe)


def kafka_check(
    bootstrap_servers: Kafka,
    *,
    timeout_seconds: float = 2.0,
    cache_seconds: float = 2.0,
    required: bool = False,
) -> ReadinessCheck:
    """Ok when a Kafka broker answers a metadata request, else degraded (not required unless
    `required`); the answer is reused for `cache_seconds` so frequent probes do not open a
    connection each."""

    async def fetch_metadata() -> None:
        client = AIOKafkaClient(
            **options_of(bootstrap_servers),
            client_id="pmo-readiness",
            request_timeout_ms=int(timeout_seconds * 1000),
        )
        try:
            async with asyncio.timeout(timeout_seconds):
                await client.bootstrap()
        finally:
            await client.close()

    return ReadinessCheck(
        "kafka", _cached(fetch_metadata, seconds=cache_seconds), required=required
    )


def _cached(probe: Probe, *, seconds: float) -> Probe:
    lock = asyncio.Lock()
    last: tuple[float, BaseException | None] | None = None

    async def cached_probe() -> None:
        nonlocal last
        async with lock:  # concurrent probes share one round trip
            if last is None or time.monotonic() - last[0] >= seconds:
                try:
                    await probe()
                    last = (time.monotonic(), None)
                except Exception as exc:
                    last = (time.monotonic(), exc)
            if last[1] is not None:
                raise last[1]

    return cached_probe


async def _outcome(check: ReadinessCheck, *, timeout_seconds: float) -> str:
    try:
        async with asyncio.timeout(timeout_seconds):
            await check.probe()
    except Exception as exc:
        log.warning(
            "readiness_check_failed", check=check.name, required=check.required, error=repr(exc)
        )
        # Only the kind of failure leaves the process: /readyz needs no token.
        return f"{'failed' if check.required else 'degraded'}: {type(exc).__name__}"
    return "ok"


async def run_checks(
    checks: Sequence[ReadinessCheck], *, timeout_seconds: float = CHECK_TIMEOUT_SECONDS
) -> dict[str, str]:
    """Every check's outcome ("ok", or "failed: <kind>" for a required check and
    "degraded: <kind>" for another), run concurrently."""
    outcomes = await asyncio.gather(
        *(_outcome(check, timeout_seconds=timeout_seconds) for check in checks)
    )
    return {check.name: outcome for check, outcome in zip(checks, outcomes, strict=True)}


def ops_router(checks: Sequence[ReadinessCheck]) -> APIRouter:
    """Routes for liveness, readiness and metrics."""
    router = APIRouter(tags=["ops"])
    registry = exposed_registry()

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: answers while the process runs."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "A required dependency is unreachable"}})
    async def readyz(request: Request) -> Response:
        """Readiness: every required check passes (the database, the service's own); Kafka
        is reported, and a broker outage only degrades the service."""
        outcomes = await run_checks(checks)
        failed = sorted(name for name, outcome in outcomes.items() if outcome.startswith("failed"))
        if not failed:
            return JSONResponse({"status": "ready", "checks": outcomes})
        problem = Problem(
            503,
            slug="not-ready",
            title="Service not ready",
            detail=f"Failed checks: {', '.join(failed)}.",
            extra={"checks": outcomes},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        return problem_response(problem, instance=request.url.path)

    @router.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics of the service (of all its worker processes)."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
