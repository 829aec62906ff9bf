"""Earned-value management (docs/design.md §4): PV, EV, AC, what derives from them, health.

Money figures are rounded once, half-even, to `money`: the smallest unit of the project's
currency (`pmo_shared.domain.values.money_quantum`: 0.01 EUR, 1 JPY, 0.001 BHD)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from reporting_svc.domain.exact import (
    HUNDRED,
    PERCENT,
    RATIO,
    ZERO,
    computed,
    divide,
    exact,
    rounded,
)
from reporting_svc.domain.health import Health, HealthThresholds


@dataclass(frozen=True, slots=True)
class PlannedPoint:
    """Cumulative planned value to be earned by `date`."""

    date: date
    planned_value: Decimal


@dataclass(frozen=True, slots=True)
class Baseline:
    """The approved budget and schedule that performance is measured against."""

    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedPoint, ...] = ()

    def __post_init__(self) -> None:
        _check_baseline(self)


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """Percent complete (0..100) reported as of a date."""

    as_of: date
    percent_complete: Decimal

    def __post_init__(self) -> None:
        if not ZERO <= self.percent_complete <= HUNDRED:
            raise ValueError(f"percent complete {self.percent_complete} is outside 0..100")


@dataclass(frozen=True, slots=True)
class CostPoint:
    """An actual cost incurred on a date (negative for a credit)."""

    incurred_on: date
    amount: Decimal


def _ordered_points(baseline: Baseline) -> list[PlannedPoint]:
    # Value breaks date ties so that a step at one date is taken upwards, keeping PV monotone.
    return sorted(baseline.planned_values, key=lambda p: (p.date, p.planned_value))


def _check_baseline(baseline: Baseline) -> None:
    bac = baseline.budget_at_completion
    if not bac.is_finite() or bac < 0:
        raise ValueError("budget at completion must be a finite amount ≥ 0")
    if baseline.planned_finish < baseline.planned_start:
        raise ValueError("planned finish is before planned start")
    previous = ZERO
    for point in _ordered_points(baseline):
        if not baseline.planned_start <= point.date <= baseline.planned_finish:
            raise ValueError(f"planned value date {point.date} is outside the schedule")
        if not previous <= point.planned_value <= bac:
            raise ValueError("planned values must be cumulative and within 0..BAC")
        previous = point.planned_value


@exact
def planned_value(baseline: Baseline, at: date) -> Decimal:
    """Cumulative planned value at `at`, unrounded: 0 up to planned start, BAC from finish."""
    if at >= baseline.planned_finish:
        return baseline.budget_at_completion
    if at <= baseline.planned_start:
        return ZERO
    knots = [
        (baseline.planned_start, ZERO),
        *((p.date, p.planned_value) for p in _ordered_points(baseline)),
        (baseline.planned_finish, baseline.budget_at_completion),
    ]
    # start < at < finish, so 1 ≤ i < len(knots) and knots[i - 1] ≤ at < knots[i] by date.
    i = bisect_right([day for day, _ in knots], at)
    (day0, value0), (day1, value1) = knots[i - 1], knots[i]
    return value0 + (value1 - value0) * (at - day0).days / (day1 - day0).days


def _percent_lookup(progress: Sequence[ProgressPoint]) -> Callable[[date], Decimal]:
    # sorted() is stable, so among reports sharing an as_of the last one given stays last.
    ordered = sorted(progress, key=lambda p: p.as_of)
    days = [p.as_of for p in ordered]
    percents = [ZERO, *(p.percent_complete for p in ordered)]
    return lambda at: percents[bisect_right(days, at)]


def _cost_lookup(costs: Iterable[CostPoint]) -> Callable[[date], Decimal]:
    ordered = sorted(costs, key=lambda c: c.incurred_on)
    days = [c.incurred_on for c in ordered]
    totals = [ZERO, *accumulate(c.amount for c in ordered)]
    return lambda at: totals[bisect_right(days, at)]


@exact
def earned_value(baseline: Baseline, progress: Sequence[ProgressPoint], at: date) -> Decimal:
    """BAC * the latest percent complete reported as of `at` / 100, unrounded."""
    return baseline.budget_at_completion * _percent_lookup(progress)(at) / HUNDRED


@exact
def actual_cost(costs: Iterable[CostPoint], at: date) -> Decimal:
    """Sum of the costs incurred on or before `at`."""
    return _cost_lookup(costs)(at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """Earned-value figures at a date: money to the currency's smallest unit, indices to
    0.0001, None if undefined (or beyond what can be computed)."""

    as_of: date
    bac: Decimal | None = None
    pv: Decimal | None = None
    ev: Decimal | None = None
    ac: Decimal | None
    sv: Decimal | None = None
    cv: Decimal | None = None
    spi: Decimal | None = None
    cpi: Decimal | None = None
    eac: Decimal | None = None
    eac_atypical: Decimal | None = None
    eac_combined: Decimal | None = None
    etc: Decimal | None = None
    vac: Decimal | None = None
    tcpi: Decimal | None = None
    percent_complete: Decimal
    health: Health


@exact
def compute_metrics(
    baseline: Baseline | None,
    progress: Sequence[ProgressPoint],
    costs: Iterable[CostPoint],
    *,
    at: date,
    thresholds: HealthThresholds,
    money: Decimal,
) -> Metrics:
    """All earned-value figures as of `at`, money rounded to `money` (the currency's smallest
    unit); without a baseline only AC and percent are known. Figures whose arithmetic fails
    (amounts beyond any an event carries) are None."""
    costs = tuple(costs)
    percent = _percent_lookup(progress)(at)
    ac = computed(lambda: actual_cost(costs, at))
    measured = None
    if baseline is not None and ac is not None:
        bac, incurred = baseline.budget_at_completion, ac
        measured = computed(
            lambda: _metrics(
                at,
                bac=bac,
                pv=planned_value(baseline, at),
                ev=bac * percent / HUNDRED,
                ac=incurred,
                percent=percent,
                thresholds=thresholds,
                money=money,
            )
        )
    # Without a baseline (or one whose figures cannot be computed) AC and percent remain.
    return measured or Metrics(
        as_of=at,
        ac=rounded(ac, money),
        percent_complete=percent.quantize(PERCENT),  # 0..100: always representable
        health=Health(None, None, None),
    )


def _forecasts(
    bac: Decimal,
    *,
    ev: Decimal,
    ac: Decimal,
    spi: Decimal | None,
    cpi: Decimal | None,
    money: Decimal,
) -> tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]:
    """EAC = BAC/CPI, EAC = AC + (BAC - EV)/(CPI * SPI), ETC and VAC, rounded to `money`."""
    eac = None if cpi is None else divide(bac, cpi)
    combined = divide(bac - ev, None if cpi is None or spi is None else cpi * spi)
    if eac is None:
        etc = vac = None
    else:
        etc, vac = rounded(eac - ac, money), rounded(bac - eac, money)
    eac_combined = None if combined is None else rounded(ac + combined, money)
    return rounded(eac, money), eac_combined, etc, vac


def _metrics(
    at: date,
    *,
    bac: Decimal,
    pv: Decimal,
    ev: Decimal,
    ac: Decimal,
    percent: Decimal,
    thresholds: HealthThresholds,
    money: Decimal,
) -> Metrics:
    spi, cpi = divide(ev, pv), divide(ev, ac)
    eac, eac_combined, etc, vac = _forecasts(bac, ev=ev, ac=ac, spi=spi, cpi=cpi, money=money)
    # Health rates the indices as shown, so a displayed 0.9500 is never amber.
    spi_shown, cpi_shown = rounded(spi, RATIO), rounded(cpi, RATIO)
    return Metrics(
        as_of=at,
        bac=rounded(bac, money),
        pv=rounded(pv, money),
        ev=rounded(ev, money),
        ac=rounded(ac, money),
        sv=rounded(ev - pv, money),
        cv=rounded(ev - ac, money),
        spi=spi_shown,
        cpi=cpi_shown,
        eac=eac,
        eac_atypical=rounded(ac + (bac - ev), money),
        eac_combined=eac_combined,
        etc=etc,
        vac=vac,
        tcpi=rounded(divide(bac - ev, bac - ac), RATIO),
        percent_complete=percent.quantize(PERCENT),
        health=thresholds.rate(spi_shown, cpi_shown),
    )


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """PV, EV and AC at one date of the S-curve (PV and EV None without a baseline; a figure
    that cannot be computed is None)."""

    date: date
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None


def _sample_dates(start: date, *, end: date, max_points: int) -> list[date]:
    if end < start:
        raise ValueError("the series ends before it starts")
    if max_points < 2:
        raise ValueError("a series needs room for at least two points")
    span = (end - start).days
    if span < max_points:
        return [start + timedelta(days=offset) for offset in range(span + 1)]
    last = max_points - 1
    # The nearest whole day to each even step: distinct (step > 1) and exact at both ends.
    return [start + timedelta(days=(i * span + last // 2) // last) for i in range(max_points)]


@exact
def evm_series(
    baseline: Baseline | None,
    progress: Sequence[ProgressPoint],
    costs: Iterable[CostPoint],
    *,
    start: date,
    end: date,
    money: Decimal,
    max_points: int = 120,
) -> list[SeriesPoint]:
    """PV, EV, AC from `start` to `end` inclusive (daily if it fits, else evenly spaced),
    rounded to `money`, the currency's smallest unit."""
    percent_at, costs = _percent_lookup(progress), tuple(costs)
    cost_at = computed(lambda: _cost_lookup(costs))  # sums every cost up front
    points = []
    for day in _sample_dates(start, end=end, max_points=max_points):
        ac = None if cost_at is None else rounded(cost_at(day), money)
        if baseline is None:
            points.append(SeriesPoint(day, None, None, ac))
            continue
        bac = baseline.budget_at_completion
        pv = computed(lambda: planned_value(baseline, day))  # noqa: B023 - called at once
        ev = computed(lambda: bac * percent_at(day) / HUNDRED)  # noqa: B023 - called at once
        points.append(SeriesPoint(day, rounded(pv, money), rounded(ev, money), ac))
    return points
