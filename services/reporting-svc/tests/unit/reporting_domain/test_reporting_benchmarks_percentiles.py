"""Benchmarks across closed projects, worked by hand in exact decimals: the type-7 percentile,
what a closed project came to against its first baseline, groups (one below the minimum size,
completed and cancelled apart), fiscal quarters and the trend by quarter of closing.

The hand-made set (every first baseline BAC 100,000, planned 1 January to 30 June 2025):
- agile, completed: AC 90,000 / 100,000 / 105,000 / 110,000 / 120,000 / 150,000, so cost
  overrun -10, 0, 5, 10, 20, 50 %; closing 5 days early, on time, 10, 20, 30 and 90 days late;
- agile, cancelled: AC 40,000 (-60 %), cancelled on 31 March 2025 (91 days early);
- waterfall, completed (3: below the minimum of 5): 0, 30, 60 %, on time, 10 and 40 days late.

Type 7 on n sorted values: h = (n - 1) q, P = x[floor h] + (h - floor h)(x[floor h + 1] -
x[floor h]). Agile cost (n = 6): P25 at h = 1.25: 0 + 0.25 x 5 = 1.25; median at 2.5:
5 + 0.5 x 5 = 7.5; P75 at 3.75: 10 + 0.75 x 10 = 17.5; P80 at 4.0: 20. Agile slip: P25 at
1.25: 0 + 0.25 x 10 = 2.5; median 10 + 0.5 x 10 = 15; P75 20 + 0.75 x 10 = 27.5; P80 30.
Waterfall cost (n = 3): P25 at 0.5: 15; median 30; P75 at 1.5: 45; P80 at 1.6: 30 + 0.6 x 30
= 48."""

from __future__ import annotations

import statistics
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting_svc.domain.benchmarks import (
    ClosedProject,
    Distribution,
    FiscalQuarter,
    Outcome,
    OutcomeStats,
    benchmarks,
    distribution,
    fiscal_quarter,
    percentile,
    trend,
)

D = Decimal
ON = date.fromisoformat
FINISH = ON("2025-06-30")


def closed(
    ac: str,
    slip: int,
    *,
    outcome: Outcome = "completed",
    bac: str = "100000",
    start: date | None = None,
) -> ClosedProject:
    return ClosedProject(
        project_id=uuid.uuid4(),
        outcome=outcome,
        closed_on=FINISH + timedelta(days=slip),
        ac=D(ac),
        first_bac=D(bac),
        first_planned_start=ON("2025-01-01"),
        first_planned_finish=FINISH,
        actual_start=start,
    )


AGILE = [
    closed(ac, slip)
    for ac, slip in (
        ("90000", -5),
        ("100000", 0),
        ("105000", 10),
        ("110000", 20),
        ("120000", 30),
        ("150000", 90),
    )
]
AGILE_CANCELLED = [closed("40000", -91, outcome="cancelled")]
WATERFALL = [closed("100000", 0), closed("130000", 10), closed("160000", 40)]
METHODOLOGY = {
    **{p.project_id: "agile" for p in AGILE + AGILE_CANCELLED},
    **{p.project_id: "waterfall" for p in WATERFALL},
}


def test_the_percentile_interpolates_between_closest_ranks() -> None:
    values = [D(50), D(-10), D(20), D(0), D(10), D(5)]  # in any order
    assert [percentile(values, D(q)) for q in ("0", "0.25", "0.5", "0.75", "0.8", "1")] == [
        D(-10),
        D("1.25"),
        D("7.5"),
        D("17.5"),
        D(20),
        D(50),
    ]
    assert percentile([D(7)], D("0.8")) == D(7)  # one value is every percentile
    assert percentile([D(1), D(2)], D("0.5")) == D("1.5")
    with pytest.raises(ValueError, match="no values"):
        percentile([], D("0.5"))
    with pytest.raises(ValueError, match="outside"):
        percentile([D(1)], D("1.5"))


