"""The long variants (`make soak`, marker `soak`): thousands of commands (on projects, programs
and portfolios) through each process fault, the other network faults through Toxiproxy between
reporting-svc and PostgreSQL (a bandwidth limit, connections reset, a 10 s partition), and the
network faults of `resilience_paths` (write services to PostgreSQL, every service to Kafka)
with each fault held 10 s, with the same guarantees as the CI scenarios."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .resilience_load import Clients, LoadDriver, Mix
from .resilience_paths import SOAK, bad_answers, drained, kafka_faults, write_database_faults
from .resilience_rebuild import rebuild_equals_live
from .resilience_scenario import run_under_load, unaccepted, until
from .resilience_stack import REPORTING_DB_PROXY, FaultStack

pytestmark = [pytest.mark.integration, pytest.mark.soak]
SOAK_MIX = Mix(projects=880, programs=50, portfolios=40)
"""3,000 commands per scenario: 2,640 on projects, 200 on programs, 160 on portfolios."""

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
    "program-svc SIGKILL": (lambda s: s.kill_service("program-svc"), FaultStack.restart_services),
    "portfolio-svc SIGKILL": (
        lambda s: s.kill_service("portfolio-svc"),
        FaultStack.restart_services,
    ),
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
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome = await run_under_load(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=SOAK_MIX,
        inject=lambda: asyncio.to_thread(TOXICS[toxic], fault_stack),
        while_down=_held,
        recover=lambda: asyncio.to_thread(fault_stack.toxiproxy.reset),
        catch_up_timeout=300,
    )
    fault_table.append(outcome.row(f"soak: Toxiproxy reporting-svc↔PostgreSQL {toxic}"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)


async def test_soak_network_faults_to_the_write_services_database(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome, observed = await write_database_faults(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=SOAK_MIX,
        durations=SOAK,
        catch_up_timeout=300,
    )
    fault_table.append(
        outcome.row(
            "soak: Toxiproxy write services↔PostgreSQL 200 ms, 32 KB/s 10 s, reset 10 s, 10 s cut"
        )
    )
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert bad_answers(outcome.during) == []
    assert any(a.status == 503 for a in observed.during(outcome, "partition"))
    assert 503 in observed.readyz["partition"], observed.readyz
    await drained(fault_stack, timeout=120)


async def test_soak_network_faults_to_kafka(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome, observed = await kafka_faults(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=SOAK_MIX,
        durations=SOAK,
        catch_up_timeout=300,
    )
    fault_table.append(
        outcome.row("soak: Toxiproxy services↔Kafka 10 s cut, 200 ms, 32 KB/s 10 s, reset 10 s")
    )
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)
    assert observed.readyz["partition"] == {200}, observed.readyz
    assert max(observed.backlog_during) > observed.backlog_before, observed.backlog_during
    assert max(observed.lag_during) > 0
    await drained(fault_stack, timeout=120)


@pytest.mark.parametrize("fault", list(PROCESSES))
async def test_soak_process_fault(
    fault: str,
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    inject, recover = PROCESSES[fault]
    outcome = await run_under_load(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=SOAK_MIX,
        inject=lambda: asyncio.to_thread(inject, fault_stack),
        while_down=_held,
        recover=lambda: asyncio.to_thread(recover, fault_stack),
        catch_up_timeout=300,
    )
    fault_table.append(outcome.row(f"soak: {fault}"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies


async def test_soak_zz_the_read_models_equal_a_full_rebuild_after_the_faults(
    fault_stack: FaultStack, fault_admin: httpx.AsyncClient
) -> None:
    """Last of the soak run (this module's order): as `test_resilience_rebuild` for CI."""
    await rebuild_equals_live(fault_stack, fault_admin)
