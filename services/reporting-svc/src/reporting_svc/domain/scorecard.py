"""The closure scorecard: how a project performed, final when it has closed (completed or
cancelled), and the same numbers at any status date while it runs.

Two dates govern it. The status date asked (`as_of`) says which facts are in effect; the
scorecard is *evaluated* on the closing date when the project had closed by then (its figures
are final: nothing after its closing counts), else on the status date itself (`evaluated_on`).

- Closed: completed or cancelled (or closed after one of those) by the status date; the closing
  date is the actual finish (completed) or the cancellation's effective date (cancelled).
- First baseline: number 1 (the lowest known, should 1 be missing); last baseline: the latest
  in force on the evaluation date (the greatest effective date on or before it, of two on one
  day the higher number; the first before any is in force). Re-baselines: the baselines in
  force by the evaluation date after the first (0 with one, or none).
- SPI and CPI: the earned-value indices on the evaluation date against the last baseline
  (`domain.evm`, 4 decimals), health rated on the thresholds given.
- Cost: AC = the costs incurred by the evaluation date. Cost variance % against a baseline =
  (AC - BAC) / BAC x 100 (while it runs: the spend to date against the budget). The cost at
  completion is AC for a closed project and, while it runs, the EVM forecast EAC = BAC / CPI
  against the last baseline (None while CPI is undefined); its variance % = (cost at completion
  - BAC) / BAC x 100; the cost overrun ratio = cost at completion / first BAC (for a closed
  project AC / first BAC, so its overrun % = (ratio - 1) x 100 is the variance against the first
  baseline). Percentages to 0.01, ratios to 0.0001, half-even, from the exact figures.
- Schedule: the finish is the closing date for a closed project; while it runs, the forecast
  finish is the last baseline's planned start + its planned duration / SPI (SPI unrounded,
  days rounded up), but never before the status date ("spi-forecast"); without an SPI above 0
  it is the last planned finish while that is still ahead ("planned"), else the status date
  itself: a project still running past its planned finish has slipped at least that far
  ("status-date"). Slip (days) = finish - planned finish of the first / the last baseline
  (negative: early). Schedule ratio = (finish - actual start, or the first planned start
  without one) / (first planned finish - first planned start), None for a first baseline of no
  duration.
- Milestones on time %: of the milestones that count on the evaluation date (those due by
  then, on or before it, and those achieved by then whatever their due date: one delivered
  early counts before it is due), those achieved on or before their due date x 100 / their
  number; one achieved after its due date is late, one due but not achieved by the evaluation
  date missed (None when none counts). A milestone is counted once recorded (by `known_at`):
  the events give no day it was added on.
- Risks: raised by the evaluation date; of them materialised (closed by then with the outcome
  "materialised"), still open (not closed by then), and the count per closing outcome.
- Project Office reporting compliance: the offices' reports expected and published and whether
  one is overdue, summed over the project's offices, as the office report computes them
  (`application.reports.office_report`); compliance % = the reports published, at most as many
  as expected of each office, x 100 / the reports expected (so one office's extra reports make
  up for no other's missing ones; None when none was expected yet); None when the project
  never had an office.
- Benefits realised %: for a member of a program on its evaluation date, the mean of the
  program's benefits' realised percentages (latest value reported by the status date / target
  x 100, as the program report's `mean_percent`, `domain.benefits.summary`) over the benefits of
  every program it is a member of; None when it is a member of none, or none is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from reporting_svc.domain import evm
from reporting_svc.domain.benefits import BenefitSummary
from reporting_svc.domain.exact import (
    HUNDRED,
    PERCENT,
    RATIO,
    computed,
    divide,
    exact,
    rounded,
)
from reporting_svc.domain.health import Health, HealthThresholds

ClosedAs = Literal["completed", "cancelled"]
FinishBasis = Literal["actual", "spi-forecast", "planned", "status-date"]
CostBasis = Literal["actual", "eac-forecast"]

MATERIALISED = "materialised"


@dataclass(frozen=True, slots=True)
class BaselineFact:
    """One baseline as recorded: its number, budget, schedule, planned values and the day it
    took effect."""

    number: int
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    effective_on: date
    planned_values: tuple[evm.PlannedPoint, ...] = ()

    def measurable(self) -> evm.Baseline | None:
        """The baseline as the EVM measures against it (None when it cannot: a schedule that
        ends before it starts, planned values outside it)."""
        try:
            return evm.Baseline(
                self.budget_at_completion,
                self.planned_start,
                self.planned_finish,
                self.planned_values,
            )
        except (ValueError, ArithmeticError):
            return None


@dataclass(frozen=True, slots=True)
class MilestoneFact:
    """A milestone: its due date and the day it was achieved (None: not achieved)."""

    due_date: date
    achieved_on: date | None


@dataclass(frozen=True, slots=True)
class RiskFact:
    """A risk: the day it was raised, and the day and outcome of its closing (None: open)."""

    raised_on: date
    closed_on: date | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class OfficeFact:
    """One Project Office's reporting on the evaluation date, as the office report says."""

    reports_expected: int
    reports_published: int
    overdue: bool


