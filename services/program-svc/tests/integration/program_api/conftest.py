"""Fixtures for program-svc's API tests: the running program-svc and project-svc `make test`
started (real PostgreSQL and Kafka behind them), clients of both as the PMO of this test's
tenant, and a way to wait until program-svc knows a project from project-svc's events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.testing import TokenFor, required_env
from program_svc.settings import DB_SCHEMA

from .program_flows import References


@pytest.fixture(scope="session")
def program_url() -> str:
    return required_env("PROGRAM_URL")


@pytest.fixture
async def api(
    program_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running program-svc, as the PMO of this test's tenant."""
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=program_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def projects(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running project-svc, as the PMO of this test's tenant."""
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def program_db() -> AsyncIterator[AsyncEngine]:
    """program-svc's schema, read only to see what it has learnt from project-svc."""
    engine = create_engine_for(required_env("DATABASE_URL"), schema=DB_SCHEMA, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def known(program_db: AsyncEngine) -> References:
    """Waits until program-svc's reference table has a project at a version."""
    return References(program_db)
