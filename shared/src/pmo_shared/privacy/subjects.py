"""Erasure and export of a data subject in one service's store (GDPR Art. 17 and Art. 15).

Erasing destroys the subject's key (crypto-shredding) in one transaction that also marks every
stream naming the person (`PersonalDataErased`, so caches and consumers know) and records the
erasure in the subject's own stream (`DataSubjectErased`, published on the privacy topic).
Events stay as they were: valid, immutable, and from then on `[erased]` wherever the person
was named. Nothing erased is ever shown again: reads open sealed values in the same
transaction in which they check the key store, and aggregates that meet the mark are rebuilt.

After a restore from a backup made before an erasure, the key is back; `reapply` destroys it
again from the erasure's audit event (the ledger on the privacy topic, which no database backup
holds), before the service answers requests (`pmo_shared.privacy.ledger`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.errors import sqlstate
from pmo_shared.domain.errors import Refusal
from pmo_shared.domain.events import (
    DATA_SUBJECT_STREAM,
    DataSubjectErased,
    EventEnvelope,
    EventMetadata,
    PersonalDataErased,
)
from pmo_shared.eventstore import store
from pmo_shared.eventstore.store import ConcurrencyError
from pmo_shared.privacy.fields import is_sealed
from pmo_shared.privacy.keystore import KeyStore

log = structlog.get_logger(__name__)

SELF_ERASURE_ACTOR = "system:data-subject-erasure"
"""Who a person's erasure at their own request is recorded as."""
LOCK_TIMEOUT_MS = 10_000


class ErasureBusyError(Refusal):
    """The store was too busy to hold its appends for the erasure: retry shortly (503)."""

    status = 503
    code = "erasure-busy"
    title = "Erasure could not start"

    def __init__(self) -> None:
        super().__init__(
            "appends in flight kept the erasure from starting; nothing was erased, retry"
        )

    def problem_headers(self) -> dict[str, str]:
        """When to retry."""
        return {"Retry-After": "2"}


_STREAMS_NAMING = text(
    """SELECT stream_id, stream_type, max(stream_version) AS version,
              (array_agg(ordering_id ORDER BY stream_version))[1] AS ordering_id
       FROM events
       WHERE tenant_id = :tenant AND subject_refs @> ARRAY[CAST(:ref AS uuid)]
         AND stream_type <> :subject_stream
       GROUP BY stream_id, stream_type
       ORDER BY stream_id"""
)
_EVENTS_NAMING = text(
    """SELECT position, event_id, event_type, schema_version, stream_type, stream_id,
              stream_version, occurred_at, tenant_id, actor, correlation_id, causation_id,
              payload, ordering_id, subject_refs
       FROM events
       WHERE tenant_id = :tenant AND subject_refs @> ARRAY[CAST(:ref AS uuid)]
         AND position > :after
       ORDER BY position LIMIT :limit"""
)
_SUBJECT = text(
    """SELECT subject_ref, created_at, erased_at, erasure_id FROM data_subjects
       WHERE subject_ref = :ref AND tenant_id = :tenant"""
)


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did in one service: nothing when it held no live data of the person."""

    subject_ref: UUID | None
    erasure_id: UUID | None
    erased_at: datetime | None
    streams_marked: int = 0

    @property
    def held(self) -> bool:
        """Whether the service held (and so erased) any personal data of the person."""
        return self.subject_ref is not None


@dataclass(frozen=True, slots=True)
class HeldEvent:
    """One event that names the person, opened, with where it names them."""

    position: int
    envelope: EventEnvelope
    as_actor: bool
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Export:
    """One page of everything a service holds about a person."""

    subject_ref: UUID | None
    created_at: datetime | None
    events: list[HeldEvent] = field(default_factory=list)
    next_after: int | None = None


async def erase(
    engine: AsyncEngine, keys: KeyStore, *, user_id: str, metadata: EventMetadata
) -> Erasure:
    """Erase the tenant's live data subject of `user_id` (idempotent: a second call finds
    nothing left to erase). The erasure is recorded under `metadata` (who asked), or under the
    system's name when the person asks for their own erasure (what it records may not name
    them)."""
    if metadata.actor == user_id:
        metadata = metadata.model_copy(update={"actor": SELF_ERASURE_ACTOR})
    async with engine.begin() as conn:
        await _hold_appends(conn)
        ref = await keys.lookup(conn, metadata.tenant_id, user_id)
        if ref is None:
            return Erasure(None, None, None)
        result = await _destroy(conn, keys, ref, uuid.uuid4(), metadata, reapplied=False)
    await _vacuum(engine)
    log.info(
        "data_subject_erased",
        subject_ref=str(ref),
        erasure_id=str(result.erasure_id),
        streams=result.streams_marked,
    )
    return result


async def reapply(
    engine: AsyncEngine, keys: KeyStore, *, erasure: DataSubjectErased, metadata: EventMetadata
) -> bool:
    """Erase again a subject whose erasure the store no longer shows (restored from a backup
    made before it); False when there is nothing to do."""
    async with engine.begin() as conn:
        await _hold_appends(conn)
        subject = (
            await conn.execute(_SUBJECT, {"ref": erasure.subject_ref, "tenant": metadata.tenant_id})
        ).one_or_none()
        if subject is None or subject.erased_at is not None:
            return False
        await _destroy(
            conn, keys, erasure.subject_ref, erasure.erasure_id, metadata, reapplied=True
        )
    await _vacuum(engine)
    log.warning(
        "data_subject_erasure_reapplied",
        subject_ref=str(erasure.subject_ref),
        erasure_id=str(erasure.erasure_id),
    )
    return True


async def _hold_appends(conn: AsyncConnection) -> None:
    """Wait for the appends in flight and hold new ones until this erasure commits: an append
    that sealed with the key being destroyed then either committed before (its stream gets
    marked) or runs after (its guard sees the erasure and seals anew). SHARE ROW EXCLUSIVE, not
    SHARE: it also conflicts with itself, so two erasures queue one after the other instead of
    both holding the table and then deadlocking on the key store's row and their own appends.
    Erasures are rare and short; `lock_timeout` bounds the wait (then `ErasureBusyError`, a 503
    to retry)."""
    await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
    try:
        await conn.execute(text("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE"))
    except DBAPIError as exc:
        if sqlstate(exc) in ("55P03", "40P01"):  # lock_not_available, deadlock_detected
            raise ErasureBusyError from exc
        raise


async def _destroy(
    conn: AsyncConnection,
    keys: KeyStore,
    ref: UUID,
    erasure_id: UUID,
    metadata: EventMetadata,
    *,
    reapplied: bool,
) -> Erasure:
    erased_at = await keys.destroy(
        conn, tenant_id=metadata.tenant_id, subject_ref=ref, erasure_id=erasure_id
    )
    if erased_at is None:  # a concurrent erasure got there first
        return Erasure(None, None, None)
    marked = 0
    params = {"tenant": metadata.tenant_id, "ref": ref, "subject_stream": DATA_SUBJECT_STREAM}
    for stream in (await conn.execute(_STREAMS_NAMING, params)).all():
        mark = PersonalDataErased(subject_ref=ref, erasure_id=erasure_id)
        await _mark(conn, keys, stream, mark, metadata)
        marked += 1
    audit = DataSubjectErased(
        subject_ref=ref, erasure_id=erasure_id, streams_marked=marked, reapplied=reapplied
    )
    version = await store.stream_version(conn, stream_id=ref)
    await store.append(
        conn,
        stream_type=DATA_SUBJECT_STREAM,
        stream_id=ref,
        expected_version=version,
        events=[audit],
        metadata=metadata,
        keys=keys,
    )
    return Erasure(ref, erasure_id, erased_at, marked)


async def _mark(
    conn: AsyncConnection,
    keys: KeyStore,
    stream: Any,
    mark: PersonalDataErased,
    metadata: EventMetadata,
) -> None:
    """Append the mark at the stream's head, again if a command appended meanwhile."""
    version = stream.version
    for _ in range(20):
        try:
            async with conn.begin_nested():
                await store.append(
                    conn,
                    stream_type=stream.stream_type,
                    stream_id=stream.stream_id,
                    expected_version=version,
                    events=[mark],
                    metadata=metadata,
                    ordering_id=stream.ordering_id,
                    keys=keys,
                )
            return
        except ConcurrencyError:
            version = await store.stream_version(conn, stream_id=stream.stream_id)
    raise ConcurrencyError(stream.stream_id, version)


