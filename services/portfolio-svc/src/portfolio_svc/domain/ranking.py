"""Ranking portfolio components by weighted score: value = Σ wᵢ·sᵢ over the strategic
objectives, each score sᵢ from 0 to 5 with its rationale, every term of the sum kept visible.

Decisions:
- A component must score every weighted objective and nothing else: a missing score is refused
  (422, `IncompleteScoresError` naming the component and the objectives), never taken as 0, so
  a forgotten score cannot silently rank a component down.
- Values are exact: Decimal products and sums, no rounding.
- Ranks are competition ranks ("1224"): equal values share the best rank of the group and the
  next value's rank counts every component above it. Within equal values, and so in the list,
  components are ordered by their id as text (`str(component_id)`, ascending; for UUIDs that
  is their numeric order), so the list is the same whatever order the scores came in.
- Terms follow the order of the weights mapping (the objectives' order).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Generic, TypeVar

from portfolio_svc.domain.errors import IncompleteScoresError, InvalidScoreError

MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(5)

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Score:
    """How well a component serves one objective: 0 (not at all) to 5, and why."""

    value: Decimal
    rationale: str

    def __post_init__(self) -> None:
        value: object = self.value
        if (
            not isinstance(value, Decimal)
            or not value.is_finite()
            or not MIN_SCORE <= value <= MAX_SCORE
        ):
            raise InvalidScoreError(value)


@dataclass(frozen=True, slots=True)
class Term:
    """One objective's part of a component's value: weight x score = product."""

    objective: str
    weight: Decimal
    score: Decimal
    product: Decimal
    rationale: str


@dataclass(frozen=True, slots=True)
class Ranked(Generic[K]):
    """A component's place in the ranking: its value, the terms summing to it, its rank."""

    component_id: K
    value: Decimal
    terms: tuple[Term, ...]
    rank: int


def rank(
    weights: Mapping[str, Decimal], scores: Mapping[K, Mapping[str, Score]]
) -> list[Ranked[K]]:
    """The components best first, each with value = Σ wᵢ·sᵢ, its terms and its rank (1-based,
    ties sharing a rank, ordered by component id as text; see the module's decisions).

    Refuses (422) a component lacking a score for a weighted objective or scoring an objective
    that is not weighted.
    """
    valued: list[tuple[K, Decimal, tuple[Term, ...]]] = []
    for component_id, by_objective in scores.items():
        missing = [objective for objective in weights if objective not in by_objective]
        unknown = [objective for objective in by_objective if objective not in weights]
        if missing or unknown:
            raise IncompleteScoresError(
                component_id=str(component_id), missing=missing, unknown=unknown
            )
        with localcontext() as ctx:
            ctx.prec = 100  # exact for any realistic weight and score
            terms = tuple(
                Term(
                    objective=objective,
                    weight=weight,
                    score=by_objective[objective].value,
                    product=weight * by_objective[objective].value,
                    rationale=by_objective[objective].rationale,
                )
                for objective, weight in weights.items()
            )
            value = sum((term.product for term in terms), Decimal(0))
        valued.append((component_id, value, terms))

    valued.sort(key=lambda item: str(item[0]))
    valued.sort(key=lambda item: item[1], reverse=True)  # stable: ties stay in id order
    ranked: list[Ranked[K]] = []
    for position, (component_id, value, terms) in enumerate(valued, start=1):
        shared = ranked and ranked[-1].value == value
        place = ranked[-1].rank if shared else position
        ranked.append(Ranked(component_id=component_id, value=value, terms=terms, rank=place))
    return ranked
