"""What project-svc knows of the PMO's standards and the portfolio's decisions (`pmo_standards`,
`portfolio_decisions`), fed by `pmo.portfolio.events` through the consumer runner (its
`processed_events` and `dead_letters` came with 0001); and the project list keeps a project's
`flagged_large` instead of a `large` computed once with the environment's threshold: the list
computes `large` from the standards in force when it is read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal

from alembic import op
from sqlalchemy import text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration must create what it created the day it was written.
UPGRADE: tuple[str, ...] = (
    """
    CREATE TABLE pmo_standards (
        tenant_id                    text        NOT NULL,
        effective_on                 date        NOT NULL,
        large_project_threshold      jsonb       NOT NULL,
        portfolio_approval_threshold jsonb       NOT NULL,
        required_gates               text[]      NOT NULL,
        time_zone                    text        NOT NULL,
        stream_version               integer     NOT NULL CHECK (stream_version > 0),
        recorded_at                  timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, effective_on)
    )
    """,
    """
    CREATE TABLE portfolio_decisions (
        tenant_id      text        NOT NULL,
        project_id     uuid        NOT NULL,
        event_id       uuid        NOT NULL,
        portfolio_id   uuid        NOT NULL,
        stream_version integer     NOT NULL CHECK (stream_version > 0),
        component_id   uuid        NOT NULL,
        kind           text        NOT NULL,
        decision       text        NOT NULL,
        decided_on     date        NOT NULL,
        recorded_at    timestamptz NOT NULL,
        PRIMARY KEY (project_id, portfolio_id, stream_version)
    )
    """,
    """
    CREATE INDEX portfolio_decisions_in_force
    ON portfolio_decisions (tenant_id, project_id, decided_on DESC)
    """,
    "CREATE INDEX portfolio_decisions_portfolio ON portfolio_decisions (portfolio_id)",
    "ALTER TABLE projects ADD COLUMN flagged_large boolean NOT NULL DEFAULT false",
    # The flag as proposed (a ProjectProposed payload's field, never sealed: not personal).
    """
    UPDATE projects p SET flagged_large = coalesce((e.payload ->> 'flagged_large')::boolean, false)
    FROM events e
    WHERE e.stream_id = p.project_id AND e.event_type = 'ProjectProposed'
    """,
    "ALTER TABLE projects DROP COLUMN large",
)


def upgrade() -> None:
    """Create the reference tables; keep the flag in the project list instead of `large`."""
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    """Drop the reference tables and what their consumer recorded; give the project list back
    its `large`, computed as the service did before (flagged, or a BAC at the environment's
    LARGE_PROJECT_THRESHOLD, default 1 000 000, in any currency). The consumer group's
    committed offsets stay in Kafka: after a new upgrade, reset them to the earliest
    (`kafka-consumer-groups.sh --reset-offsets --to-earliest --group
    project-svc.portfolio-refs`) to replay the topic."""
    threshold = Decimal(os.environ.get("LARGE_PROJECT_THRESHOLD", "1000000"))
    op.execute("ALTER TABLE projects ADD COLUMN large boolean NOT NULL DEFAULT false")
    op.execute(
        text(
            "UPDATE projects SET large = flagged_large"
            " OR coalesce(budget_at_completion >= :threshold, false)"
        ).bindparams(threshold=threshold)
    )
    op.execute("ALTER TABLE projects ALTER COLUMN large DROP DEFAULT")
    op.execute("ALTER TABLE projects DROP COLUMN flagged_large")
    op.execute("DROP TABLE IF EXISTS portfolio_decisions")
    op.execute("DROP TABLE IF EXISTS pmo_standards")
    op.execute("DELETE FROM processed_events WHERE consumer = 'project-portfolio-refs'")
    op.execute("DELETE FROM dead_letters WHERE consumer = 'project-portfolio-refs'")
