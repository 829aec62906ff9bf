"""Reference-class forecasting (Flyvbjerg): a project's cost at completion and finish date read
from what the organisation's own closed projects like it came to, beside the earned-value
forecasts.

- The reference class of a project: the completed projects of its methodology and size class
  (the size class by the first baseline's BAC, `application.standards.size_class_of`); when
  fewer than the minimum (`reference_class_min` of the standards in force), the completed
  projects of its size class alone (`fallback`). The project itself is never in its own class.
  Cancelled projects are left out of every class (and counted): a cancellation's cost and date
  say what was spent until it stopped, not what completing the work cost.
- From the class: the empirical distribution of the cost overrun ratios (AC at closing / first
  BAC) and of the schedule ratios (actual days / first planned days), `domain.benchmarks`;
  P50 and P80 by type-7 percentiles. Cost at completion Pq = this project's current BAC (of the
  baseline in force at the status date) x the ratio's Pq, rounded to the currency's minor unit;
  finish Pq = its planned start + its planned duration in days x the schedule ratio's Pq,
  rounded up to a whole day.
- The earned-value forecasts beside them: EAC = BAC / CPI (the project report's), finish =
  planned start + planned duration / SPI (the SPI as the report shows it, to 0.0001), rounded
  up to a whole day; None when undefined.
- An empty class gives no numbers (`forecast` None), never an error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Literal
from uuid import UUID

from reporting_svc.domain.benchmarks import Q50, Q80, ClosedProject, percentile
from reporting_svc.domain.exact import RATIO, computed, divide, exact, rounded

ClassUsed = Literal["methodology and size class", "size class"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A closed project as a possible member of a reference class: what it came to, its
    methodology and its size class."""

    project: ClosedProject
    methodology: str
    size_class: str


@dataclass(frozen=True, slots=True)
class ReferenceClass:
    """The class a forecast used: which (`used`, `fallback` when the size class alone), its
    completed members, the minimum it was held to, how many completed projects the preferred
    class (methodology and size class) had, and how many cancelled projects were left out of
    the class used."""

    used: ClassUsed
    methodology: str
    size_class: str
    fallback: bool
    members: tuple[ClosedProject, ...]
    minimum: int
    preferred_size: int
    cancelled_excluded: int

    @property
    def size(self) -> int:
        """Its number of members."""
        return len(self.members)

    @property
    def below_minimum(self) -> bool:
        """Fewer members than the minimum (even after falling back)."""
        return self.size < self.minimum


def reference_class(
    candidates: Iterable[Candidate],
    *,
    methodology: str,
    size_class: str,
    minimum: int,
    exclude: UUID | None = None,
) -> ReferenceClass:
    """The reference class of a project of `methodology` and `size_class` among `candidates`
    (`exclude`: the project itself)."""
    sized = [
        c for c in candidates if c.size_class == size_class and c.project.project_id != exclude
    ]
    same = [c for c in sized if c.methodology == methodology]
    fallback = sum(c.project.outcome == "completed" for c in same) < minimum
    chosen = sized if fallback else same
    members = tuple(c.project for c in chosen if c.project.outcome == "completed")
    return ReferenceClass(
        used="size class" if fallback else "methodology and size class",
        methodology=methodology,
        size_class=size_class,
        fallback=fallback,
        members=members,
        minimum=minimum,
        preferred_size=sum(c.project.outcome == "completed" for c in same),
        cancelled_excluded=len(chosen) - len(members),
    )


@dataclass(frozen=True, slots=True)
class Forecast:
    """The reference-class forecast: the P50 and P80 of the class's cost and schedule ratios
    (to 0.0001; None without a defined ratio in the class), cost at completion and finish date
    at each, and how many ratios each came from."""

    cost_ratios: int
    cost_ratio_p50: Decimal | None
    cost_ratio_p80: Decimal | None
    cost_p50: Decimal | None
    cost_p80: Decimal | None
    schedule_ratios: int
    schedule_ratio_p50: Decimal | None
    schedule_ratio_p80: Decimal | None
    finish_p50: date | None
    finish_p80: date | None


def days_after(start: date, days: Decimal) -> date | None:
    """`start` + `days` rounded up to a whole day (None beyond the calendar's range)."""
    whole = int(days.to_integral_value(rounding=ROUND_CEILING))
    try:
        return start + timedelta(days=whole)
    except OverflowError:
        return None


def _at(values: Sequence[Decimal], q: Decimal) -> Decimal | None:
    return percentile(values, q) if values else None


@exact
def forecast(
    members: Sequence[ClosedProject],
    *,
    bac: Decimal,
    planned_start: date,
    planned_finish: date,
    money: Decimal,
) -> Forecast | None:
    """The forecast from `members` for a project of current BAC `bac` planned from
    `planned_start` to `planned_finish`, money rounded to `money`; None for an empty class."""
    if not members:
        return None
    costs = [r for r in (m.cost_ratio for m in members) if r is not None]
    schedules = [r for r in (m.schedule_ratio for m in members) if r is not None]
    cost50, cost80 = _at(costs, Q50), _at(costs, Q80)
    sched50, sched80 = _at(schedules, Q50), _at(schedules, Q80)
    planned = Decimal((planned_finish - planned_start).days)

    def cost(ratio: Decimal | None) -> Decimal | None:
        return None if ratio is None else rounded(computed(lambda: bac * ratio), money)

    def finish(ratio: Decimal | None) -> date | None:
        return None if ratio is None else days_after(planned_start, planned * ratio)

    return Forecast(
        cost_ratios=len(costs),
        cost_ratio_p50=rounded(cost50, RATIO),
        cost_ratio_p80=rounded(cost80, RATIO),
        cost_p50=cost(cost50),
        cost_p80=cost(cost80),
        schedule_ratios=len(schedules),
        schedule_ratio_p50=rounded(sched50, RATIO),
        schedule_ratio_p80=rounded(sched80, RATIO),
        finish_p50=finish(sched50),
        finish_p80=finish(sched80),
    )


@exact
def evm_finish(planned_start: date, planned_finish: date, spi: Decimal | None) -> date | None:
    """Planned start + planned duration in days / SPI, rounded up to a whole day (None
    without an SPI, or at 0)."""
    days = divide(Decimal((planned_finish - planned_start).days), spi)
    return None if days is None else days_after(planned_start, days)
