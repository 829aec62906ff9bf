"""Tables of the program read model, part of every generation (`ddl.generation_ddl`) and added
to the generations that existed before them by migration 0005, hence `IF NOT EXISTS`.

Facts only, each with its business date (`effective_on`, `joined_on`, `as_of` ...) beside the
instant it was recorded (`occurred_at`, `*_at`): the reports fold them at a status date as
known at an instant (`readmodel.program_queries`). Almost every row is keyed by its program's
stream version, so no table depends on the order in which the project and the program topics
arrive, and a rebuild writes the very same rows. A personal value is jsonb as published
(sealed) beside its pseudonym (`*_ref`): `readmodel.personal`.

ISO weeks (`YYYY-Www`) are text: in that form their order is the calendar's."""

from __future__ import annotations

PROGRAM_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS programs (
        program_id  uuid PRIMARY KEY,
        tenant_id   text NOT NULL,
        code        text NOT NULL,
        name        text NOT NULL,
        area        text NOT NULL,
        manager     jsonb NOT NULL,
        manager_ref uuid,
        sponsor     jsonb NOT NULL,
        sponsor_ref uuid,
        currency    text NOT NULL,
        proposed_on date NOT NULL,
        proposed_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS programs_tenant_idx ON programs (tenant_id, code, program_id)",
    "CREATE INDEX IF NOT EXISTS programs_manager_idx ON programs (tenant_id, manager_ref)",
    """
    CREATE TABLE IF NOT EXISTS program_status (
        program_id       uuid NOT NULL,
        version          integer NOT NULL,
        status           text NOT NULL,
        reason           text,
        activated_by     jsonb,
        activated_by_ref uuid,
        effective_on     date NOT NULL,
        occurred_at      timestamptz NOT NULL,
        PRIMARY KEY (program_id, version)
    )
    """,
    # One row per membership: joined, and (once removed) left; a project may join again.
    """
    CREATE TABLE IF NOT EXISTS program_members (
        program_id     uuid NOT NULL,
        joined_version integer NOT NULL,
        project_id     uuid NOT NULL,
        joined_on      date NOT NULL,
        joined_at      timestamptz NOT NULL,
        left_version   integer,
        left_on        date,
        left_at        timestamptz,
        PRIMARY KEY (program_id, joined_version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_members_project_idx "
    "ON program_members (program_id, project_id)",
    """
    CREATE TABLE IF NOT EXISTS program_pool (
        program_id   uuid NOT NULL,
        version      integer NOT NULL,
        change       text NOT NULL CHECK (change IN ('set', 'increase', 'decrease')),
        amount       numeric NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (program_id, version)
    )
    """,
    # A reallocation is two legs of one version: the amount off one member, onto another.
    """
    CREATE TABLE IF NOT EXISTS program_allocations (
        program_id   uuid NOT NULL,
        version      integer NOT NULL,
        leg          smallint NOT NULL,
        project_id   uuid NOT NULL,
        amount       numeric NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (program_id, version, leg)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS program_resources (
        resource_id           uuid PRIMARY KEY,
        program_id            uuid NOT NULL,
        version               integer NOT NULL,
        kind                  text NOT NULL,
        person                jsonb,
        person_ref            uuid,
        role                  text,
        weekly_capacity_hours numeric NOT NULL,
        effective_on          date NOT NULL,
        occurred_at           timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_resources_program_idx ON program_resources (program_id)",
    """
    CREATE TABLE IF NOT EXISTS program_assignments (
        assignment_id  uuid PRIMARY KEY,
        program_id     uuid NOT NULL,
        version        integer NOT NULL,
        resource_id    uuid NOT NULL,
        project_id     uuid NOT NULL,
        hours_per_week numeric NOT NULL,
        first_week     text NOT NULL,
        last_week      text NOT NULL,
        effective_on   date NOT NULL,
        occurred_at    timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_assignments_program_idx "
    "ON program_assignments (program_id)",
    """
    CREATE TABLE IF NOT EXISTS program_assignment_changes (
        program_id     uuid NOT NULL,
        version        integer NOT NULL,
        assignment_id  uuid NOT NULL,
        change         text NOT NULL CHECK (change IN ('hours', 'ended_early', 'released')),
        hours_per_week numeric,
        last_week      text,
        effective_on   date NOT NULL,
        occurred_at    timestamptz NOT NULL,
        PRIMARY KEY (program_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_assignment_changes_idx "
    "ON program_assignment_changes (assignment_id)",
    """
    CREATE TABLE IF NOT EXISTS program_benefits (
        benefit_id   uuid PRIMARY KEY,
        program_id   uuid NOT NULL,
        name         text NOT NULL,
        measure      text NOT NULL,
        unit         text NOT NULL,
        target_value numeric NOT NULL,
        target_date  date NOT NULL,
        owner        jsonb NOT NULL,
        owner_ref    uuid,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_benefits_program_idx ON program_benefits (program_id)",
    """
    CREATE TABLE IF NOT EXISTS program_benefit_reports (
        program_id  uuid NOT NULL,
        version     integer NOT NULL,
        benefit_id  uuid NOT NULL,
        value       numeric NOT NULL,
        as_of       date NOT NULL,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (program_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_benefit_reports_idx "
    "ON program_benefit_reports (benefit_id)",
    """
    CREATE TABLE IF NOT EXISTS program_dependencies (
        dependency_id           uuid PRIMARY KEY,
        program_id              uuid NOT NULL,
        dependent_project_id    uuid NOT NULL,
        prerequisite_project_id uuid NOT NULL,
        kind                    text NOT NULL,
        deliverable             text,
        added_on                date NOT NULL,
        added_at                timestamptz NOT NULL,
        removed_on              date,
        removed_at              timestamptz
    )
    """,
    "CREATE INDEX IF NOT EXISTS program_dependencies_program_idx "
    "ON program_dependencies (program_id)",
)

# Compared after a rebuild, like every other read-model table (`ddl.CONTENT_TABLES`).
PROGRAM_CONTENT_TABLES: dict[str, str] = {
    "programs": "program_id",
    "program_status": "program_id, version",
    "program_members": "program_id, joined_version",
    "program_pool": "program_id, version",
    "program_allocations": "program_id, version, leg",
    "program_resources": "resource_id",
    "program_assignments": "assignment_id",
    "program_assignment_changes": "program_id, version",
    "program_benefits": "benefit_id",
    "program_benefit_reports": "program_id, version",
    "program_dependencies": "dependency_id",
}
