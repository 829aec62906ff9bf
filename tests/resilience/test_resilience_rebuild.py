"""After the faults (this module runs after the others in the directory), a full rebuild of
reporting's read models from the topics equals the incrementally built ones, table by table,
row by row."""

from __future__ import annotations

import httpx
import pytest

from .resilience_ledger import PROJECTION, content, live_generation
from .resilience_scenario import until
from .resilience_stack import FaultStack

pytestmark = pytest.mark.integration


async def test_the_read_models_equal_a_full_rebuild_after_the_faults(
    fault_stack: FaultStack, fault_admin: httpx.AsyncClient
) -> None:
    old = await live_generation(fault_admin)

    async def caught_up() -> bool:
        return all(p["lag"] == 0 for p in (await live_generation(fault_admin))["partitions"])

    await until(caught_up, timeout=60, what="the live generation caught up")
    started = await fault_admin.post(f"/v1/projections/{PROJECTION}/rebuild")
    assert started.status_code == 202, started.text

    async def switched() -> bool:
        newest = await live_generation(fault_admin)
        return int(newest["generation"]) > int(old["generation"])

    await until(switched, timeout=180, every=0.5, what="the rebuilt generation live")
    new = await live_generation(fault_admin)
    before = await content(fault_stack.database_url, old["schema_name"])
    after = await content(fault_stack.database_url, new["schema_name"])
    assert sum(len(rows) for rows in after.values()) > 0
    for table, rows in before.items():
        assert after[table] == rows, table
