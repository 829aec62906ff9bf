"""Fixtures for project-svc's API tests: the running service `make test` started, real
PostgreSQL and Kafka behind it, tokens for any tenant and role."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from pmo_shared.auth import issue_dev_token


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suite through `make test`")
    return value


@pytest.fixture(scope="session")
def project_url() -> str:
    return _env("PROJECT_URL")


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return _env("JWT_SECRET")


TokenFor = Callable[..., str]


@pytest.fixture(scope="session")
def token_for(jwt_secret: str) -> TokenFor:
    def make(tenant: str, *roles: str, sub: str = "pmo-carol") -> str:
        return issue_dev_token(jwt_secret, sub=sub, tenant=tenant, roles=list(roles or ("pmo",)))

    return make


@pytest.fixture
def tenant() -> str:
    """A tenant of this test alone, so tests never see each other's projects."""
    return f"tenant-{uuid.uuid4().hex[:10]}"


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
        "pmo.project.events",
        bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS"),
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