@given(
    st.lists(
        st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
        min_size=2,
        max_size=30,
    )
)
def test_the_percentile_is_pythons_inclusive_method(values: list[Decimal]) -> None:
    # statistics.quantiles(method="inclusive") is type 7 too; with Decimals it stays exact.
    quartiles = statistics.quantiles(values, n=4, method="inclusive")
    assert [percentile(values, D(q)) for q in ("0.25", "0.5", "0.75")] == quartiles
    quintiles = statistics.quantiles(values, n=5, method="inclusive")
    assert percentile(values, D("0.8")) == quintiles[3]


def test_a_closed_project_is_measured_against_its_first_baseline() -> None:
    late = closed("125000", 45, start=ON("2025-01-11"))
    assert (late.cost_ratio, late.cost_overrun_pct) == (D("1.25"), D(25))
    assert late.schedule_slip_days == 45
    # (14 August - 11 January) / (30 June - 1 January) = 215 / 180 days.
    assert late.schedule_ratio == D(215) / D(180)
    # No actual start: from the first planned start, 1 January to 1 April = 90 of 180 days.
    unstarted = closed("100000", -90)
    assert unstarted.schedule_ratio == D("0.5")
    free = closed("500", 0, bac="0")  # a first BAC of 0: no ratio, never a division by 0
    assert (free.cost_ratio, free.cost_overrun_pct) == (None, None)
    instant = ClosedProject(
        uuid.uuid4(), "completed", FINISH, D(1), D(1), FINISH, FINISH, actual_start=None
    )
    assert instant.schedule_ratio is None  # 0 planned days


def test_the_groups_of_the_hand_made_set() -> None:
    groups = benchmarks(
        AGILE + AGILE_CANCELLED + WATERFALL,
        key_of=lambda p: METHODOLOGY[p.project_id],
        minimum=5,
    )
    agile, waterfall = groups
    assert (agile.key, agile.below_minimum, waterfall.key, waterfall.below_minimum) == (
        "agile",
        False,
        "waterfall",
        True,  # shown, but marked
    )
    assert agile.completed.count == 6
    assert agile.completed.cost_overrun_pct == Distribution(
        n=6,
        minimum=D("-10.00"),
        p25=D("1.25"),
        median=D("7.50"),
        p75=D("17.50"),
        p80=D("20.00"),
        maximum=D("50.00"),
    )
    assert agile.completed.schedule_slip_days == Distribution(
        6, D("-5.00"), D("2.50"), D("15.00"), D("27.50"), D("30.00"), D("90.00")
    )
    # The cancelled project apart, not in the completed figures.
    cancelled = agile.cancelled
    assert (cancelled.count, cancelled.below_minimum) == (1, True)
    assert (cancelled.cost_overrun_pct.median, cancelled.schedule_slip_days.median) == (
        D("-60.00"),
        D("-91.00"),
    )
    w = waterfall.completed.cost_overrun_pct
    assert (w.n, w.p25, w.median, w.p75, w.p80) == (
        3,
        D("15.00"),
        D("30.00"),
        D("45.00"),
        D("48.00"),
    )
    assert waterfall.cancelled == OutcomeStats(0, True, Distribution(0), Distribution(0))


def test_figures_are_rounded_once_at_the_end() -> None:
    # AC 100,000 and 200,000 of BAC 300,000: -66.666... % and -33.333... %.
    thirds = [closed("100000", 0, bac="300000"), closed("200000", 0, bac="300000")]
    d = distribution(p.cost_overrun_pct for p in thirds if p.cost_overrun_pct is not None)
    assert (d.minimum, d.median, d.maximum) == (D("-66.67"), D("-50.00"), D("-33.33"))
    # P25 = -66.666... + 0.25 x 33.333... = -58.333...: -58.33 (from the rounded ends it would
    # be -66.67 + 0.25 x 33.34 = -58.335: -58.34).
    assert d.p25 == D("-58.33")


