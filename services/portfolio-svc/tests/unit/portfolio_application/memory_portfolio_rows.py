"""portfolio-svc's query rows in memory, for the handler tests: a stand-in for
`PostgresPortfolioRows` that keeps its rules.

- `saved` upserts the list row of the portfolio just saved (it keeps the `seq` and code of its
  first save, as the PostgreSQL upsert does) and the component rows its new events change: a
  program or project joins (`ComponentAdded`) or leaves (`ComponentRemoved`). The PMO's
  standards keep no rows.
- A second portfolio with the same code in a tenant is refused (`DuplicateCodeError`), and so
  is a component joining a second portfolio (`ComponentInAnotherPortfolioError` naming the
  holder), as the unique indexes refuse them.
- The programs and projects portfolio-svc knows are what the test says it knows (`know`), by
  tenant.
- The rows are transactional, as the tables are: what a unit of work writes is seen by that
  unit at once and by others only once its events committed; when its block raised, it is
  dropped (the rows must be made on an `ObservedEventStore`, see `portfolio_units`).

Unlike PostgreSQL, a unit does not wait for a concurrent unit's uncommitted rows: the unique
checks see committed rows and the unit's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from uuid import UUID

from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import EventStore, RecordedEvent
from portfolio_svc.application.errors import ComponentInAnotherPortfolioError, DuplicateCodeError
from portfolio_svc.domain.events import registry
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.references.model import ProgramRef, ProjectRef

ComponentKey = tuple[str, UUID]  # tenant, component


class ObservedEventStore(InMemoryEventStore):
    """The in-memory event store, telling listeners (the rows) when a transaction has ended
    and which positions are committed by then."""

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[Callable[[set[int]], None]] = []

    def on_transaction_end(self, listener: Callable[[set[int]], None]) -> None:
        """Call `listener` with the committed positions after every transaction."""
        self._listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventStore]:
        """See `InMemoryEventStore.transaction`."""
        try:
            async with super().transaction() as events:
                yield events
        finally:
            committed = {r.position for r in self.events()}
            for listener in self._listeners:
                listener(committed)


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """One row of the portfolio list (a `PortfolioListing`)."""

    portfolio_id: UUID
    seq: int
    tenant_id: str
    code: str
    name: str
    manager: str
    currency: str
    version: int


@dataclass(slots=True)
class _Written:
    """What one open transaction wrote: visible to it alone until it commits."""

    portfolios: dict[UUID, PortfolioRow] = field(default_factory=dict)
    components: dict[ComponentKey, UUID | None] = field(default_factory=dict)  # None: it left
    last_position: int = 0


class MemoryPortfolioRows:
    """`PortfolioRows` in memory, shared by every unit of work of one `InMemoryUnitsOfWork`."""

    def __init__(self, store: InMemoryEventStore) -> None:
        if not isinstance(store, ObservedEventStore):
            raise TypeError("MemoryPortfolioRows needs an ObservedEventStore to be transactional")
        store.on_transaction_end(self._transaction_ended)
        self.portfolios: dict[UUID, PortfolioRow] = {}  # committed rows
        self.components: dict[ComponentKey, UUID] = {}
        self.programs: dict[ComponentKey, ProgramRef] = {}
        self.projects: dict[ComponentKey, ProjectRef] = {}
        self._open: dict[asyncio.Task[object] | None, _Written] = {}

    def know(self, ref: ProgramRef | ProjectRef) -> None:
        """portfolio-svc has learnt of this program or project (or of its latest state)."""
        if isinstance(ref, ProgramRef):
            self.programs[(ref.tenant_id, ref.program_id)] = ref
        else:
            self.projects[(ref.tenant_id, ref.project_id)] = ref

    # -- PortfolioRows ---------------------------------------------------------------------
    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the list row of the portfolio just saved, and its components' rows."""
        if isinstance(aggregate, PmoStandards):
            return
        if not isinstance(aggregate, Portfolio):
            raise TypeError(type(aggregate).__name__)
        tenant_id = recorded[0].envelope.tenant_id
        self._portfolio_saved(aggregate, tenant_id, recorded[0].position)
        written = self._written()
        for event in (r.envelope for r in recorded):
            if event.event_type == "ComponentAdded":
                self._join((tenant_id, UUID(event.payload["component_id"])), aggregate.id)
            elif event.event_type == "ComponentRemoved":
                written.components[(tenant_id, UUID(event.payload["component_id"]))] = None
        written.last_position = recorded[-1].position

    async def portfolio_of_component(self, *, tenant_id: str, component_id: UUID) -> UUID | None:
        """See `PortfolioRows.portfolio_of_component`."""
        return self._visible_components().get((tenant_id, component_id))

    async def program_ref(self, *, tenant_id: str, program_id: UUID) -> ProgramRef | None:
        """See `PortfolioRows.program_ref`."""
        return self.programs.get((tenant_id, program_id))

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """See `PortfolioRows.project_ref`."""
        return self.projects.get((tenant_id, project_id))

    async def program_refs(
        self, *, tenant_id: str, program_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProgramRef]:
        """See `PortfolioRows.program_refs`."""
        known = ((pid, self.programs.get((tenant_id, pid))) for pid in program_ids)
        return {pid: ref for pid, ref in known if ref is not None}

    async def programs_with_member(self, *, tenant_id: str, project_id: UUID) -> Sequence[UUID]:
        """See `PortfolioRows.programs_with_member`."""
        return sorted(
            (
                ref.program_id
                for (tenant, _), ref in self.programs.items()
                if tenant == tenant_id and project_id in ref.members
            ),
            key=str,
        )

    async def list_portfolios(
        self, *, tenant_id: str, manager: str | None, after: int | None, limit: int
    ) -> Sequence[PortfolioRow]:
        """See `PortfolioRows.list_portfolios`."""
        rows = [
            row
            for row in self._visible_portfolios().values()
            if row.tenant_id == tenant_id
            and (manager is None or row.manager == manager)
            and (after is None or row.seq > after)
        ]
        return sorted(rows, key=lambda row: row.seq)[:limit]

    # -- the upserts -----------------------------------------------------------------------
    def _portfolio_saved(self, portfolio: Portfolio, tenant_id: str, seq: int) -> None:
        visible = self._visible_portfolios()
        for other in visible.values():
            if (
                other.portfolio_id != portfolio.id
                and other.tenant_id == tenant_id
                and other.code == portfolio.code
            ):
                raise DuplicateCodeError(portfolio.code)
        row = PortfolioRow(
            portfolio_id=portfolio.id,
            seq=seq,
            tenant_id=tenant_id,
            code=portfolio.code,
            name=portfolio.name,
            manager=portfolio.manager,
            currency=portfolio.currency,
            version=portfolio.version,
        )
        existing = visible.get(portfolio.id)
        if existing is not None:  # ON CONFLICT (portfolio_id) DO UPDATE: seq and code stay
            row = replace(row, seq=existing.seq, code=existing.code)
        self._written().portfolios[portfolio.id] = row

    def _join(self, key: ComponentKey, portfolio_id: UUID) -> None:
        holder = self._visible_components().get(key)
        if holder is not None and holder != portfolio_id:
            raise ComponentInAnotherPortfolioError(component_id=key[1], portfolio_id=holder)
        self._written().components[key] = portfolio_id

    # -- transactions ----------------------------------------------------------------------
    def _written(self) -> _Written:
        return self._open.setdefault(asyncio.current_task(), _Written())

    def _visible_portfolios(self) -> dict[UUID, PortfolioRow]:
        mine = self._open.get(asyncio.current_task())
        return {**self.portfolios, **(mine.portfolios if mine else {})}

    def _visible_components(self) -> dict[ComponentKey, UUID]:
        mine = self._open.get(asyncio.current_task())
        merged: dict[ComponentKey, UUID | None] = {
            **self.components,
            **(mine.components if mine else {}),
        }
        return {key: holder for key, holder in merged.items() if holder is not None}

    def _transaction_ended(self, committed: set[int]) -> None:
        """Keep what the ended transaction wrote if its events committed, else drop it."""
        written = self._open.pop(asyncio.current_task(), None)
        if written is None or written.last_position not in committed:
            return
        self.portfolios.update(written.portfolios)
        for key, holder in written.components.items():
            if holder is None:
                self.components.pop(key, None)
            else:
                self.components[key] = holder


def portfolio_units() -> InMemoryUnitsOfWork[MemoryPortfolioRows]:
    """Units of work of portfolio-svc on a fresh in-memory store, with these rows."""
    return InMemoryUnitsOfWork(registry, rows=MemoryPortfolioRows, store=ObservedEventStore())
