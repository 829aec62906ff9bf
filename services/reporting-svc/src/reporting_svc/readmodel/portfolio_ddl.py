"""Tables of the portfolio read model, part of every generation (`ddl.generation_ddl`) and added
to the generations that existed before them by migration 0007, hence `IF NOT EXISTS`.

Facts only, each with its business date (`effective_on`, `decided_on`, `adopted_on` ...) beside
the instant it was recorded (`occurred_at`, `*_at`): the reports fold them at a status date as
known at an instant (`readmodel.portfolio_queries`, `domain.portfolio_rollup`). Every row is
keyed by its portfolio's stream version, so no table depends on the order in which the
project, program and portfolio topics arrive, and a rebuild writes the very same rows. A
personal value is jsonb as published (sealed) beside its pseudonym (`*_ref`):
`readmodel.personal`.

Objective weights are a jsonb array of `[objective, weight]` pairs in the order published (a
jsonb object would sort its keys, and a component's value terms follow the objectives' order);
amounts and weights inside jsonb are decimal strings, so they stay exact."""

from __future__ import annotations

PORTFOLIO_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS portfolios (
        portfolio_id uuid PRIMARY KEY,
        tenant_id    text NOT NULL,
        code         text NOT NULL,
        name         text NOT NULL,
        manager      jsonb NOT NULL,
        manager_ref  uuid,
        currency     text NOT NULL,
        created_on   date NOT NULL,
        created_at   timestamptz NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS portfolios_tenant_idx "
    "ON portfolios (tenant_id, code, portfolio_id)",
    "CREATE INDEX IF NOT EXISTS portfolios_manager_idx ON portfolios (tenant_id, manager_ref)",
    """
    CREATE TABLE IF NOT EXISTS portfolio_weights (
        portfolio_id uuid NOT NULL,
        version      integer NOT NULL,
        weights      jsonb NOT NULL,
        method       text NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    # One row per component: added, and (once removed) removed; portfolio-svc never adds one
    # component to one portfolio twice.
    """
    CREATE TABLE IF NOT EXISTS portfolio_components (
        portfolio_id    uuid NOT NULL,
        version         integer NOT NULL,
        component_id    uuid NOT NULL,
        kind            text NOT NULL,
        risk_score      numeric NOT NULL,
        currency        text NOT NULL,
        added_on        date NOT NULL,
        added_at        timestamptz NOT NULL,
        removed_version integer,
        removed_on      date,
        removed_at      timestamptz,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS portfolio_components_component_idx "
    "ON portfolio_components (portfolio_id, component_id)",
    # A component's cost as added, and each change of it.
    """
    CREATE TABLE IF NOT EXISTS portfolio_costs (
        portfolio_id uuid NOT NULL,
        version      integer NOT NULL,
        component_id uuid NOT NULL,
        cost         numeric NOT NULL,
        is_estimate  boolean NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS portfolio_costs_component_idx "
    "ON portfolio_costs (portfolio_id, component_id)",
    """
    CREATE TABLE IF NOT EXISTS portfolio_scores (
        portfolio_id uuid NOT NULL,
        version      integer NOT NULL,
        component_id uuid NOT NULL,
        objective    text NOT NULL,
        score        numeric NOT NULL,
        rationale    text NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS portfolio_scores_component_idx "
    "ON portfolio_scores (portfolio_id, component_id)",
    """
    CREATE TABLE IF NOT EXISTS portfolio_budgets (
        portfolio_id uuid NOT NULL,
        version      integer NOT NULL,
        amount       numeric NOT NULL,
        effective_on date NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    # `covers`: a program's member projects when it was decided on (a jsonb array of ids).
    """
    CREATE TABLE IF NOT EXISTS portfolio_decisions (
        portfolio_id   uuid NOT NULL,
        version        integer NOT NULL,
        component_id   uuid NOT NULL,
        kind           text NOT NULL,
        decision       text NOT NULL,
        covers         jsonb NOT NULL,
        rationale      text NOT NULL,
        decided_on     date NOT NULL,
        decided_by     jsonb NOT NULL,
        decided_by_ref uuid,
        occurred_at    timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS portfolio_decisions_component_idx "
    "ON portfolio_decisions (portfolio_id, component_id)",
    # An adopted selection as published: the ids in and out, and its frontier's points.
    """
    CREATE TABLE IF NOT EXISTS portfolio_selections (
        portfolio_id   uuid NOT NULL,
        version        integer NOT NULL,
        as_of          date NOT NULL,
        scenario       text,
        budget         numeric NOT NULL,
        value          numeric NOT NULL,
        cost           numeric NOT NULL,
        selected       jsonb NOT NULL,
        excluded       jsonb NOT NULL,
        frontier       jsonb NOT NULL,
        adopted_on     date NOT NULL,
        adopted_by     jsonb NOT NULL,
        adopted_by_ref uuid,
        occurred_at    timestamptz NOT NULL,
        PRIMARY KEY (portfolio_id, version)
    )
    """,
)

# Compared after a rebuild, like every other read-model table (`ddl.CONTENT_TABLES`).
PORTFOLIO_CONTENT_TABLES: dict[str, str] = {
    "portfolios": "portfolio_id",
    "portfolio_weights": "portfolio_id, version",
    "portfolio_components": "portfolio_id, version",
    "portfolio_costs": "portfolio_id, version",
    "portfolio_scores": "portfolio_id, version",
    "portfolio_budgets": "portfolio_id, version",
    "portfolio_decisions": "portfolio_id, version",
    "portfolio_selections": "portfolio_id, version",
}
