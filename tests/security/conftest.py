"""Fixtures of the security suite: the running services (with their live OpenAPI documents),
the write services' event stores, and one set of objects per tenant, made once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for

from .security_stack import Service, World, build_world, database_url, live_services, new_tenant


@pytest.fixture(scope="session")
async def services() -> dict[str, Service]:
    """The four services of the test stack, by name."""
    return {service.name: service for service in await live_services()}


@pytest.fixture(scope="session")
async def event_stores(services: dict[str, Service]) -> AsyncIterator[dict[str, AsyncEngine]]:
    """Each write service's schema, read only to count its events."""
    engines = {
        s.schema: create_engine_for(database_url(), schema=s.schema, pool_size=1)
        for s in services.values()
        if s.schema is not None
    }
    yield engines
    for engine in engines.values():
        await engine.dispose()


@pytest.fixture(scope="session")
async def owner_world(services: dict[str, Service]) -> World:
    """Tenant A's objects, which another tenant must never reach."""
    return await build_world(services, new_tenant("owner"))


@pytest.fixture(scope="session")
async def roles_world(services: dict[str, Service]) -> World:
    """The objects the role matrix commands (the allowed callers change them)."""
    return await build_world(services, new_tenant("roles"))


@pytest.fixture(scope="session")
async def hostile_world(services: dict[str, Service]) -> World:
    """The objects hostile input is sent to (nothing may be appended to them)."""
    return await build_world(services, new_tenant("hostile"))
