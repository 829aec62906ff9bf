"""The portfolio-svc events reporting-svc reads (`pmo.portfolio.events`), as tolerant readers of
portfolio-svc's published schemas (services/portfolio-svc/events/schemas), in a registry of their
own (`registry`; the projection decodes with it and the project and program events' together):
only the fields reporting uses, unknown fields ignored. A contract test checks every field here
against the producer's schemas (`tests/contracts/test_reporting_reads_portfolio_events.py`).

Two stream types share the topic: a portfolio's (`portfolio`: its objectives' weights, its
components with their costs, scores and decisions, its budget, its adopted selections) and the
PMO's of a tenant (`pmo_standards`, one stream per tenant: `PmoStandardsSet`, each set in force
from its `effective_on`; `LessonSuggestionJudged`, the PMO's verdict on a lesson suggested for a
project, in force from its `judged_on`). Every fact carries its business date. Personal fields
(`manager`, `decided_by`, `adopted_by`, `judged_by`) are `Personal`, kept sealed and opened per
request with portfolio-svc's keys. Enumerations (a component's `kind`, a `decision`) are read as
text, so a new value never breaks reporting.

Every event type on the topic is known here, including those reporting passes over (capacities,
dependencies, exclusive groups, scenarios): the consumer dead-letters an event its registry does
not know.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pmo_shared.domain.events import DomainEvent, EventRegistry
from reporting_svc.events import Personal

registry = EventRegistry()

PORTFOLIO_STREAM = "portfolio"
STANDARDS_STREAM = "pmo_standards"


class PortfolioEvent(DomainEvent):
    """A portfolio-svc event as reporting reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class _Tolerant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# --- the PMO's standards --------------------------------------------------------------------


class HealthBandRead(_Tolerant):
    """Green at or above `green`, amber at or above `amber`, red below."""

    green: Decimal
    amber: Decimal


class SizeClassRead(_Tolerant):
    """A size class by BAC, up to `up_to` inclusive (None: unbounded)."""

    name: str
    up_to: Decimal | None = None


@registry.register
class PmoStandardsSet(PortfolioEvent):
    event_type = "PmoStandardsSet"
    spi: HealthBandRead
    cpi: HealthBandRead
    reporting_cadence_days: int
    size_classes: dict[str, list[SizeClassRead]] = Field(default_factory=dict)
    benchmark_min_group: int = 5
    reference_class_min: int = 5
    fiscal_year_start_month: int = 1
    time_zone: str
    effective_on: date


@registry.register
class LessonSuggestionJudged(PortfolioEvent):
    """The PMO's verdict on lesson `lesson_id` suggested for project `project_id`: useful or
    not, from `judged_on` (a later verdict on the pair replaces it from its own date)."""

    event_type = "LessonSuggestionJudged"
    project_id: UUID
    lesson_id: UUID
    useful: bool
    note: str = ""
    judged_on: date
    judged_by: Personal


# --- portfolios -----------------------------------------------------------------------------


@registry.register
class PortfolioCreated(PortfolioEvent):
    event_type = "PortfolioCreated"
    code: str
    name: str
    manager: Personal
    currency: str
    created_on: date


@registry.register
class ObjectivesWeighted(PortfolioEvent):
    event_type = "ObjectivesWeighted"
    weights: dict[str, Decimal]
    method: str
    effective_on: date


@registry.register
class ComponentAdded(PortfolioEvent):
    event_type = "ComponentAdded"
    component_id: UUID
    kind: str
    cost: Decimal
    cost_is_estimate: bool
    risk_score: Decimal
    currency: str
    effective_on: date


@registry.register
class ComponentCostChanged(PortfolioEvent):
    event_type = "ComponentCostChanged"
    component_id: UUID
    cost: Decimal
    cost_is_estimate: bool
    effective_on: date


@registry.register
class ComponentScored(PortfolioEvent):
    event_type = "ComponentScored"
    component_id: UUID
    objective: str
    score: Decimal
    rationale: str
    effective_on: date


@registry.register
class ComponentRemoved(PortfolioEvent):
    event_type = "ComponentRemoved"
    component_id: UUID
    effective_on: date


@registry.register
class BudgetSet(PortfolioEvent):
    event_type = "BudgetSet"
    amount: Decimal
    effective_on: date


@registry.register
class DecisionRecorded(PortfolioEvent):
    event_type = "DecisionRecorded"
    component_id: UUID
    kind: str
    covers: list[UUID] = Field(default_factory=list)
    decision: str
    rationale: str
    decided_on: date
    decided_by: Personal


class FrontierPointRead(_Tolerant):
    """One optimum of the adopted frontier (no value nor cost when infeasible)."""

    budget: Decimal
    feasible: bool
    value: Decimal | None = None
    cost: Decimal | None = None
    current: bool = False


@registry.register
class SelectionAdopted(PortfolioEvent):
    event_type = "SelectionAdopted"
    as_of: date
    scenario: str | None = None
    budget: Decimal
    value: Decimal
    cost: Decimal
    selected: list[UUID]
    excluded: list[UUID]
    frontier: list[FrontierPointRead]
    adopted_on: date
    adopted_by: Personal


# --- what reporting passes over (decoded, so never dead-lettered) ---------------------------


@registry.register
class CapacitySet(PortfolioEvent):
    event_type = "CapacitySet"


@registry.register
class DependencyDeclared(PortfolioEvent):
    event_type = "DependencyDeclared"


@registry.register
class ExclusiveGroupDeclared(PortfolioEvent):
    event_type = "ExclusiveGroupDeclared"


@registry.register
class ScenarioSaved(PortfolioEvent):
    event_type = "ScenarioSaved"
