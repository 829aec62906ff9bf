"""A relay in its own process, so a test can SIGKILL it: `python relay_process.py URL SCHEMA
SERVERS TOPIC`. Publishes every stream type to TOPIC, in small batches to widen the window."""

from __future__ import annotations

import asyncio
import sys

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.relay import OutboxRelay


async def main(url: str, schema: str, servers: str, topic: str) -> None:
    engine = create_engine_for(url, schema=schema, pool_size=2)
    relay = OutboxRelay(
        engine,
        service="relay-test",
        bootstrap_servers=servers,
        topic_for=lambda _: topic,
        batch_size=50,
    )
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
