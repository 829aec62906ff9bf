"""The portfolio events project-svc reads, as tolerant readers of portfolio-svc's published
schemas (services/portfolio-svc/events/schemas): only the fields project-svc uses, unknown
fields ignored, so portfolio-svc can add optional fields without breaking project-svc. A
contract test (tests/contracts/test_project_reads_portfolio_events.py) checks every field here
against the committed producer schemas.

project-svc reads two event types: `PmoStandardsSet` (the PMO's standards of a tenant, one
stream per tenant) and `DecisionRecorded` (a portfolio decision on a project, or on a program
and thereby on each project it `covers`). It reads no personal field (a decision's
`decided_by`, a portfolio's manager): an erasure has nothing to do here.

Every other event type on `pmo.portfolio.events` is known to the registry too, with no fields
read: the consumer runner dead-letters an event its registry does not know, so each published
type and version must decode. The kernel's bookkeeping events (`PersonalDataErased`,
`DataSubjectErased`) are in every registry already; the projection passes over them.

Values are read as plain strings where portfolio-svc has a closed set (a decision, a kind, a
gate): a value added there later decodes here, and project-svc acts only on those it knows
(`project_svc.domain.standards`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast
from uuid import UUID

from pydantic import ConfigDict, Field

from pmo_shared.domain.events import DomainEvent, EventRegistry

registry = EventRegistry()

STANDARDS_STREAM = "pmo_standards"
"""The stream type of a tenant's standards (one stream per tenant)."""
PORTFOLIO_STREAM = "portfolio"
"""The stream type of a portfolio's events."""


class PortfolioEvent(DomainEvent):
    """A portfolio-svc event as project-svc reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


@registry.register
class PmoStandardsSet(PortfolioEvent):
    """A tenant's whole set of standards, in force from `effective_on`."""

    event_type = "PmoStandardsSet"
    large_project_threshold: dict[str, Decimal] = Field(default_factory=dict)
    portfolio_approval_threshold: dict[str, Decimal] = Field(default_factory=dict)
    required_gates: list[str] = Field(default_factory=list)
    time_zone: str
    effective_on: date


@registry.register
class DecisionRecorded(PortfolioEvent):
    """A decision on a component: a project, or a program and the member projects it `covers`."""

    event_type = "DecisionRecorded"
    component_id: UUID
    kind: str
    covers: list[UUID] = Field(default_factory=list)
    decision: str
    decided_on: date


# The events project-svc passes over: known, so that they decode, with no fields read.


class PassedOver(PortfolioEvent):
    """An event of the topic that changes nothing project-svc knows."""


PASSED_OVER: dict[str, int] = {
    "PortfolioCreated": 1,
    "ObjectivesWeighted": 1,
    "ComponentAdded": 1,
    "ComponentCostChanged": 1,
    "ComponentScored": 1,
    "ComponentRemoved": 1,
    "BudgetSet": 1,
    "CapacitySet": 1,
    "DependencyDeclared": 1,
    "ExclusiveGroupDeclared": 1,
    "ScenarioSaved": 1,
    "SelectionAdopted": 1,
    "LessonSuggestionJudged": 1,
}
"""Each passed-over event type with its newest published schema version."""


def _passed_over(event_type: str, version: int) -> type[PassedOver]:
    """The reader of one version of a passed-over event type."""
    namespace = {"event_type": event_type, "schema_version": version, "__module__": __name__}
    return cast(type[PassedOver], type(f"{event_type}V{version}", (PassedOver,), namespace))


for _event_type, _latest in PASSED_OVER.items():
    for _version in range(1, _latest + 1):
        registry.register(_passed_over(_event_type, _version))
