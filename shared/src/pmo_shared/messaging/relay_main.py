"""`pmo-relay`: run a service's outbox relay as its own process (services also embed it).

With `PORT` set it answers `/healthz`, `/readyz` (database required, Kafka reported) and
`/metrics` there (`web.app.run_worker`); SIGTERM lets the relay finish its batch and exit 0."""

from __future__ import annotations

import asyncio

import structlog

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.kafka import connection
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.settings import KernelSettings
from pmo_shared.web.app import ProcessSettings, run_worker
from pmo_shared.web.health import database_check, kafka_check

log = structlog.get_logger(__name__)


async def run(settings: KernelSettings, process: ProcessSettings | None = None) -> None:
    """Relay until SIGTERM or SIGINT."""
    engine = create_engine_for(settings.database_url, schema=settings.db_schema, pool_size=2)
    relay = OutboxRelay(
        engine,
        service=settings.service_name,
        bootstrap_servers=connection(settings),
        topic_for=TOPIC_BY_STREAM_TYPE.__getitem__,
    )
    checks = [database_check(engine), kafka_check(connection(settings))]
    try:
        await run_worker(
            relay.run, title="pmo-relay", checks=checks, process=process or ProcessSettings()
        )
    finally:
        await engine.dispose()


def main() -> None:
    """Console entry point."""
    settings = KernelSettings.model_validate({})  # every field comes from the environment
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
