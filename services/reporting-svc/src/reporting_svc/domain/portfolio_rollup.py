"""A portfolio's roll-up at a status date (docs/design.md §4): earned value over its components
summed first and then divided, a program counted through its member projects and a project
directly (never twice); health and decisions counted per component; each component's value
Σ weight x score with every term; and the budget's coverage of each strategic objective.

Facts come dated (`Dated`: business date and stream version); the one in force at the status
date is the latest by date, then by version (`latest`), as portfolio-svc folds them.

Budget coverage of objective i (`coverage`), at the status date:
- its share of the budget: share_i = w_i x B, with w_i the objective's weight in force and B
  the budget in force;
- what is funded towards it: funded_i = Σ over the components approved then (their latest
  decision in force is "approve") of cost_c x s_ci / 5, with cost_c the component's cost in
  force and s_ci its score on i in force (0..5): the part of the cost that serves i, all of it
  at a score of 5. A component serves every objective it scores on, so the funded amounts of
  all objectives need not add up to the approved cost. An approved component without a score
  on i adds nothing to funded_i and is listed as unscored on i;
- coverage_i = funded_i / share_i (1 = the objective gets exactly its weight's share; null
  without a budget or at a share of 0), and the gap share_i - funded_i (negative: beyond it).
Money is rounded once, half-even, to the portfolio currency's smallest unit, and the ratio is
taken of the figures as shown (as in `program_rollup`), so a response never contradicts itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Generic, TypeVar
from uuid import UUID

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.exact import RATIO, ZERO, computed, divide, exact, rounded
from reporting_svc.domain.health import Health, Rag
from reporting_svc.domain.program_rollup import ProgramPerformance

T = TypeVar("T")

MAX_SCORE = Decimal(5)
_VALUE_PRECISION = 100  # digits: exact for any weight and score an event carries


@dataclass(frozen=True, slots=True)
class Dated(Generic[T]):
    """A fact with its business date and the stream version that recorded it."""

    on: date
    version: int
    value: T


def latest(entries: Iterable[Dated[T]]) -> T | None:
    """The fact in force: the latest by business date, then by stream version (None: none)."""
    found = max(entries, key=lambda d: (d.on, d.version), default=None)
    return None if found is None else found.value


# -- value ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """A score 0..5 on one objective, and why."""

    value: Decimal
    rationale: str


@dataclass(frozen=True, slots=True)
class Term:
    """One objective's part of a component's value: weight x score = product (no score: no
    product)."""

    objective: str
    weight: Decimal
    score: Decimal | None
    product: Decimal | None
    rationale: str | None


@dataclass(frozen=True, slots=True)
class Valuation:
    """A component's value Σ wᵢ·sᵢ with its terms in the objectives' order; None when an
    objective weighted then has no score (`missing`), as portfolio-svc never takes a missing
    score as 0, or when no weights are in force."""

    value: Decimal | None
    terms: tuple[Term, ...]
    missing: tuple[str, ...]


def valuation(
    weights: Sequence[tuple[str, Decimal]] | None, scores: Mapping[str, Score]
) -> Valuation:
    """The value of a component from the weights and its scores in force (exact: no rounding;
    a score on an objective no longer weighted is left out)."""
    if weights is None:
        return Valuation(None, (), ())
    with localcontext() as ctx:
        ctx.prec = _VALUE_PRECISION
        terms = tuple(
            _term(objective, weight, scores.get(objective)) for objective, weight in weights
        )
        missing = tuple(t.objective for t in terms if t.product is None)
        value = None if missing else sum((t.product or ZERO for t in terms), ZERO)
    return Valuation(value, terms, missing)


def _term(objective: str, weight: Decimal, score: Score | None) -> Term:
    if score is None:
        return Term(objective, weight, None, None, None)
    return Term(objective, weight, score.value, weight * score.value, score.rationale)


# -- decisions and health ------------------------------------------------------------------

UNDECIDED = "undecided"
_STATUS = {"approve": "approved", "defer": "deferred", "terminate": "terminated"}
DECISION_STATUSES: tuple[str, ...] = (*_STATUS.values(), UNDECIDED)


def decision_status(decision: str | None) -> str:
    """What the latest decision in force makes a component: approved, deferred, terminated,
    or undecided before any (a decision reporting does not know yet: as published)."""
    if decision is None:
        return UNDECIDED
    return _STATUS.get(decision, decision)


def decision_counts(statuses: Iterable[str]) -> dict[str, int]:
    """How many components per decision status (every known status listed, 0 included)."""
    counts = dict.fromkeys(DECISION_STATUSES, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


NO_HEALTH = "none"
HEALTH_KEYS: tuple[str, ...] = (Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, NO_HEALTH)


def health_distribution(ratings: Iterable[Rag | None]) -> dict[str, int]:
    """How many components are red, amber, green, or have no health (no figures yet)."""
    counts = dict.fromkeys(HEALTH_KEYS, 0)
    for rating in ratings:
        counts[NO_HEALTH if rating is None else rating.value] += 1
    return counts


# -- earned value ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """A component's earned value at the status date: a project's own metrics, or a program's
    roll-up over its members; health from SPI and CPI on the PMO's thresholds."""

    bac: Decimal | None
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    health: Health


