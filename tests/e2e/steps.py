"""Steps of the end-to-end scenarios, and polling the read models (never sleeping blindly)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx


async def command(client: httpx.AsyncClient, path: str, body: Any = None) -> Any:
    response = await client.post(path, json=body)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def new_project(client: httpx.AsyncClient, **overrides: Any) -> str:
    body = {
        "code": f"E2E-{uuid.uuid4().hex[:8]}",
        "name": "Web server cluster upgrade",
        "manager": "pm-ann",
        "sponsor": "cio-bea",
        "methodology": "waterfall",
        "currency": "EUR",
        **overrides,
    }
    created = await command(client, "/v1/projects", body)
    project_id: str = created["project_id"]
    return project_id


async def poll(
    client: httpx.AsyncClient,
    path: str,
    until: Callable[[httpx.Response], bool],
    *,
    params: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> httpx.Response:
    """GET `path` until `until(response)` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(path, params=params)
        if until(response):
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: still {response.status_code} {response.text[:500]}")
        await asyncio.sleep(0.02)
