"""The outbox trigger notifies the relay only while it is idle (it holds its idle key), so
that under load writers no longer commit one at a time behind PostgreSQL's NOTIFY lock; see
`pmo_shared.eventstore.ddl.RELAY_WAKE_DDL` and `pmo_shared.messaging.relay`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration must create what it created the day it was written.
UPGRADE = """
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT pg_try_advisory_xact_lock_shared(
                hashtextextended('pmo-relay-idle:' || current_schema(), 0)) THEN
            PERFORM pg_notify('pmo_outbox', current_schema());
        END IF;
        RETURN NULL;
    END $$
"""

DOWNGRADE = """
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('pmo_outbox', current_schema());
        RETURN NULL;
    END $$
"""


def upgrade() -> None:
    """Notify only while the relay is idle."""
    op.execute(UPGRADE)


def downgrade() -> None:
    """Notify on every transaction again."""
    op.execute(DOWNGRADE)
