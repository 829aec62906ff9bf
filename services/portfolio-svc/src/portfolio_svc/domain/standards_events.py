"""The PMO's standards for a tenant, and its verdicts on the lessons suggested to projects, as
events (stream type `pmo_standards`, one stream per tenant whose id is `standards_id(tenant)`,
published on `pmo.portfolio.events` like every portfolio-svc event, Kafka key = that id).

A change of the standards is a whole new set, in force from its `effective_on` (never before the
set it replaces): a consumer keeps every set by date, and the standards in force on a business
date are the last set dated on or before it. Before the first set, and for a tenant without one,
each consumer keeps its environment defaults.

Monetary thresholds are per currency (ISO 4217 code -> amount in that currency): a currency
that is not listed has no such threshold (for the large-project threshold: only the flag makes
a project of that currency large; for the approval threshold: no portfolio decision is needed).

A verdict on a suggested lesson (`LessonSuggestionJudged`) says whether a lesson of a closed
project that reporting-svc suggested for a project was useful for it, from `judged_on` (a
business date): a later verdict on the same (project, lesson) replaces the earlier one from its
own date (never dated before it). The stream may begin with a verdict, before any standards set:
until a set is in force the consumers keep their defaults all the same.

Consumers (tolerant readers; contract tests check the fields they read):
- project-svc: `large_project_threshold` (large = flagged or BAC >= it), the
  `portfolio_approval_threshold` (approval of a project whose BAC reaches it needs a portfolio
  "approve" decision on it), `required_gates`, `time_zone`.
- reporting-svc: `spi` and `cpi` health bands at the status date, `reporting_cadence_days`,
  `size_classes`, `benchmark_min_group`, `reference_class_min`, `fiscal_year_start_month`,
  `time_zone`; every field of `LessonSuggestionJudged` (the suggestions' ranking).
- project-svc passes over `LessonSuggestionJudged`.

Personal data: `judged_by` is a `PersonalUserId` (docs/personal-data.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from pmo_shared.domain.events import DomainEvent
from pmo_shared.domain.values import CurrencyCode, NonNegativeAmount
from pmo_shared.privacy.fields import PersonalUserId
from portfolio_svc.domain.events import Code, Rationale, registry

PMO_STANDARDS = "pmo_standards"

Index = Annotated[Decimal, Field(gt=0, le=10, allow_inf_nan=False)]
Gate = Literal["rebaseline_active_needs_pmo"]
"""A gate the standards may require:
- `rebaseline_active_needs_pmo`: re-baselining an active (or on-hold) project needs the PMO
  (only a caller with the `pmo` role may)."""


def standards_id(tenant: str) -> UUID:
    """The one standards stream of a tenant (a name-based UUID, so every writer and consumer
    derives the same id without a lookup)."""
    return uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}")


class HealthBand(BaseModel):
    """Health of one index (SPI or CPI): green at or above `green`, amber at or above `amber`,
    red below; `amber` <= `green`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    green: Index
    amber: Index


class SizeClass(BaseModel):
    """A size class of projects by BAC for benchmarks: from the previous class's `up_to`
    (exclusive; 0 for the first) up to `up_to` (inclusive); the last class has no upper bound
    (`up_to` None)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Code
    up_to: NonNegativeAmount | None = None


@registry.register
class PmoStandardsSet(DomainEvent):
    """The tenant's PMO standards from `effective_on`: health bands on SPI and CPI, the
    large-project threshold and the portfolio-approval threshold (per currency), the longest
    allowed Project Office reporting cadence, required gates, size classes (per currency) and
    the sizes the benchmarks need, the fiscal year's first month and the tenant's time zone
    (IANA name)."""

    event_type = "PmoStandardsSet"
    spi: HealthBand
    cpi: HealthBand
    large_project_threshold: dict[CurrencyCode, NonNegativeAmount] = Field(default_factory=dict)
    portfolio_approval_threshold: dict[CurrencyCode, NonNegativeAmount] = Field(
        default_factory=dict
    )
    reporting_cadence_days: int = Field(ge=1, le=366)
    required_gates: list[Gate] = Field(default_factory=list)
    size_classes: dict[CurrencyCode, list[SizeClass]] = Field(default_factory=dict)
    benchmark_min_group: int = Field(default=5, ge=1, le=1000)
    reference_class_min: int = Field(default=5, ge=1, le=1000)
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    time_zone: str = Field(min_length=1, max_length=64)
    effective_on: date


@registry.register
class LessonSuggestionJudged(DomainEvent):
    """The PMO judged whether lesson `lesson_id` (of another, closed project), suggested for
    project `project_id`, is useful for it, with a note (may be empty), from `judged_on`; a
    later verdict on the same project and lesson replaces it from its own date."""

    event_type = "LessonSuggestionJudged"
    project_id: UUID
    lesson_id: UUID
    useful: bool
    note: Rationale
    judged_on: date
    judged_by: PersonalUserId
