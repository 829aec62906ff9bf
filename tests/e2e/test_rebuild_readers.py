"""A projection rebuild is invisible to readers: while rebuilds run and switch over, readers
polling a tenant's reports get every answer 200 and complete, never a 503 or an empty answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor

from .steps import command, poll
from .test_project_reports import started_project
from .test_projections import operator_client

pytestmark = pytest.mark.integration

READERS = 10
REBUILDS = 3
REBUILD_TIMEOUT = 120.0

Check = Callable[[Any], bool]


@dataclass
class Reads:
    """What the readers saw: how many answers, and every answer that was wrong."""

    count: int = 0
    wrong: list[str] = field(default_factory=list)


def _checks(project_id: str) -> list[tuple[str, Check]]:
    """The reads and what a complete answer of each holds."""
    return [
        (
            f"/v1/reports/projects/{project_id}/metrics",
            lambda b: b.get("project_id") == project_id and b.get("status") == "active",
        ),
        (
            "/v1/reports/projects",
            lambda b: [i["project_id"] for i in b.get("items", [])] == [project_id],
        ),
        ("/v1/reports/pmo/overview", lambda b: b.get("projects_by_status") == {"active": 1}),
    ]


async def _read_until(
    client: httpx.AsyncClient, checks: list[tuple[str, Check]], stop: asyncio.Event, reads: Reads
) -> None:
    """Read the reports round-robin until `stop` is set; record every wrong answer."""
    turn = 0
    while not stop.is_set():
        path, complete = checks[turn % len(checks)]
        turn += 1
        response = await client.get(path)
        reads.count += 1
        if response.status_code != 200 or not complete(response.json()):
            reads.wrong.append(f"{path}: {response.status_code} {response.text[:200]}")


async def _generations(operator: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await operator.get("/v1/projections")
    assert response.status_code == 200, response.text
    generations: list[dict[str, Any]] = response.json()[0]["generations"]
    return generations


async def _settled(operator: httpx.AsyncClient, *, after: int = 0) -> int:
    """Wait until only one generation runs (newer than `after`): its number."""
    deadline = time.monotonic() + REBUILD_TIMEOUT
    while True:
        running = await _generations(operator)
        if (
            len(running) == 1
            and running[0]["status"] == "live"
            and running[0]["generation"] > after
        ):
            number: int = running[0]["generation"]
            return number
        assert time.monotonic() < deadline, f"no switch after {REBUILD_TIMEOUT} s: {running}"
        await asyncio.sleep(0.05)


async def _rebuild(operator: httpx.AsyncClient) -> int:
    """Start a rebuild (after any rebuild of another test) and wait until it is switched in
    and the retired generation's consumer is gone; the new live generation's number."""
    for _ in range(5):
        live = await _settled(operator)
        started = await operator.post("/v1/projections/project-reports/rebuild")
        if started.status_code != 409:  # 409: another test's rebuild started in between
            assert started.status_code == 202, started.text
            return await _settled(operator, after=live)
    raise AssertionError("other rebuilds kept starting before ours")


async def test_readers_never_see_a_rebuild_switch_over(
    projects: httpx.AsyncClient,
    reporting_url: str,
    token_for: TokenFor,
    tenant: str,
) -> None:
    project_id = await started_project(projects)
    await command(
        projects,
        f"/v1/projects/{project_id}/costs",
        {"amount": "500", "incurred_on": "2026-02-01", "category": "labour"},
    )
    checks = _checks(project_id)
    headers = {"Authorization": f"Bearer {token_for(tenant, 'viewer')}"}
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as viewer:
        await poll(
            viewer, checks[0][0], lambda r: r.status_code == 200 and r.json()["ac"] == "500.00"
        )
        for path, complete in checks:
            await poll(viewer, path, lambda r, ok=complete: r.status_code == 200 and ok(r.json()))

    async with operator_client(reporting_url, token_for) as operator:
        reads = await _read_during_rebuilds(operator, reporting_url, headers, checks)
    assert reads.wrong == [], f"{len(reads.wrong)} of {reads.count} reads failed: {reads.wrong[:5]}"


async def _read_during_rebuilds(
    operator: httpx.AsyncClient,
    reporting_url: str,
    headers: dict[str, str],
    checks: list[tuple[str, Check]],
) -> Reads:
    """Run REBUILDS rebuilds one after another while READERS readers poll the reports."""
    reads, stop = Reads(), asyncio.Event()
    clients = [
        httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30)
        for _ in range(READERS)
    ]
    readers = [asyncio.create_task(_read_until(c, checks, stop, reads)) for c in clients]
    try:
        for _ in range(REBUILDS):
            before = reads.count
            await _rebuild(operator)
            assert reads.count > before, "no read ran while the rebuild switched over"
    finally:
        stop.set()
        await asyncio.gather(*readers, return_exceptions=True)
        for client in clients:
            await client.aclose()
    for reader in readers:
        assert reader.exception() is None, reader.exception()
    return reads
