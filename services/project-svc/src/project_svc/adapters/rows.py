"""project-svc's query rows in PostgreSQL: the project list and each project's offices, written
in the same transaction as the events they reflect; and the references it keeps of
portfolio-svc's events (`project_svc.references.store`), read in that transaction too.

A row of the list keeps the project's flag, BAC and currency; whether it is large is computed
as the list is read, by the standards in force then (`_LARGE`): a change of the PMO's
standards changes the list at once, without any event of the project.

The list holds a project's manager as their pseudonym (the key store's `subject_ref`), never
the user id: `?manager=` looks the user id's pseudonym up, and a page shows each pseudonym's
user id from the key store, or `[erased]`."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.errors import unique_violation
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.errors import RuleViolationError
from pmo_shared.eventstore.store import RecordedEvent
from pmo_shared.privacy.keystore import SUBJECT_COLUMNS, KeyStore, pseudonym_of, subject_join
from project_svc.adapters.tables import project_offices
from project_svc.application.ports import ProjectListing
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.standards import PortfolioDecision, Standards
from project_svc.references import store as references

_UPSERT_PROJECT = text(
    """
    INSERT INTO projects (project_id, seq, tenant_id, code, name, status, manager,
                          flagged_large, budget_at_completion, currency, version, updated_at)
    VALUES (:project_id, :seq, :tenant_id, :code, :name, :status,
            coalesce(:manager, (SELECT p.manager FROM projects p WHERE p.project_id = :project_id)),
            :flagged_large, :budget_at_completion, :currency, :version, now())
    ON CONFLICT (project_id) DO UPDATE SET
        name = EXCLUDED.name, status = EXCLUDED.status, manager = EXCLUDED.manager,
        flagged_large = EXCLUDED.flagged_large,
        budget_at_completion = EXCLUDED.budget_at_completion,
        currency = EXCLUDED.currency, version = EXCLUDED.version, updated_at = now()
    """
)


class DuplicateCodeError(RuleViolationError):
    """Another project of the tenant already uses this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"a project with code {code!r} already exists")


