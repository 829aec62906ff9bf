"""Personal data is sealed: the key store (`data_subjects`) and the pseudonyms each event
names (`events.subject_refs`). This store holds no events yet, so nothing is rewritten.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from pmo_shared.eventstore.ddl import PERSONAL_DATA_DDL

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the key store and the column."""
    for statement in PERSONAL_DATA_DDL:
        op.execute(statement)


def downgrade() -> None:
    """Drop them."""
    op.execute("DROP INDEX IF EXISTS events_subject_refs")
    op.execute("ALTER TABLE events DROP COLUMN IF EXISTS subject_refs")
    op.execute("DROP TABLE IF EXISTS data_subjects")
