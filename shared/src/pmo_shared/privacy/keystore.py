"""The key store of a service: one row per data subject (a person of a tenant) in its own
database, holding the subject's data key wrapped by the master key.

A row is found by the keyed hash of the user id (`lookup`), never by the user id, which the
row keeps only sealed with the subject's own key (to show who an actor pseudonym is). Erasing
a subject clears its lookup, its wrapped key and its sealed user id; the row stays as a
tombstone, so events that name the pseudonym still find it and read `[erased]`.

A writer keeps the subjects it sealed for in memory (they never change, only disappear): the
append statement refuses to seal with a subject erased since (`erased_refs`), and the writer
then forgets it and seals again with a new subject. New subjects are created on a connection of
their own and committed at once, so no event ever names a subject the store does not have.

A list names its page's people in the page's own statement: it joins each row's pseudonym to
its subject (`subject_join`, `SUBJECT_COLUMNS`) and `KeyStore.named` reads the user ids off the
joined rows. A reader remembers the user id a subject's row opened to (it never changes), but
takes the subject for live only while the row it just read still holds the key: an erasure
committed before the statement shows `[erased]` in every process at once.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.privacy import crypto
from pmo_shared.privacy.crypto import MasterKey, UnreadableError
from pmo_shared.privacy.fields import ERASED

# A pseudonym as a query row keeps it: `str(subject_ref)`, lowercase with hyphens.
_PSEUDONYM = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_PSEUDONYM_FORM = re.compile(_PSEUDONYM[1:-1])
SUBJECT_COLUMNS = (
    "subject.subject_ref AS subject_ref, subject.tenant_id AS subject_tenant_id, "
    "subject.key_id AS subject_key_id, subject.wrapped_key AS subject_wrapped_key, "
    "subject.sealed_user_id AS subject_sealed_user_id"
)
"""The key store's columns of the subject `subject_join` joins, for `KeyStore.named`."""


def subject_join(column: str) -> str:
    """SQL: `LEFT JOIN` the key store's row (as `subject`) of the pseudonym a query row keeps in
    the text `column`, so that a page and its people come in one statement (select
    `SUBJECT_COLUMNS` beside the row's own, and name them with `KeyStore.named`). `column` is
    the statement's own SQL (an identifier), never input."""
    return (
        f"LEFT JOIN data_subjects subject ON subject.subject_ref = "
        f"CASE WHEN {column} ~ '{_PSEUDONYM}' THEN CAST({column} AS uuid) END"
    )


def pseudonym_of(tenant: str, lookup: str) -> str:
    """SQL: the live pseudonym (text, as a query row keeps it) of the person whose keyed hash is
    the bound parameter `lookup` in the tenant of the parameter `tenant` (NULL: none), for a
    filter in the same statement as the page (`KeyStore.lookup_hash` makes the hash)."""
    query = "SELECT subject_ref FROM data_subjects WHERE tenant_id = :{} AND lookup = :{}"
    return f"CAST(({query.format(tenant, lookup)}) AS text)"


class KeyStoreError(RuntimeError):
    """The key store does not fit the data: lost, or wrapped by another master key. A service
    refuses to start rather than show personal data as erased when it is not."""


@dataclass(frozen=True, slots=True)
class SubjectKey:
    """What a writer seals a person's values with."""

    subject_ref: UUID
    key_id: UUID
    data_key: bytes


@dataclass(frozen=True, slots=True)
class HeldKey:
    """What the store holds for one subject: its key and user id, or nothing once erased."""

    subject_ref: UUID
    tenant_id: str
    key_id: UUID
    data_key: bytes | None
    user_id: str | None
    created_at: datetime
    erased_at: datetime | None


