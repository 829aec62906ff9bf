"""Benchmarks across closed projects: what each came to against its first baseline, and the
distribution of that over a group of them, in exact decimal arithmetic.

Definitions (issue 13):
- a closed project is one completed or cancelled (or closed after one of those); its closing
  date is its actual finish (completed) or the cancellation's effective date (cancelled);
- its first baseline is baseline number 1;
- cost overrun ratio = AC at closing / the first baseline's BAC (undefined at a BAC of 0);
  cost overrun % = (ratio - 1) x 100;
- schedule slip (days) = closing date - the first baseline's planned finish;
- schedule ratio = (closing date - actual start, or the first planned start without one) /
  (first planned finish - first planned start), in days (undefined over a planned duration of
  0 days);
- percentiles by linear interpolation between closest ranks (Hyndman-Fan type 7, NumPy's
  default): on the sorted values x[0..n-1], h = (n - 1) q, P(q) = x[floor h] + (h - floor h)
  (x[floor h + 1] - x[floor h]); computed at 28 significant digits and rounded once, half-even,
  to 0.01 (percent and days) for display.

A group smaller than the minimum (`benchmark_min_group` of the standards in force) is still
given, marked `below_minimum`. Completed and cancelled projects are measured apart: a
cancellation's cost and date are no outcome of the work done to the end."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Literal
from uuid import UUID

from reporting_svc.domain.exact import HUNDRED, PERCENT, divide, exact, rounded

PERCENTILE_METHOD = "linear interpolation between closest ranks (type 7)"
Outcome = Literal["completed", "cancelled"]
OUTCOMES: tuple[Outcome, ...] = ("completed", "cancelled")
Q25, Q50, Q75, Q80 = Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("0.8")


@dataclass(frozen=True, slots=True)
class ClosedProject:
    """What one closed project came to: how and when it closed, the AC at closing, its first
    baseline's BAC and planned dates, its actual start (None: never recorded)."""

    project_id: UUID
    outcome: Outcome
    closed_on: date
    ac: Decimal
    first_bac: Decimal
    first_planned_start: date
    first_planned_finish: date
    actual_start: date | None = None

    @property
    def cost_ratio(self) -> Decimal | None:
        """AC at closing / first BAC (None at a BAC of 0)."""
        return _ratio(self.ac, self.first_bac)

    @property
    def cost_overrun_pct(self) -> Decimal | None:
        """(cost ratio - 1) x 100, unrounded."""
        return _overrun_pct(self.ac, self.first_bac)

    @property
    def schedule_slip_days(self) -> int:
        """Closing date - first planned finish, in days (negative: early)."""
        return (self.closed_on - self.first_planned_finish).days

    @property
    def schedule_ratio(self) -> Decimal | None:
        """Days from the actual (else first planned) start to closing / the first baseline's
        planned days (None when it planned 0 days)."""
        start = self.actual_start or self.first_planned_start
        planned = (self.first_planned_finish - self.first_planned_start).days
        return _ratio(Decimal((self.closed_on - start).days), Decimal(planned))


@exact
def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return divide(numerator, denominator)


@exact
def _overrun_pct(ac: Decimal, bac: Decimal) -> Decimal | None:
    ratio = divide(ac, bac)
    return None if ratio is None else (ratio - 1) * HUNDRED


