"""Project offices remember the store position of their last event, so "the office disbanded
last" is a query, not a guess from version numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    "ALTER TABLE project_offices ADD COLUMN last_position bigint",
    """
    UPDATE project_offices o
    SET last_position = (SELECT max(e.position) FROM events e WHERE e.stream_id = o.office_id)
    """,
    "UPDATE project_offices SET last_position = 0 WHERE last_position IS NULL",
    "ALTER TABLE project_offices ALTER COLUMN last_position SET NOT NULL",
)


def upgrade() -> None:
    """Add and fill the column."""
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE project_offices DROP COLUMN last_position")
