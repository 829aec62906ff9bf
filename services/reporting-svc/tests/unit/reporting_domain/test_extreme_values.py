"""Extreme but valid facts never make a figure raise: dates at the ends of the calendar, the
largest amounts an event carries, zero-length schedules; a figure that cannot be computed is
None, like an undefined ratio (issue 10, item 3)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from reporting_svc.domain.chart import render_evm_chart
from reporting_svc.domain.evm import (
    Baseline,
    CostPoint,
    Metrics,
    ProgressPoint,
    compute_metrics,
    evm_series,
)
from reporting_svc.domain.exact import rounded
from reporting_svc.domain.health import Health, HealthThresholds
from reporting_svc.domain.rollup import risk_exposure, rollup

D = Decimal
CENT = D("0.01")
LARGEST = D("999999999999999.9999")  # 19 digits, 4 decimals: the most an event's amount holds
SMALLEST = D("0.0001")
THRESHOLDS = HealthThresholds()


def _metrics(baseline: Baseline | None, *, costs: list[CostPoint], at: date) -> Metrics:
    progress = [ProgressPoint(date(1, 1, 1), SMALLEST)]
    return compute_metrics(baseline, progress, costs, at=at, thresholds=THRESHOLDS, money=CENT)


@pytest.mark.parametrize("at", [date.min, date(2026, 6, 1), date.max])
def test_a_schedule_over_the_whole_calendar_has_figures_at_any_date(at: date) -> None:
    baseline = Baseline(LARGEST, date.min, date.max)
    metrics = _metrics(baseline, costs=[CostPoint(date.min, LARGEST)], at=at)
    assert metrics.bac == LARGEST.quantize(CENT)
    assert metrics.ac == LARGEST.quantize(CENT)
    assert metrics.pv is not None


def test_a_zero_length_schedule_at_the_end_of_the_calendar() -> None:
    baseline = Baseline(SMALLEST, date.max, date.max)
    metrics = _metrics(baseline, costs=[], at=date.max)
    assert metrics.pv == SMALLEST.quantize(CENT)
    assert metrics.cpi is None  # no cost: undefined, not an error


def test_a_forecast_beyond_28_digits_is_still_given_or_none_never_an_error() -> None:
    # EV ~ 1e-10 against AC ~ 1e20: CPI ~ 1e-30, so BAC / CPI and the combined EAC are huge.
    baseline = Baseline(SMALLEST, date(2026, 1, 1), date(2026, 1, 2))
    costs = [CostPoint(date(2026, 1, 1), LARGEST) for _ in range(100_000)]
    metrics = _metrics(baseline, costs=costs, at=date(2026, 1, 2))
    assert metrics.cpi == D("0.0000")
    assert metrics.eac is not None
    assert metrics.eac > 10**25


def test_amounts_no_arithmetic_can_hold_make_figures_none() -> None:
    huge = D("9E+999999")  # a tolerant reader may pass it on; no producer accepts it
    baseline = Baseline(huge, date(2026, 1, 1), date(2026, 12, 31))
    metrics = _metrics(baseline, costs=[CostPoint(date(2026, 1, 1), huge)] * 2, at=date.max)
    assert metrics.ac is None
    assert metrics.bac is None
    assert metrics.eac is None
    assert metrics.health.overall is None


def test_rounding_keeps_large_figures_and_gives_none_beyond_them() -> None:
    assert rounded(D("1e40"), CENT) == D(10) ** 40
    assert rounded(D("1e70"), CENT) is None
    assert rounded(D("Infinity"), CENT) is None


def test_the_series_and_chart_over_the_whole_calendar() -> None:
    baseline = Baseline(LARGEST, date.min, date.max)
    progress = [ProgressPoint(date.max, D(100))]
    series = evm_series(
        baseline, progress, [CostPoint(date.min, LARGEST)], start=date.min, end=date.max, money=CENT
    )
    assert series[0].date == date.min
    assert series[-1].date == date.max
    svg = render_evm_chart(series, title="whole calendar", currency="EUR", bac=LARGEST)
    ET.fromstring(svg.encode())  # noqa: S314 - our own output


def test_a_series_whose_costs_cannot_be_summed_has_no_ac() -> None:
    huge = D("9E+999999")
    series = evm_series(
        None,
        [],
        [CostPoint(date(2026, 1, 1), huge)] * 2,
        start=date(2026, 1, 1),
        end=date(2026, 1, 3),
        money=CENT,
    )
    assert [p.ac for p in series] == [None, None, None]
    render_evm_chart(series, title="t", currency="EUR", bac=None)


def test_roll_ups_and_exposure_of_too_large_figures_are_none() -> None:
    huge = D("9E+999999")
    unknown = Health(None, None, None)
    big = Metrics(as_of=date.max, bac=huge, ac=huge, percent_complete=D(0), health=unknown)
    totals = rollup([big, big], money=CENT)
    assert totals.bac is None
    assert totals.ac is None
    assert totals.cpi is None
    assert risk_exposure([(D(1), huge), (D(1), huge)], money=CENT) is None
