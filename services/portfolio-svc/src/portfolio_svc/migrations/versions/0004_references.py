"""What portfolio-svc knows of programs (`program_refs`) and projects (`project_refs`), fed by
`pmo.program.events` and `pmo.project.events` through the consumer runner (its
`processed_events` and `dead_letters` came with 0001).

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

REFERENCES_DDL: tuple[str, ...] = (
    """
    CREATE TABLE program_refs (
        tenant_id     text        NOT NULL,
        program_id    uuid        PRIMARY KEY,
        code          text        NOT NULL,
        name          text        NOT NULL,
        status        text        NOT NULL,
        currency      text        NOT NULL,
        pool          numeric,
        members       uuid[]      NOT NULL DEFAULT '{}',
        last_version  integer     NOT NULL CHECK (last_version > 0),
        updated_at    timestamptz NOT NULL
    )
    """,
    "CREATE INDEX program_refs_tenant ON program_refs (tenant_id)",
    "CREATE INDEX program_refs_members ON program_refs USING gin (members)",
    """
    CREATE TABLE project_refs (
        tenant_id            text        NOT NULL,
        project_id           uuid        PRIMARY KEY,
        code                 text        NOT NULL,
        name                 text        NOT NULL,
        status               text        NOT NULL,
        currency             text        NOT NULL,
        flagged_large        boolean     NOT NULL DEFAULT false,
        budget_at_completion numeric,
        last_version         integer     NOT NULL CHECK (last_version > 0),
        updated_at           timestamptz NOT NULL
    )
    """,
    "CREATE INDEX project_refs_tenant ON project_refs (tenant_id)",
)


def upgrade() -> None:
    """Create the reference tables."""
    for statement in REFERENCES_DDL:
        op.execute(statement)


def downgrade() -> None:
    """Drop them, and what their consumers recorded. The consumer groups' committed offsets
    stay in Kafka: after a new upgrade, reset them to the earliest to replay the topics."""
    op.execute("DROP TABLE IF EXISTS program_refs")
    op.execute("DROP TABLE IF EXISTS project_refs")
    op.execute("DELETE FROM processed_events WHERE consumer = 'portfolio-references'")
    op.execute("DELETE FROM dead_letters WHERE consumer = 'portfolio-references'")
