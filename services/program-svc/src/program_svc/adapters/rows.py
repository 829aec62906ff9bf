"""program-svc's query rows in PostgreSQL: the program list and the program each project is a
member of, written in the same transaction as the events they reflect; and the projects it
knows from project-svc's events (the references' table), read in that transaction too.

The list holds a program's manager as their pseudonym (the key store's `subject_ref`), never
the user id: `?manager=` looks the user id's pseudonym up, and a page shows each pseudonym's
user id from the key store, or `[erased]`.

A project is a member of one program at most: the unique `(tenant_id, project_id)` of
`program_members` refuses a second, also when two programs add it at once (the second insert
waits for the first transaction and fails once it committed). A program that closes or is
cancelled lets its projects go, so they may join another program."""

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
from program_svc.adapters.tables import MEMBER_KEY, PROGRAM_CODE_KEY, program_members
from program_svc.application.errors import DuplicateCodeError, ProjectInAnotherProgramError
from program_svc.application.ports import ProgramListing
from program_svc.domain.program import Program
from program_svc.references import store as references
from program_svc.references.model import ProjectRef

_UPSERT_PROGRAM = text(
    """
    INSERT INTO programs (program_id, seq, tenant_id, code, name, status, manager, currency,
                          version, updated_at)
    VALUES (:program_id, :seq, :tenant_id, :code, :name, :status,
            coalesce(:manager, (SELECT p.manager FROM programs p WHERE p.program_id = :program_id)),
            :currency, :version, now())
    ON CONFLICT (program_id) DO UPDATE SET
        name = EXCLUDED.name, status = EXCLUDED.status, manager = EXCLUDED.manager,
        currency = EXCLUDED.currency, version = EXCLUDED.version, updated_at = now()
    """
)
_JOINED, _LEFT = "MemberProjectAdded", "MemberProjectRemoved"
_ENDED = frozenset({"ProgramClosed", "ProgramCancelled"})


class PostgresProgramRows:
    """`ProgramRows` on one connection (its transaction)."""

    def __init__(self, conn: AsyncConnection, keys: KeyStore) -> None:
        self._conn = conn
        self._keys = keys

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the list row of the program just saved, and its members' rows."""
        if not isinstance(aggregate, Program):
            raise TypeError(f"program-svc keeps no rows of {type(aggregate).__name__}")
        tenant_id = recorded[0].envelope.tenant_id
        await self._program_saved(aggregate, tenant_id, recorded[0].position)
        for event in (r.envelope for r in recorded):
            if event.event_type == _JOINED:
                await self._join(tenant_id, UUID(event.payload["project_id"]), aggregate.id)
            elif event.event_type == _LEFT:
                await self._leave(aggregate.id, UUID(event.payload["project_id"]))
            elif event.event_type in _ENDED:
                await self._conn.execute(
                    delete(program_members).where(program_members.c.program_id == aggregate.id)
                )

    async def _program_saved(self, program: Program, tenant_id: str, seq: int) -> None:
        manager = await self._keys.pseudonym(tenant_id, program.manager)
        row = {
            "program_id": program.id,
            "seq": seq,
            "tenant_id": tenant_id,
            "code": program.code,
            "name": program.name,
            "status": program.status.value,
            "manager": manager,
            "currency": program.currency,
            "version": program.version,
        }
        try:
            await self._conn.execute(_UPSERT_PROGRAM, row)
        except IntegrityError as exc:
            if unique_violation(exc) == PROGRAM_CODE_KEY:
                raise DuplicateCodeError(program.code) from exc
            raise

    async def _join(self, tenant_id: str, project_id: UUID, program_id: UUID) -> None:
        row = {"tenant_id": tenant_id, "project_id": project_id, "program_id": program_id}
        for _attempt in range(3):
            try:
                # A savepoint: after a refused insert the transaction goes on, to name the holder.
                async with self._conn.begin_nested():
                    await self._conn.execute(program_members.insert().values(row))
                return
            except IntegrityError as exc:
                if unique_violation(exc) != MEMBER_KEY:
                    raise
            holder = await self.program_of_member(tenant_id=tenant_id, project_id=project_id)
            if holder is not None:
                raise ProjectInAnotherProgramError(project_id=project_id, program_id=holder)
            # the holder let it go in between: try again
        raise RuleViolationError(f"project {project_id} is changing programs: try again")

    async def _leave(self, program_id: UUID, project_id: UUID) -> None:
        await self._conn.execute(
            delete(program_members).where(
                program_members.c.program_id == program_id,
                program_members.c.project_id == project_id,
            )
        )

    async def program_of_member(self, *, tenant_id: str, project_id: UUID) -> UUID | None:
        """See `ProgramRows.program_of_member`."""
        query = select(program_members.c.program_id).where(
            program_members.c.tenant_id == tenant_id,
            program_members.c.project_id == project_id,
        )
        holder: UUID | None = (await self._conn.execute(query)).scalar_one_or_none()
        return holder

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """See `ProgramRows.project_ref`."""
        return await references.read_project_ref(
            self._conn, tenant_id=tenant_id, project_id=project_id
        )

    async def project_refs(
        self, *, tenant_id: str, project_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProjectRef]:
        """See `ProgramRows.project_refs`."""
        return await references.read_project_refs(
            self._conn, tenant_id=tenant_id, project_ids=list(project_ids)
        )

    async def list_programs(
        self,
        *,
        tenant_id: str,
        status: str | None,
        manager: str | None,
        after: int | None,
        limit: int,
    ) -> Sequence[ProgramListing]:
        """See `ProgramRows.list_programs`: one statement for the page and its
        managers' key store rows."""
        params: dict[str, Any] = {"tenant": tenant_id, "limit": limit}
        if status is not None:
            params["status"] = status
        if manager is not None:
            params["lookup"] = self._keys.lookup_hash(tenant_id, manager)
        if after is not None:
            params["after"] = after
        statement = _list_statement(
            status=status is not None, manager=manager is not None, after=after is not None
        )
        rows: Sequence[Any] = (await self._conn.execute(statement, params)).all()
        named = await self._keys.named(self._conn, rows, "manager")
        return [
            _Listing(
                program_id=r.program_id,
                seq=r.seq,
                code=r.code,
                name=r.name,
                status=r.status,
                manager=named[r.manager],
                currency=r.currency,
                version=r.version,
            )
            for r in rows
        ]


@functools.cache
def _list_statement(*, status: bool, manager: bool, after: bool) -> Any:
    """The page's statement for one combination of filters (each its own prepared statement,
    so the plan always fits): the first `:limit` rows of the tenant by `seq`, with the key
    store's row of each manager."""
    where = ["p.tenant_id = :tenant"]
    if status:
        where.append("p.status = :status")
    if manager:
        where.append(f"p.manager = {pseudonym_of('tenant', 'lookup')}")
    if after:
        where.append("p.seq > :after")
    page = f"""SELECT p.program_id, p.seq, p.code, p.name, p.status, p.manager, p.currency,
            p.version FROM programs p WHERE {" AND ".join(where)} ORDER BY p.seq LIMIT :limit"""  # noqa: S608 (the fragments above)
    # Only the module's own fragments above go into the text: every value is a parameter.
    return text(
        f"SELECT page.*, {SUBJECT_COLUMNS} FROM ({page}) AS page "  # noqa: S608
        f"{subject_join('page.manager')} ORDER BY page.seq"
    )


@dataclass(frozen=True, slots=True)
class _Listing:
    """A row of the program list with its manager's user id."""

    program_id: UUID
    seq: int
    code: str
    name: str
    status: str
    manager: str
    currency: str
    version: int
