"""The PMO's standards of each tenant in the read model: every set as published, by the
standards stream's version, with the business date it is in force from (`effective_on`) and the
instant it was recorded (`occurred_at`), so a report reads the set in force on its status date as
known at its instant (`readmodel.standards_queries`). Part of every generation
(`ddl.generation_ddl`) and added to older generations by migration 0006, hence `IF NOT EXISTS`.
"""

from __future__ import annotations

import json

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import portfolio_events as fev
from reporting_svc.readmodel.rows import Rows

STANDARDS_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS pmo_standards (
        tenant_id    text NOT NULL,
        version      integer NOT NULL,
        effective_on date NOT NULL,
        standards    jsonb NOT NULL,
        occurred_at  timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, version)
    )
    """,
)
STANDARDS_CONTENT_TABLES: dict[str, str] = {"pmo_standards": "tenant_id, version"}

INSERT_STANDARDS = BulkStatement(
    """INSERT INTO pmo_standards (tenant_id, version, effective_on, standards, occurred_at)
       VALUES (:tenant, :v, :on, CAST(:standards AS jsonb), :at) ON CONFLICT DO NOTHING"""
)


def standards_set(env: EventEnvelope, e: fev.PmoStandardsSet) -> Rows:
    """One set of the tenant's standards (the fields reporting reads, as JSON)."""
    standards = e.model_dump(mode="json", exclude={"effective_on"})
    return [
        (
            INSERT_STANDARDS,
            {
                "tenant": env.tenant_id,
                "v": env.stream_version,
                "on": e.effective_on,
                "standards": json.dumps(standards, sort_keys=True),
                "at": env.occurred_at,
            },
        )
    ]
