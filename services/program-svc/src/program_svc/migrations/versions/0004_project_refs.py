"""What program-svc knows of projects (`project_refs`), fed by `pmo.project.events` through the
consumer runner (its `processed_events` and `dead_letters` came with 0001).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROJECT_REFS_DDL: tuple[str, ...] = (
    """
    CREATE TABLE project_refs (
        tenant_id            text        NOT NULL,
        project_id           uuid        PRIMARY KEY,
        code                 text        NOT NULL,
        name                 text        NOT NULL,
        status               text        NOT NULL,
        currency             text        NOT NULL,
        budget_at_completion numeric,
        actual_cost          numeric     NOT NULL DEFAULT 0,
        planned_start        date,
        planned_finish       date,
        percent_complete     numeric,
        last_version         integer     NOT NULL CHECK (last_version > 0),
        updated_at           timestamptz NOT NULL
    )
    """,
    "CREATE INDEX project_refs_tenant ON project_refs (tenant_id)",
)


def upgrade() -> None:
    """Create the reference table."""
    for statement in PROJECT_REFS_DDL:
        op.execute(statement)


def downgrade() -> None:
    """Drop it, and what its consumer recorded. The consumer group's committed offsets stay
    in Kafka: after a new upgrade, reset them to the earliest (`kafka-consumer-groups.sh
    --reset-offsets --to-earliest --group program-svc.project-refs`) to replay the topic."""
    op.execute("DROP TABLE IF EXISTS project_refs")
    op.execute("DELETE FROM processed_events WHERE consumer = 'program-project-refs'")
    op.execute("DELETE FROM dead_letters WHERE consumer = 'program-project-refs'")
