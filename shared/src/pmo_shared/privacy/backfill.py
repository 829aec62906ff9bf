"""Sealing the personal data a store kept in plain text before sealing existed: run once by
the migration that brings a service's store the key store.

Every event still stored as given (no `subject_refs`) gets its personal fields and actor sealed
under the subjects' keys, created as at append. This is the one rewrite of stored events the
system makes: the migration lifts the immutability trigger for its own transaction only, and
the events keep their ids, versions and positions. What the relay had already published in
plain text stays on the topics (they keep data forever): see docs/personal-data.md.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, text

from pmo_shared.domain.events import EventRegistry
from pmo_shared.privacy import crypto
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.fields import personal_paths, replace_at, values_at
from pmo_shared.privacy.keystore import SubjectKey

_BATCH = 500


class Subjects:
    """Subjects found or created on one (synchronous) connection, for a migration."""

    def __init__(self, conn: Connection, master: MasterKey) -> None:
        self._conn = conn
        self._master = master
        self._known: dict[tuple[str, str], SubjectKey] = {}

    def of(self, tenant_id: str, user_id: str) -> SubjectKey:
        """The live subject of a user id of the tenant, created when it has none."""
        known = self._known.get((tenant_id, user_id))
        if known is not None:
            return known
        lookup = self._master.lookup(tenant_id, user_id)
        row = self._conn.execute(
            text(
                "SELECT subject_ref, key_id, wrapped_key FROM data_subjects "
                "WHERE tenant_id = :t AND lookup = :l"
            ),
            {"t": tenant_id, "l": lookup},
        ).one_or_none()
        if row is None:
            ref, key_id, data_key = uuid.uuid4(), uuid.uuid4(), crypto.new_data_key()
            self._conn.execute(
                text(
                    "INSERT INTO data_subjects (subject_ref, tenant_id, lookup, key_id, "
                    "wrapped_key, sealed_user_id, master_key_id) "
                    "VALUES (:ref, :t, :l, :k, :w, :s, :m)"
                ),
                {
                    "ref": ref,
                    "t": tenant_id,
                    "l": lookup,
                    "k": key_id,
                    "w": self._master.wrap(
                        data_key, tenant_id=tenant_id, subject_ref=ref, key_id=key_id
                    ),
                    "s": crypto.seal(
                        user_id, data_key, tenant_id=tenant_id, subject_ref=ref, key_id=key_id
                    ),
                    "m": self._master.key_id,
                },
            )
            subject = SubjectKey(ref, key_id, data_key)
        else:
            data_key = self._master.unwrap(
                bytes(row.wrapped_key),
                tenant_id=tenant_id,
                subject_ref=row.subject_ref,
                key_id=row.key_id,
            )
            subject = SubjectKey(row.subject_ref, row.key_id, data_key)
        self._known[(tenant_id, user_id)] = subject
        return subject


def seal_plain_events(conn: Connection, registry: EventRegistry, subjects: Subjects) -> int:
    """Seal every stored event that is still plain; the number sealed."""
    conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_immutable"))
    sealed = 0
    after = 0
    while True:
        rows = conn.execute(
            text(
                "SELECT position, tenant_id, actor, event_type, schema_version, payload "
                "FROM events WHERE subject_refs = '{}' AND position > :after "
                "ORDER BY position LIMIT :n"
            ),
            {"after": after, "n": _BATCH},
        ).all()
        if not rows:
            break
        for row in rows:
            _seal_row(conn, registry, subjects, row)
        sealed += len(rows)
        after = rows[-1].position
    conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_immutable"))
    return sealed


def _seal_row(conn: Connection, registry: EventRegistry, subjects: Subjects, row: Any) -> None:
    tenant = row.tenant_id
    payload = row.payload if isinstance(row.payload, dict) else orjson.loads(row.payload)
    actor = subjects.of(tenant, row.actor)
    named: set[UUID] = {actor.subject_ref}
    for path in personal_paths(registry.schema_of(row.event_type, row.schema_version)):
        for user_id in list(values_at(payload, path)):
            named.add(subjects.of(tenant, user_id).subject_ref)

        def sealed_value(user_id: str) -> dict[str, str]:
            subject = subjects.of(tenant, user_id)
            return {
                "subject_ref": str(subject.subject_ref),
                "key_id": str(subject.key_id),
                "ciphertext": crypto.seal(
                    user_id,
                    subject.data_key,
                    tenant_id=tenant,
                    subject_ref=subject.subject_ref,
                    key_id=subject.key_id,
                ),
            }

        payload = replace_at(payload, path, sealed_value)
    conn.execute(
        text(
            "UPDATE events SET payload = CAST(:p AS jsonb), actor = :a, "
            "subject_refs = CAST(:r AS uuid[]) WHERE position = :pos"
        ),
        {
            "p": orjson.dumps(payload).decode(),
            "a": str(actor.subject_ref),
            "r": sorted(named),
            "pos": row.position,
        },
    )
