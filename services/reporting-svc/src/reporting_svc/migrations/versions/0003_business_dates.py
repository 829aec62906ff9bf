"""Business dates in the read models: the day a baseline, a lifecycle change and a Project
Office took effect, beside the instant each was recorded. Added to every existing generation's
tables (new generations get them from `readmodel.ddl`); NULL in the rows already there, which
the reports read as the day the fact was recorded on (in the tenant's time zone).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) pairs, all of type date; constants, never input.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("project_status", "effective_on"),
    ("baselines", "effective_on"),
    ("offices", "established_on"),
    ("offices", "disbanded_on"),
)


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Add the date columns to the tables of every generation."""
    for schema in _generation_schemas():
        for table, column in COLUMNS:
            op.execute(
                f"ALTER TABLE IF EXISTS {schema}.{table} ADD COLUMN IF NOT EXISTS {column} date"
            )


def downgrade() -> None:
    """Drop them again."""
    for schema in _generation_schemas():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE IF EXISTS {schema}.{table} DROP COLUMN IF EXISTS {column}")
