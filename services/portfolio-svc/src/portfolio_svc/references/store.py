"""The `program_refs` and `project_refs` tables: what the application reads (always within one
tenant), and what the projection loads and writes (by id alone: an event's tenant is checked in
`fold`).

Every function runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Row, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from portfolio_svc.references.model import ProgramRef, ProjectRef

_PROGRAMS = """SELECT program_id, tenant_id, code, name, status, currency, pool, members,
    last_version, updated_at FROM program_refs"""
_PROJECTS = """SELECT project_id, tenant_id, code, name, status, currency, flagged_large,
    budget_at_completion, last_version, updated_at FROM project_refs"""
_ONE = " WHERE tenant_id = :tenant AND {key} = :id"
_MANY = " WHERE tenant_id = :tenant AND {key} = ANY(CAST(:ids AS uuid[]))"
_LOCK = " WHERE {key} = ANY(CAST(:ids AS uuid[])) ORDER BY {key} FOR UPDATE"

_READ_PROGRAM = text(_PROGRAMS + _ONE.format(key="program_id"))
_READ_PROGRAMS = text(_PROGRAMS + _MANY.format(key="program_id"))
_LOCK_PROGRAMS = text(_PROGRAMS + _LOCK.format(key="program_id"))
_READ_PROJECT = text(_PROJECTS + _ONE.format(key="project_id"))
_READ_PROJECTS = text(_PROJECTS + _MANY.format(key="project_id"))
_LOCK_PROJECTS = text(_PROJECTS + _LOCK.format(key="project_id"))
# `members @>` is what the GIN index on members serves.
_WITH_MEMBER = text(
    """SELECT program_id FROM program_refs
    WHERE tenant_id = :tenant AND members @> ARRAY[CAST(:id AS uuid)]
    ORDER BY program_id"""
)
# A row is only ever replaced by one of a later stream version (the fold guarantees it; the
# WHERE makes the table itself refuse to go back). `code`, `name` and `currency` are kept as
# first proposed: no event changes them.
_UPSERT_PROGRAM = text(
    """INSERT INTO program_refs (program_id, tenant_id, code, name, status, currency, pool,
        members, last_version, updated_at)
    VALUES (:program_id, :tenant_id, :code, :name, :status, :currency, :pool,
        CAST(:members AS uuid[]), :last_version, :updated_at)
    ON CONFLICT (program_id) DO UPDATE SET
        status = excluded.status,
        pool = excluded.pool,
        members = excluded.members,
        last_version = excluded.last_version,
        updated_at = excluded.updated_at
    WHERE program_refs.last_version < excluded.last_version"""
)
_UPSERT_PROJECT = text(
    """INSERT INTO project_refs (project_id, tenant_id, code, name, status, currency,
        flagged_large, budget_at_completion, last_version, updated_at)
    VALUES (:project_id, :tenant_id, :code, :name, :status, :currency, :flagged_large,
        :budget_at_completion, :last_version, :updated_at)
    ON CONFLICT (project_id) DO UPDATE SET
        status = excluded.status,
        budget_at_completion = excluded.budget_at_completion,
        last_version = excluded.last_version,
        updated_at = excluded.updated_at
    WHERE project_refs.last_version < excluded.last_version"""
)


# -- what the application reads ---------------------------------------------------------------


async def read_program_ref(
    conn: AsyncConnection, *, tenant_id: str, program_id: UUID
) -> ProgramRef | None:
    """The tenant's program as portfolio-svc knows it; None when it knows no such program of
    this tenant (another tenant's program is not found either)."""
    row = (await conn.execute(_READ_PROGRAM, {"tenant": tenant_id, "id": program_id})).first()
    return _program(row) if row is not None else None


async def read_project_ref(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID
) -> ProjectRef | None:
    """The tenant's project as portfolio-svc knows it; None when it knows no such project of
    this tenant (another tenant's project is not found either)."""
    row = (await conn.execute(_READ_PROJECT, {"tenant": tenant_id, "id": project_id})).first()
    return _project(row) if row is not None else None


async def read_program_refs(
    conn: AsyncConnection, *, tenant_id: str, program_ids: Iterable[UUID]
) -> dict[UUID, ProgramRef]:
    """The tenant's programs among `program_ids` that portfolio-svc knows, by id (ids it does
    not know, or of another tenant, are absent)."""
    rows = await _many(conn, _READ_PROGRAMS, tenant_id, program_ids)
    return {ref.program_id: ref for ref in map(_program, rows)}


async def read_project_refs(
    conn: AsyncConnection, *, tenant_id: str, project_ids: Iterable[UUID]
) -> dict[UUID, ProjectRef]:
    """The tenant's projects among `project_ids` that portfolio-svc knows, by id (ids it does
    not know, or of another tenant, are absent)."""
    rows = await _many(conn, _READ_PROJECTS, tenant_id, project_ids)
    return {ref.project_id: ref for ref in map(_project, rows)}


async def programs_with_member(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID
) -> list[UUID]:
    """The tenant's known programs whose members include the project, in id order. A closed or
    cancelled program keeps the members it ended with (`ProgramRef.ended` tells it apart)."""
    rows = await conn.execute(_WITH_MEMBER, {"tenant": tenant_id, "id": project_id})
    return [row.program_id for row in rows]


async def _many(
    conn: AsyncConnection, statement: TextClause, tenant_id: str, ids: Iterable[UUID]
) -> list[Row[Any]]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    return list(await conn.execute(statement, {"tenant": tenant_id, "ids": wanted}))


# -- what the projection loads and writes -----------------------------------------------------


async def lock_program_refs(
    conn: AsyncConnection, program_ids: Collection[UUID]
) -> dict[UUID, ProgramRef]:
    """The known programs among `program_ids`, whatever their tenant, locked until the
    transaction ends (the projection's read before it folds and writes)."""
    rows = await _locked(conn, _LOCK_PROGRAMS, program_ids)
    return {ref.program_id: ref for ref in map(_program, rows)}


async def lock_project_refs(
    conn: AsyncConnection, project_ids: Collection[UUID]
) -> dict[UUID, ProjectRef]:
    """The known projects among `project_ids`, whatever their tenant, locked until the
    transaction ends."""
    rows = await _locked(conn, _LOCK_PROJECTS, project_ids)
    return {ref.project_id: ref for ref in map(_project, rows)}


async def write_program_refs(conn: AsyncConnection, refs: Iterable[ProgramRef]) -> None:
    """Insert or replace program references (a stored one only by one of a later
    `last_version`)."""
    params = [_program_params(ref) for ref in refs]
    if params:
        await conn.execute(_UPSERT_PROGRAM, params)


async def write_project_refs(conn: AsyncConnection, refs: Iterable[ProjectRef]) -> None:
    """Insert or replace project references (a stored one only by one of a later
    `last_version`)."""
    params = [_project_params(ref) for ref in refs]
    if params:
        await conn.execute(_UPSERT_PROJECT, params)


async def _locked(
    conn: AsyncConnection, statement: TextClause, ids: Collection[UUID]
) -> list[Row[Any]]:
    if not ids:
        return []
    return list(await conn.execute(statement, {"ids": sorted(ids)}))


# -- rows and references ------------------------------------------------------------------------


def _program_params(ref: ProgramRef) -> dict[str, Any]:
    return {
        "program_id": ref.program_id,
        "tenant_id": ref.tenant_id,
        "code": ref.code,
        "name": ref.name,
        "status": ref.status,
        "currency": ref.currency,
        "pool": ref.pool,
        "members": sorted(ref.members),
        "last_version": ref.last_version,
        "updated_at": ref.updated_at,
    }


def _project_params(ref: ProjectRef) -> dict[str, Any]:
    return {
        "project_id": ref.project_id,
        "tenant_id": ref.tenant_id,
        "code": ref.code,
        "name": ref.name,
        "status": ref.status,
        "currency": ref.currency,
        "flagged_large": ref.flagged_large,
        "budget_at_completion": ref.budget_at_completion,
        "last_version": ref.last_version,
        "updated_at": ref.updated_at,
    }


def _program(row: Row[Any]) -> ProgramRef:
    return ProgramRef(
        program_id=row.program_id,
        tenant_id=row.tenant_id,
        code=row.code,
        name=row.name,
        status=row.status,
        currency=row.currency,
        pool=row.pool,
        members=frozenset(row.members),
        last_version=row.last_version,
        updated_at=row.updated_at,
    )


def _project(row: Row[Any]) -> ProjectRef:
    return ProjectRef(
        project_id=row.project_id,
        tenant_id=row.tenant_id,
        code=row.code,
        name=row.name,
        status=row.status,
        currency=row.currency,
        flagged_large=row.flagged_large,
        budget_at_completion=row.budget_at_completion,
        last_version=row.last_version,
        updated_at=row.updated_at,
    )
