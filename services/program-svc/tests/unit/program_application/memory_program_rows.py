"""program-svc's query rows in memory, for the handler tests: a stand-in for
`PostgresProgramRows` that keeps its rules.

- `saved` upserts the list row of the program just saved (it keeps the `seq` and code of its
  first save, as the PostgreSQL upsert does) and the member rows its new events change: a
  project joins (`MemberProjectAdded`), leaves (`MemberProjectRemoved`), or every project of a
  program that closed or was cancelled is let go.
- A second program with the same code in a tenant is refused (`DuplicateCodeError`), and so is
  a project joining a second program (`ProjectInAnotherProgramError` naming the holder), as
  the unique indexes refuse them.
- The projects program-svc knows are what the test says it knows (`know`), by tenant.
- The rows are transactional, as the tables are: what a unit of work writes is seen by that
  unit at once and by others only once its events committed; when its block raised, it is
  dropped (the rows must be made on an `ObservedEventStore`, see `program_units`).

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
from program_svc.application.errors import DuplicateCodeError, ProjectInAnotherProgramError
from program_svc.domain.events import registry
from program_svc.domain.program import Program
from program_svc.references.model import ProjectRef

MemberKey = tuple[str, UUID]  # tenant, project
ENDED_EVENTS = frozenset({"ProgramClosed", "ProgramCancelled"})


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
class ProgramRow:
    """One row of the program list (a `ProgramListing`)."""

    program_id: UUID
    seq: int
    tenant_id: str
    code: str
    name: str
    status: str
    manager: str
    currency: str
    version: int


@dataclass(slots=True)
class _Written:
    """What one open transaction wrote: visible to it alone until it commits."""

    programs: dict[UUID, ProgramRow] = field(default_factory=dict)
    members: dict[MemberKey, UUID | None] = field(default_factory=dict)  # None: it left
    last_position: int = 0


class MemoryProgramRows:
    """`ProgramRows` in memory, shared by every unit of work of one `InMemoryUnitsOfWork`."""

    def __init__(self, store: InMemoryEventStore) -> None:
        if not isinstance(store, ObservedEventStore):
            raise TypeError("MemoryProgramRows needs an ObservedEventStore to be transactional")
        store.on_transaction_end(self._transaction_ended)
        self.programs: dict[UUID, ProgramRow] = {}  # committed rows
        self.members: dict[MemberKey, UUID] = {}
        self.refs: dict[MemberKey, ProjectRef] = {}
        self._open: dict[asyncio.Task[object] | None, _Written] = {}

    def know(self, ref: ProjectRef) -> None:
        """program-svc has learnt of this project (or of its latest state)."""
        self.refs[(ref.tenant_id, ref.project_id)] = ref

    # -- ProgramRows -----------------------------------------------------------------------
    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the list row of the program just saved, and its members' rows."""
        if not isinstance(aggregate, Program):
            raise TypeError(type(aggregate).__name__)
        tenant_id = recorded[0].envelope.tenant_id
        self._program_saved(aggregate, tenant_id, recorded[0].position)
        written = self._written()
        for event in (r.envelope for r in recorded):
            if event.event_type == "MemberProjectAdded":
                self._join(tenant_id, UUID(event.payload["project_id"]), aggregate.id)
            elif event.event_type == "MemberProjectRemoved":
                written.members[(tenant_id, UUID(event.payload["project_id"]))] = None
            elif event.event_type in ENDED_EVENTS:
                for key, holder in self._visible_members().items():
                    if holder == aggregate.id:
                        written.members[key] = None
        written.last_position = recorded[-1].position

    async def program_of_member(self, *, tenant_id: str, project_id: UUID) -> UUID | None:
        """See `ProgramRows.program_of_member`."""
        return self._visible_members().get((tenant_id, project_id))

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """See `ProgramRows.project_ref`."""
        return self.refs.get((tenant_id, project_id))

    async def project_refs(
        self, *, tenant_id: str, project_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProjectRef]:
        """See `ProgramRows.project_refs`."""
        known = ((pid, self.refs.get((tenant_id, pid))) for pid in project_ids)
        return {pid: ref for pid, ref in known if ref is not None}

    async def list_programs(
        self,
        *,
        tenant_id: str,
        status: str | None,
        manager: str | None,
        after: int | None,
        limit: int,
    ) -> Sequence[ProgramRow]:
        """See `ProgramRows.list_programs`."""
        rows = [
            row
            for row in self._visible_programs().values()
            if row.tenant_id == tenant_id
            and (status is None or row.status == status)
            and (manager is None or row.manager == manager)
            and (after is None or row.seq > after)
        ]
        return sorted(rows, key=lambda row: row.seq)[:limit]

    # -- the upserts -----------------------------------------------------------------------
    def _program_saved(self, program: Program, tenant_id: str, seq: int) -> None:
        visible = self._visible_programs()
        for other in visible.values():
            if (
                other.program_id != program.id
                and other.tenant_id == tenant_id
                and other.code == program.code
            ):
                raise DuplicateCodeError(program.code)
        row = ProgramRow(
            program_id=program.id,
            seq=seq,
            tenant_id=tenant_id,
            code=program.code,
            name=program.name,
            status=program.status.value,
            manager=program.manager,
            currency=program.currency,
            version=program.version,
        )
        existing = visible.get(program.id)
        if existing is not None:  # ON CONFLICT (program_id) DO UPDATE: seq and code stay
            row = replace(row, seq=existing.seq, code=existing.code)
        self._written().programs[program.id] = row

    def _join(self, tenant_id: str, project_id: UUID, program_id: UUID) -> None:
        holder = self._visible_members().get((tenant_id, project_id))
        if holder is not None and holder != program_id:
            raise ProjectInAnotherProgramError(project_id=project_id, program_id=holder)
        self._written().members[(tenant_id, project_id)] = program_id

    # -- transactions ----------------------------------------------------------------------
    def _written(self) -> _Written:
        return self._open.setdefault(asyncio.current_task(), _Written())

    def _visible_programs(self) -> dict[UUID, ProgramRow]:
        mine = self._open.get(asyncio.current_task())
        return {**self.programs, **(mine.programs if mine else {})}

    def _visible_members(self) -> dict[MemberKey, UUID]:
        mine = self._open.get(asyncio.current_task())
        merged: dict[MemberKey, UUID | None] = {**self.members, **(mine.members if mine else {})}
        return {key: holder for key, holder in merged.items() if holder is not None}

    def _transaction_ended(self, committed: set[int]) -> None:
        """Keep what the ended transaction wrote if its events committed, else drop it."""
        written = self._open.pop(asyncio.current_task(), None)
        if written is None or written.last_position not in committed:
            return
        self.programs.update(written.programs)
        for key, holder in written.members.items():
            if holder is None:
                self.members.pop(key, None)
            else:
                self.members[key] = holder


def program_units() -> InMemoryUnitsOfWork[MemoryProgramRows]:
    """Units of work of program-svc on a fresh in-memory store, with these rows."""
    return InMemoryUnitsOfWork(registry, rows=MemoryProgramRows, store=ObservedEventStore())
