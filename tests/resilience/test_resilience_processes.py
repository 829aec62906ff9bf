"""Processes killed under load (commands on projects, programs and portfolios), each on the
fault stack: the API process of project-svc, of program-svc and of portfolio-svc (and with each
its outbox relay and its reference consumers, which run in it), the reporting consumer
(reporting-svc's process), the Kafka broker (SIGKILL) and PostgreSQL (immediate stop). Every
acknowledged command is in its service's event store and in reporting's read model exactly
once, and the client sees what the issue's table says for that fault."""

from __future__ import annotations

import asyncio
import time
from math import inf
from typing import Any

import httpx
import pytest

from .resilience_load import CI_MIX, REQUEST_TIMEOUT, Clients, LoadDriver
from .resilience_scenario import metric, run_under_load, unaccepted, until
from .resilience_stack import FaultStack

pytestmark = pytest.mark.integration


async def _nothing(_driver: LoadDriver) -> None:
    return None


async def _more_commands(driver: LoadDriver) -> None:
    """Half of the commands more acknowledged while the fault lasts."""
    await driver.until_acked(driver.commands * 3 // 4)


def _in_thread(step: Any) -> Any:
    async def run() -> None:
        await asyncio.to_thread(step)

    return run


async def _metrics(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        return (await client.get("/metrics")).text


async def _readyz(url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        return (await client.get("/readyz")).status_code


async def test_the_project_api_killed_retries_with_the_same_key_take_effect_once(
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
        mix=CI_MIX,
        inject=_in_thread(lambda: fault_stack.kill_service("project-svc")),
        while_down=_nothing,
        recover=_in_thread(fault_stack.restart_services),
    )
    fault_table.append(outcome.row("project-svc API (and relay) SIGKILL"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    # The connection fails while it is down (the driver retried those with the same key).
    assert any(a.status is None for a in outcome.during)


def _connection_refused_by(service: str) -> Any:
    """Wait (bounded) until a command on `service` failed to connect (only the kill makes
    one fail): the driver saw the fault, and its retries then span the restart. The last
    program and portfolio units take projects proposed late in the run, so some of their
    commands always come after the kill."""

    async def watch(driver: LoadDriver) -> None:
        async def refused() -> bool:
            return any(a.status is None and a.service == service for a in driver.answers)

        await until(refused, timeout=60, what=f"a command on {service} while it is down")

    return watch


@pytest.mark.parametrize("service", ["program-svc", "portfolio-svc"])
async def test_a_program_or_portfolio_api_killed_retries_take_effect_once(
    service: str,
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
        mix=CI_MIX,
        inject=_in_thread(lambda: fault_stack.kill_service(service)),
        while_down=_connection_refused_by(service),
        recover=_in_thread(fault_stack.restart_services),
    )
    fault_table.append(outcome.row(f"{service} API (relay, reference consumer) SIGKILL"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    # Its commands failed to connect while it was down; the other services' went on.
    assert any(a.status is None for a in outcome.during_of(service))
    others = [a for a in outcome.during if a.service != service]
    assert others
    assert all(a.accepted for a in others), unaccepted(others)


async def test_the_reporting_consumer_killed_commands_go_on_and_the_lag_drains(
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
        mix=CI_MIX,
        inject=_in_thread(lambda: fault_stack.kill_service("reporting-svc")),
        while_down=_more_commands,
        recover=_in_thread(fault_stack.restart_services),
    )
    fault_table.append(outcome.row("reporting-svc (consumer) SIGKILL"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)


async def test_the_kafka_broker_killed_commands_go_on_and_the_outbox_drains(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    project_url = fault_stack.project_url
    seen: dict[str, Any] = {}

    async def while_down(driver: LoadDriver) -> None:
        await _more_commands(driver)

        async def backlog_grows() -> bool:
            value = metric(await _metrics(project_url), "pmo_outbox_backlog")
            return value is not None and value > 0

        await until(backlog_grows, timeout=30, what="the outbox backlog in /metrics")
        seen["readyz"] = await _readyz(project_url)

    outcome = await run_under_load(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=CI_MIX,
        inject=_in_thread(fault_stack.kill_kafka),
        while_down=while_down,
        recover=_in_thread(fault_stack.start_kafka),
    )
    fault_table.append(outcome.row("Kafka broker SIGKILL"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)

    async def drained() -> bool:
        return metric(await _metrics(project_url), "pmo_outbox_backlog") == 0

    await until(drained, timeout=60, what="the outbox backlog back to 0 in /metrics")
    # Kafka is no dependency of accepting commands: the write API stayed ready.
    assert seen["readyz"] == 200, seen


async def test_postgres_stopped_commands_answer_503_and_nothing_acknowledged_is_lost(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    project_url = fault_stack.project_url
    seen: dict[str, Any] = {}

    async def while_down(driver: LoadDriver) -> None:
        down_since = time.monotonic()

        async def not_ready() -> bool:
            return await _readyz(project_url) == 503

        async def refused_a_command() -> bool:
            return any((a.status or 0) >= 500 for a in driver.answers_between(down_since, inf))

        await until(not_ready, timeout=15, what="/readyz 503 while PostgreSQL is down")
        # PostgreSQL stays down until the load has met it (a short outage may fall between
        # two commands otherwise): what those commands are answered is checked below.
        await until(
            refused_a_command, timeout=30, what="a command answered 5xx while PostgreSQL is down"
        )

    async def recover() -> None:
        await asyncio.to_thread(fault_stack.start_postgres)

        async def ready() -> bool:
            return await _readyz(project_url) == 200

        seen["ready again in"] = await until(
            ready, timeout=60, what="/readyz back to 200 by itself"
        )

    outcome = await run_under_load(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=CI_MIX,
        inject=_in_thread(fault_stack.stop_postgres_immediately),
        while_down=while_down,
        recover=recover,
    )
    fault_table.append(outcome.row("PostgreSQL immediate stop"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    failed = [a for a in outcome.during if a.status is not None and a.status >= 500]
    assert failed, "no command was answered while PostgreSQL was down"
    assert all(a.elapsed < REQUEST_TIMEOUT for a in failed)
    assert all(a.content_type == "application/problem+json" for a in failed)
    assert {a.status for a in failed} == {503}, sorted({a.status or 0 for a in failed})
    assert all(a.retry_after for a in failed)
