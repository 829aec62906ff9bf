"""Network faults through Toxiproxy between reporting-svc and its PostgreSQL, under load (on
projects, programs and portfolios): 200 ms of added latency, then a partition (nothing passes
either way) for 5 s. Commands keep being accepted (no write service is behind the proxy), the
consumer lag shows in reporting's /metrics while the cut lasts and drains after, and every
acknowledged command is in the read model exactly once.

Why the lag must show during the cut: the consumer records it right after each fetch, before
it applies the batch (shared kernel, `ConsumerRunner`), as the highwater mark the fetch saw
minus the offset last committed. The write services keep publishing during the cut, so the
consumer fetches a non-empty batch and then waits on the database for it: the lag it recorded
just before counts that batch at least, and stays in the gauge until the batch is applied."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from .resilience_load import CI_MIX, Clients, LoadDriver
from .resilience_scenario import metric_sum, run_under_load, unaccepted, until
from .resilience_stack import REPORTING_DB_PROXY, FaultStack

pytestmark = pytest.mark.integration
LATENCY_MS = 200
PARTITION_SECONDS = 5.0


async def _consumer_lag(reporting_url: str) -> float:
    async with httpx.AsyncClient(base_url=reporting_url, timeout=2) as client:
        return metric_sum((await client.get("/metrics")).text, "pmo_consumer_lag")


async def test_latency_then_a_partition_to_the_read_models_database_loses_nothing(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    toxiproxy = fault_stack.toxiproxy
    reporting_url = fault_stack.reporting_url
    lag_during_cut: list[float] = []
    """Positive lag readings taken while the partition held (before it was lifted)."""
    cut_seconds: list[float] = []

    async def inject() -> None:
        await asyncio.to_thread(
            toxiproxy.add, REPORTING_DB_PROXY, "slow", "latency", latency=LATENCY_MS
        )

    async def while_down(driver: LoadDriver) -> None:
        await driver.until_acked(driver.commands // 2)
        for stream in ("upstream", "downstream"):
            await asyncio.to_thread(
                toxiproxy.add, REPORTING_DB_PROXY, f"cut-{stream}", "timeout", stream=stream
            )
        cut = time.monotonic()

        async def held_and_lag_shown() -> bool:
            if (lag := await _consumer_lag(reporting_url)) > 0:
                lag_during_cut.append(lag)
            return bool(lag_during_cut) and time.monotonic() - cut >= PARTITION_SECONDS

        # Bounded: a cut that never shows the lag fails here, with the partition still on.
        await until(
            held_and_lag_shown,
            timeout=PARTITION_SECONDS + 15,
            what="the consumer lag in /metrics while the partition holds",
        )
        cut_seconds.append(time.monotonic() - cut)

    async def recover() -> None:
        await asyncio.to_thread(toxiproxy.reset)

    outcome = await run_under_load(
        fault_stack,
        fault_clients,
        fault_admin,
        fault_tenant,
        mix=CI_MIX,
        inject=inject,
        while_down=while_down,
        recover=recover,
    )
    fault_table.append(outcome.row("Toxiproxy reporting-svc↔PostgreSQL: 200 ms, then 5 s cut"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)
    assert max(lag_during_cut) > 0
    assert cut_seconds[0] >= PARTITION_SECONDS

    async def drained() -> bool:
        return await _consumer_lag(reporting_url) == 0

    await until(drained, timeout=60, what="the consumer lag back to 0 in /metrics")