@dataclass(frozen=True, slots=True)
class ProjectHistory:
    """What a scorecard is computed from: the project's facts in effect at the status date."""

    closed_as: ClosedAs | None
    closed_on: date | None
    actual_start: date | None
    baselines: tuple[BaselineFact, ...]
    progress: tuple[evm.ProgressPoint, ...]
    costs: tuple[evm.CostPoint, ...]
    milestones: tuple[MilestoneFact, ...] = ()
    risks: tuple[RiskFact, ...] = ()


@dataclass(frozen=True, slots=True)
class Performance:
    """The earned-value indices on the evaluation date against the last baseline."""

    spi: Decimal | None
    cpi: Decimal | None
    percent_complete: Decimal
    health: Health


@dataclass(frozen=True, slots=True)
class CostScore:
    """AC on the evaluation date against the first and the last baseline's BAC, and the cost
    at completion (actual or forecast) against them."""

    ac: Decimal | None
    bac_first: Decimal | None
    bac_last: Decimal | None
    variance_pct_vs_first: Decimal | None
    variance_pct_vs_last: Decimal | None
    cost_at_completion: Decimal | None
    cost_at_completion_basis: CostBasis | None
    forecast_variance_pct_vs_first: Decimal | None
    forecast_variance_pct_vs_last: Decimal | None
    overrun_ratio: Decimal | None


@dataclass(frozen=True, slots=True)
class ScheduleScore:
    """The finish (actual or forecast) against the first and the last planned finish."""

    planned_finish_first: date | None
    planned_finish_last: date | None
    finish: date | None
    finish_basis: FinishBasis | None
    slip_days_vs_first: int | None
    slip_days_vs_last: int | None
    schedule_ratio: Decimal | None


@dataclass(frozen=True, slots=True)
class MilestoneScore:
    """The milestones that count on the evaluation date (due or achieved by then): on time,
    late, missed; the on-time share in %."""

    counted: int
    on_time: int
    late: int
    missed: int
    on_time_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class RiskScore:
    """The risks raised by the evaluation date, materialised, still open, per outcome."""

    raised: int
    materialised: int
    open: int
    by_outcome: dict[str, int]


@dataclass(frozen=True, slots=True)
class OfficeScore:
    """Project Office reporting compliance, over the project's offices."""

    offices: int
    reports_expected: int
    reports_published: int
    overdue: bool
    compliance_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class BenefitScore:
    """The benefits of the programs the project is a member of, at the status date."""

    planned: int
    reported: int
    at_target: int
    realised_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A project's scorecard on its evaluation date (see the module docstring)."""

    as_of: date
    evaluated_on: date
    closed: bool
    closed_as: ClosedAs | None
    closed_on: date | None
    rebaselines: int
    performance: Performance
    cost: CostScore
    schedule: ScheduleScore
    milestones: MilestoneScore
    risks: RiskScore
    office: OfficeScore | None
    benefits: BenefitScore | None
    lessons: int


def evaluation_date(closed_on: date | None, *, as_of: date) -> date:
    """The closing date when the project had closed by the status date, else the status
    date."""
    return closed_on if closed_on is not None and closed_on <= as_of else as_of


def first_baseline(baselines: Iterable[BaselineFact]) -> BaselineFact | None:
    """Baseline number 1 (the lowest number known, should 1 be missing)."""
    return min(baselines, key=lambda b: b.number, default=None)


def in_force(baselines: Iterable[BaselineFact], on: date) -> list[BaselineFact]:
    """The baselines that took effect by `on`, in force order (by effective date, then
    number)."""
    return sorted(
        (b for b in baselines if b.effective_on <= on), key=lambda b: (b.effective_on, b.number)
    )


def last_baseline(baselines: Sequence[BaselineFact], on: date) -> BaselineFact | None:
    """The latest baseline in force on `on`; before any is, the first one."""
    effective = in_force(baselines, on)
    return effective[-1] if effective else first_baseline(baselines)


def rebaselines(baselines: Sequence[BaselineFact], on: date) -> int:
    """How many baselines took effect by `on` after the first one."""
    return max(len(in_force(baselines, on)) - 1, 0)


