"""Personal data in program-svc: the people a program names are sealed with their keys, and
erasing one of them (the kernel's data-subject routes) shows them as `[erased]` in the
program, its list row and its audit trail, while the program goes on."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .program_flows import active_program, post

pytestmark = pytest.mark.integration


async def test_an_erased_manager_reads_as_erased_everywhere(
    api: httpx.AsyncClient, program_db: AsyncEngine, tenant: str
) -> None:
    manager = f"pgm-{tenant}"
    program_id = await active_program(api, manager=manager)
    p = f"/v1/programs/{program_id}"
    async with program_db.connect() as conn:
        stored = await conn.execute(
            text("SELECT payload::text FROM events WHERE stream_id = :id"), {"id": program_id}
        )
        assert all(manager not in row[0] for row in stored)

    erased = await post(api, f"/v1/data-subjects/{manager}/erase")

    assert erased["held"] is True
    assert (await api.get(p)).json()["manager"] == "[erased]"
    listed = (await api.get("/v1/programs")).json()["items"]
    assert [i["manager"] for i in listed if i["program_id"] == program_id] == ["[erased]"]
    trail = (await api.get(f"{p}/events")).json()
    assert trail[0]["payload"]["manager"] == "[erased]"
    after = await post(api, f"{p}/funding/set", {"amount": "10"})
    assert (after["manager"], after["funding"]["pool"]) == ("[erased]", "10.00")
    assert (await api.get("/v1/programs", params={"manager": manager})).json()["items"] == []
