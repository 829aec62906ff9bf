"""The facts a closure scorecard and the lesson suggestions need: a project's description
(`projects.description`, '' when the proposal had none) and a risk's business dates and outcome
(`risks.raised_on`, `risks.closed_on`, `risks.outcome`), added to every existing generation's
tables (new generations get them from `readmodel.ddl`).

A rebuild is needed for the facts already consumed: the events carried the description all
along (and a RiskRaised/RiskClosed v2 carries its dates and outcome), but a generation made
before this revision had nowhere to write them, and its consumer group committed those offsets.
So, beside adding the columns, this revision registers a rebuild when the live generation had
them not (as 0007 does), and the rebuilt generation reads every topic from its beginning. A
generation already built with them (made by this code) is left as it is. `IF NOT EXISTS` as in
0003: the columns are added to every generation, so the live one reads the same queries until
the rebuilt one takes over.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.generations import schema_for
from reporting_svc.readmodel.projection import PROJECTION_NAME

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUESTED_BY = "migration 0009 (closure facts)"

# (table, column, type); constants, never input.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("projects", "description", "text NOT NULL DEFAULT ''"),
    ("risks", "raised_on", "date"),
    ("risks", "closed_on", "date"),
    ("risks", "outcome", "text"),
)


def _generations() -> list[tuple[str, bool]]:
    """Every registered generation's schema, and whether it is the projection's live one."""
    rows = op.get_bind().execute(
        text(
            "SELECT schema_name, projection = :p AND status = 'live' FROM projection_generations "
            "ORDER BY projection, generation"
        ),
        {"p": PROJECTION_NAME},
    )
    return [(row[0], bool(row[1])) for row in rows]


def _has_column(schema: str, table: str, column: str) -> bool:
    found = op.get_bind().execute(
        text(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = :s AND table_name = :t AND column_name = :c"
        ),
        {"s": schema, "t": table, "c": column},
    )
    return found.first() is not None


def _has_table(schema: str, table: str) -> bool:
    found = op.get_bind().execute(text("SELECT to_regclass(:n)"), {"n": f"{schema}.{table}"})
    return found.scalar_one() is not None


def upgrade() -> None:
    """Add the columns to every generation's tables; register a rebuild when the live
    generation had them not (it passed over the facts it read)."""
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    passed_over = False
    for schema, live in _generations():
        if not _has_table(schema, "projects"):  # registered, but its tables are gone
            continue
        passed_over |= live and not all(
            _has_column(schema, table, column) for table, column, _type in COLUMNS
        )
        for table, column, kind in COLUMNS:
            op.execute(
                f"ALTER TABLE IF EXISTS {schema}.{table} ADD COLUMN IF NOT EXISTS {column} {kind}"
            )
    if passed_over:
        _register_rebuild(service_schema)


def _register_rebuild(service_schema: str) -> None:
    """A rebuild of the projection into a new generation, unless one is being built."""
    conn = op.get_bind()
    latest, building = conn.execute(
        text(
            "SELECT max(generation), coalesce(bool_or(status = 'building'), false) "
            "FROM projection_generations WHERE projection = :p"
        ),
        {"p": PROJECTION_NAME},
    ).one()
    if latest is None or building:
        return
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
    """Drop them again (the rebuild registered stays: drop it by hand if it is not wanted)."""
    for schema, _live in _generations():
        for table, column, _kind in COLUMNS:
            op.execute(f"ALTER TABLE IF EXISTS {schema}.{table} DROP COLUMN IF EXISTS {column}")
