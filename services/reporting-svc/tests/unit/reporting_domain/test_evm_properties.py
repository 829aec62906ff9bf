"""Properties of the earned-value functions over generated baselines, reports and costs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from reporting_svc.domain.evm import (
    Baseline,
    CostPoint,
    PlannedPoint,
    ProgressPoint,
    compute_metrics,
    evm_series,
    planned_value,
)
from reporting_svc.domain.health import HealthThresholds

START = date(2026, 1, 1)
CENT = Decimal("0.01")  # the EUR minor unit
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
offsets = st.integers(min_value=-30, max_value=800)
dates = offsets.map(lambda d: START + timedelta(days=d))


@st.composite
def baselines(draw: st.DrawFn) -> Baseline:
    """A consistent baseline: planned points inside the schedule, cumulative, at most BAC."""
    bac = draw(money)
    length = draw(st.integers(min_value=0, max_value=730))
    days = sorted(draw(st.lists(st.integers(0, length), max_size=6)))
    values = sorted(
        draw(st.lists(money.filter(lambda v: v <= bac), min_size=len(days), max_size=len(days)))
    )
    points = tuple(
        PlannedPoint(START + timedelta(days=d), v) for d, v in zip(days, values, strict=True)
    )
    return Baseline(bac, START, START + timedelta(days=length), points)


@given(baselines(), offsets, offsets)
def test_planned_value_is_monotone_and_within_zero_and_bac(
    baseline: Baseline, first: int, second: int
) -> None:
    early, late = sorted((first, second))
    pv_early = planned_value(baseline, START + timedelta(days=early))
    pv_late = planned_value(baseline, START + timedelta(days=late))
    assert 0 <= pv_early <= pv_late <= baseline.budget_at_completion


@given(baselines())
def test_planned_value_meets_the_ends_and_the_planned_points(baseline: Baseline) -> None:
    assert planned_value(baseline, baseline.planned_start - timedelta(days=1)) == 0
    assert planned_value(baseline, baseline.planned_finish) == baseline.budget_at_completion
    inner = [p for p in baseline.planned_values if START < p.date < baseline.planned_finish]
    # Where several points share a date, the highest holds from that date on.
    for point in inner:
        same_day = max(q.planned_value for q in inner if q.date == point.date)
        assert planned_value(baseline, point.date) == same_day


progress_points = st.builds(
    ProgressPoint,
    dates,
    st.decimals(min_value=0, max_value=100, places=2),
)
cost_points = st.builds(
    CostPoint,
    dates,
    st.decimals(min_value=-1000, max_value=10**6, places=4),
)


@given(
    st.one_of(st.none(), baselines()),
    st.lists(progress_points, max_size=8),
    st.lists(cost_points, max_size=8),
    st.integers(min_value=2, max_value=40),
    st.integers(min_value=0, max_value=400),
)
def test_the_series_shows_the_metrics_of_each_of_its_dates(
    baseline: Baseline | None,
    progress: list[ProgressPoint],
    costs: list[CostPoint],
    max_points: int,
    length: int,
) -> None:
    end = START + timedelta(days=length)
    series = evm_series(
        baseline, progress, costs, start=START, end=end, money=CENT, max_points=max_points
    )
    assert len(series) == min(length + 1, max_points)
    assert (series[0].date, series[-1].date) == (START, end)
    assert all(a.date < b.date for a, b in pairwise(series))
    for point in series:
        m = compute_metrics(
            baseline, progress, costs, at=point.date, thresholds=HealthThresholds(), money=CENT
        )
        assert (point.pv, point.ev, point.ac) == (m.pv, m.ev, m.ac)