def _percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole x 100 to 0.01 (None when undefined)."""
    if part is None:
        return None
    return rounded(divide(part * HUNDRED, whole), PERCENT)


def _variance(cost: Decimal | None, bac: Decimal | None) -> Decimal | None:
    """(cost - BAC) / BAC x 100 to 0.01 (None without both, or for a BAC of 0)."""
    if cost is None or bac is None:
        return None
    return rounded(divide((cost - bac) * HUNDRED, bac), PERCENT)


@exact
def cost_score(history: ProjectHistory, *, on: date, closed: bool, money: Decimal) -> CostScore:
    """AC on `on` and the cost at completion against the first and the last baseline."""
    first, last = first_baseline(history.baselines), last_baseline(history.baselines, on)
    ac = computed(lambda: evm.actual_cost(history.costs, on))
    bac1 = first.budget_at_completion if first else None
    bacn = last.budget_at_completion if last else None
    at_completion: Decimal | None
    basis: CostBasis | None
    if closed:
        at_completion, basis = ac, "actual"
    else:
        measured = last.measurable() if last else None
        ev = (
            computed(lambda: evm.earned_value(measured, history.progress, on))
            if measured is not None
            else None
        )
        # EAC = BAC / CPI = BAC x AC / EV; undefined while CPI is (no EV, or no AC yet)
        at_completion = None
        if measured is not None and ev is not None and ac is not None and ac != 0:
            at_completion = computed(lambda: divide(measured.budget_at_completion * ac, ev))
        basis = "eac-forecast" if at_completion is not None else None
    return CostScore(
        ac=rounded(ac, money),
        bac_first=bac1,
        bac_last=bacn,
        variance_pct_vs_first=computed(lambda: _variance(ac, bac1)),
        variance_pct_vs_last=computed(lambda: _variance(ac, bacn)),
        cost_at_completion=rounded(at_completion, money),
        cost_at_completion_basis=basis,
        forecast_variance_pct_vs_first=computed(lambda: _variance(at_completion, bac1)),
        forecast_variance_pct_vs_last=computed(lambda: _variance(at_completion, bacn)),
        overrun_ratio=computed(
            lambda: None if at_completion is None else rounded(divide(at_completion, bac1), RATIO)
        ),
    )


def _plus_days(day: date, days: int) -> date | None:
    """`day` + `days`, None beyond the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


DAY_FRACTION = Decimal("0.000001")
"""A forecast's days are rounded to this before they are rounded up to whole days, so that the
last digit of exact arithmetic (150 / (150 / 116) = 115.99...9) never adds a day."""


@exact
def exact_spi(
    baseline: evm.Baseline, progress: Sequence[evm.ProgressPoint], on: date
) -> Decimal | None:
    """SPI = EV / PV on `on`, unrounded (None while PV is 0, or beyond what can be computed)."""
    return computed(
        lambda: divide(evm.earned_value(baseline, progress, on), evm.planned_value(baseline, on))
    )


@exact
def forecast_finish(
    last: BaselineFact, *, spi: Decimal | None, as_of: date
) -> tuple[date | None, FinishBasis]:
    """The finish of a running project (see the module docstring): planned start + planned
    duration / SPI, rounded up to whole days, not before the status date; else the planned
    finish while it is ahead, else the status date."""
    if spi is not None and spi > 0:
        duration = Decimal((last.planned_finish - last.planned_start).days)
        forecast = computed(
            lambda: (duration / spi).quantize(DAY_FRACTION).to_integral_value(ROUND_CEILING)
        )
        day = None if forecast is None else _plus_days(last.planned_start, int(forecast))
        if day is None or day >= as_of:
            return day, "spi-forecast"
        return as_of, "status-date"
    if last.planned_finish >= as_of:
        return last.planned_finish, "planned"
    return as_of, "status-date"


@exact
def schedule_score(history: ProjectHistory, *, on: date, closed: bool) -> ScheduleScore:
    """The finish (actual, or forecast while it runs) against the first and last plans."""
    first, last = first_baseline(history.baselines), last_baseline(history.baselines, on)
    finish: date | None
    basis: FinishBasis | None
    if closed:
        finish, basis = on, "actual"
    elif last is not None:
        measured = last.measurable()
        spi = None if measured is None else exact_spi(measured, history.progress, on)
        finish, basis = forecast_finish(last, spi=spi, as_of=on)
    else:
        finish, basis = None, None
    ratio = None
    if first is not None and finish is not None:
        started = history.actual_start or first.planned_start
        planned = Decimal((first.planned_finish - first.planned_start).days)
        ratio = rounded(divide(Decimal((finish - started).days), planned), RATIO)
    return ScheduleScore(
        planned_finish_first=first.planned_finish if first else None,
        planned_finish_last=last.planned_finish if last else None,
        finish=finish,
        finish_basis=basis,
        slip_days_vs_first=(finish - first.planned_finish).days if first and finish else None,
        slip_days_vs_last=(finish - last.planned_finish).days if last and finish else None,
        schedule_ratio=ratio,
    )


