"""The current figures of each project (`project_figures`, `readmodel.figures_ddl`): added to
every existing generation's schema (new generations get it from `readmodel.ddl`), with a row to
be computed for every project it holds (the reads compute them when first asked).

No rebuild is needed: the rows are derived from the facts every generation has.
`IF NOT EXISTS` / `ON CONFLICT DO NOTHING`: a generation that has them is left as it is.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.figures_ddl import FIGURES_TABLES

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Create the table in every generation's schema, a row per project."""
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    for schema in _generation_schemas():
        exists = op.get_bind().execute(text("SELECT to_regnamespace(:s)"), {"s": schema})
        if exists.scalar_one() is None:  # registered, but its schema is gone: nothing to add to
            continue
        op.execute(f"SET LOCAL search_path TO {schema}")
        for statement in FIGURES_TABLES:
            op.execute(statement)
        op.execute(
            "INSERT INTO project_figures (project_id, tenant_id) "
            "SELECT project_id, tenant_id FROM projects ON CONFLICT DO NOTHING"
        )
    op.execute(f"SET LOCAL search_path TO {service_schema}")


def downgrade() -> None:
    """Drop the table again."""
    for schema in _generation_schemas():
        op.execute(f"DROP TABLE IF EXISTS {schema}.project_figures")
