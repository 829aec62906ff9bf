"""The portfolio read model: portfolios, their objectives' weightings, components with their
costs and scores, budgets, decisions and adopted selections (`readmodel.portfolio_ddl`), added
to every existing generation's schema (new generations get them from `readmodel.ddl`).

A rebuild is needed for the portfolio events already consumed: since 0006 the projection reads
`pmo.portfolio.events`, and a generation made before this revision has passed over every
portfolio event but the PMO's standards (it had nowhere to write them), and its consumer group
committed those offsets. So, beside adding the tables, this revision registers a rebuild of
every live generation that had them not (as 0004 did), and the rebuilt generation reads every
topic from its beginning into the tables. A generation already built with them (made by this
code) is left as it is, and no rebuild is registered for it. `IF NOT EXISTS` as in 0005.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.generations import schema_for
from reporting_svc.readmodel.portfolio_ddl import PORTFOLIO_CONTENT_TABLES, PORTFOLIO_TABLES
from reporting_svc.readmodel.projection import PROJECTION_NAME

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUESTED_BY = "migration 0007 (portfolio read model)"


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


def _exists(schema: str, table: str | None = None) -> bool:
    name = schema if table is None else f"{schema}.{table}"
    function = "to_regnamespace" if table is None else "to_regclass"
    found = op.get_bind().execute(text(f"SELECT {function}(:n)"), {"n": name})
    return found.scalar_one() is not None


def upgrade() -> None:
    """Create the portfolio tables in every generation's schema; register a rebuild when the
    live generation had them not (it passed over the portfolio events it read)."""
    service_schema = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    passed_over = False
    for schema, live in _generations():
        if not _exists(schema):  # registered, but its schema is gone: nothing to add to
            continue
        passed_over |= live and not _exists(schema, "portfolios")
        op.execute(f"SET LOCAL search_path TO {schema}")
        for statement in PORTFOLIO_TABLES:
            op.execute(statement)
    op.execute(f"SET LOCAL search_path TO {service_schema}")
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
        for table in PORTFOLIO_CONTENT_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
