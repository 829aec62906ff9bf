"""Steps of the end-to-end scenarios, and polling the read models (never sleeping blindly)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from pmo_shared.testing import required_env
from pmo_shared.web.auth import issue_dev_token

PROPOSER = "pmo-paula"
"""Who proposes the projects of these tests: not the client's PMO user, who approves them
(nobody approves their own proposal)."""


def as_user(client: httpx.AsyncClient, sub: str, *roles: str) -> dict[str, str]:
    """The Authorization header of user `sub` with `roles` in the tenant of `client`'s token."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    tenant = jwt.decode(token, options={"verify_signature": False})["tenant"]
    mine = issue_dev_token(required_env("JWT_SECRET"), sub=sub, tenant=tenant, roles=roles)
    return {"Authorization": f"Bearer {mine}"}


async def command(client: httpx.AsyncClient, path: str, body: Any = None) -> Any:
    response = await client.post(path, json=body)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def new_project(client: httpx.AsyncClient, **overrides: Any) -> str:
    """A project proposed by `PROPOSER`, so that `client` may approve it."""
    body = {
        "code": f"E2E-{uuid.uuid4().hex[:8]}",
        "name": "Web server cluster upgrade",
        "manager": "pm-ann",
        "sponsor": "cio-bea",
        "methodology": "waterfall",
        "currency": "EUR",
        **overrides,
    }
    proposer = as_user(client, PROPOSER, "pmo")
    created = await client.post("/v1/projects", json=body, headers=proposer)
    assert created.status_code == 201, created.text
    project_id: str = created.json()["project_id"]
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
