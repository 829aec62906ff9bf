"""Every command portfolio-svc takes, named for what it asks: frozen dataclasses, each a
`Command[R]` whose handler (in `handlers`) returns an `R`.

Commands on an existing portfolio carry its `portfolio_id` and, from If-Match, the
`expected_version` the caller last read (None: no precondition). A business date left None is
the tenant's today (the bus's clock); a date given may not lie after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.application.handlers import Command
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards, StandardsInput, Suggestion


@dataclass(frozen=True, kw_only=True)
class CreatePortfolio(Command[Portfolio]):
    code: str
    name: str
    manager: str
    currency: str
    created_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class OnPortfolio:
    """The portfolio a command is for, at the version the caller expects."""

    portfolio_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class Dated:
    """A command that takes effect on a business date (the tenant's today when None)."""

    effective_on: date | None = None


# -- strategic objectives ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class WeighObjectives(OnPortfolio, Dated, Command[Portfolio]):
    weights: Mapping[str, Decimal]


@dataclass(frozen=True, kw_only=True)
class WeighObjectivesByAhp(OnPortfolio, Dated, Command[Portfolio]):
    objectives: tuple[str, ...]
    matrix: tuple[tuple[str, ...], ...]


# -- components ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AddComponent(OnPortfolio, Dated, Command[Portfolio]):
    component_id: UUID
    kind: str
    estimate: Decimal | None = None
    demand: Mapping[str, Decimal] = field(default_factory=dict)
    risk_score: Decimal = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class ChangeComponentCost(OnPortfolio, Dated, Command[Portfolio]):
    component_id: UUID
    estimate: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class ScoreComponent(OnPortfolio, Dated, Command[Portfolio]):
    component_id: UUID
    objective: str
    score: Decimal
    rationale: str


@dataclass(frozen=True, kw_only=True)
class RemoveComponent(OnPortfolio, Dated, Command[Portfolio]):
    component_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class DeclareDependency(OnPortfolio, Dated, Command[Portfolio]):
    component_id: UUID
    needs: UUID


@dataclass(frozen=True, kw_only=True)
class DeclareExclusiveGroup(OnPortfolio, Dated, Command[Portfolio]):
    name: str
    components: tuple[UUID, ...]


# -- budget, capacities, scenarios ---------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SetBudget(OnPortfolio, Dated, Command[Portfolio]):
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class SetCapacity(OnPortfolio, Dated, Command[Portfolio]):
    role: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class SaveScenario(OnPortfolio, Dated, Command[Portfolio]):
    name: str
    budget: Decimal | None = None
    capacities: Mapping[str, Decimal] = field(default_factory=dict)
    weights: Mapping[str, Decimal] | None = None
    forced_in: tuple[UUID, ...] = ()
    forced_out: tuple[UUID, ...] = ()


# -- decisions and the adopted selection ---------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class DecideOnComponent(OnPortfolio, Command[Portfolio]):
    component_id: UUID
    decision: str
    rationale: str
    decided_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class AdoptSelection(OnPortfolio, Command[Portfolio]):
    as_of: date | None = None
    scenario: str | None = None
    points: int = 21


# -- the PMO's standards -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SetPmoStandards(Dated, Command[PmoStandards]):
    standards: StandardsInput
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class JudgeLessonSuggestion(Command[PmoStandards]):
    """Say whether a lesson suggested for a project is useful for it, from `judged_on`."""

    suggestion: Suggestion
    useful: bool
    note: str = ""
    judged_on: date | None = None
