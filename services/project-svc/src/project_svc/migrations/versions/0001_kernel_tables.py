"""The kernel's tables: event store, outbox, and the consumer bookkeeping.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from pmo_shared.eventstore.ddl import CONSUMER_DDL, CONSUMER_DROP, EVENT_STORE_DDL, EVENT_STORE_DROP

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the event store with its outbox, and the processed-event and dead-letter tables."""
    for statement in (*EVENT_STORE_DDL, *CONSUMER_DDL):
        op.execute(statement)


def downgrade() -> None:
    """Drop them."""
    for statement in (*CONSUMER_DROP, *EVENT_STORE_DROP):
        op.execute(statement)
