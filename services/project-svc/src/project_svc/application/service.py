"""The use cases of project-svc. Each runs in one transaction: load, authorise, decide,
append (with the outbox) and refresh the query tables."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

import orjson
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.domain.events import EventEnvelope, EventMetadata
from pmo_shared.eventstore import store
from pmo_shared.web.auth import Principal, Role
from project_svc.adapters import queries
from project_svc.adapters.tables import idempotency_keys
from project_svc.application.errors import (
    ForbiddenError,
    IdempotencyKeyReuseError,
    ProjectNotFoundError,
    StaleVersionError,
)
from project_svc.application.unit_of_work import UnitOfWork, unit_of_work
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import ProjectStatus

T = TypeVar("T")
ENDED = (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends a command, and the correlation id it travels with."""

    principal: Principal
    correlation_id: str

    @property
    def tenant(self) -> str:
        """The caller's tenant: every read and write is scoped to it."""
        return self.principal.tenant

    def metadata(self) -> EventMetadata:
        """Event metadata for what this caller appends."""
        return EventMetadata(
            tenant_id=self.tenant,
            actor=self.principal.subject,
            correlation_id=self.correlation_id,
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A created (or idempotently replayed) project."""

    project: Project
    replayed: bool


class ProjectService:
    """Projects and their Project Offices."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        large_threshold: Decimal,
        aggregates: AggregateCache,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._engine = engine
        self._aggregates = aggregates
        self._threshold = large_threshold
        self.today = today

    @property
    def large_threshold(self) -> Decimal:
        """The budget at completion from which a project counts as large."""
        return self._threshold

    def _unit(self, caller: Caller, *, write: bool) -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(
            self._engine,
            tenant_id=caller.tenant,
            cache=self._aggregates,
            large_threshold=self._threshold,
            write=write,
        )

    async def propose(
        self, caller: Caller, details: dict[str, Any], *, idempotency_key: str | None
    ) -> Proposal:
        """Propose a project; a repeated Idempotency-Key returns the first result."""
        _require_role(caller, Role.PMO, Role.PROJECT_MANAGER)
        if (
            Role.PMO not in caller.principal.roles
            and details["manager"] != caller.principal.subject
        ):
            raise ForbiddenError("a project manager may only propose projects they manage")
        request_hash = hashlib.sha256(
            orjson.dumps(details, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        async with self._unit(caller, write=True) as uow:
            if idempotency_key is not None:
                # Requests with the same key wait for each other, so a retry racing the first
                # attempt gets its result instead of a duplicate-code conflict.
                await uow.conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                    {"k": f"idempotency/{caller.tenant}/{idempotency_key}"},
                )
                earlier = await _earlier_result(uow.conn, caller, idempotency_key, request_hash)
                if earlier is not None:
                    return Proposal(await uow.project(earlier), replayed=True)
            project = Project.propose(uuid4(), **details)
            await uow.save(project, metadata=caller.metadata())
            if idempotency_key is not None:
                await _remember(uow.conn, caller, idempotency_key, request_hash, project.id)
        return Proposal(project, replayed=False)

    async def get(
        self, caller: Caller, project_id: UUID, *, as_of: datetime | None = None
    ) -> Project:
        """The project now, or as it was at `as_of`."""
        async with self._unit(caller, write=False) as uow:
            return await uow.project(project_id, as_of=as_of)

    async def list_projects(
        self,
        caller: Caller,
        *,
        status: ProjectStatus | None,
        manager: str | None,
        large: bool | None,
        after: int | None,
        limit: int,
    ) -> Sequence[Any]:
        """One page of the caller's tenant's projects; `after` is the last row's `seq`."""
        async with self._engine.connect() as conn:
            return await queries.list_projects(
                conn,
                tenant_id=caller.tenant,
                status=status.value if status else None,
                manager=manager,
                large=large,
                after=after,
                limit=limit,
            )

    async def history(self, caller: Caller, project_id: UUID) -> list[EventEnvelope]:
        """The project's events: its audit trail."""
        async with self._engine.connect() as conn:
            recorded = await store.read_stream(conn, stream_id=project_id, tenant_id=caller.tenant)
        if not recorded:
            raise ProjectNotFoundError(project_id)
        return [r.envelope for r in recorded]

    async def change(
        self,
        caller: Caller,
        project_id: UUID,
        command: Callable[[Project], T],
        *,
        if_match: int | None,
    ) -> tuple[Project, T]:
        """Run a command on a project the caller manages (or as PMO). When the command ends the
        project, its Project Office is disbanded in the same transaction."""
        async with self._unit(caller, write=True) as uow:
            project = await uow.project(project_id)
            _check_version(project.version, if_match)
            _require_manager(caller, project)
            result = command(project)
            await uow.save(project, metadata=caller.metadata())
            if project.status in ENDED:
                office = await uow.live_office(project.id)
                if office is not None:
                    office.disband(reason=f"project {project.status.value}", automatic=True)
                    await uow.save(office, metadata=caller.metadata())
        return project, result

    async def establish_office(
        self, caller: Caller, project_id: UUID, *, lead: str, cadence_days: int, charter: str
    ) -> ProjectOffice:
        """Set up the Project Office of a large project."""
        async with self._unit(caller, write=True) as uow:
            project = await uow.project(project_id)
            _require_manager(caller, project)
            office = ProjectOffice.establish(
                uuid4(),
                project=project,
                large_threshold=self._threshold,
                lead=lead,
                reporting_cadence_days=cadence_days,
                charter=charter,
            )
            await uow.save(office, metadata=caller.metadata())
        return office

    async def office(self, caller: Caller, project_id: UUID) -> ProjectOffice:
        """The project's live office, or else its last one."""
        async with self._unit(caller, write=False) as uow:
            await uow.project(project_id)
            return await uow.latest_office(project_id)

    async def change_office(
        self,
        caller: Caller,
        project_id: UUID,
        command: Callable[[ProjectOffice], T],
        *,
        if_match: int | None,
        lead_may: bool = True,
    ) -> tuple[ProjectOffice, T]:
        """Run a command on the project's office (its lead may too, where `lead_may`)."""
        async with self._unit(caller, write=True) as uow:
            project = await uow.project(project_id)
            office = await uow.latest_office(project_id)
            _check_version(office.version, if_match)
            if not (lead_may and office.lead == caller.principal.subject):
                _require_manager(caller, project)
            result = command(office)
            await uow.save(office, metadata=caller.metadata())
        return office, result


def _check_version(actual: int, if_match: int | None) -> None:
    if if_match is not None and if_match != actual:
        raise StaleVersionError(expected=if_match, actual=actual)


def _require_role(caller: Caller, *roles: Role) -> None:
    if not caller.principal.has_any_role(*roles):
        raise ForbiddenError(f"this needs one of the roles: {', '.join(r.value for r in roles)}")


def _require_manager(caller: Caller, project: Project) -> None:
    if Role.PMO in caller.principal.roles:
        return
    if (
        project.manager == caller.principal.subject
        and Role.PROJECT_MANAGER in caller.principal.roles
    ):
        return
    raise ForbiddenError("only the PMO and the project's manager may change this project")


async def _earlier_result(
    conn: AsyncConnection, caller: Caller, key: str, request_hash: str
) -> UUID | None:
    row = (
        await conn.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.response).where(
                idempotency_keys.c.tenant_id == caller.tenant, idempotency_keys.c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReuseError("this Idempotency-Key was used with a different request")
    return UUID(row.response["project_id"])


async def _remember(
    conn: AsyncConnection, caller: Caller, key: str, request_hash: str, project_id: UUID
) -> None:
    await conn.execute(
        insert(idempotency_keys).values(
            tenant_id=caller.tenant,
            key=key,
            request_hash=request_hash,
            status_code=201,
            response={"project_id": str(project_id)},
        )
    )
