"""A consumer in its own process: `python consumer_process.py URL SCHEMA SERVERS TOPIC GROUP
[crash]`. With `crash`, the process dies right after its first database commit, before it
commits the Kafka offsets: the window an idempotent consumer must survive."""

from __future__ import annotations

import asyncio
import os
import sys

from kit import CountingProjection, registry  # type: ignore[import-not-found]

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.topics import DEAD_LETTER_TOPIC


async def main(url: str, schema: str, servers: str, topic: str, group: str, mode: str) -> None:
    engine = create_engine_for(url, schema=schema, pool_size=2)

    async def crash() -> None:
        os._exit(17)

    runner = ConsumerRunner(
        engine,
        projection=CountingProjection(name=group, topics=[topic]),
        registry=registry,
        bootstrap_servers=servers,
        dead_letter_topic=DEAD_LETTER_TOPIC,
        max_batch=100,
        after_db_commit=crash if mode == "crash" else None,
    )
    await runner.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6], sys.argv[6] if len(sys.argv) > 6 else "run"))
