"""Fixtures of the end-to-end tests: clients of the running project-svc and reporting-svc."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pmo_shared.testing import TokenFor


@pytest.fixture
async def projects(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def reports(
    reporting_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'viewer')}"}
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as client:
        yield client