_FIND = text(
    """SELECT lookup, subject_ref, key_id, wrapped_key FROM data_subjects
       WHERE tenant_id = :tenant AND lookup = ANY(CAST(:lookups AS bytea[]))"""
)
_CREATE = text(
    """INSERT INTO data_subjects (subject_ref, tenant_id, lookup, key_id, wrapped_key,
                                  sealed_user_id, master_key_id)
       SELECT s.ref, :tenant, s.lookup, s.key_id, s.wrapped, s.sealed, :master
       FROM unnest(CAST(:refs AS uuid[]), CAST(:lookups AS bytea[]), CAST(:key_ids AS uuid[]),
                   CAST(:wrapped AS bytea[]), CAST(:sealed AS text[]))
            AS s(ref, lookup, key_id, wrapped, sealed)
       ON CONFLICT (tenant_id, lookup) WHERE lookup IS NOT NULL DO NOTHING"""
)
_HELD = text(
    """SELECT subject_ref, tenant_id, key_id, wrapped_key, sealed_user_id, created_at, erased_at
       FROM data_subjects WHERE subject_ref = ANY(CAST(:refs AS uuid[]))"""
)
_ERASED_AMONG = text(
    """SELECT subject_ref FROM data_subjects
       WHERE subject_ref = ANY(CAST(:refs AS uuid[])) AND erased_at IS NOT NULL"""
)
_LOOKUP = text(
    """SELECT subject_ref FROM data_subjects WHERE tenant_id = :tenant AND lookup = :lookup"""
)
_LOOKUP_MANY = text(
    """SELECT lookup, subject_ref FROM data_subjects
       WHERE tenant_id = :tenant AND lookup = ANY(CAST(:lookups AS bytea[]))"""
)
_ERASE = text(
    """UPDATE data_subjects
       SET lookup = NULL, wrapped_key = NULL, sealed_user_id = NULL,
           erased_at = clock_timestamp(), erasure_id = :erasure
       WHERE subject_ref = :ref AND tenant_id = :tenant AND erased_at IS NULL
       RETURNING erased_at"""
)
_MISSING = text(
    """SELECT r FROM events e, unnest(e.subject_refs) AS r
       WHERE NOT EXISTS (SELECT 1 FROM data_subjects d WHERE d.subject_ref = r)
       LIMIT 1"""
)
_SAMPLE = text(
    """SELECT subject_ref, tenant_id, key_id, wrapped_key, master_key_id FROM data_subjects
       WHERE wrapped_key IS NOT NULL ORDER BY created_at DESC LIMIT 1"""
)


