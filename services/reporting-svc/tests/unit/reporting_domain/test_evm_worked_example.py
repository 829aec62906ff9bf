"""A worked earned-value example whose expected figures are worked out by hand, not by the code.

BAC 100,000 over a 100-day schedule, 2026-01-01 → 2026-04-11, no planned points, so
PV grows linearly by 100,000 / 100 = 1,000 a day (day n = 2026-01-01 + n days).
Progress: 15 % as of 2026-01-21 (day 20), 40 % as of 2026-02-20 (day 50).
Costs: 8,000 on 01-10, 12,000 on 02-01, 20,000 on 02-15, 5,000 on 03-01, 9,999 on 04-20.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

from reporting_svc.domain.evm import (
    Baseline,
    CostPoint,
    Metrics,
    ProgressPoint,
    actual_cost,
    compute_metrics,
    earned_value,
    planned_value,
)
from reporting_svc.domain.health import Health, HealthThresholds, Rag

D = Decimal
BASELINE = Baseline(D("100000"), date(2026, 1, 1), date(2026, 4, 11))
PROGRESS = (ProgressPoint(date(2026, 1, 21), D(15)), ProgressPoint(date(2026, 2, 20), D(40)))
COSTS = (
    CostPoint(date(2026, 1, 10), D("8000")),
    CostPoint(date(2026, 2, 1), D("12000")),
    CostPoint(date(2026, 2, 15), D("20000")),
    CostPoint(date(2026, 3, 1), D("5000")),
    CostPoint(date(2026, 4, 20), D("9999")),
)
THRESHOLDS = HealthThresholds()
CENT = D("0.01")  # the EUR minor unit


def _metrics(at: date, **overrides: object) -> Metrics:
    args: dict[str, object] = {"baseline": BASELINE, "progress": PROGRESS, "costs": COSTS}
    args.update(overrides)
    return compute_metrics(**args, at=at, thresholds=THRESHOLDS, money=CENT)  # type: ignore[arg-type]


def test_status_date_2026_03_02() -> None:
    # Day 31 + 28 + 1 = 60: PV = 60 * 1,000. EV = 40 % * 100,000. AC = 8,000 + 12,000 + 20,000
    # + 5,000 (03-01 counts; 04-20 does not).
    assert _metrics(date(2026, 3, 2)) == Metrics(
        as_of=date(2026, 3, 2),
        bac=D("100000.00"),
        pv=D("60000.00"),
        ev=D("40000.00"),
        ac=D("45000.00"),
        sv=D("-20000.00"),  # 40,000 - 60,000
        cv=D("-5000.00"),  # 40,000 - 45,000
        spi=D("0.6667"),  # 40 / 60 = 0.66666…
        cpi=D("0.8889"),  # 40 / 45 = 0.88888…
        # 100,000 / (40/45) = 112,500 exactly; from the rounded CPI it would be 112,498.59.
        eac=D("112500.00"),
        eac_atypical=D("105000.00"),  # 45,000 + (100,000 - 40,000)
        # 45,000 + 60,000 / ((40/45) * (40/60)) = 45,000 + 60,000 * 2,700/1,600 = 45,000 + 101,250
        eac_combined=D("146250.00"),
        etc=D("67500.00"),  # 112,500 - 45,000
        vac=D("-12500.00"),  # 100,000 - 112,500
        tcpi=D("1.0909"),  # 60,000 / 55,000 = 1.090909…
        percent_complete=D("40.00"),
        health=Health(schedule=Rag.RED, cost=Rag.AMBER, overall=Rag.RED),
    )


def test_an_earlier_status_date_uses_only_the_facts_known_then() -> None:
    # Day 30 (01-31): PV = 30,000. The latest report by then is 15 % (01-21): EV = 15,000.
    # Only the 01-10 cost counts: AC = 8,000.
    assert _metrics(date(2026, 1, 31)) == Metrics(
        as_of=date(2026, 1, 31),
        bac=D("100000.00"),
        pv=D("30000.00"),
        ev=D("15000.00"),
        ac=D("8000.00"),
        sv=D("-15000.00"),  # 15,000 - 30,000
        cv=D("7000.00"),  # 15,000 - 8,000
        spi=D("0.5000"),  # 15 / 30
        cpi=D("1.8750"),  # 15 / 8
        eac=D("53333.33"),  # 100,000 / 1.875 = 53,333.333…
        eac_atypical=D("93000.00"),  # 8,000 + 85,000
        eac_combined=D("98666.67"),  # 8,000 + 85,000 / (1.875 * 0.5) = 8,000 + 90,666.666…
        etc=D("45333.33"),  # 53,333.333… - 8,000
        vac=D("46666.67"),  # 100,000 - 53,333.333… = 46,666.666…
        tcpi=D("0.9239"),  # 85,000 / 92,000 = 0.923913…
        percent_complete=D("15.00"),
        health=Health(schedule=Rag.RED, cost=Rag.GREEN, overall=Rag.RED),
    )


def test_the_unrounded_building_blocks() -> None:
    assert planned_value(BASELINE, date(2026, 3, 2)) == D(60000)
    assert earned_value(BASELINE, PROGRESS, date(2026, 2, 19)) == D(15000)
    assert earned_value(BASELINE, PROGRESS, date(2026, 2, 20)) == D(40000)
    assert actual_cost(COSTS, date(2026, 2, 14)) == D(20000)
    assert actual_cost(COSTS, date(2026, 2, 15)) == D(40000)


def test_before_the_planned_start_pv_is_zero_and_spi_undefined() -> None:
    costs = (CostPoint(date(2025, 12, 20), D("1000")),)  # mobilisation paid before the start
    m = _metrics(date(2025, 12, 31), costs=costs)
    assert (m.pv, m.ev, m.ac, m.sv, m.cv) == (D("0.00"), D("0.00"), D("1000.00"), D(0), D(-1000))
    assert m.spi is None  # 0 / 0
    assert m.cpi == D("0.0000")  # 0 / 1,000 is defined…
    # …but BAC / 0 is not, nor is anything built on it or on the undefined SPI.
    assert (m.eac, m.eac_combined, m.etc, m.vac) == (None, None, None, None)
    assert m.eac_atypical == D("101000.00")  # 1,000 + (100,000 - 0)
    assert m.tcpi == D("1.0101")  # 100,000 / 99,000 = 1.010101…
    assert m.health == Health(schedule=None, cost=Rag.RED, overall=Rag.RED)


def test_at_the_planned_start_pv_is_still_zero() -> None:
    assert _metrics(date(2026, 1, 1)).pv == D("0.00")


def test_without_costs_cpi_and_the_forecasts_that_need_it_are_undefined() -> None:
    m = _metrics(date(2026, 3, 2), costs=())
    assert (m.ac, m.cv, m.cpi) == (D("0.00"), D("40000.00"), None)
    assert (m.eac, m.eac_combined, m.etc, m.vac) == (None, None, None, None)
    assert m.eac_atypical == D("60000.00")  # 0 + (100,000 - 40,000)
    assert m.tcpi == D("0.6000")  # 60,000 / 100,000
    assert m.health == Health(schedule=Rag.RED, cost=None, overall=Rag.RED)


def test_when_the_whole_budget_is_spent_tcpi_is_undefined() -> None:
    costs = (CostPoint(date(2026, 2, 1), D("60000")), CostPoint(date(2026, 3, 1), D("40000")))
    m = _metrics(date(2026, 3, 2), costs=costs)
    assert m.ac == m.bac == D("100000.00")
    assert m.tcpi is None  # 60,000 / (100,000 - 100,000)
    assert m.cpi == D("0.4000")  # 40,000 / 100,000
    assert m.eac == D("250000.00")  # 100,000 / 0.4


def test_without_a_baseline_only_actual_cost_and_percent_are_known() -> None:
    m = _metrics(date(2026, 3, 2), baseline=None)
    assert m == Metrics(
        as_of=date(2026, 3, 2),
        ac=D("45000.00"),
        percent_complete=D("40.00"),
        health=Health(None, None, None),
    )
    assert m.bac is m.pv is m.ev is m.spi is m.cpi is m.eac is m.eac_atypical is m.tcpi is None


def test_the_latest_report_wins_and_the_last_given_wins_a_tie() -> None:
    progress = (
        ProgressPoint(date(2026, 2, 20), D(40)),
        ProgressPoint(date(2026, 1, 21), D(15)),  # reported later, but as of an earlier date
        ProgressPoint(date(2026, 2, 20), D(35)),  # a correction for the same date
    )
    assert earned_value(BASELINE, progress, date(2026, 3, 2)) == D(35000)
    assert earned_value(BASELINE, progress, date(2026, 2, 1)) == D(15000)
    assert earned_value(BASELINE, progress, date(2026, 1, 20)) == D(0)


def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    with localcontext(prec=3):
        m = _metrics(date(2026, 1, 31))
    assert m.eac == D("53333.33")
    assert m.eac_combined == D("98666.67")


def test_money_rounds_half_to_even_only_at_the_end() -> None:
    costs = (CostPoint(date(2026, 1, 2), D("0.0025")), CostPoint(date(2026, 1, 3), D("0.0025")))
    # Each cost alone would round to 0.00; their exact sum 0.005 rounds half-even to 0.00 too,
    # and 0.015 rounds half-even up to 0.02.
    assert _metrics(date(2026, 1, 3), costs=costs).ac == D("0.00")
    more = (*costs, CostPoint(date(2026, 1, 3), D("0.01")))
    assert _metrics(date(2026, 1, 3), costs=more).ac == D("0.02")
