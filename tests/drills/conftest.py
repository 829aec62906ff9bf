"""Fixtures of the operational drills: a throwaway service schema and topics of their own on the
shared test stack's PostgreSQL and Kafka, so no other test sees what a drill breaks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.testing import required_env

from .drill_kit import create_topic, drop_schema, service_schema


@pytest.fixture(scope="session")
def database_url() -> str:
    return required_env("DATABASE_URL")


@pytest.fixture(scope="session")
def kafka_servers() -> str:
    return required_env("KAFKA_BOOTSTRAP_SERVERS")


@pytest.fixture
async def drill_schema(database_url: str) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A throwaway service schema: event store, outbox, consumer tables and the drill ledgers."""
    name, engine = await service_schema(database_url)
    yield name, engine
    await engine.dispose()
    await drop_schema(database_url, name)


@pytest.fixture
async def topic(kafka_servers: str) -> str:
    return await create_topic(kafka_servers)


@pytest.fixture
async def dead_letter_topic(kafka_servers: str) -> str:
    return await create_topic(kafka_servers, partitions=1)