class KeyStore:
    """The data subjects of a service's tenants and their keys (`data_subjects` table)."""

    def __init__(self, engine: AsyncEngine, master: MasterKey, *, capacity: int = 100_000):
        self._engine = engine  # for creating subjects, committed at once
        self.master = master
        self._capacity = capacity
        # by (tenant, user id): the hot path of every append, so no keyed hash on a hit
        self._known: OrderedDict[tuple[str, str], SubjectKey] = OrderedDict()
        # by (subject, key): the user id a subject's row opened to (it never changes; whether
        # the subject is still live is read anew every time, with the row)
        self._names: OrderedDict[tuple[UUID, UUID], str] = OrderedDict()

    async def subjects(self, tenant_id: str, user_ids: Iterable[str]) -> dict[str, SubjectKey]:
        """The live subject of each user id of the tenant, created when it has none."""
        found: dict[str, SubjectKey] = {}
        missing: dict[str, bytes] = {}
        for user_id in set(user_ids):
            known = self._known.get((tenant_id, user_id))
            if known is None:
                missing[user_id] = self.master.lookup(tenant_id, user_id)
            else:
                self._known.move_to_end((tenant_id, user_id))
                found[user_id] = known
        if missing:
            found.update(await self._load_or_create(tenant_id, missing))
        return found

    async def _load_or_create(
        self, tenant_id: str, missing: dict[str, bytes]
    ) -> dict[str, SubjectKey]:
        async with self._engine.begin() as conn:
            rows = await self._find(conn, tenant_id, list(missing.values()))
            new = {u: lk for u, lk in missing.items() if lk not in rows}
            if new:
                await conn.execute(_CREATE, self._new_rows(tenant_id, new))
                rows.update(await self._find(conn, tenant_id, list(new.values())))
        keys: dict[str, SubjectKey] = {}
        for user_id, lookup in missing.items():
            ref, key_id, wrapped = rows[lookup]
            data_key = self.master.unwrap(
                wrapped, tenant_id=tenant_id, subject_ref=ref, key_id=key_id
            )
            keys[user_id] = SubjectKey(ref, key_id, data_key)
            self._remember((tenant_id, user_id), keys[user_id])
        return keys

    async def _find(
        self, conn: AsyncConnection, tenant_id: str, lookups: list[bytes]
    ) -> dict[bytes, tuple[UUID, UUID, bytes]]:
        result = await conn.execute(_FIND, {"tenant": tenant_id, "lookups": lookups})
        return {bytes(r.lookup): (r.subject_ref, r.key_id, bytes(r.wrapped_key)) for r in result}

    def _new_rows(self, tenant_id: str, new: dict[str, bytes]) -> dict[str, Any]:
        refs, key_ids, wrapped, sealed = [], [], [], []
        for user_id in new:
            ref, key_id, data_key = uuid.uuid4(), uuid.uuid4(), crypto.new_data_key()
            refs.append(ref)
            key_ids.append(key_id)
            wrapped.append(
                self.master.wrap(data_key, tenant_id=tenant_id, subject_ref=ref, key_id=key_id)
            )
            sealed.append(
                crypto.seal(user_id, data_key, tenant_id=tenant_id, subject_ref=ref, key_id=key_id)
            )
        return {
            "tenant": tenant_id,
            "master": self.master.key_id,
            "refs": refs,
            "lookups": list(new.values()),
            "key_ids": key_ids,
            "wrapped": wrapped,
            "sealed": sealed,
        }

    def _remember(self, key: tuple[str, str], subject: SubjectKey) -> None:
        self._known[key] = subject
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    async def pseudonym(self, tenant_id: str, user_id: str) -> str | None:
        """The pseudonym a query row keeps in place of a user id (a filter column such as a
        list's manager); None for `[erased]`, whose row keeps the pseudonym it has."""
        if user_id == ERASED:
            return None
        return str((await self.subjects(tenant_id, [user_id]))[user_id].subject_ref)

    async def user_ids(self, conn: AsyncConnection, pseudonyms: Iterable[str]) -> dict[str, str]:
        """The user id behind each pseudonym a query row keeps, `[erased]` once erased (one
        read of the store, on `conn`); a value that is no pseudonym maps to itself."""
        wanted = set(pseudonyms)
        refs = {}
        for value in wanted:
            try:
                refs[value] = UUID(value)
            except ValueError:
                continue
        held = await self.held(conn, refs.values())
        named = {value: value for value in wanted}
        for value, ref in refs.items():
            if ref in held:
                named[value] = held[ref].user_id or ERASED
        return named

    async def named(
        self, conn: AsyncConnection, rows: Iterable[Any], column: str
    ) -> dict[str, str]:
        """What `user_ids` answers for the pseudonyms in `column` of rows read with their
        subjects (`subject_join`, `SUBJECT_COLUMNS`): a live subject's user id (opened once per
        process, then remembered), `[erased]` for a subject whose row has lost its key, and a
        value that is no pseudonym as itself; the store is read again (on `conn`) only for a
        value that `user_ids` would take for a pseudonym but the join could not."""
        named: dict[str, str] = {}
        stray: list[str] = []
        for row in rows:
            value = getattr(row, column)
            if value in named:
                continue
            if row.subject_ref is not None:
                named[value] = self._name(row)
            elif _PSEUDONYM_FORM.fullmatch(value) is None and _looks_like_uuid(value):
                stray.append(value)  # a pseudonym written otherwise, which the join cannot see
            else:
                named[value] = value
        if stray:
            named.update(await self.user_ids(conn, stray))
        return named

    def _name(self, row: Any) -> str:
        """The user id of the subject joined to `row`, `[erased]` once its key is gone."""
        key = (row.subject_ref, row.subject_key_id)
        if row.subject_wrapped_key is None:
            self._names.pop(key, None)
            return ERASED
        name = self._names.get(key)
        if name is not None:
            self._names.move_to_end(key)
            return name
        data_key = self.master.unwrap(
            bytes(row.subject_wrapped_key),
            tenant_id=row.subject_tenant_id,
            subject_ref=row.subject_ref,
            key_id=row.subject_key_id,
        )
        name = crypto.unseal(
            row.subject_sealed_user_id,
            data_key,
            tenant_id=row.subject_tenant_id,
            subject_ref=row.subject_ref,
            key_id=row.subject_key_id,
        )
        self._names[key] = name
        while len(self._names) > self._capacity:
            self._names.popitem(last=False)
        return name

    def lookup_hash(self, tenant_id: str, user_id: str) -> bytes:
        """The keyed hash by which the store finds a user id of the tenant (for `pseudonym_of`)."""
        return self.master.lookup(tenant_id, user_id)

    def forget(self, refs: Iterable[UUID]) -> None:
        """Drop remembered subjects (they were erased since)."""
        gone = set(refs)
        for key in [k for k, s in self._known.items() if s.subject_ref in gone]:
            del self._known[key]
        for name in [k for k in self._names if k[0] in gone]:
            del self._names[name]

    async def erased_among(self, conn: AsyncConnection, refs: Sequence[UUID]) -> set[UUID]:
        """Which of these subjects are erased."""
        result = await conn.execute(_ERASED_AMONG, {"refs": list(refs)})
        return {row.subject_ref for row in result}

    async def held(self, conn: AsyncConnection, refs: Iterable[UUID]) -> dict[UUID, HeldKey]:
        """What the store holds for each subject it knows of these (read on `conn`, so in the
        caller's transaction: an erasure committed before it is always seen)."""
        wanted = list(set(refs))
        if not wanted:
            return {}
        held: dict[UUID, HeldKey] = {}
        for row in await conn.execute(_HELD, {"refs": wanted}):
            held[row.subject_ref] = self._held(row)
        return held

    def _held(self, row: Any) -> HeldKey:
        if row.wrapped_key is None:
            data_key, user_id = None, None
        else:
            data_key = self.master.unwrap(
                bytes(row.wrapped_key),
                tenant_id=row.tenant_id,
                subject_ref=row.subject_ref,
                key_id=row.key_id,
            )
            user_id = crypto.unseal(
                row.sealed_user_id,
                data_key,
                tenant_id=row.tenant_id,
                subject_ref=row.subject_ref,
                key_id=row.key_id,
            )
        return HeldKey(
            row.subject_ref,
            row.tenant_id,
            row.key_id,
            data_key,
            user_id,
            row.created_at,
            row.erased_at,
        )

    async def lookup(self, conn: AsyncConnection, tenant_id: str, user_id: str) -> UUID | None:
        """The live pseudonym of a user id in the tenant, if the store has one."""
        lookup = self.master.lookup(tenant_id, user_id)
        ref: UUID | None = (
            await conn.execute(_LOOKUP, {"tenant": tenant_id, "lookup": lookup})
        ).scalar_one_or_none()
        return ref

    async def lookup_many(
        self, conn: AsyncConnection, tenant_id: str, user_ids: Iterable[str]
    ) -> dict[str, UUID | None]:
        """The live pseudonym (or None) of each user id in the tenant, in one statement."""
        hashes = {user_id: self.master.lookup(tenant_id, user_id) for user_id in user_ids}
        if not hashes:
            return {}
        rows = await conn.execute(
            _LOOKUP_MANY, {"tenant": tenant_id, "lookups": sorted(set(hashes.values()))}
        )
        found: dict[bytes, UUID] = {bytes(row.lookup): row.subject_ref for row in rows}
        return {user_id: found.get(h) for user_id, h in hashes.items()}

    async def destroy(
        self, conn: AsyncConnection, *, tenant_id: str, subject_ref: UUID, erasure_id: UUID
    ) -> datetime | None:
        """Destroy a subject's key, lookup and sealed user id (when it still has them)."""
        erased_at: datetime | None = (
            await conn.execute(
                _ERASE, {"ref": subject_ref, "tenant": tenant_id, "erasure": erasure_id}
            )
        ).scalar_one_or_none()
        self.forget([subject_ref])
        return erased_at

    async def check(self, conn: AsyncConnection) -> None:
        """At startup: every subject an event names is in the store (erased or not), and the
        store's keys unwrap with this master key; `KeyStoreError` otherwise."""
        missing = (await conn.execute(_MISSING)).scalar_one_or_none()
        if missing is not None:
            raise KeyStoreError(
                f"the key store has no row for data subject {missing}, which stored events "
                "name: the key store was lost or restored apart from the events. Restore the "
                "data_subjects table from the same backup as the events; starting would show "
                "personal data as erased when it is not"
            )
        row = (await conn.execute(_SAMPLE)).one_or_none()
        if row is None:
            return
        try:
            self.master.unwrap(
                bytes(row.wrapped_key),
                tenant_id=row.tenant_id,
                subject_ref=row.subject_ref,
                key_id=row.key_id,
            )
        except UnreadableError:
            raise KeyStoreError(
                f"the key store's keys were wrapped by master key {row.master_key_id}, not by "
                f"the configured one ({self.master.key_id}): set PERSONAL_DATA_MASTER_KEY to "
                "the key this store was created with"
            ) from None


def _looks_like_uuid(value: str) -> bool:
    """Whether `user_ids` would take the value for a pseudonym (`UUID()` parses it)."""
    try:
        UUID(value)
    except ValueError:
        return False
    return True
