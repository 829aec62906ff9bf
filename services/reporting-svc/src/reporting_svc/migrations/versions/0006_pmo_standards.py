"""The PMO's standards in the read model (`pmo_standards`, `readmodel.standards`), added to every
existing generation's schema (new generations get it from `readmodel.ddl`).

No rebuild is needed: the projection now also reads `pmo.portfolio.events`, and a generation's
consumer group, having no offsets on that topic yet, reads it from its beginning into this
table. `IF NOT EXISTS`: a generation that already has it is left as it is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.standards import STANDARDS_CONTENT_TABLES, STANDARDS_TABLES

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Create the standards table in every generation's schema."""
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    for schema in _generation_schemas():
        exists = op.get_bind().execute(text("SELECT to_regnamespace(:s)"), {"s": schema})
        if exists.scalar_one() is None:  # registered, but its schema is gone: nothing to add to
            continue
        op.execute(f"SET LOCAL search_path TO {schema}")
        for statement in STANDARDS_TABLES:
            op.execute(statement)
    op.execute(f"SET LOCAL search_path TO {service_schema}")


def downgrade() -> None:
    """Drop it again."""
    for schema in _generation_schemas():
        for table in STANDARDS_CONTENT_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
