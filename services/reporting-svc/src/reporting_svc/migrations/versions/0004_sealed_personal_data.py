"""Personal data sealed in the read models: every personal column (`projects.manager`,
`projects.sponsor`, `risks.owner`, `offices.lead`, `office_staff.user_id`) becomes jsonb, the
value as project-svc publishes it (sealed), beside a pseudonym column (`manager_ref`,
`sponsor_ref`, `owner_ref`, `lead_ref`, `user_ref`); see `readmodel.personal`.

Every existing generation's tables are changed in place (new generations get the layout from
`readmodel.ddl`): the values already there came from messages published before sealing, so
they are plain user ids and stay so, as JSON strings with no pseudonym (the topics keep those
messages; a rebuild reads them the same way). Then a rebuild of `project-reports` is registered
(unless one is running), so the running service rebuilds into the new layout from the topics:
events that a reporting-svc without this revision could not read (sealed values) and sent to
the dead letters are read this time; the live generation serves until the rebuild switches in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.generations import schema_for
from reporting_svc.readmodel.projection import PROJECTION_NAME

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, value column, pseudonym column); constants, never input.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("projects", "manager", "manager_ref"),
    ("projects", "sponsor", "sponsor_ref"),
    ("risks", "owner", "owner_ref"),
    ("offices", "lead", "lead_ref"),
    ("office_staff", "user_id", "user_ref"),
)
REQUESTED_BY = "migration 0004 (sealed personal data)"


def _generation_schemas() -> list[str]:
    rows = op.get_bind().execute(text("SELECT schema_name FROM projection_generations"))
    return [row[0] for row in rows]


def upgrade() -> None:
    """Change every generation's personal columns, then register a rebuild."""
    for schema in _generation_schemas():
        for table, column, ref in COLUMNS:
            op.execute(
                f"ALTER TABLE IF EXISTS {schema}.{table} "
                f"ALTER COLUMN {column} TYPE jsonb USING to_jsonb({column}), "
                f"ADD COLUMN IF NOT EXISTS {ref} uuid"
            )
        op.execute(
            f"CREATE INDEX IF NOT EXISTS projects_manager_idx "
            f"ON {schema}.projects (tenant_id, manager_ref)"
        )
    _register_rebuild()


def _register_rebuild() -> None:
    conn = op.get_bind()
    latest, building = conn.execute(
        text(
            "SELECT max(generation), coalesce(bool_or(status = 'building'), false) "
            "FROM projection_generations WHERE projection = :p"
        ),
        {"p": PROJECTION_NAME},
    ).one()
    if latest is None or building:  # a fresh install builds from the start anyway
        return
    service_schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    schema = schema_for(service_schema, PROJECTION_NAME, latest + 1)
    op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    for statement in generation_ddl(schema):
        op.execute(statement)
    op.execute(f"SET LOCAL search_path TO {service_schema}")
    conn.execute(
        text(
            "INSERT INTO projection_generations (projection, generation, schema_name, status, "
            "requested_by) VALUES (:p, :g, :s, 'building', :by)"
        ),
        {"p": PROJECTION_NAME, "g": latest + 1, "s": schema, "by": REQUESTED_BY},
    )


def downgrade() -> None:
    """Plain text columns again (a sealed value as its JSON text) without the pseudonyms; the
    rebuild registered stays (drop it by hand if it is not wanted)."""
    for schema in _generation_schemas():
        op.execute(f"DROP INDEX IF EXISTS {schema}.projects_manager_idx")
        for table, column, ref in COLUMNS:
            op.execute(
                f"ALTER TABLE IF EXISTS {schema}.{table} "
                f"ALTER COLUMN {column} TYPE text USING CASE WHEN jsonb_typeof({column}) = "
                f"'string' THEN {column} #>> '{{}}' ELSE {column}::text END, "
                f"DROP COLUMN IF EXISTS {ref}"
            )