def test_no_projects_no_figures() -> None:
    assert distribution([]) == Distribution(0)
    assert benchmarks([], key_of=lambda p: "x", minimum=5) == []


def test_groups_come_in_the_order_asked() -> None:
    groups = benchmarks(
        AGILE + WATERFALL,
        key_of=lambda p: METHODOLOGY[p.project_id],
        minimum=1,
        order=lambda key: (0 if key == "waterfall" else 1, key, key),
    )
    assert [g.key for g in groups] == ["waterfall", "agile"]
    assert not any(g.below_minimum for g in groups)


# --- fiscal quarters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start_month", "label", "first", "last"),
    [
        ("2026-08-15", 1, "FY2026 Q3", "2026-07-01", "2026-09-30"),
        ("2026-01-01", 1, "FY2026 Q1", "2026-01-01", "2026-03-31"),
        # From April: April 2025 to March 2026 is FY2026, named by the year it ends in.
        ("2026-03-31", 4, "FY2026 Q4", "2026-01-01", "2026-03-31"),
        ("2026-04-01", 4, "FY2027 Q1", "2026-04-01", "2026-06-30"),
        ("2026-12-31", 7, "FY2027 Q2", "2026-10-01", "2026-12-31"),
        ("2024-02-29", 12, "FY2024 Q1", "2023-12-01", "2024-02-29"),
        ("2026-09-30", 10, "FY2026 Q4", "2026-07-01", "2026-09-30"),
        # The calendar's ends: the quarter is cut to the days Python has.
        ("9999-12-31", 1, "FY9999 Q4", "9999-10-01", "9999-12-31"),
        ("0001-01-01", 4, "FY1 Q4", "0001-01-01", "0001-03-31"),
        ("9999-12-31", 11, "FY10000 Q1", "9999-11-01", "9999-12-31"),
    ],
)
def test_the_fiscal_quarter_of_a_day(
    day: str, start_month: int, label: str, first: str, last: str
) -> None:
    quarter = fiscal_quarter(ON(day), start_month=start_month)
    assert (quarter.label, quarter.starts_on, quarter.ends_on) == (label, ON(first), ON(last))
    assert quarter.starts_on <= ON(day) <= quarter.ends_on


def test_a_fiscal_year_starts_in_a_month() -> None:
    with pytest.raises(ValueError, match=r"outside 1\.\.12"):
        fiscal_quarter(ON("2026-01-01"), start_month=13)


def test_the_trend_counts_and_medians_by_quarter_of_closing() -> None:
    # From April: closings on 25 June 2025 (agile -5 days) and 30 June (two, on time) fall in
    # FY2026 Q1; 10 July to 28 September in Q2; the cancellation of 31 March 2025 in FY2025 Q4.
    rows = trend(AGILE + AGILE_CANCELLED + WATERFALL, start_month=4)
    assert [r.quarter.label for r in rows] == ["FY2025 Q4", "FY2026 Q1", "FY2026 Q2"]
    q4, q1, q2 = rows
    assert (q4.completed.count, q4.cancelled.count) == (0, 1)
    assert q4.cancelled.median_cost_overrun_pct == D("-60.00")
    assert q4.completed.median_cost_overrun_pct is None
    # Q1: agile -10 % (-5 days), agile 0 % (0), waterfall 0 % (0).
    assert (q1.completed.count, q1.completed.median_cost_overrun_pct) == (3, D("0.00"))
    assert q1.completed.median_schedule_slip_days == D("0.00")
    # Q2 (July to September 2025): agile 5, 10, 20, 50 % (10, 20, 30, 90 days: 28 September),
    # waterfall 30 % (10 days), 60 % (40 days).
    assert q2.completed.count == 6
    assert q2.completed.median_cost_overrun_pct == D("25.00")  # (20 + 30) / 2
    assert q2.completed.median_schedule_slip_days == D("25.00")  # 10 10 20 30 40 90
    assert q2.quarter == FiscalQuarter(2026, 2, ON("2025-07-01"), ON("2025-09-30"))
