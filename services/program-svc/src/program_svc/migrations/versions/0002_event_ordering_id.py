"""Events remember the stream they are ordered with on Kafka (`ordering_id`: a Project
Office's project), so the relay keys them by it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from pmo_shared.eventstore.ddl import ADD_ORDERING_ID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column (events already stored keep NULL: ordered by their own stream)."""
    op.execute(ADD_ORDERING_ID)


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE events DROP COLUMN ordering_id")
