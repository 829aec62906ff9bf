"""Query tables of project-svc: the project list, live Project Offices, idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration must create what it created the day it was written,
# whatever `project_svc.adapters.tables` says later.
UPGRADE = (
    """
    CREATE TABLE projects (
        project_id           uuid PRIMARY KEY,
        seq                  bigint NOT NULL UNIQUE,
        tenant_id            text NOT NULL,
        code                 text NOT NULL,
        name                 text NOT NULL,
        status               text NOT NULL,
        manager              text NOT NULL,
        large                boolean NOT NULL,
        budget_at_completion numeric(19, 4),
        currency             text NOT NULL,
        version              integer NOT NULL,
        updated_at           timestamptz NOT NULL,
        CONSTRAINT projects_tenant_code_key UNIQUE (tenant_id, code)
    )
    """,
    "CREATE INDEX projects_tenant_seq_idx ON projects (tenant_id, seq)",
    """
    CREATE TABLE project_offices (
        office_id  uuid PRIMARY KEY,
        project_id uuid NOT NULL,
        tenant_id  text NOT NULL,
        state      text NOT NULL,
        version    integer NOT NULL
    )
    """,
    """
    CREATE UNIQUE INDEX project_offices_one_live_idx ON project_offices (project_id)
    WHERE state = 'established'
    """,
    """
    CREATE TABLE idempotency_keys (
        tenant_id    text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        status_code  integer NOT NULL,
        response     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
    )
    """,
)


def upgrade() -> None:
    """Create the query tables."""
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    """Drop them."""
    for table in ("idempotency_keys", "project_offices", "projects"):
        op.execute(f"DROP TABLE {table}")
