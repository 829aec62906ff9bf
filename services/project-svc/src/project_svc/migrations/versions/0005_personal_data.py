"""Personal data is sealed: the key store (`data_subjects`), the pseudonyms each event names
(`events.subject_refs`), and what was stored in plain text before: every event's personal
fields and actor, and the project list's manager (now the manager's pseudonym).

Needs PERSONAL_DATA_MASTER_KEY when the store already holds events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from pmo_shared.eventstore.ddl import PERSONAL_DATA_DDL
from pmo_shared.privacy.backfill import Subjects, seal_plain_events
from pmo_shared.privacy.crypto import MasterKey
from project_svc.domain.events import registry

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the key store, then seal what is stored in plain text."""
    for statement in PERSONAL_DATA_DDL:
        op.execute(statement)
    conn = op.get_bind()
    if conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM events)")).scalar_one():
        return
    key = os.environ.get("PERSONAL_DATA_MASTER_KEY", "")
    if not key:
        raise RuntimeError(
            "PERSONAL_DATA_MASTER_KEY must be set to seal the personal data already stored"
        )
    subjects = Subjects(conn, MasterKey(key))
    seal_plain_events(conn, registry, subjects)
    managers = conn.execute(text("SELECT project_id, tenant_id, manager FROM projects")).all()
    for row in managers:
        ref = subjects.of(row.tenant_id, row.manager).subject_ref
        conn.execute(
            text("UPDATE projects SET manager = :m WHERE project_id = :p"),
            {"m": str(ref), "p": row.project_id},
        )


def downgrade() -> None:
    """Not reversible: the plain values are gone from the store by design."""
    raise RuntimeError("0005 cannot be undone: personal data stays sealed")
