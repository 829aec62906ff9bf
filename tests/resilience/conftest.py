"""Fixtures of the resilience tests: a stack of their own (`deploy/local/stack.sh up fault`,
cleaned at the end) whose processes they may kill, clients of it, and the table of what each
fault did, printed at the end of the run.

Tests marked `soak` (the long variants) run only when asked for: `make soak`, which is
`pytest -m soak tests/resilience`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from pmo_shared.web.auth import issue_dev_token

from .resilience_load import Clients
from .resilience_stack import FaultStack

_FAULT_ROWS: list[dict[str, Any]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "soak: a long fault variant, run by `make soak` only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "soak" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="a soak variant: run it with `make soak`")
    for item in items:
        if item.get_closest_marker("soak"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FAULT_ROWS:
        return
    columns = list(_FAULT_ROWS[0])
    terminalreporter.section("faults under load (tests/resilience)")
    terminalreporter.write_line(" | ".join(columns))
    for row in _FAULT_ROWS:
        terminalreporter.write_line(" | ".join(str(row[c]) for c in columns))


@pytest.fixture(scope="session")
def fault_table() -> list[dict[str, Any]]:
    """Rows of the closing table: one per fault, the same columns each."""
    return _FAULT_ROWS


@pytest.fixture(scope="session")
def fault_stack() -> Iterator[FaultStack]:
    """The fault profile's stack, up for the session and removed (data too) at its end."""
    stack = FaultStack()
    try:
        stack.up()
        yield stack
    finally:
        stack.clean()


@pytest.fixture
def fault_tenant() -> str:
    """A tenant of this test alone."""
    return f"fault-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def fault_clients(fault_stack: FaultStack, fault_tenant: str) -> AsyncIterator[Clients]:
    """A pmo user's clients of the fault stack's project-svc, program-svc and portfolio-svc."""
    token = issue_dev_token(
        fault_stack.jwt_secret, sub="pmo-rita", tenant=fault_tenant, roles=["pmo"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=16)
    async with (
        httpx.AsyncClient(
            base_url=fault_stack.project_url, headers=headers, limits=limits
        ) as projects,
        httpx.AsyncClient(
            base_url=fault_stack.program_url, headers=headers, limits=limits
        ) as programs,
        httpx.AsyncClient(
            base_url=fault_stack.portfolio_url, headers=headers, limits=limits
        ) as portfolios,
    ):
        yield Clients(projects=projects, programs=programs, portfolios=portfolios)


@pytest.fixture
async def fault_admin(fault_stack: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    """A platform operator's client of the fault stack's reporting-svc."""
    token = issue_dev_token(
        fault_stack.jwt_secret, sub="ops-olga", tenant="platform", roles=["platform_operator"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=fault_stack.reporting_url, headers=headers, timeout=10
    ) as client:
        yield client
