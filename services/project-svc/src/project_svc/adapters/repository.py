"""Loading aggregates from the event store and saving their new events plus query rows."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore import store
from pmo_shared.eventstore.store import RecordedEvent
from project_svc.adapters.tables import project_offices
from project_svc.domain.errors import RuleViolationError
from project_svc.domain.events import PROJECT, PROJECT_OFFICE
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice

A = TypeVar("A", bound=Aggregate)


async def live_office_id(conn: AsyncConnection, *, project_id: UUID, tenant_id: str) -> UUID | None:
    """The id of the project's office that has not been disbanded, if any."""
    return (
        await conn.execute(
            select(project_offices.c.office_id).where(
                project_offices.c.project_id == project_id,
                project_offices.c.tenant_id == tenant_id,
                project_offices.c.state == "established",
            )
        )
    ).scalar_one_or_none()


async def latest_office_id(
    conn: AsyncConnection, *, project_id: UUID, tenant_id: str
) -> UUID | None:
    """The project's live office, or else the one disbanded last."""
    return (
        await conn.execute(
            select(project_offices.c.office_id)
            .where(
                project_offices.c.project_id == project_id,
                project_offices.c.tenant_id == tenant_id,
            )
            .order_by((project_offices.c.state == "established").desc(), project_offices.c.version)
            .limit(1)
        )
    ).scalar_one_or_none()


async def save(
    conn: AsyncConnection,
    aggregate: Project | ProjectOffice,
    *,
    metadata: EventMetadata,
    large_threshold: Decimal,
) -> list[RecordedEvent]:
    """Append the aggregate's pending events at its loaded version and refresh its query row."""
    if not aggregate.pending:
        return []
    stream_type = PROJECT if isinstance(aggregate, Project) else PROJECT_OFFICE
    recorded = await store.append(
        conn,
        stream_type=stream_type,
        stream_id=aggregate.id,
        expected_version=aggregate.version,
        events=aggregate.pending,
        metadata=metadata,
    )
    aggregate.version += len(aggregate.pending)
    aggregate.pending.clear()
    if isinstance(aggregate, Project):
        await _upsert_project(conn, aggregate, metadata.tenant_id, recorded, large_threshold)
    else:
        await _upsert_office(conn, aggregate, metadata.tenant_id)
    return recorded


_UPSERT_PROJECT = text(
    """
    INSERT INTO projects (project_id, seq, tenant_id, code, name, status, manager, large,
                          budget_at_completion, currency, version, updated_at)
    VALUES (:project_id, :seq, :tenant_id, :code, :name, :status, :manager, :large,
            :budget_at_completion, :currency, :version, now())
    ON CONFLICT (project_id) DO UPDATE SET
        name = EXCLUDED.name, status = EXCLUDED.status, manager = EXCLUDED.manager,
        large = EXCLUDED.large, budget_at_completion = EXCLUDED.budget_at_completion,
        currency = EXCLUDED.currency, version = EXCLUDED.version, updated_at = now()
    """
)


async def _upsert_project(
    conn: AsyncConnection,
    project: Project,
    tenant_id: str,
    recorded: list[RecordedEvent],
    large_threshold: Decimal,
) -> None:
    row = {
        "project_id": project.id,
        "seq": recorded[0].position,
        "tenant_id": tenant_id,
        "code": project.code,
        "name": project.name,
        "status": project.status.value,
        "manager": project.manager,
        "large": project.is_large(large_threshold),
        "budget_at_completion": project.baseline.budget_at_completion if project.baseline else None,
        "currency": project.currency,
        "version": project.version,
    }
    try:
        await conn.execute(_UPSERT_PROJECT, row)
    except IntegrityError as exc:
        if "projects_tenant_code_key" in str(exc.orig):
            raise DuplicateCodeError(project.code) from exc
        raise


async def _upsert_office(conn: AsyncConnection, office: ProjectOffice, tenant_id: str) -> None:
    row = {
        "office_id": office.id,
        "project_id": office.project_id,
        "tenant_id": tenant_id,
        "state": office.state.value,
        "version": office.version,
    }
    statement = insert(project_offices).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=[project_offices.c.office_id],
        set_={"state": statement.excluded.state, "version": statement.excluded.version},
    )
    try:
        await conn.execute(statement)
    except IntegrityError as exc:
        if "project_offices_one_live_idx" in str(exc.orig):
            raise RuleViolationError("the project already has a Project Office") from exc
        raise


class DuplicateCodeError(RuleViolationError):
    """Another project of the tenant already uses this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"a project with code {code!r} already exists")
