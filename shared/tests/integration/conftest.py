from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.testing import required_env

from .kit import (
    MASTER_KEY,
    PostgresBackend,
    StoreBackend,
    create_schema,
    create_topic,
    drop_schema,
)


@pytest.fixture(scope="session")
def database_url() -> str:
    return required_env("DATABASE_URL")


@pytest.fixture(scope="session")
def kafka_servers() -> str:
    return required_env("KAFKA_BOOTSTRAP_SERVERS")


@pytest.fixture
async def store_schema(database_url: str) -> AsyncIterator[tuple[str, AsyncEngine]]:
    name, engine = await create_schema(database_url)
    yield name, engine
    await engine.dispose()
    await drop_schema(database_url, name)


@pytest.fixture
async def engine(store_schema: tuple[str, AsyncEngine]) -> AsyncEngine:
    return store_schema[1]


@pytest.fixture
async def key_stores(
    database_url: str, store_schema: tuple[str, AsyncEngine]
) -> AsyncIterator[Callable[..., KeyStore]]:
    """Makes key stores of the test schema, each on an engine of its own, as each process of
    a service has (`make()`, or `make(master)` for another master key)."""
    engines: list[AsyncEngine] = []

    def make(master: MasterKey = MASTER_KEY) -> KeyStore:
        engine = create_engine_for(database_url, schema=store_schema[0], pool_size=2)
        engines.append(engine)
        return KeyStore(engine, master)

    yield make
    for engine in engines:
        await engine.dispose()


@pytest.fixture
async def topic(kafka_servers: str) -> str:
    return await create_topic(kafka_servers)


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.integration), "memory"])
def store_backend(request: pytest.FixtureRequest) -> StoreBackend:
    """The event store suite's backend: the PostgreSQL store in a fresh schema (needs the test
    stack), or a fresh in-memory store (needs nothing)."""
    if request.param == "memory":
        return InMemoryEventStore()
    engine: AsyncEngine = request.getfixturevalue("engine")
    return PostgresBackend(engine)
