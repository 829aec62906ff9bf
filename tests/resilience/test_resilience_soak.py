"""The long variants (`make soak`, marker `soak`): thousands of commands through each process
fault, and the other network faults through Toxiproxy (a bandwidth limit, connections reset,
a 10 s partition), with the same guarantees as the CI scenarios."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .resilience_load import LoadDriver
from .resilience_scenario import run_under_load, until
from .resilience_stack import REPORTING_DB_PROXY, FaultStack

pytestmark = [pytest.mark.integration, pytest.mark.soak]
UNITS = 1000
"""3,000 commands per scenario."""

Inject = Callable[[FaultStack], None]


def _partition(stack: FaultStack) -> None:
    for direction in ("upstream", "downstream"):
        stack.toxiproxy.add(REPORTING_DB_PROXY, f"cut-{direction}", "timeout", stream=direction)


TOXICS: dict[str, Inject] = {
    "bandwidth 16 KB/s": lambda s: s.toxiproxy.add(
        REPORTING_DB_PROXY, "narrow", "bandwidth", rate=16
    ),
    "connections reset": lambda s: s.toxiproxy.add(
        REPORTING_DB_PROXY, "reset", "reset_peer", timeout=500
    ),
    "partition 10 s": lambda s: _partition(s),
}
FAULT_SECONDS = 10.0

PROCESSES: dict[str, tuple[Inject, Inject]] = {
    "project-svc SIGKILL": (lambda s: s.kill_service("project-svc"), FaultStack.restart_services),
    "reporting-svc SIGKILL": (
        lambda s: s.kill_service("reporting-svc"),
        FaultStack.restart_services,
    ),
    "Kafka SIGKILL": (FaultStack.kill_kafka, FaultStack.start_kafka),
    "PostgreSQL immediate stop": (
        FaultStack.stop_postgres_immediately,
        FaultStack.start_postgres,
    ),
}


async def _held(_driver: LoadDriver) -> None:
    cut = time.monotonic()

    async def elapsed() -> bool:
        return time.monotonic() - cut >= FAULT_SECONDS

    await until(elapsed, timeout=FAULT_SECONDS + 5, what="the fault held")


@pytest.mark.parametrize("toxic", list(TOXICS))
async def test_soak_network_fault(
    toxic: str,
    fault_stack: FaultStack,
    fault_projects: httpx.AsyncClient,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome = await run_under_load(
        fault_stack,
        fault_projects,
        fault_admin,
        fault_tenant,
        units=UNITS,
        inject=lambda: asyncio.to_thread(TOXICS[toxic], fault_stack),
        while_down=_held,
        recover=lambda: asyncio.to_thread(fault_stack.toxiproxy.reset),
        catch_up_timeout=300,
    )
    fault_table.append(outcome.row(f"soak: Toxiproxy reporting-svc↔PostgreSQL {toxic}"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert all(a.status is not None and a.status < 300 for a in outcome.during)


@pytest.mark.parametrize("fault", list(PROCESSES))
async def test_soak_process_fault(
    fault: str,
    fault_stack: FaultStack,
    fault_projects: httpx.AsyncClient,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    inject, recover = PROCESSES[fault]
    outcome = await run_under_load(
        fault_stack,
        fault_projects,
        fault_admin,
        fault_tenant,
        units=UNITS,
        inject=lambda: asyncio.to_thread(inject, fault_stack),
        while_down=_held,
        recover=lambda: asyncio.to_thread(recover, fault_stack),
        catch_up_timeout=300,
    )
    fault_table.append(outcome.row(f"soak: {fault}"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
