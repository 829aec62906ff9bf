"""Given-when-then helpers for aggregate tests: build history, compare recorded events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from pmo_shared.domain.events import DomainEvent
from project_svc.domain import events as ev
from project_svc.domain.project import Project
from project_svc.domain.standards import Standards
from project_svc.domain.values import Methodology

TODAY = date(2026, 6, 15)
PROJECT_ID = UUID("00000000-0000-4000-8000-000000000001")
DEFAULTS = Standards.defaults(large_threshold=Decimal(1_000_000))
UNGATED: dict[str, Any] = {"standards": DEFAULTS, "decision": None}
"""What `Project.approve` needs besides its date under the environment's defaults: no
portfolio-approval threshold, so no portfolio decision."""


def proposed(**overrides: Any) -> ev.ProjectProposed:
    details: dict[str, Any] = {
        "project_id": PROJECT_ID,
        "code": "PAY-1",
        "name": "Payroll upgrade",
        "description": "Upgrade the payroll application",
        "manager": "pm-ann",
        "sponsor": "cfo-bob",
        "methodology": Methodology.HYBRID,
        "currency": "EUR",
        "flagged_large": False,
    }
    return ev.ProjectProposed(**{**details, **overrides})


def baselined(
    bac: str = "100000", number: int = 1, reason: str = "", on: date = date(2026, 1, 1)
) -> ev.ProjectBaselined:
    return ev.ProjectBaselined(
        baseline_number=number,
        budget_at_completion=Decimal(bac),
        planned_start=date(2026, 1, 1),
        planned_finish=date(2026, 12, 31),
        reason=reason,
        effective_on=on,
    )


def approved(on: date = date(2026, 1, 15)) -> ev.ProjectApproved:
    return ev.ProjectApproved(approved_by="pmo-carol", effective_on=on)


def started(on: date = date(2026, 2, 1)) -> ev.ProjectStarted:
    return ev.ProjectStarted(actual_start=on)


ACTIVE_HISTORY: tuple[DomainEvent, ...] = (proposed(), baselined(), approved(), started())


def given(*history: DomainEvent) -> Project:
    """A project rebuilt from `history`, with nothing pending."""
    return Project.rehydrate(PROJECT_ID, history)


def recorded(aggregate: Any) -> list[dict[str, Any]]:
    """The pending events as (type, fields) with generated ids blanked, for comparison."""
    out = []
    for event in aggregate.pending:
        fields = event.model_dump()
        for key in list(fields):
            if key.endswith("_id") and key not in ("project_id", "user_id") and fields[key]:
                fields[key] = "<id>"
        out.append({"type": event.event_type, **fields})
    return out


def new_id() -> UUID:
    return uuid4()