def project_figures(metrics: Metrics | None) -> Figures:
    """A project's figures (none while reporting does not know the project)."""
    if metrics is None:
        return Figures(None, None, None, None, None, None, Health(None, None, None))
    m = metrics
    return Figures(m.bac, m.pv, m.ev, m.ac, m.spi, m.cpi, m.health)


def program_figures(performance: ProgramPerformance) -> Figures:
    """A program's figures: its roll-up over its members."""
    t = performance.totals
    return Figures(t.bac, t.pv, t.ev, t.ac, t.spi, t.cpi, performance.health)


def counted_through(
    programs: Mapping[UUID, Sequence[UUID]], projects: Iterable[UUID]
) -> dict[UUID, UUID]:
    """Through which component each project counts: a member of a program component through
    that program (the first, should two claim it), else a project component directly. A
    project that is a component and a member of a program component counts once, through the
    program."""
    through: dict[UUID, UUID] = {}
    for program_id, members in programs.items():
        for project_id in members:
            through.setdefault(project_id, program_id)
    for project_id in projects:
        through.setdefault(project_id, project_id)
    return through


# -- budget coverage -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Funded:
    """An approved component: its cost in force and its scores in force per objective."""

    component_id: UUID
    cost: Decimal
    scores: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class ObjectiveCoverage:
    """How well the approved components cover one objective (see the module docstring)."""

    objective: str
    weight: Decimal
    share: Decimal | None
    funded: Decimal | None
    coverage: Decimal | None
    gap: Decimal | None
    unscored: tuple[UUID, ...]


@exact
def coverage(
    weights: Sequence[tuple[str, Decimal]] | None,
    *,
    budget: Decimal | None,
    approved: Sequence[Funded],
    money: Decimal,
) -> tuple[ObjectiveCoverage, ...]:
    """Each weighted objective's share of the budget, what the approved components fund
    towards it, the ratio of the two and the gap, money rounded to `money`."""
    return tuple(
        _objective(objective, weight, budget=budget, approved=approved, money=money)
        for objective, weight in weights or ()
    )


def _objective(
    objective: str,
    weight: Decimal,
    *,
    budget: Decimal | None,
    approved: Sequence[Funded],
    money: Decimal,
) -> ObjectiveCoverage:
    scored = [(c.cost, c.scores[objective]) for c in approved if objective in c.scores]
    funded = rounded(
        computed(lambda: sum((cost * s / MAX_SCORE for cost, s in scored), ZERO)), money
    )
    share = None if budget is None else rounded(computed(lambda: weight * budget), money)
    ratio = gap = None
    if share is not None and funded is not None:
        ratio = rounded(computed(lambda: divide(funded, share)), RATIO)
        gap = rounded(share - funded, money)
    unscored = tuple(c.component_id for c in approved if objective not in c.scores)
    return ObjectiveCoverage(objective, weight, share, funded, ratio, gap, unscored)
