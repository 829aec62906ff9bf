"""portfolio-svc's query rows in PostgreSQL: the portfolio list and the portfolio each program
or project is a component of, written in the same transaction as the events they reflect; and
the programs and projects it knows from their services' events (the references' tables), read
in that transaction too.

The list holds a portfolio's manager as their pseudonym (the key store's `subject_ref`), never
the user id: `?manager=` looks the user id's pseudonym up, and a page shows each pseudonym's
user id from the key store, or `[erased]`.

A program or project is a component of one portfolio at most: the unique
`(tenant_id, component_id)` of `portfolio_components` refuses a second, also when two
portfolios add it at once (the second insert waits for the first transaction and fails once it
committed). A removed component is free again. The PMO's standards keep no rows."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.errors import unique_violation
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.errors import RuleViolationError
from pmo_shared.eventstore.store import RecordedEvent
from pmo_shared.privacy.keystore import SUBJECT_COLUMNS, KeyStore, pseudonym_of, subject_join
from portfolio_svc.adapters.tables import (
    COMPONENT_KEY,
    PORTFOLIO_CODE_KEY,
    portfolio_components,
)
from portfolio_svc.application.errors import ComponentInAnotherPortfolioError, DuplicateCodeError
from portfolio_svc.application.ports import PortfolioListing
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.references import store as references
from portfolio_svc.references.model import ProgramRef, ProjectRef

_UPSERT_PORTFOLIO = text(
    """
    INSERT INTO portfolios (portfolio_id, seq, tenant_id, code, name, manager, currency,
                            version, updated_at)
    VALUES (:portfolio_id, :seq, :tenant_id, :code, :name,
            coalesce(:manager,
                     (SELECT p.manager FROM portfolios p WHERE p.portfolio_id = :portfolio_id)),
            :currency, :version, now())
    ON CONFLICT (portfolio_id) DO UPDATE SET
        name = EXCLUDED.name, manager = EXCLUDED.manager, currency = EXCLUDED.currency,
        version = EXCLUDED.version, updated_at = now()
    """
)
_ADDED, _REMOVED = "ComponentAdded", "ComponentRemoved"


class PostgresPortfolioRows:
    """`PortfolioRows` on one connection (its transaction)."""

    def __init__(self, conn: AsyncConnection, keys: KeyStore) -> None:
        self._conn = conn
        self._keys = keys

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the list row of the portfolio just saved, and its components' rows."""
        if isinstance(aggregate, PmoStandards):
            return
        if not isinstance(aggregate, Portfolio):
            raise TypeError(f"portfolio-svc keeps no rows of {type(aggregate).__name__}")
        tenant_id = recorded[0].envelope.tenant_id
        await self._portfolio_saved(aggregate, tenant_id, recorded[0].position)
        for event in (r.envelope for r in recorded):
            if event.event_type == _ADDED:
                component_id = UUID(event.payload["component_id"])
                await self._join(tenant_id, component_id, aggregate.id, event.payload["kind"])
            elif event.event_type == _REMOVED:
                await self._leave(aggregate.id, UUID(event.payload["component_id"]))

    async def _portfolio_saved(self, portfolio: Portfolio, tenant_id: str, seq: int) -> None:
        manager = await self._keys.pseudonym(tenant_id, portfolio.manager)
        row = {
            "portfolio_id": portfolio.id,
            "seq": seq,
            "tenant_id": tenant_id,
            "code": portfolio.code,
            "name": portfolio.name,
            "manager": manager,
            "currency": portfolio.currency,
            "version": portfolio.version,
        }
        try:
            await self._conn.execute(_UPSERT_PORTFOLIO, row)
        except IntegrityError as exc:
            if unique_violation(exc) == PORTFOLIO_CODE_KEY:
                raise DuplicateCodeError(portfolio.code) from exc
            raise

    async def _join(
        self, tenant_id: str, component_id: UUID, portfolio_id: UUID, kind: str
    ) -> None:
        row = {
            "tenant_id": tenant_id,
            "component_id": component_id,
            "portfolio_id": portfolio_id,
            "kind": kind,
        }
        for _attempt in range(3):
            try:
                # A savepoint: after a refused insert the transaction goes on, to name the holder.
                async with self._conn.begin_nested():
                    await self._conn.execute(portfolio_components.insert().values(row))
                return
            except IntegrityError as exc:
                if unique_violation(exc) != COMPONENT_KEY:
                    raise
            holder = await self.portfolio_of_component(
                tenant_id=tenant_id, component_id=component_id
            )
            if holder is not None:
                raise ComponentInAnotherPortfolioError(
                    component_id=component_id, portfolio_id=holder
                )
            # the holder let it go in between: try again
        raise RuleViolationError(f"component {component_id} is changing portfolios: try again")

    async def _leave(self, portfolio_id: UUID, component_id: UUID) -> None:
        await self._conn.execute(
            delete(portfolio_components).where(
                portfolio_components.c.portfolio_id == portfolio_id,
                portfolio_components.c.component_id == component_id,
            )
        )

    async def portfolio_of_component(self, *, tenant_id: str, component_id: UUID) -> UUID | None:
        """See `PortfolioRows.portfolio_of_component`."""
        query = select(portfolio_components.c.portfolio_id).where(
            portfolio_components.c.tenant_id == tenant_id,
            portfolio_components.c.component_id == component_id,
        )
        holder: UUID | None = (await self._conn.execute(query)).scalar_one_or_none()
        return holder

    async def program_ref(self, *, tenant_id: str, program_id: UUID) -> ProgramRef | None:
        """See `PortfolioRows.program_ref`."""
        return await references.read_program_ref(
            self._conn, tenant_id=tenant_id, program_id=program_id
        )

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """See `PortfolioRows.project_ref`."""
        return await references.read_project_ref(
            self._conn, tenant_id=tenant_id, project_id=project_id
        )

    async def program_refs(
        self, *, tenant_id: str, program_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProgramRef]:
        """See `PortfolioRows.program_refs`."""
        return await references.read_program_refs(
            self._conn, tenant_id=tenant_id, program_ids=list(program_ids)
        )

    async def programs_with_member(self, *, tenant_id: str, project_id: UUID) -> Sequence[UUID]:
        """See `PortfolioRows.programs_with_member`."""
        return await references.programs_with_member(
            self._conn, tenant_id=tenant_id, project_id=project_id
        )

    async def list_portfolios(
        self, *, tenant_id: str, manager: str | None, after: int | None, limit: int
    ) -> Sequence[PortfolioListing]:
        """See `PortfolioRows.list_portfolios`: one statement for the page and its
        managers' key store rows."""
        params: dict[str, Any] = {"tenant": tenant_id, "limit": limit}
        if manager is not None:
            params["lookup"] = self._keys.lookup_hash(tenant_id, manager)
        if after is not None:
            params["after"] = after
        statement = _list_statement(manager=manager is not None, after=after is not None)
        rows: Sequence[Any] = (await self._conn.execute(statement, params)).all()
        named = await self._keys.named(self._conn, rows, "manager")
        return [
            _Listing(
                portfolio_id=r.portfolio_id,
                seq=r.seq,
                code=r.code,
                name=r.name,
                manager=named[r.manager],
                currency=r.currency,
                version=r.version,
            )
            for r in rows
        ]


@functools.cache
def _list_statement(*, manager: bool, after: bool) -> Any:
    """The page's statement for one combination of filters (each its own prepared statement,
    so the plan always fits): the first `:limit` rows of the tenant by `seq`, with the key
    store's row of each manager."""
    where = ["p.tenant_id = :tenant"]
    if manager:
        where.append(f"p.manager = {pseudonym_of('tenant', 'lookup')}")
    if after:
        where.append("p.seq > :after")
    page = f"""SELECT p.portfolio_id, p.seq, p.code, p.name, p.manager, p.currency, p.version
        FROM portfolios p WHERE {" AND ".join(where)} ORDER BY p.seq LIMIT :limit"""  # noqa: S608 (the fragments above)
    # Only the module's own fragments above go into the text: every value is a parameter.
    return text(
        f"SELECT page.*, {SUBJECT_COLUMNS} FROM ({page}) AS page "  # noqa: S608
        f"{subject_join('page.manager')} ORDER BY page.seq"
    )


@dataclass(frozen=True, slots=True)
class _Listing:
    """A row of the portfolio list with its manager's user id."""

    portfolio_id: UUID
    seq: int
    code: str
    name: str
    manager: str
    currency: str
    version: int
