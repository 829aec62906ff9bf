"""Idempotency-Key on every POST: a retried fact takes effect once, scoped to tenant, caller,
route and key, also when the retries race and when the service restarted in between."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor, required_env

from .flows import active_large_project

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[5]
COST = {"amount": "1250.00", "incurred_on": "2026-02-02", "category": "labour"}


def _key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": f"{name}-{time.monotonic_ns()}"}


async def _project(api: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await api.get(f"/v1/projects/{project_id}")).json()
    return body


async def test_concurrent_retries_of_a_cost_record_it_once(api: httpx.AsyncClient) -> None:
    project_id = await active_large_project(api)
    headers = _key("cost")

    responses = await asyncio.gather(
        *(api.post(f"/v1/projects/{project_id}/costs", json=COST, headers=headers) for _ in "abcde")
    )

    assert [r.status_code for r in responses] == [201] * 5
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.json()["version"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    project = await _project(api, project_id)
    assert Decimal(project["actual_cost"]) == Decimal(COST["amount"])
    events = (await api.get(f"/v1/projects/{project_id}/events")).json()
    assert [e["event_type"] for e in events].count("CostRecorded") == 1


async def test_a_replay_answers_what_the_first_attempt_answered(api: httpx.AsyncClient) -> None:
    project_id = await active_large_project(api)
    p = f"/v1/projects/{project_id}"
    headers = _key("hold")
    first = await api.post(f"{p}/hold", json={"reason": "waiting for budget"}, headers=headers)
    await api.post(f"{p}/resume", json={})  # the project moves on meanwhile

    again = await api.post(f"{p}/hold", json={"reason": "waiting for budget"}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert (await _project(api, project_id))["status"] == "active"


async def test_the_same_key_with_another_body_is_refused_and_appends_nothing(
    api: httpx.AsyncClient,
) -> None:
    project_id = await active_large_project(api)
    headers = _key("cost")
    await api.post(f"/v1/projects/{project_id}/costs", json=COST, headers=headers)
    version = (await _project(api, project_id))["version"]

    other = await api.post(
        f"/v1/projects/{project_id}/costs", json={**COST, "amount": "99.00"}, headers=headers
    )

    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert (await _project(api, project_id))["version"] == version


async def test_a_key_is_scoped_to_the_route_and_the_caller(
    api: httpx.AsyncClient, project_url: str, token_for: TokenFor, tenant: str
) -> None:
    project_id = await active_large_project(api)
    p = f"/v1/projects/{project_id}"
    headers = _key("shared")
    risk = {"title": "Vendor late", "probability": "0.5", "impact": "1000", "owner": "pm-ann"}
    lesson = {"category": "vendors", "what_happened": "late", "recommendation": "buffer"}

    cost = await api.post(f"{p}/costs", json=COST, headers=headers)
    raised = await api.post(f"{p}/risks", json=risk, headers=headers)
    other = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='pmo-dora')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=other) as dora:
        dora_cost = await dora.post(f"{p}/costs", json=COST, headers=headers)
        learned = await dora.post(f"{p}/lessons", json=lesson, headers=headers)

    assert [r.status_code for r in (cost, raised, dora_cost, learned)] == [201] * 4
    assert not any("idempotent-replayed" in r.headers for r in (raised, dora_cost, learned))
    assert cost.json()["id"] != dora_cost.json()["id"]


async def test_a_retry_after_a_restart_of_the_service_takes_effect_once(
    api: httpx.AsyncClient,
) -> None:
    project_id = await active_large_project(api)
    headers = _key("restart")
    first = await api.post(f"/v1/projects/{project_id}/costs", json=COST, headers=headers)
    assert first.status_code == 201

    await asyncio.to_thread(_restart_project_svc)
    again = await api.post(f"/v1/projects/{project_id}/costs", json=COST, headers=headers)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    events = (await api.get(f"/v1/projects/{project_id}/events")).json()
    assert [e["event_type"] for e in events].count("CostRecorded") == 1


def _restart_project_svc() -> None:
    """Stop the test stack's project-svc (SIGTERM, all its workers) and start it again."""
    data = Path(required_env("PMO_DATA_DIR"))
    pid = int((data / "run" / "project-svc.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _alive(pid):
        assert time.monotonic() < deadline, "project-svc did not stop"
        time.sleep(0.1)
    subprocess.run(
        [str(REPO / "deploy" / "local" / "stack.sh"), "up", required_env("PMO_STACK_PROFILE")],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
