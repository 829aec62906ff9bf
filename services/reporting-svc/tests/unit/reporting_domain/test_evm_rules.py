"""Planned-value interpolation, input checks, health ratings, roll-ups, series and risk exposure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from reporting_svc.domain.evm import (
    Baseline,
    CostPoint,
    Metrics,
    PlannedPoint,
    ProgressPoint,
    compute_metrics,
    evm_series,
    planned_value,
)
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag, rag, worse
from reporting_svc.domain.rollup import risk_exposure, rollup

D = Decimal
CENT = D("0.01")  # the EUR minor unit
START, FINISH = date(2026, 1, 1), date(2026, 4, 11)  # 100 days apart


def _day(n: int) -> date:
    return START + timedelta(days=n)


# Day 20: 10,000 planned; day 60: 70,000; BAC 100,000 at day 100. Given out of order on purpose.
CURVED = Baseline(
    D("100000"),
    START,
    FINISH,
    (PlannedPoint(_day(60), D("70000")), PlannedPoint(_day(20), D("10000"))),
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (-1, D(0)),
        (0, D(0)),
        (10, D(5000)),  # halfway from (0, 0) to (20, 10,000)
        (20, D(10000)),
        (40, D(40000)),  # 10,000 + 60,000 * 20/40
        (60, D(70000)),
        (80, D(85000)),  # 70,000 + 30,000 * 20/40
        (99, D(99250)),  # 70,000 + 30,000 * 39/40 = 70,000 + 29,250
        (100, D(100000)),
        (365, D(100000)),
    ],
)
def test_planned_value_interpolates_through_the_planned_points(day: int, expected: Decimal) -> None:
    assert planned_value(CURVED, _day(day)) == expected


def test_planned_value_is_unrounded_between_days() -> None:
    three_days = Baseline(D(100), START, _day(3))
    assert planned_value(three_days, _day(1)) == D("33.33333333333333333333333333")  # 100/3


def test_a_zero_length_schedule_is_all_planned_on_its_day() -> None:
    same_day = Baseline(D(500), START, START)
    assert planned_value(same_day, _day(-1)) == 0
    assert planned_value(same_day, START) == D(500)


@pytest.mark.parametrize(
    ("points", "finish", "message"),
    [
        ((), _day(-1), "before planned start"),
        ((PlannedPoint(_day(101), D(1)),), FINISH, "outside the schedule"),
        ((PlannedPoint(_day(10), D(5)), PlannedPoint(_day(20), D(4))), FINISH, "cumulative"),
        ((PlannedPoint(_day(10), D(101)),), FINISH, "cumulative"),
    ],
)
def test_inconsistent_baselines_are_refused(
    points: tuple[PlannedPoint, ...], finish: date, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Baseline(D(100), START, finish, points)


def test_percent_complete_is_bounded() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        ProgressPoint(START, D("100.01"))
    with pytest.raises(ValueError, match=r"0\.\.100"):
        ProgressPoint(START, D("-1"))


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (D("1.2"), Rag.GREEN),
        (D("0.95"), Rag.GREEN),  # exactly the green threshold
        (D("0.9499"), Rag.AMBER),
        (D("0.85"), Rag.AMBER),  # exactly the amber threshold
        (D("0.8499"), Rag.RED),
        (D(0), Rag.RED),
        (None, None),
    ],
)
def test_rag_thresholds(index: Decimal | None, expected: Rag | None) -> None:
    assert rag(index, HealthBand()) == expected


def test_thresholds_are_configurable_and_checked() -> None:
    strict = HealthBand(green=D("1.00"), amber=D("0.98"))
    assert rag(D("0.99"), strict) is Rag.AMBER
    assert rag(D("0.97"), strict) is Rag.RED
    assert rag(D("0.9"), HealthBand(green=D("0.9"), amber=D("0.9"))) is Rag.GREEN
    with pytest.raises(ValueError, match="amber"):
        HealthThresholds(green=D("0.8"), amber=D("0.9"))
    with pytest.raises(ValueError, match="amber"):
        HealthBand(green=D("0.8"), amber=D("0.9"))


@pytest.mark.parametrize(
    ("schedule", "cost", "overall"),
    [
        (Rag.GREEN, Rag.GREEN, Rag.GREEN),
        (Rag.GREEN, Rag.AMBER, Rag.AMBER),
        (Rag.AMBER, Rag.GREEN, Rag.AMBER),
        (Rag.AMBER, Rag.RED, Rag.RED),
        (Rag.RED, Rag.GREEN, Rag.RED),
        (None, Rag.AMBER, Rag.AMBER),
        (Rag.GREEN, None, Rag.GREEN),
        (None, None, None),
    ],
)
def test_overall_is_the_worse_of_schedule_and_cost(
    schedule: Rag | None, cost: Rag | None, overall: Rag | None
) -> None:
    assert worse(schedule, cost) == overall


def test_health_rates_the_index_as_displayed() -> None:
    # Day 50: PV 50,000. 47.498 % of 100,000 = 47,498: SPI 0.94996, shown as 0.9500, so green.
    m = compute_metrics(
        Baseline(D(100000), START, FINISH),
        [ProgressPoint(_day(50), D("47.498"))],
        [CostPoint(_day(1), D(47498))],
        at=_day(50),
        thresholds=HealthThresholds(),
        money=CENT,
    )
    assert (m.spi, m.cpi) == (D("0.9500"), D("1.0000"))
    assert m.health == Health(Rag.GREEN, Rag.GREEN, Rag.GREEN)


def _project(*, bac: str | None, pv: str | None, ev: str | None, ac: str) -> Metrics:
    def money(value: str | None) -> Decimal | None:
        return None if value is None else D(value)

    return Metrics(
        as_of=START,
        bac=money(bac),
        pv=money(pv),
        ev=money(ev),
        ac=D(ac),
        percent_complete=D(0),
        health=Health(None, None, None),
    )


def test_rollup_sums_first_and_then_divides() -> None:
    small = _project(bac="1000", pv="100", ev="50", ac="25")  # SPI 0.5, CPI 2.0
    large = _project(bac="10000", pv="1000", ev="1000", ac="1250")  # SPI 1.0, CPI 0.8
    unbaselined = _project(bac=None, pv=None, ev=None, ac="225")
    total = rollup(iter([small, large, unbaselined]), money=CENT)
    # Averaging would say SPI (0.5 + 1.0)/2 = 0.75 and CPI (2.0 + 0.8)/2 = 1.4.
    assert total.spi == D("0.9545")  # (50 + 1,000) / (100 + 1,000) = 1,050 / 1,100
    # The unbaselined project's 225 has no EV against it: it stays out of ΣAC, shown apart.
    assert total.cpi == D("0.8235")  # 1,050 / (25 + 1,250) = 1,050 / 1,275
    assert (total.bac, total.pv, total.ev, total.ac) == (D(11000), D(1100), D(1050), D(1275))
    assert (total.project_count, total.unbaselined_count, total.unbaselined_ac) == (3, 1, D(225))


def test_rollup_of_nothing_has_no_indices() -> None:
    total = rollup([], money=CENT)
    assert (total.project_count, total.bac, total.ac) == (0, D("0.00"), D("0.00"))
    assert (total.spi, total.cpi) == (None, None)


def test_risk_exposure_sums_probability_times_impact_rounding_half_even() -> None:
    # 0.3 * 10,000 + 0.05 * 2,500.50 = 3,000 + 125.025 = 3,125.025 -> 3,125.02 (2 is even)
    assert risk_exposure([(D("0.3"), D("10000")), (D("0.05"), D("2500.50"))], money=CENT) == D(
        "3125.02"
    )
    assert risk_exposure([], money=CENT) == D("0.00")


def test_a_short_series_is_daily_with_both_ends() -> None:
    series = evm_series(CURVED, [], [], start=_day(0), end=_day(9), money=CENT)
    assert [p.date for p in series] == [_day(n) for n in range(10)]
    exact_fit = evm_series(CURVED, [], [], start=_day(0), end=_day(4), money=CENT, max_points=5)
    assert [p.date for p in exact_fit] == [_day(n) for n in range(5)]


def test_a_long_series_is_evenly_spaced_with_both_ends() -> None:
    series = evm_series(CURVED, [], [], start=_day(0), end=_day(200), money=CENT, max_points=5)
    assert [p.date for p in series] == [_day(n) for n in (0, 50, 100, 150, 200)]
    # 10 days in 4 points: steps of 3 1/3 days, each to the nearest day.
    uneven = evm_series(CURVED, [], [], start=_day(0), end=_day(10), money=CENT, max_points=4)
    assert [p.date for p in uneven] == [_day(n) for n in (0, 3, 7, 10)]


def test_series_values_are_the_figures_at_each_date() -> None:
    progress = [ProgressPoint(_day(30), D(25))]
    costs = [CostPoint(_day(5), D("1234.565")), CostPoint(_day(40), D(10))]
    series = evm_series(
        CURVED, progress, costs, start=_day(28), end=_day(40), money=CENT, max_points=4
    )
    assert [(p.date, p.pv, p.ev, p.ac) for p in series] == [
        (_day(28), D("22000.00"), D("0.00"), D("1234.56")),  # 10,000 + 60,000 * 8/40
        (_day(32), D("28000.00"), D("25000.00"), D("1234.56")),  # 1,234.565 -> even 1,234.56
        (_day(36), D("34000.00"), D("25000.00"), D("1234.56")),
        (_day(40), D("40000.00"), D("25000.00"), D("1244.56")),
    ]


def test_a_series_without_baseline_has_only_actual_cost() -> None:
    series = evm_series(None, [], [CostPoint(START, D(5))], start=START, end=START, money=CENT)
    assert [(p.pv, p.ev, p.ac) for p in series] == [(None, None, D("5.00"))]


def test_series_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="ends before"):
        evm_series(None, [], [], start=_day(1), end=_day(0), money=CENT)
    with pytest.raises(ValueError, match="two points"):
        evm_series(None, [], [], start=_day(0), end=_day(5), money=CENT, max_points=1)
