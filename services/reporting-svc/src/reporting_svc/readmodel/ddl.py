"""Tables of one read-model generation. Each generation lives in its own schema, so a rebuild
fills fresh tables while queries keep reading the live ones, and switching is one update.

Every fact keeps two times: its business date (the day it took effect: `effective_on`,
`as_of`, `incurred_on`, `established_on` ...) and the instant it was recorded (`occurred_at`,
`*_at`). A business date is NULL where the event had none (v1 events): the reports take the day
it was recorded on in the tenant's time zone instead.

A personal value is jsonb, as published (sealed; plain only from a message published before
sealing existed), beside its pseudonym (`*_ref`, NULL for a plain value): `readmodel.personal`."""

from __future__ import annotations

from pmo_shared.eventstore.ddl import CONSUMER_DDL
from reporting_svc.readmodel.figures_ddl import FIGURES_TABLES
from reporting_svc.readmodel.lesson_ddl import LESSON_CONTENT_TABLES, LESSON_TABLES
from reporting_svc.readmodel.portfolio_ddl import PORTFOLIO_CONTENT_TABLES, PORTFOLIO_TABLES
from reporting_svc.readmodel.program_ddl import PROGRAM_CONTENT_TABLES, PROGRAM_TABLES
from reporting_svc.readmodel.standards import STANDARDS_CONTENT_TABLES, STANDARDS_TABLES

