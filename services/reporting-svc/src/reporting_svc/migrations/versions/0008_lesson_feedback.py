"""The lessons' relevance to new projects: trigram similarity (`pg_trgm`, in the `public`
schema) and the PMO's verdicts on suggested lessons (`lesson_feedback`, `readmodel.lesson_ddl`),
added to every existing generation's schema (new generations get it from `readmodel.ddl`).

No rebuild is needed: the verdicts are new events on `pmo.portfolio.events`, which every
generation already reads. `IF NOT EXISTS`: a generation that has the table is left as it is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.lesson_ddl import LESSON_CONTENT_TABLES, LESSON_TABLES

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Create the extension, and the table in every generation's schema."""
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    for schema in _generation_schemas():
        exists = op.get_bind().execute(text("SELECT to_regnamespace(:s)"), {"s": schema})
        if exists.scalar_one() is None:  # registered, but its schema is gone: nothing to add to
            continue
        op.execute(f"SET LOCAL search_path TO {schema}")
        for statement in LESSON_TABLES:
            op.execute(statement)
    op.execute(f"SET LOCAL search_path TO {service_schema}")


def downgrade() -> None:
    """Drop the table again (the extension stays: other schemas of the database may use it)."""
    for schema in _generation_schemas():
        for table in LESSON_CONTENT_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