class PostgresProjectRows:
    """`ProjectRows` on one connection (its transaction)."""

    def __init__(self, conn: AsyncConnection, keys: KeyStore) -> None:
        self._conn = conn
        self._keys = keys
        self._upserts: dict[type[Aggregate], Callable[[Any, list[RecordedEvent]], Awaitable[None]]]
        self._upserts = {Project: self._project_saved, ProjectOffice: self._office_saved}

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the row of the project or office just saved."""
        await self._upserts[type(aggregate)](aggregate, list(recorded))

    async def _project_saved(self, project: Project, recorded: list[RecordedEvent]) -> None:
        tenant_id = recorded[0].envelope.tenant_id
        manager = await self._keys.pseudonym(tenant_id, project.manager)
        row = {
            "project_id": project.id,
            "seq": recorded[0].position,
            "tenant_id": tenant_id,
            "code": project.code,
            "name": project.name,
            "status": project.status.value,
            "manager": manager,
            "flagged_large": project.flagged_large,
            "budget_at_completion": (
                project.baseline.budget_at_completion if project.baseline else None
            ),
            "currency": project.currency,
            "version": project.version,
        }
        try:
            await self._conn.execute(_UPSERT_PROJECT, row)
        except IntegrityError as exc:
            if unique_violation(exc) == "projects_tenant_code_key":
                raise DuplicateCodeError(project.code) from exc
            raise

    async def _office_saved(self, office: ProjectOffice, recorded: list[RecordedEvent]) -> None:
        row = {
            "office_id": office.id,
            "project_id": office.project_id,
            "tenant_id": recorded[0].envelope.tenant_id,
            "state": office.state.value,
            "version": office.version,
            "last_position": recorded[-1].position,
        }
        statement = insert(project_offices).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[project_offices.c.office_id],
            set_={
                "state": statement.excluded.state,
                "version": statement.excluded.version,
                "last_position": statement.excluded.last_position,
            },
        )
        try:
            await self._conn.execute(statement)
        except IntegrityError as exc:
            if unique_violation(exc) == "project_offices_one_live_idx":
                raise RuleViolationError("the project already has a Project Office") from exc
            raise

    async def live_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """See `ProjectRows.live_office_id`."""
        query = select(project_offices.c.office_id).where(
            project_offices.c.project_id == project_id,
            project_offices.c.tenant_id == tenant_id,
            project_offices.c.state == "established",
        )
        office_id: UUID | None = (await self._conn.execute(query)).scalar_one_or_none()
        return office_id

    async def latest_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """See `ProjectRows.latest_office_id`."""
        query = (
            select(project_offices.c.office_id)
            .where(
                project_offices.c.project_id == project_id,
                project_offices.c.tenant_id == tenant_id,
            )
            .order_by(
                (project_offices.c.state == "established").desc(),
                project_offices.c.last_position.desc(),
            )
            .limit(1)
        )
        office_id: UUID | None = (await self._conn.execute(query)).scalar_one_or_none()
        return office_id

    async def list_projects(
        self,
        *,
        tenant_id: str,
        status: str | None,
        manager: str | None,
        large: bool | None,
        after: int | None,
        limit: int,
        standards: Standards,
    ) -> Sequence[ProjectListing]:
        """See `ProjectRows.list_projects`: one statement for the page (large judged in it) and
        its managers' key store rows."""
        params: dict[str, Any] = {
            "tenant": tenant_id,
            "listed": json.dumps({c: str(a) for c, a in standards.large_project_threshold.items()}),
            "any": standards.any_currency_large,
            "limit": limit,
        }
        if status is not None:
            params["status"] = status
        if manager is not None:
            params["lookup"] = self._keys.lookup_hash(tenant_id, manager)
        if after is not None:
            params["after"] = after
        statement = _list_statement(
            status=status is not None,
            manager=manager is not None,
            large=large,
            after=after is not None,
        )
        rows: Sequence[Any] = (await self._conn.execute(statement, params)).all()
        named = await self._keys.named(self._conn, rows, "manager")
        return [
            _Listing(
                project_id=r.project_id,
                seq=r.seq,
                code=r.code,
                name=r.name,
                status=r.status,
                manager=named[r.manager],
                flagged_large=r.flagged_large,
                budget_at_completion=r.budget_at_completion,
                currency=r.currency,
                version=r.version,
                large=r.large,
            )
            for r in rows
        ]

    async def standards_on(self, *, tenant_id: str, on: date) -> Standards | None:
        """See `ProjectRows.standards_on`."""
        found = await references.read_standards_on(self._conn, tenant_id=tenant_id, on=on)
        return found.standards() if found is not None else None

    async def portfolio_decision(
        self, *, tenant_id: str, project_id: UUID, on: date
    ) -> PortfolioDecision | None:
        """See `ProjectRows.portfolio_decision`."""
        found = await references.read_decision_on(
            self._conn, tenant_id=tenant_id, project_id=project_id, on=on
        )
        return found.portfolio_decision() if found is not None else None


# Whether a row is large by the standards given, as `Project.is_large` decides it: flagged, or
# a BAC at `Standards.large_threshold` of its currency (:listed, else :any; none: only the flag).
_LARGE = """(p.flagged_large OR coalesce(p.budget_at_completion >= coalesce(
        CAST(CAST(:listed AS jsonb) ->> p.currency AS numeric), CAST(:any AS numeric)), false))"""


@functools.cache
def _list_statement(*, status: bool, manager: bool, large: bool | None, after: bool) -> Any:
    """The page's statement for one combination of filters (each its own prepared statement,
    so the plan always fits): the first `:limit` rows of the tenant by `seq`, with `large` by
    the standards given and the key store's row of each manager."""
    where = ["p.tenant_id = :tenant"]
    if status:
        where.append("p.status = :status")
    if manager:
        where.append(f"p.manager = {pseudonym_of('tenant', 'lookup')}")
    if large is not None:
        where.append(_LARGE if large else f"NOT {_LARGE}")
    if after:
        where.append("p.seq > :after")
    page = f"""SELECT p.project_id, p.seq, p.code, p.name, p.status, p.manager, p.flagged_large,
            p.budget_at_completion, p.currency, p.version, {_LARGE} AS large
        FROM projects p
        WHERE {" AND ".join(where)}
        ORDER BY p.seq LIMIT :limit"""  # noqa: S608 (the fragments above)
    # Only the module's own fragments above go into the text: every value is a parameter.
    return text(
        f"SELECT page.*, {SUBJECT_COLUMNS} FROM ({page}) AS page "  # noqa: S608
        f"{subject_join('page.manager')} ORDER BY page.seq"
    )


@dataclass(frozen=True, slots=True)
class _Listing:
    """A row of the project list with its manager's user id."""

    project_id: UUID
    seq: int
    code: str
    name: str
    status: str
    manager: str
    flagged_large: bool
    budget_at_completion: Decimal | None
    currency: str
    version: int
    large: bool
