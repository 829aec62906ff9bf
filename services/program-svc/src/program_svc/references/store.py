"""The `project_refs` table: what the application reads (always within one tenant), and what the
projection loads and writes (by project id alone: an event's tenant is checked in `fold`).

Every function runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from program_svc.references.model import ProjectRef

_SELECT = """SELECT project_id, tenant_id, code, name, status, currency, budget_at_completion,
    actual_cost, planned_start, planned_finish, percent_complete, last_version, updated_at
    FROM project_refs"""

_READ_ONE = text(_SELECT + " WHERE tenant_id = :tenant AND project_id = :id")
_READ_MANY = text(_SELECT + " WHERE tenant_id = :tenant AND project_id = ANY(CAST(:ids AS uuid[]))")
_LOCK = text(
    _SELECT + " WHERE project_id = ANY(CAST(:ids AS uuid[])) ORDER BY project_id FOR UPDATE"
)
# A row is only ever replaced by one of a later stream version (the fold guarantees it; the
# WHERE makes the table itself refuse to go back).
_UPSERT = text(
    """INSERT INTO project_refs (project_id, tenant_id, code, name, status, currency,
        budget_at_completion, actual_cost, planned_start, planned_finish, percent_complete,
        last_version, updated_at)
    VALUES (:project_id, :tenant_id, :code, :name, :status, :currency, :budget_at_completion,
        :actual_cost, :planned_start, :planned_finish, :percent_complete, :last_version,
        :updated_at)
    ON CONFLICT (project_id) DO UPDATE SET
        status = excluded.status,
        budget_at_completion = excluded.budget_at_completion,
        actual_cost = excluded.actual_cost,
        planned_start = excluded.planned_start,
        planned_finish = excluded.planned_finish,
        percent_complete = excluded.percent_complete,
        last_version = excluded.last_version,
        updated_at = excluded.updated_at
    WHERE project_refs.last_version < excluded.last_version"""
)


async def read_project_ref(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID
) -> ProjectRef | None:
    """The tenant's project as program-svc knows it; None when it knows no such project of
    this tenant (another tenant's project is not found either)."""
    row = (await conn.execute(_READ_ONE, {"tenant": tenant_id, "id": project_id})).first()
    return _ref(row) if row is not None else None


async def read_project_refs(
    conn: AsyncConnection, *, tenant_id: str, project_ids: Iterable[UUID]
) -> dict[UUID, ProjectRef]:
    """The tenant's projects among `project_ids` that program-svc knows, by id (ids it does not
    know, or of another tenant, are absent)."""
    ids = list(dict.fromkeys(project_ids))
    if not ids:
        return {}
    rows = await conn.execute(_READ_MANY, {"tenant": tenant_id, "ids": ids})
    return {ref.project_id: ref for ref in map(_ref, rows)}


async def lock_project_refs(
    conn: AsyncConnection, project_ids: Collection[UUID]
) -> dict[UUID, ProjectRef]:
    """The known references among `project_ids`, whatever their tenant, locked until the
    transaction ends (the projection's read before it folds and writes)."""
    if not project_ids:
        return {}
    rows = await conn.execute(_LOCK, {"ids": sorted(project_ids)})
    return {ref.project_id: ref for ref in map(_ref, rows)}


async def write_project_refs(conn: AsyncConnection, refs: Iterable[ProjectRef]) -> None:
    """Insert or replace references (a stored one only by one of a later `last_version`).
    `code`, `name` and `currency` are kept as first proposed: no event changes them."""
    params = [_params(ref) for ref in refs]
    if params:
        await conn.execute(_UPSERT, params)


def _params(ref: ProjectRef) -> dict[str, Any]:
    return {
        "project_id": ref.project_id,
        "tenant_id": ref.tenant_id,
        "code": ref.code,
        "name": ref.name,
        "status": ref.status,
        "currency": ref.currency,
        "budget_at_completion": ref.budget_at_completion,
        "actual_cost": ref.actual_cost,
        "planned_start": ref.planned_start,
        "planned_finish": ref.planned_finish,
        "percent_complete": ref.percent_complete,
        "last_version": ref.last_version,
        "updated_at": ref.updated_at,
    }


def _ref(row: Row[Any]) -> ProjectRef:
    return ProjectRef(
        project_id=row.project_id,
        tenant_id=row.tenant_id,
        code=row.code,
        name=row.name,
        status=row.status,
        currency=row.currency,
        budget_at_completion=row.budget_at_completion,
        actual_cost=row.actual_cost,
        planned_start=row.planned_start,
        planned_finish=row.planned_finish,
        percent_complete=row.percent_complete,
        last_version=row.last_version,
        updated_at=row.updated_at,
    )