async def _vacuum(engine: AsyncEngine) -> None:
    """Reclaim the erased rows' old versions, so the destroyed keys leave the table's pages
    (they stay in WAL archives until those expire; see docs/personal-data.md)."""
    try:
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM data_subjects"))
    except Exception as exc:  # the erasure stands; autovacuum gets there later
        log.warning("data_subjects_vacuum_failed", error=repr(exc))


async def export(
    conn: AsyncConnection,
    keys: KeyStore,
    *,
    tenant_id: str,
    user_id: str,
    after: int = 0,
    limit: int = 200,
) -> Export:
    """One page (after store position `after`) of the events that name the person, opened."""
    ref = await keys.lookup(conn, tenant_id, user_id)
    if ref is None:
        return Export(None, None)
    subject = (await conn.execute(_SUBJECT, {"ref": ref, "tenant": tenant_id})).one()
    rows = (
        await conn.execute(
            _EVENTS_NAMING, {"tenant": tenant_id, "ref": ref, "after": after, "limit": limit}
        )
    ).all()
    opened = await store.opened(conn, keys, rows)
    held = [
        HeldEvent(
            position=row.position,
            envelope=event.envelope,
            as_actor=row.actor == str(ref),
            fields=tuple(_fields_naming(_json(row.payload), str(ref))),
        )
        for row, event in zip(rows, opened, strict=True)
    ]
    more = len(rows) == limit
    return Export(ref, subject.created_at, held, rows[-1].position if more else None)


def _json(payload: Any) -> Any:
    return orjson.loads(payload) if isinstance(payload, str | bytes) else payload


def _fields_naming(payload: Any, ref: str, prefix: str = "") -> Iterator[str]:
    if is_sealed(payload):
        if payload["subject_ref"] == ref:
            yield prefix or "$"
    elif isinstance(payload, dict):
        for key, value in payload.items():
            yield from _fields_naming(value, ref, f"{prefix}.{key}" if prefix else key)
    elif isinstance(payload, list):
        for i, item in enumerate(payload):
            yield from _fields_naming(item, ref, f"{prefix}[{i}]")
