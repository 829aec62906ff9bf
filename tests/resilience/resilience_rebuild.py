"""A full rebuild of reporting's read models from the topics, compared with the incrementally
built generation it replaces."""

from __future__ import annotations

import httpx

from .resilience_ledger import PROJECTION, content, live_generation
from .resilience_scenario import until
from .resilience_stack import FaultStack


async def rebuild_equals_live(stack: FaultStack, admin: httpx.AsyncClient) -> None:
    """Rebuild reporting's projection from the topics once the live generation caught up,
    and assert the new generation equals the old one, table by table, row by row."""
    old = await live_generation(admin)

    async def caught_up() -> bool:
        return all(p["lag"] == 0 for p in (await live_generation(admin))["partitions"])

    await until(caught_up, timeout=60, what="the live generation caught up")
    started = await admin.post(f"/v1/projections/{PROJECTION}/rebuild")
    assert started.status_code == 202, started.text

    async def switched() -> bool:
        newest = await live_generation(admin)
        return int(newest["generation"]) > int(old["generation"])

    await until(switched, timeout=180, every=0.5, what="the rebuilt generation live")
    new = await live_generation(admin)
    before = await content(stack.database_url, old["schema_name"])
    after = await content(stack.database_url, new["schema_name"])
    # Not a comparison of empty tables: the driver wrote each service's part of the model.
    for table in ("projects", "lessons", "programs", "program_members", "program_pool"):
        assert after[table], table
    for table in ("portfolios", "portfolio_weights", "portfolio_components"):
        assert after[table], table
    for table, rows in before.items():
        assert after[table] == rows, table
