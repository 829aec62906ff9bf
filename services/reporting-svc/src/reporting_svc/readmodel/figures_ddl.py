"""The current figures of each project (`project_figures`): its report as of the tenant's today,
known now, kept so that the list, the overview and the roll-ups read rows instead of folding
every project's facts per request (`readmodel.figures`, `application.figures`).

A row is derived, never a fact: the projection inserts one per project (`valid_on` NULL: to be
computed) and marks it to be computed again (`valid_on` NULL) in the transaction that changes
the project's facts; the reads compute the rows that are not valid for the tenant's today and
standards (`rated_key`) in bulk, under a per-tenant lock. So it is not among the tables compared
after a rebuild (`ddl.CONTENT_TABLES`): a rebuilt generation's rows are computed from its own
facts, and equal the old generation's for the same day and standards."""

from __future__ import annotations

FIGURES_STATE_INDEXES: tuple[str, ...] = (
    """CREATE INDEX IF NOT EXISTS project_figures_valid_idx
       ON project_figures (tenant_id, valid_on, rated_key)""",
    """CREATE INDEX IF NOT EXISTS project_figures_through_idx
       ON project_figures (tenant_id, recorded_through)""",
)

FIGURES_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS project_figures (
        project_id       uuid PRIMARY KEY,
        tenant_id        text NOT NULL,
        valid_on         date,
        rated_key        text,
        recorded_through timestamptz,
        code             text,
        name             text,
        status           text,
        currency         text,
        health           text,
        bac              numeric,
        pv               numeric,
        ev               numeric,
        ac               numeric,
        spi              numeric,
        cpi              numeric,
        report           jsonb
    )
    """,
    """CREATE INDEX IF NOT EXISTS project_figures_tenant_idx
       ON project_figures (tenant_id, code COLLATE "C", project_id)""",
    """CREATE INDEX IF NOT EXISTS project_figures_stale_idx ON project_figures (tenant_id)
       WHERE valid_on IS NULL""",
    *FIGURES_STATE_INDEXES,
)
"""`project_figures_tenant_idx` serves the list's default order (by code, as
Python orders strings: by code point) and every per-tenant
scan; `project_figures_stale_idx` finds the rows to compute; `FIGURES_STATE_INDEXES` answer
whether every row serves a read (`readmodel.figures.state`) by index probes, not a scan of the
tenant's rows on every read."""
