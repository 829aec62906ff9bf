"""The program read model: programs, their status history, memberships, funding pool changes,
allocations, resources, assignments and their changes, benefits and realisation reports,
dependencies (`readmodel.program_ddl`), added to every existing generation's schema (new
generations get them from `readmodel.ddl`).

No rebuild is needed: the projection now also reads `pmo.program.events`, and a generation's
consumer group, having no offsets on that topic yet, reads it from its beginning (the
consumers start at the earliest offset), into these tables; the project tables are untouched.
The statements are `IF NOT EXISTS`, so a generation that already has the tables (one created
by this code, e.g. the rebuild 0004 registers in the same upgrade) is left as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.program_ddl import PROGRAM_CONTENT_TABLES, PROGRAM_TABLES

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Create the program tables in every generation's schema."""
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    for schema in _generation_schemas():
        exists = op.get_bind().execute(text("SELECT to_regnamespace(:s)"), {"s": schema})
        if exists.scalar_one() is None:  # registered, but its schema is gone: nothing to add to
            continue
        op.execute(f"SET LOCAL search_path TO {schema}")
        for statement in PROGRAM_TABLES:
            op.execute(statement)
    op.execute(f"SET LOCAL search_path TO {service_schema}")


def downgrade() -> None:
    """Drop them again (a downgraded reporting-svc no longer reads the program topic)."""
    for schema in _generation_schemas():
        for table in PROGRAM_CONTENT_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
