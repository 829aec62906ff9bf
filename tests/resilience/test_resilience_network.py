"""Network faults through Toxiproxy between reporting-svc and its PostgreSQL, under load:
200 ms of added latency, then a partition (nothing passes either way) for 5 s. Commands keep
being accepted (project-svc is not behind the proxy), the consumer lag shows in reporting's
/metrics (from the first batch the consumer completes after the cut: see `recover`) and drains
after, and every acknowledged command is in the read model exactly once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from .resilience_load import LoadDriver
from .resilience_scenario import metric_sum, run_under_load, until
from .resilience_stack import REPORTING_DB_PROXY, FaultStack

pytestmark = pytest.mark.integration
UNITS = 100
LATENCY_MS = 200
PARTITION_SECONDS = 5.0


async def _consumer_lag(reporting_url: str) -> float:
    async with httpx.AsyncClient(base_url=reporting_url, timeout=5) as client:
        return metric_sum((await client.get("/metrics")).text, "pmo_consumer_lag")


async def test_latency_then_a_partition_to_the_read_models_database_loses_nothing(
    fault_stack: FaultStack,
    fault_projects: httpx.AsyncClient,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    toxiproxy = fault_stack.toxiproxy
    reporting_url = fault_stack.reporting_url
    lag_seen: list[float] = []

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

        async def partition_held() -> bool:
            await _sample_lag()
            return time.monotonic() - cut >= PARTITION_SECONDS

        await until(partition_held, timeout=PARTITION_SECONDS + 10, what="the partition held")

    async def _sample_lag() -> None:
        lag = await _consumer_lag(reporting_url)
        if lag > 0:
            lag_seen.append(lag)

    async def recover() -> None:
        await asyncio.to_thread(toxiproxy.reset)

        # The kernel measures the lag between batches: a batch stuck behind the partition
        # leaves the last reading in place, and the first batch after it shows the backlog.
        async def lag_shown() -> bool:
            await _sample_lag()
            return bool(lag_seen)

        await until(lag_shown, timeout=30, every=0.05, what="the consumer lag in /metrics")

    outcome = await run_under_load(
        fault_stack,
        fault_projects,
        fault_admin,
        fault_tenant,
        units=UNITS,
        inject=inject,
        while_down=while_down,
        recover=recover,
    )
    fault_table.append(outcome.row("Toxiproxy reporting-svc↔PostgreSQL: 200 ms, then 5 s cut"))
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert all(a.status is not None and a.status < 300 for a in outcome.during)
    assert max(lag_seen) > 0

    async def drained() -> bool:
        return await _consumer_lag(reporting_url) == 0

    await until(drained, timeout=60, what="the consumer lag back to 0 in /metrics")
