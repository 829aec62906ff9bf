"""`pmo-relay`: run a service's outbox relay as its own process (services also embed it)."""

from __future__ import annotations

import asyncio
import signal

import structlog

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.settings import KernelSettings

log = structlog.get_logger(__name__)


async def run(settings: KernelSettings) -> None:
    """Relay until SIGTERM or SIGINT."""
    engine = create_engine_for(settings.database_url, schema=settings.db_schema, pool_size=2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    relay = OutboxRelay(
        engine,
        service=settings.service_name,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic_for=TOPIC_BY_STREAM_TYPE.__getitem__,
    )
    try:
        await relay.run(stop)
    finally:
        await engine.dispose()


def main() -> None:
    """Console entry point."""
    settings = KernelSettings.model_validate({})  # every field comes from the environment
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
