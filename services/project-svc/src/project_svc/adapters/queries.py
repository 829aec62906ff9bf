"""Reads of the project list (the query table, not the event store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from project_svc.adapters.tables import projects


async def list_projects(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    status: str | None,
    manager: str | None,
    large: bool | None,
    after: int | None,
    limit: int,
) -> Sequence[Any]:
    """One page of the tenant's projects in creation order, after the cursor `after`."""
    query = select(projects).where(projects.c.tenant_id == tenant_id)
    if status is not None:
        query = query.where(projects.c.status == status)
    if manager is not None:
        query = query.where(projects.c.manager == manager)
    if large is not None:
        query = query.where(projects.c.large == large)
    if after is not None:
        query = query.where(projects.c.seq > after)
    return (await conn.execute(query.order_by(projects.c.seq).limit(limit))).all()