@exact
def milestone_score(milestones: Iterable[MilestoneFact], *, on: date) -> MilestoneScore:
    """Of the milestones due or achieved by `on`: achieved on or before their due date, after
    it, or due and not achieved by `on`."""
    achieved, missed = [], 0
    for m in milestones:
        if m.achieved_on is not None and m.achieved_on <= on:
            achieved.append(m)
        elif m.due_date <= on:
            missed += 1
    on_time = sum(m.achieved_on is not None and m.achieved_on <= m.due_date for m in achieved)
    counted = len(achieved) + missed
    return MilestoneScore(
        counted=counted,
        on_time=on_time,
        late=len(achieved) - on_time,
        missed=missed,
        on_time_percent=_percent(Decimal(on_time), Decimal(counted)),
    )


def risk_score(risks: Iterable[RiskFact], *, on: date) -> RiskScore:
    """The risks raised by `on`: materialised and still open then, and per closing outcome."""
    raised = [r for r in risks if r.raised_on <= on]
    closed = [r for r in raised if r.closed_on is not None and r.closed_on <= on]
    outcomes = Counter(r.outcome or "unrecorded" for r in closed)
    return RiskScore(
        raised=len(raised),
        materialised=outcomes[MATERIALISED],
        open=len(raised) - len(closed),
        by_outcome=dict(sorted(outcomes.items())),
    )


@exact
def office_score(offices: Sequence[OfficeFact]) -> OfficeScore | None:
    """The reporting compliance over the project's offices (None: it never had one)."""
    if not offices:
        return None
    expected = sum(o.reports_expected for o in offices)
    published = sum(o.reports_published for o in offices)
    in_time = sum(min(o.reports_published, o.reports_expected) for o in offices)
    share = _percent(Decimal(in_time), Decimal(expected))
    return OfficeScore(
        offices=len(offices),
        reports_expected=expected,
        reports_published=published,
        overdue=any(o.overdue for o in offices),
        compliance_percent=share,
    )


def benefit_score(summary: BenefitSummary | None) -> BenefitScore | None:
    """The benefits of the project's programs as summarised (None: a member of none)."""
    if summary is None:
        return None
    return BenefitScore(
        planned=summary.planned,
        reported=summary.reported,
        at_target=summary.at_target,
        realised_percent=summary.mean_percent,
    )


@exact
def scorecard(
    history: ProjectHistory,
    *,
    as_of: date,
    thresholds: HealthThresholds,
    money: Decimal,
    offices: Sequence[OfficeFact] = (),
    benefits: BenefitSummary | None = None,
    lessons: int = 0,
) -> Scorecard:
    """The scorecard of a project at the status date `as_of` (evaluated on its closing date
    when it had closed by then), money to `money` (its currency's smallest unit), health on
    `thresholds` (those in force on the evaluation date), office compliance from `offices`
    (each office's reporting on the evaluation date), the benefits of its programs as
    summarised at the status date (`benefits`; None: a member of none) and the number of
    lessons recorded for it (`lessons`)."""
    closed = history.closed_on is not None and history.closed_on <= as_of
    on = evaluation_date(history.closed_on, as_of=as_of)
    last = last_baseline(history.baselines, on)
    measured = last.measurable() if last else None
    metrics = evm.compute_metrics(
        measured, history.progress, history.costs, at=on, thresholds=thresholds, money=money
    )
    return Scorecard(
        as_of=as_of,
        evaluated_on=on,
        closed=closed,
        closed_as=history.closed_as if closed else None,
        closed_on=history.closed_on if closed else None,
        rebaselines=rebaselines(history.baselines, on),
        performance=Performance(metrics.spi, metrics.cpi, metrics.percent_complete, metrics.health),
        cost=cost_score(history, on=on, closed=closed, money=money),
        schedule=schedule_score(history, on=on, closed=closed),
        milestones=milestone_score(history.milestones, on=on),
        risks=risk_score(history.risks, on=on),
        office=office_score(offices),
        benefits=benefit_score(benefits),
        lessons=lessons,
    )
