"""Personal data in portfolio-svc: the people a portfolio names (its manager, who decided, who
adopted a selection) are sealed with their keys, and erasing one of them (the kernel's
data-subject routes) shows them as `[erased]` in the portfolio, its list row and its audit
trail, while the portfolio goes on."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .portfolio_flows import as_user, create_portfolio, post, put

pytestmark = pytest.mark.integration


async def test_an_erased_manager_reads_as_erased_everywhere(
    api: httpx.AsyncClient, portfolio_db: AsyncEngine, tenant: str
) -> None:
    manager = f"pf-{tenant}"
    portfolio_id = (await create_portfolio(api, manager=manager))["portfolio_id"]
    p = f"/v1/portfolios/{portfolio_id}"
    await put(api, f"{p}/weights", {"weights": {"growth": "1"}})
    await put(api, f"{p}/budget", {"amount": "10"})
    await post(
        api, f"{p}/selection/adoption", {"points": 2}, **as_user(api, manager, "portfolio_manager")
    )
    async with portfolio_db.connect() as conn:
        stored = await conn.execute(
            text("SELECT payload::text FROM events WHERE stream_id = :id"), {"id": portfolio_id}
        )
        assert all(manager not in row[0] for row in stored)

    erased = await post(api, f"/v1/data-subjects/{manager}/erase")

    assert erased["held"] is True
    read = (await api.get(p)).json()
    assert read["manager"] == "[erased]"
    assert read["adopted_selections"][0]["adopted_by"] == "[erased]"
    listed = (await api.get("/v1/portfolios")).json()["items"]
    assert [i["manager"] for i in listed if i["portfolio_id"] == portfolio_id] == ["[erased]"]
    trail = (await api.get(f"{p}/events")).json()
    assert trail[0]["payload"]["manager"] == "[erased]"
    after = await put(api, f"{p}/budget", {"amount": "20"})
    assert (after["manager"], after["budget"][-1]["amount"]) == ("[erased]", "20.00")
    assert (await api.get("/v1/portfolios", params={"manager": manager})).json()["items"] == []