TABLES: tuple[str, ...] = (
    """
    CREATE TABLE projects (
        project_id    uuid PRIMARY KEY,
        tenant_id     text NOT NULL,
        code          text NOT NULL,
        name          text NOT NULL,
        description   text NOT NULL DEFAULT '',
        manager       jsonb NOT NULL,
        manager_ref   uuid,
        sponsor       jsonb NOT NULL,
        sponsor_ref   uuid,
        methodology   text NOT NULL,
        currency      text NOT NULL,
        flagged_large boolean NOT NULL,
        status        text NOT NULL,
        version       integer NOT NULL,
        proposed_at   timestamptz NOT NULL,
        actual_start  date,
        actual_finish date
    )
    """,
    "CREATE INDEX projects_tenant_idx ON projects (tenant_id, status)",
    "CREATE INDEX projects_manager_idx ON projects (tenant_id, manager_ref)",
    """
    CREATE TABLE project_status (
        project_id   uuid NOT NULL,
        version      integer NOT NULL,
        status       text NOT NULL,
        occurred_at  timestamptz NOT NULL,
        effective_on date,
        PRIMARY KEY (project_id, version)
    )
    """,
    """
    CREATE TABLE baselines (
        project_id           uuid NOT NULL,
        number               numeric NOT NULL,  -- unbounded in the event schema
        budget_at_completion numeric NOT NULL,
        planned_start        date NOT NULL,
        planned_finish       date NOT NULL,
        planned_values       jsonb NOT NULL,
        occurred_at          timestamptz NOT NULL,
        effective_on         date,
        PRIMARY KEY (project_id, number)
    )
    """,
    """
    CREATE TABLE progress (
        project_id       uuid NOT NULL,
        version          integer NOT NULL,
        percent_complete numeric NOT NULL,
        as_of            date NOT NULL,
        occurred_at      timestamptz NOT NULL,
        PRIMARY KEY (project_id, version)
    )
    """,
    """
    CREATE TABLE costs (
        cost_id     uuid PRIMARY KEY,
        project_id  uuid NOT NULL,
        amount      numeric NOT NULL,
        incurred_on date NOT NULL,
        category    text NOT NULL,
        occurred_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX costs_project_idx ON costs (project_id)",
    """
    CREATE TABLE milestones (
        milestone_id uuid PRIMARY KEY,
        project_id   uuid NOT NULL,
        name         text NOT NULL,
        due_date     date NOT NULL,
        added_at     timestamptz NOT NULL,
        achieved_on  date,
        achieved_at  timestamptz
    )
    """,
    "CREATE INDEX milestones_project_idx ON milestones (project_id)",
    """
    CREATE TABLE risks (
        risk_id     uuid PRIMARY KEY,
        project_id  uuid NOT NULL,
        title       text NOT NULL,
        probability numeric NOT NULL,
        impact      numeric NOT NULL,
        owner       jsonb NOT NULL,
        owner_ref   uuid,
        raised_at   timestamptz NOT NULL,
        closed_at   timestamptz,
        raised_on   date,
        closed_on   date,
        outcome     text
    )
    """,
    "CREATE INDEX risks_project_idx ON risks (project_id)",
    """
    CREATE TABLE status_reports (
        report_id   uuid PRIMARY KEY,
        project_id  uuid NOT NULL,
        schedule    text NOT NULL,
        cost        text NOT NULL,
        scope       text NOT NULL,
        summary     text NOT NULL,
        occurred_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX status_reports_project_idx ON status_reports (project_id, occurred_at)",
    """
    CREATE TABLE lessons (
        lesson_id      uuid PRIMARY KEY,
        project_id     uuid NOT NULL,
        tenant_id      text NOT NULL,
        category       text NOT NULL,
        what_happened  text NOT NULL,
        recommendation text NOT NULL,
        occurred_at    timestamptz NOT NULL,
        search         tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', category), 'A')
            || setweight(to_tsvector('english', what_happened), 'B')
            || setweight(to_tsvector('english', recommendation), 'B')
        ) STORED
    )
    """,
    "CREATE INDEX lessons_search_idx ON lessons USING gin (search)",
    "CREATE INDEX lessons_tenant_idx ON lessons (tenant_id, occurred_at DESC)",
    """
    CREATE TABLE offices (
        office_id               uuid PRIMARY KEY,
        project_id              uuid NOT NULL,
        tenant_id               text NOT NULL,
        lead                    jsonb NOT NULL,
        lead_ref                uuid,
        reporting_cadence_days  integer NOT NULL,
        established_at          timestamptz NOT NULL,
        disbanded_at            timestamptz,
        disband_reason          text,
        disbanded_automatically boolean,
        established_on          date,
        disbanded_on            date
    )
    """,
    "CREATE INDEX offices_tenant_idx ON offices (tenant_id, project_id)",
    """
    CREATE TABLE office_staff (
        office_id   uuid NOT NULL,
        version     integer NOT NULL,
        user_id     jsonb NOT NULL,
        user_ref    uuid,
        change      smallint NOT NULL,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (office_id, version)
    )
    """,
    """
    CREATE TABLE office_reports (
        report_id    uuid PRIMARY KEY,
        office_id    uuid NOT NULL,
        kind         text NOT NULL,
        period_end   date NOT NULL,
        published_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX office_reports_office_idx ON office_reports (office_id)",
    """
    CREATE TABLE office_documents (
        document_id uuid PRIMARY KEY,
        office_id   uuid NOT NULL,
        title       text NOT NULL,
        kind        text NOT NULL,
        filed_at    timestamptz NOT NULL
    )
    """,
    "CREATE INDEX processed_events_at_idx ON processed_events (processed_at)",
)

# Compared after a rebuild: every read-model table, ordered by its key (not `project_figures`:
# derived rows, computed when read, see `readmodel.figures_ddl`).
CONTENT_TABLES: dict[str, str] = {
    "projects": "project_id",
    "project_status": "project_id, version",
    "baselines": "project_id, number",
    "progress": "project_id, version",
    "costs": "cost_id",
    "milestones": "milestone_id",
    "risks": "risk_id",
    "status_reports": "report_id",
    "lessons": "lesson_id",
    "offices": "office_id",
    "office_staff": "office_id, version",
    "office_reports": "report_id",
    "office_documents": "document_id",
    **PROGRAM_CONTENT_TABLES,
    **PORTFOLIO_CONTENT_TABLES,
    **STANDARDS_CONTENT_TABLES,
    **LESSON_CONTENT_TABLES,
}


def generation_ddl(schema: str) -> list[str]:
    """Statements that create one generation's schema and tables (run with search_path set
    to that schema)."""
    return [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"SET LOCAL search_path TO {schema}",
        *CONSUMER_DDL,
        *TABLES,
        *PROGRAM_TABLES,
        *PORTFOLIO_TABLES,
        *STANDARDS_TABLES,
        *LESSON_TABLES,
        *FIGURES_TABLES,
    ]
