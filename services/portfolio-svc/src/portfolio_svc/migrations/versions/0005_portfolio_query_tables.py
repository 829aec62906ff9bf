"""Query tables of portfolio-svc: the portfolio list (its manager as a pseudonym), the portfolio
each program or project is a component of (one at most per tenant), and the Idempotency-Key
records.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration must create what it created the day it was written,
# whatever `portfolio_svc.adapters.tables` says later.
UPGRADE = (
    """
    CREATE TABLE portfolios (
        portfolio_id  uuid PRIMARY KEY,
        seq           bigint NOT NULL UNIQUE,
        tenant_id     text NOT NULL,
        code          text NOT NULL,
        name          text NOT NULL,
        manager       text NOT NULL,
        currency      text NOT NULL,
        version       integer NOT NULL,
        updated_at    timestamptz NOT NULL,
        CONSTRAINT portfolios_tenant_code_key UNIQUE (tenant_id, code)
    )
    """,
    "CREATE INDEX portfolios_tenant_seq_idx ON portfolios (tenant_id, seq)",
    """
    CREATE TABLE portfolio_components (
        tenant_id     text NOT NULL,
        component_id  uuid NOT NULL,
        portfolio_id  uuid NOT NULL,
        kind          text NOT NULL,
        CONSTRAINT portfolio_components_tenant_component_key UNIQUE (tenant_id, component_id)
    )
    """,
    "CREATE INDEX portfolio_components_portfolio_idx ON portfolio_components (portfolio_id)",
    # `pmo_shared.database.idempotency.IDEMPOTENCY_DDL` as of this day
    """
    CREATE TABLE idempotency_keys (
        tenant_id    text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        status_code  integer     NOT NULL,
        response     jsonb       NOT NULL,
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
    for table in ("idempotency_keys", "portfolio_components", "portfolios"):
        op.execute(f"DROP TABLE {table}")