@exact
def percentile(values: Iterable[Decimal], q: Decimal) -> Decimal:
    """The type-7 percentile `q` (0..1) of `values` (at least one), unrounded."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("a percentile of no values")
    if not Decimal(0) <= q <= 1:
        raise ValueError(f"percentile {q} is outside 0..1")
    h = (len(ordered) - 1) * q
    low = int(h.to_integral_value(rounding=ROUND_FLOOR))
    if low == len(ordered) - 1:
        return ordered[low]
    return ordered[low] + (h - low) * (ordered[low + 1] - ordered[low])


@dataclass(frozen=True, slots=True)
class Distribution:
    """Five numbers and the P80 of `n` values, rounded to 0.01 (all None when n = 0)."""

    n: int
    minimum: Decimal | None = None
    p25: Decimal | None = None
    median: Decimal | None = None
    p75: Decimal | None = None
    p80: Decimal | None = None
    maximum: Decimal | None = None


def distribution(values: Iterable[Decimal]) -> Distribution:
    """The distribution of `values` (type-7 percentiles, rounded to 0.01 once at the end)."""
    given = list(values)
    if not given:
        return Distribution(0)

    def at(q: Decimal) -> Decimal | None:
        return rounded(percentile(given, q), PERCENT)

    return Distribution(
        n=len(given),
        minimum=rounded(min(given), PERCENT),
        p25=at(Q25),
        median=at(Q50),
        p75=at(Q75),
        p80=at(Q80),
        maximum=rounded(max(given), PERCENT),
    )


@dataclass(frozen=True, slots=True)
class OutcomeStats:
    """The projects of a group that closed one way: how many, whether fewer than the minimum,
    the distribution of their cost overrun % and of their schedule slip in days."""

    count: int
    below_minimum: bool
    cost_overrun_pct: Distribution
    schedule_slip_days: Distribution


def outcome_stats(projects: Sequence[ClosedProject], *, minimum: int) -> OutcomeStats:
    """The stats of `projects` (all closed the same way) against the group minimum."""
    costs = [c for c in (p.cost_overrun_pct for p in projects) if c is not None]
    return OutcomeStats(
        count=len(projects),
        below_minimum=len(projects) < minimum,
        cost_overrun_pct=distribution(costs),
        schedule_slip_days=distribution(Decimal(p.schedule_slip_days) for p in projects),
    )


@dataclass(frozen=True, slots=True)
class GroupBenchmark:
    """One group's benchmark: its key, its completed and its cancelled projects apart;
    `below_minimum` when its completed projects (the benchmark proper) are fewer than the
    minimum."""

    key: str
    completed: OutcomeStats
    cancelled: OutcomeStats

    @property
    def below_minimum(self) -> bool:
        """Fewer completed projects than the minimum group size."""
        return self.completed.below_minimum


def _by_outcome(projects: Iterable[ClosedProject]) -> dict[Outcome, list[ClosedProject]]:
    split: dict[Outcome, list[ClosedProject]] = {o: [] for o in OUTCOMES}
    for p in projects:
        split[p.outcome].append(p)
    return split


def group_benchmark(key: str, projects: Iterable[ClosedProject], *, minimum: int) -> GroupBenchmark:
    """The benchmark of one group of closed projects."""
    split = _by_outcome(projects)
    return GroupBenchmark(
        key,
        outcome_stats(split["completed"], minimum=minimum),
        outcome_stats(split["cancelled"], minimum=minimum),
    )


def benchmarks(
    projects: Iterable[ClosedProject],
    *,
    key_of: Callable[[ClosedProject], str],
    minimum: int,
    order: Callable[[str], tuple[int, str, str]] = lambda key: (0, key, key),
) -> list[GroupBenchmark]:
    """The benchmark of each group of `projects` (grouped by `key_of`), in `order` of key
    (default: by key)."""
    groups: dict[str, list[ClosedProject]] = {}
    for p in projects:
        groups.setdefault(key_of(p), []).append(p)
    return [group_benchmark(key, groups[key], minimum=minimum) for key in sorted(groups, key=order)]


# --- the trend by fiscal quarter ------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class FiscalQuarter:
    """A quarter of the tenant's fiscal year; the fiscal year is named by the calendar year it
    ends in (a year from April 2025 to March 2026 is FY2026)."""

    fiscal_year: int
    quarter: int
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        """Like "FY2026 Q3"."""
        return f"FY{self.fiscal_year} Q{self.quarter}"


def _first_day(year: int, month: int) -> date:
    """The first day of `month` of `year` (a month past 12 runs into the next year), the
    first day Python has when before it."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1) if year >= 1 else date.min


def _last_day(year: int, month: int) -> date:
    """The last day of `month` of `year` (as `_first_day`), the last day Python has when
    after it."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, monthrange(year, month)[1])


def fiscal_quarter(day: date, *, start_month: int) -> FiscalQuarter:
    """The fiscal quarter `day` falls in, for a fiscal year starting in `start_month` (1-12)."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal year start month {start_month} is outside 1..12")
    start_year = day.year if day.month >= start_month else day.year - 1
    quarter = (day.month - start_month) % 12 // 3 + 1
    first_month = start_month + 3 * (quarter - 1)
    fiscal_year = start_year if start_month == 1 else start_year + 1
    return FiscalQuarter(
        fiscal_year,
        quarter,
        _first_day(start_year, first_month),
        _last_day(start_year, first_month + 2),
    )


@dataclass(frozen=True, slots=True)
class QuarterOutcome:
    """The projects closed one way in a quarter: how many, their median cost overrun % and
    median schedule slip in days (0.01; None without values)."""

    count: int
    median_cost_overrun_pct: Decimal | None
    median_schedule_slip_days: Decimal | None


@dataclass(frozen=True, slots=True)
class QuarterTrend:
    """One fiscal quarter of closings: completed and cancelled apart."""

    quarter: FiscalQuarter
    completed: QuarterOutcome
    cancelled: QuarterOutcome


def _quarter_outcome(projects: Sequence[ClosedProject]) -> QuarterOutcome:
    stats = outcome_stats(projects, minimum=0)
    return QuarterOutcome(
        stats.count, stats.cost_overrun_pct.median, stats.schedule_slip_days.median
    )


def trend(projects: Iterable[ClosedProject], *, start_month: int) -> list[QuarterTrend]:
    """Counts and medians per fiscal quarter of closing, oldest first (quarters without a
    closing are not listed)."""
    quarters: dict[FiscalQuarter, list[ClosedProject]] = {}
    for p in projects:
        quarters.setdefault(fiscal_quarter(p.closed_on, start_month=start_month), []).append(p)
    out = []
    for quarter in sorted(quarters):
        split = _by_outcome(quarters[quarter])
        out.append(
            QuarterTrend(
                quarter, _quarter_outcome(split["completed"]), _quarter_outcome(split["cancelled"])
            )
        )
    return out
