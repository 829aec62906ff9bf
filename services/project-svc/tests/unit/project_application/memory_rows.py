"""project-svc's query rows in memory, for the handler tests: a stand-in for
`PostgresProjectRows` that keeps its rules.

- `saved` upserts the row of the project or office just saved; a project keeps the `seq` of
  its first save (the position of its first event), as the PostgreSQL upsert never updates it.
- A second project with the same code in a tenant is refused (`DuplicateCodeError`, as from
  the unique `(tenant_id, code)` index), and so is a second live office of one project
  (`RuleViolationError`, as from the partial unique index on live offices).
- The list is the tenant's projects, filtered by status, manager and size, in `seq` order,
  after the cursor `after`, at most `limit` rows; a row is large by the standards the list is
  read under (flagged, or a BAC at the threshold for its currency), as the SQL computes it.
- The latest office is the live one, else the one disbanded last.
- The rows are transactional, as the tables are: what a unit of work writes is seen by that
  unit at once and by others only once its events committed; when its block raised, it is
  dropped. For that, the rows must be made on an `ObservedEventStore` (see `project_units`),
  which tells them when each transaction ends.

Unlike PostgreSQL, a unit does not wait for a concurrent unit's uncommitted rows: the unique
checks see committed rows and the unit's own.

The references of portfolio events (`refs`) are what the consumer's projection would have
written: `take` folds an event into them with the projection's own fold (the tenant of each
committed project seeds the fold's owners, as the projects table does), visible at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.errors import RuleViolationError
from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import EventStore, RecordedEvent
from project_svc.adapters.rows import DuplicateCodeError
from project_svc.domain.events import registry
from project_svc.domain.office_state import OfficeState
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.standards import PortfolioDecision, Standards
from project_svc.references.fold import fold
from project_svc.references.model import PortfolioRefs

LIVE = OfficeState.ESTABLISHED.value


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
class ProjectRow:
    """One row of the project list (a `ProjectListing`)."""

    project_id: UUID
    seq: int
    tenant_id: str
    code: str
    name: str
    status: str
    manager: str
    flagged_large: bool
    budget_at_completion: Decimal | None
    currency: str
    version: int


@dataclass(frozen=True, slots=True)
class ListedRow(ProjectRow):
    """A row as the list shows it: with `large` by the standards it was read under."""

    large: bool


@dataclass(frozen=True, slots=True)
class OfficeRow:
    """One office of a project; `last_position` (the position of its last event) orders the
    disbanded ones."""

    office_id: UUID
    project_id: UUID
    tenant_id: str
    state: str
    version: int
    last_position: int


@dataclass(slots=True)
class _Written:
    """What one open transaction wrote: visible to it alone until it commits."""

    projects: dict[UUID, ProjectRow] = field(default_factory=dict)
    offices: dict[UUID, OfficeRow] = field(default_factory=dict)
    last_position: int = 0


class MemoryProjectRows:
    """`ProjectRows` in memory, shared by every unit of work of one `InMemoryUnitsOfWork`."""

    def __init__(self, store: InMemoryEventStore) -> None:
        if not isinstance(store, ObservedEventStore):
            raise TypeError("MemoryProjectRows needs an ObservedEventStore to be transactional")
        store.on_transaction_end(self._transaction_ended)
        self.refs = PortfolioRefs()
        self.projects: dict[UUID, ProjectRow] = {}  # committed rows
        self.offices: dict[UUID, OfficeRow] = {}
        self._open: dict[asyncio.Task[object] | None, _Written] = {}

    # -- ProjectRows -----------------------------------------------------------------------
    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the row of the project or office just saved."""
        if isinstance(aggregate, Project):
            self._project_saved(aggregate, recorded)
        elif isinstance(aggregate, ProjectOffice):
            self._office_saved(aggregate, recorded)
        else:
            raise KeyError(type(aggregate))

    async def live_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """See `ProjectRows.live_office_id`."""
        live = [o for o in self._offices_of(project_id, tenant_id) if o.state == LIVE]
        assert len(live) <= 1, "the unique index allows one live office per project"
        return live[0].office_id if live else None

    async def latest_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """See `ProjectRows.latest_office_id`: the live office, else the one disbanded last."""
        offices = self._offices_of(project_id, tenant_id)
        if not offices:
            return None
        latest = max(offices, key=lambda o: (o.state == LIVE, o.last_position))
        return latest.office_id

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
    ) -> Sequence[ListedRow]:
        """See `ProjectRows.list_projects`."""
        rows = [
            row
            for row in map(self._listed(standards), self._visible_projects().values())
            if row.tenant_id == tenant_id
            and (status is None or row.status == status)
            and (manager is None or row.manager == manager)
            and (large is None or row.large == large)
            and (after is None or row.seq > after)
        ]
        return sorted(rows, key=lambda row: row.seq)[:limit]

    async def standards_on(self, *, tenant_id: str, on: date) -> Standards | None:
        """See `ProjectRows.standards_on`."""
        found = self.refs.standards_on(tenant_id, on)
        return found.standards() if found is not None else None

    async def portfolio_decision(
        self, *, tenant_id: str, project_id: UUID, on: date
    ) -> PortfolioDecision | None:
        """See `ProjectRows.portfolio_decision`."""
        found = self.refs.decision_on(tenant_id, project_id, on)
        return found.portfolio_decision() if found is not None else None

    # -- the consumer's writes -------------------------------------------------------------
    def take(self, envelope: EventEnvelope, event: DomainEvent) -> None:
        """Fold a portfolio event into the references, as the projection does."""
        projects = {row.project_id: row.tenant_id for row in self.projects.values()}
        seeded = replace(self.refs, owners={**projects, **self.refs.owners})
        self.refs = fold(seeded, envelope, event)

    @staticmethod
    def _listed(standards: Standards) -> Callable[[ProjectRow], ListedRow]:
        def listed(row: ProjectRow) -> ListedRow:
            threshold = standards.large_threshold(row.currency)
            bac = row.budget_at_completion
            reaches = threshold is not None and bac is not None and bac >= threshold
            return ListedRow(**asdict(row), large=row.flagged_large or reaches)

        return listed

    # -- the upserts -----------------------------------------------------------------------
    def _project_saved(self, project: Project, recorded: Sequence[RecordedEvent]) -> None:
        tenant_id = recorded[0].envelope.tenant_id
        visible = self._visible_projects()
        for other in visible.values():
            if (
                other.project_id != project.id
                and other.tenant_id == tenant_id
                and other.code == project.code
            ):
                raise DuplicateCodeError(project.code)
        existing = visible.get(project.id)
        row = ProjectRow(
            project_id=project.id,
            seq=recorded[0].position,
            tenant_id=tenant_id,
            code=project.code,
            name=project.name,
            status=project.status.value,
            manager=project.manager,
            flagged_large=project.flagged_large,
            budget_at_completion=(
                project.baseline.budget_at_completion if project.baseline else None
            ),
            currency=project.currency,
            version=project.version,
        )
        if existing is not None:  # ON CONFLICT (project_id) DO UPDATE: seq and code stay
            row = replace(row, seq=existing.seq, code=existing.code, tenant_id=existing.tenant_id)
        written = self._written()
        written.projects[project.id] = row
        written.last_position = recorded[-1].position

    def _office_saved(self, office: ProjectOffice, recorded: Sequence[RecordedEvent]) -> None:
        assert office.project_id is not None
        row = OfficeRow(
            office_id=office.id,
            project_id=office.project_id,
            tenant_id=recorded[0].envelope.tenant_id,
            state=office.state.value,
            version=office.version,
            last_position=recorded[-1].position,
        )
        if row.state == LIVE and any(
            o.project_id == row.project_id and o.office_id != row.office_id and o.state == LIVE
            for o in self._visible_offices().values()
        ):
            raise RuleViolationError("the project already has a Project Office")
        written = self._written()
        written.offices[office.id] = row
        written.last_position = recorded[-1].position

    # -- transactions ----------------------------------------------------------------------
    def _written(self) -> _Written:
        return self._open.setdefault(asyncio.current_task(), _Written())

    def _visible_projects(self) -> dict[UUID, ProjectRow]:
        mine = self._open.get(asyncio.current_task())
        return {**self.projects, **(mine.projects if mine else {})}

    def _visible_offices(self) -> dict[UUID, OfficeRow]:
        mine = self._open.get(asyncio.current_task())
        return {**self.offices, **(mine.offices if mine else {})}

    def _offices_of(self, project_id: UUID, tenant_id: str) -> list[OfficeRow]:
        return [
            o
            for o in self._visible_offices().values()
            if o.project_id == project_id and o.tenant_id == tenant_id
        ]

    def _transaction_ended(self, committed: set[int]) -> None:
        """Keep what the ended transaction wrote if its events committed, else drop it."""
        written = self._open.pop(asyncio.current_task(), None)
        if written is None:
            return
        if written.last_position in committed:
            self.projects.update(written.projects)
            self.offices.update(written.offices)


def project_units() -> InMemoryUnitsOfWork[MemoryProjectRows]:
    """Units of work of project-svc on a fresh in-memory store, with these rows."""
    return InMemoryUnitsOfWork(registry, rows=MemoryProjectRows, store=ObservedEventStore())
