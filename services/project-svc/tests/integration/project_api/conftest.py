"""Fixtures for project-svc's API tests: the running service `make test` started, real
PostgreSQL and Kafka behind it, tokens for any tenant and role."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from pmo_shared.testing import TokenFor, required_env


@pytest.fixture
async def api(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running project-svc, as the PMO of this test's tenant."""
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers, timeout=30) as client:
        yield client


class EventLog:
    """Every message on pmo.project.events since the session began, by message key."""

    def __init__(self) -> None:
        self.by_key: dict[bytes, list[Any]] = defaultdict(list)

    async def wait_for(self, key: str, count: int, *, timeout: float = 30.0) -> list[Any]:
        """The first `count` messages with this key, waiting for them to arrive."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.by_key[key.encode()]) < count:
            if asyncio.get_running_loop().time() > deadline:
                got = [dict(m.headers).get("ce_type") for m in self.by_key[key.encode()]]
                raise AssertionError(f"only {got} arrived for {key}")
            await asyncio.sleep(0.05)
        return self.by_key[key.encode()][:count]


@pytest.fixture(scope="session")
async def project_events() -> AsyncIterator[EventLog]:
    log = EventLog()
    consumer = AIOKafkaConsumer(
        PROJECT_EVENTS_TOPIC,
        bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"),
        group_id=None,
        auto_offset_reset="latest",
    )
    await consumer.start()
    await consumer.seek_to_end()
    # Resolve the end positions now, so events of the tests that follow are all seen.
    for partition in consumer.assignment():
        await consumer.position(partition)

    async def collect() -> None:
        async for message in consumer:
            log.by_key[message.key].append(message)

    task = asyncio.create_task(collect())
    yield log
    task.cancel()
    await consumer.stop()
