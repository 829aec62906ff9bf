"""Generations of the read models: which schema is live, which one is being rebuilt.

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


def upgrade() -> None:
    """Create the generation register."""
    op.execute(
        """
        CREATE TABLE projection_generations (
            projection   text NOT NULL,
            generation   integer NOT NULL,
            schema_name  text NOT NULL UNIQUE,
            status       text NOT NULL CHECK (status IN ('building', 'live', 'retired')),
            requested_by text NOT NULL,
            started_at   timestamptz NOT NULL DEFAULT now(),
            switched_at  timestamptz,
            PRIMARY KEY (projection, generation)
        )
        """
    )
    # One live and at most one building generation per projection.
    op.execute(
        "CREATE UNIQUE INDEX projection_generations_one_live ON projection_generations "
        "(projection) WHERE status = 'live'"
    )
    op.execute(
        "CREATE UNIQUE INDEX projection_generations_one_building ON projection_generations "
        "(projection) WHERE status = 'building'"
    )


def downgrade() -> None:
    """Drop it (the generation schemas stay; drop them by hand)."""
    op.execute("DROP TABLE projection_generations")
