"""Fixtures for portfolio-svc's API tests: the running portfolio-svc, program-svc and
project-svc `make test` started (real PostgreSQL and Kafka behind them), clients of each as the
PMO of this test's tenant, and a way to wait until portfolio-svc knows a program or project
from their services' events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.testing import TokenFor, required_env
from portfolio_svc.settings import DB_SCHEMA

from .portfolio_flows import References


@pytest.fixture(scope="session")
def portfolio_url() -> str:
    return required_env("PORTFOLIO_URL")


async def _client(url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture
async def api(
    portfolio_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running portfolio-svc, as the PMO of this test's tenant."""
    async for client in _client(portfolio_url, token_for(tenant, "pmo")):
        yield client


@pytest.fixture
async def programs(
    program_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running program-svc, as the PMO of this test's tenant."""
    async for client in _client(program_url, token_for(tenant, "pmo")):
        yield client


@pytest.fixture
async def projects(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running project-svc, as the PMO of this test's tenant."""
    async for client in _client(project_url, token_for(tenant, "pmo")):
        yield client


@pytest.fixture(scope="session")
async def portfolio_db() -> AsyncIterator[AsyncEngine]:
    """portfolio-svc's schema, read only to see what it has learnt from the other services."""
    engine = create_engine_for(required_env("DATABASE_URL"), schema=DB_SCHEMA, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def known(portfolio_db: AsyncEngine) -> References:
    """Waits until portfolio-svc's reference tables hold a program or project as wanted."""
    return References(portfolio_db)
