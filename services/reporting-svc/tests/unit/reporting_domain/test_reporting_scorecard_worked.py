"""The closure scorecard worked by hand on two projects, at closing and at a status date while
each ran (every figure below is computed in the comments, not by the code under test).

Project A (EUR), over budget and late, re-baselined once:
  baseline 1: BAC 100,000, 2026-01-01 -> 2026-04-11 (100 days), effective 2026-01-01
  baseline 2: BAC 120,000, 2026-01-01 -> 2026-05-21 (140 days), effective 2026-03-01
  started 2026-01-01; progress 30 % on 02-20, 60 % on 04-01, 100 % on 06-10
  costs 20,000 (01-31), 25,000 (02-28), 30,000 (03-31), 40,000 (05-31), 15,000 (06-10)
  milestones: due 02-15 achieved 02-14; due 04-01 achieved 04-20; due 05-15 achieved
  06-10; due 06-30 never achieved
  risks: raised 01-10 materialised 03-15; raised 02-01 mitigated 05-01; raised 05-20 open;
  raised 06-20 (after the closing)
  completed 2026-06-10

Project B (USD), early and under budget, one baseline:
  baseline 1: BAC 200,000, 2026-02-01 -> 2026-07-01 (150 days), effective 2026-01-20
  started 2026-02-01; progress 50 % on 03-31, 100 % on 05-31
  costs 40,000 (02-28), 50,000 (03-31), 70,000 (05-31)
  milestones: due 03-15 achieved 03-10; due 06-15 achieved 05-31 (before it was due)
  risks: raised 02-05 avoided 03-01; raised 03-10 expired 05-31
  completed 2026-05-31
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reporting_svc.domain import scorecard as sc
from reporting_svc.domain.benefits import BenefitSummary
from reporting_svc.domain.evm import CostPoint, ProgressPoint
from reporting_svc.domain.health import HealthThresholds, Rag

D = date.fromisoformat
CENT = Decimal("0.01")
THRESHOLDS = HealthThresholds()  # green at 0.95, amber at 0.85

A = sc.ProjectHistory(
    closed_as="completed",
    closed_on=D("2026-06-10"),
    actual_start=D("2026-01-01"),
    baselines=(
        sc.BaselineFact(1, Decimal(100000), D("2026-01-01"), D("2026-04-11"), D("2026-01-01")),
        sc.BaselineFact(2, Decimal(120000), D("2026-01-01"), D("2026-05-21"), D("2026-03-01")),
    ),
    progress=(
        ProgressPoint(D("2026-02-20"), Decimal(30)),
        ProgressPoint(D("2026-04-01"), Decimal(60)),
        ProgressPoint(D("2026-06-10"), Decimal(100)),
    ),
    costs=(
        CostPoint(D("2026-01-31"), Decimal(20000)),
        CostPoint(D("2026-02-28"), Decimal(25000)),
        CostPoint(D("2026-03-31"), Decimal(30000)),
        CostPoint(D("2026-05-31"), Decimal(40000)),
        CostPoint(D("2026-06-10"), Decimal(15000)),
    ),
    milestones=(
        sc.MilestoneFact(D("2026-02-15"), D("2026-02-14")),
        sc.MilestoneFact(D("2026-04-01"), D("2026-04-20")),
        sc.MilestoneFact(D("2026-05-15"), D("2026-06-10")),
        sc.MilestoneFact(D("2026-06-30"), None),
    ),
    risks=(
        sc.RiskFact(D("2026-01-10"), D("2026-03-15"), "materialised"),
        sc.RiskFact(D("2026-02-01"), D("2026-05-01"), "mitigated"),
        sc.RiskFact(D("2026-05-20"), None, None),
        sc.RiskFact(D("2026-06-20"), None, None),
    ),
)

B = sc.ProjectHistory(
    closed_as="completed",
    closed_on=D("2026-05-31"),
    actual_start=D("2026-02-01"),
    baselines=(
        sc.BaselineFact(1, Decimal(200000), D("2026-02-01"), D("2026-07-01"), D("2026-01-20")),
    ),
    progress=(
        ProgressPoint(D("2026-03-31"), Decimal(50)),
        ProgressPoint(D("2026-05-31"), Decimal(100)),
    ),
    costs=(
        CostPoint(D("2026-02-28"), Decimal(40000)),
        CostPoint(D("2026-03-31"), Decimal(50000)),
        CostPoint(D("2026-05-31"), Decimal(70000)),
    ),
    milestones=(
        sc.MilestoneFact(D("2026-03-15"), D("2026-03-10")),
        sc.MilestoneFact(D("2026-06-15"), D("2026-05-31")),
    ),
    risks=(
        sc.RiskFact(D("2026-02-05"), D("2026-03-01"), "avoided"),
        sc.RiskFact(D("2026-03-10"), D("2026-05-31"), "expired"),
    ),
)

PROGRAM_BENEFITS = BenefitSummary(
    planned=2, reported=2, at_target=1, at_target_share=Decimal("0.5"), mean_percent=Decimal(75)
)


def test_project_a_at_its_closing_over_budget_and_late() -> None:
    card = sc.scorecard(
        A,
        as_of=D("2026-06-10"),
        thresholds=THRESHOLDS,
        money=CENT,
        offices=[sc.OfficeFact(reports_expected=5, reports_published=4, overdue=False)],
        benefits=PROGRAM_BENEFITS,
        lessons=2,
    )
    assert (card.closed, card.closed_as, card.closed_on) == (True, "completed", D("2026-06-10"))
    assert card.evaluated_on == D("2026-06-10")
    assert card.rebaselines == 1  # baseline 2 took effect 03-01
    # against baseline 2: PV = BAC = 120,000 (past its finish), EV = 100 % x 120,000,
    # AC = 130,000: SPI 1, CPI 120/130 = 0.923076... (amber)
    p = card.performance
    assert (p.spi, p.cpi, p.percent_complete) == (
        Decimal("1.0000"),
        Decimal("0.9231"),
        Decimal("100.00"),
    )
    assert (p.health.schedule, p.health.cost, p.health.overall) == (
        Rag.GREEN,
        Rag.AMBER,
        Rag.AMBER,
    )
    c = card.cost
    assert (c.ac, c.bac_first, c.bac_last) == (
        Decimal("130000.00"),
        Decimal(100000),
        Decimal(120000),
    )
    # (130 - 100) / 100 = 30 %; (130 - 120) / 120 = 8.333... %
    assert (c.variance_pct_vs_first, c.variance_pct_vs_last) == (Decimal("30.00"), Decimal("8.33"))
    assert (c.cost_at_completion, c.cost_at_completion_basis) == (Decimal("130000.00"), "actual")
    assert (c.forecast_variance_pct_vs_first, c.forecast_variance_pct_vs_last) == (
        Decimal("30.00"),
        Decimal("8.33"),
    )
    assert c.overrun_ratio == Decimal("1.3000")
    s = card.schedule
    assert (s.finish, s.finish_basis) == (D("2026-06-10"), "actual")
    assert (s.planned_finish_first, s.planned_finish_last) == (D("2026-04-11"), D("2026-05-21"))
    # 04-11 -> 06-10: 19 + 31 + 10 = 60 days; 05-21 -> 06-10: 10 + 10 = 20 days
    assert (s.slip_days_vs_first, s.slip_days_vs_last) == (60, 20)
    # (06-10 - 01-01 = 160 days) / 100 planned days
    assert s.schedule_ratio == Decimal("1.6000")
    # three counted (the one due 06-30 was neither due nor achieved): one on time, two late
    m = card.milestones
    assert (m.counted, m.on_time, m.late, m.missed) == (3, 1, 2, 0)
    assert m.on_time_percent == Decimal("33.33")
    r = card.risks
    assert (r.raised, r.materialised, r.open) == (3, 1, 1)  # the one of 06-20 came after
    assert r.by_outcome == {"materialised": 1, "mitigated": 1}
    assert card.office == sc.OfficeScore(1, 5, 4, False, Decimal("80.00"))
    assert card.benefits == sc.BenefitScore(2, 2, 1, Decimal(75))
    assert card.lessons == 2


def test_project_a_is_final_at_any_later_status_date() -> None:
    at_closing = sc.scorecard(A, as_of=D("2026-06-10"), thresholds=THRESHOLDS, money=CENT)
    later = sc.scorecard(A, as_of=D("2026-09-30"), thresholds=THRESHOLDS, money=CENT)
    assert later.as_of == D("2026-09-30")
    assert later.evaluated_on == D("2026-06-10")
    fields = ("performance", "cost", "schedule", "milestones", "risks", "rebaselines")
    for name in fields:
        assert getattr(later, name) == getattr(at_closing, name), name


def test_project_a_while_it_ran_on_april_first() -> None:
    card = sc.scorecard(A, as_of=D("2026-04-01"), thresholds=THRESHOLDS, money=CENT)
    assert (card.closed, card.closed_as, card.closed_on) == (False, None, None)
    assert card.evaluated_on == D("2026-04-01")
    assert card.rebaselines == 1
    # against baseline 2: PV = 120,000 x 90/140 = 77,142.857..., EV = 60 % = 72,000,
    # AC = 75,000: SPI = 84/90 = 0.9333 (amber), CPI = 0.96 (green)
    p = card.performance
    assert (p.spi, p.cpi, p.percent_complete) == (
        Decimal("0.9333"),
        Decimal("0.9600"),
        Decimal("60.00"),
    )
    assert p.health.overall == Rag.AMBER
    c = card.cost
    assert c.ac == Decimal("75000.00")
    # spend to date: (75 - 100) / 100 = -25 %, (75 - 120) / 120 = -37.5 %
    assert (c.variance_pct_vs_first, c.variance_pct_vs_last) == (
        Decimal("-25.00"),
        Decimal("-37.50"),
    )
    # EAC = BAC / CPI = 120,000 x 75,000 / 72,000 = 125,000
    assert (c.cost_at_completion, c.cost_at_completion_basis) == (
        Decimal("125000.00"),
        "eac-forecast",
    )
    # (125 - 100) / 100 = 25 %, (125 - 120) / 120 = 4.1666... %
    assert (c.forecast_variance_pct_vs_first, c.forecast_variance_pct_vs_last) == (
        Decimal("25.00"),
        Decimal("4.17"),
    )
    assert c.overrun_ratio == Decimal("1.2500")
    # 140 planned days / SPI (84/90) = 150 days from 01-01: 05-31
    s = card.schedule
    assert (s.finish, s.finish_basis) == (D("2026-05-31"), "spi-forecast")
    assert (s.slip_days_vs_first, s.slip_days_vs_last) == (50, 10)  # vs 04-11 and 05-21
    assert s.schedule_ratio == Decimal("1.5000")  # 150 / 100
    # due by 04-01: the one of 02-15 (on time) and the one of 04-01, not achieved that day
    m = card.milestones
    assert (m.counted, m.on_time, m.late, m.missed, m.on_time_percent) == (
        2,
        1,
        0,
        1,
        Decimal("50.00"),
    )
    r = card.risks
    assert (r.raised, r.materialised, r.open, r.by_outcome) == (2, 1, 1, {"materialised": 1})
    assert (card.office, card.benefits, card.lessons) == (None, None, 0)


def test_project_a_before_its_re_baseline_measures_against_the_first() -> None:
    card = sc.scorecard(A, as_of=D("2026-02-20"), thresholds=THRESHOLDS, money=CENT)
    assert card.rebaselines == 0
    # baseline 1: PV = 100,000 x 50/100 = 50,000, EV = 30,000, AC = 20,000 (by 02-20)
    assert (card.performance.spi, card.performance.cpi) == (Decimal("0.6000"), Decimal("1.5000"))
    assert card.cost.bac_last == card.cost.bac_first == 100000
    # EAC = 100,000 x 20,000 / 30,000 = 66,666.666...
    assert card.cost.cost_at_completion == Decimal("66666.67")
    # 100 days / 0.6 = 166.67, rounded up: 167 days from 01-01 = 06-17
    assert (card.schedule.finish, card.schedule.slip_days_vs_first) == (D("2026-06-17"), 67)


def test_project_b_at_its_closing_early_and_under_budget() -> None:
    card = sc.scorecard(B, as_of=D("2026-05-31"), thresholds=THRESHOLDS, money=CENT, lessons=1)
    assert (card.closed, card.evaluated_on, card.rebaselines) == (True, D("2026-05-31"), 0)
    # PV = 200,000 x 119/150 = 158,666.67, EV = 200,000, AC = 160,000:
    # SPI = 150/119 = 1.260504..., CPI = 1.25
    p = card.performance
    assert (p.spi, p.cpi) == (Decimal("1.2605"), Decimal("1.2500"))
    assert p.health.overall == Rag.GREEN
    c = card.cost
    assert (c.ac, c.variance_pct_vs_first, c.variance_pct_vs_last) == (
        Decimal("160000.00"),
        Decimal("-20.00"),
        Decimal("-20.00"),
    )
    assert (c.cost_at_completion, c.overrun_ratio) == (Decimal("160000.00"), Decimal("0.8000"))
    s = card.schedule
    # 05-31 is 31 days before 07-01; (05-31 - 02-01 = 119) / 150 = 0.79333...
    assert (s.finish, s.slip_days_vs_first, s.slip_days_vs_last) == (D("2026-05-31"), -31, -31)
    assert s.schedule_ratio == Decimal("0.7933")
    # the one due 06-15 was achieved before the closing: it counts, on time
    m = card.milestones
    assert (m.counted, m.on_time, m.late, m.missed, m.on_time_percent) == (
        2,
        2,
        0,
        0,
        Decimal("100.00"),
    )
    r = card.risks
    assert (r.raised, r.materialised, r.open) == (2, 0, 0)
    assert r.by_outcome == {"avoided": 1, "expired": 1}
    assert (card.office, card.benefits, card.lessons) == (None, None, 1)


def test_project_b_while_it_ran_on_march_31() -> None:
    card = sc.scorecard(B, as_of=D("2026-03-31"), thresholds=THRESHOLDS, money=CENT)
    assert (card.closed, card.evaluated_on) == (False, D("2026-03-31"))
    # PV = 200,000 x 58/150 = 77,333.33, EV = 100,000, AC = 90,000:
    # SPI = 150/116 = 1.293103..., CPI = 1.1111
    p = card.performance
    assert (p.spi, p.cpi, p.percent_complete) == (
        Decimal("1.2931"),
        Decimal("1.1111"),
        Decimal("50.00"),
    )
    c = card.cost
    assert (c.ac, c.variance_pct_vs_first) == (Decimal("90000.00"), Decimal("-55.00"))
    # EAC = 200,000 x 90,000 / 100,000 = 180,000: -10 % against the one baseline
    assert (c.cost_at_completion, c.forecast_variance_pct_vs_first) == (
        Decimal("180000.00"),
        Decimal("-10.00"),
    )
    assert c.overrun_ratio == Decimal("0.9000")
    # 150 days / (150/116) = 116 days exactly (not 117) from 02-01: 05-28, 34 days early
    s = card.schedule
    assert (s.finish, s.finish_basis) == (D("2026-05-28"), "spi-forecast")
    assert (s.slip_days_vs_first, s.slip_days_vs_last) == (-34, -34)
    assert s.schedule_ratio == Decimal("0.7733")  # 116 / 150
    m = card.milestones
    assert (m.counted, m.on_time, m.missed) == (1, 1, 0)  # 06-15 neither due nor achieved
    r = card.risks
    assert (r.raised, r.materialised, r.open, r.by_outcome) == (2, 0, 1, {"avoided": 1})


def test_a_running_project_without_an_spi_keeps_its_plan_until_it_is_past() -> None:
    idle = sc.ProjectHistory(
        closed_as=None,
        closed_on=None,
        actual_start=None,
        baselines=(
            sc.BaselineFact(1, Decimal(1000), D("2026-03-01"), D("2026-03-31"), D("2026-02-01")),
        ),
        progress=(),
        costs=(),
    )
    before = sc.scorecard(idle, as_of=D("2026-02-15"), thresholds=THRESHOLDS, money=CENT)
    # PV 0 before the planned start: no SPI; the plan still holds
    assert (before.schedule.finish, before.schedule.finish_basis) == (D("2026-03-31"), "planned")
    assert before.schedule.slip_days_vs_first == 0
    assert before.cost.cost_at_completion is None  # no CPI without any cost
    after = sc.scorecard(idle, as_of=D("2026-04-10"), thresholds=THRESHOLDS, money=CENT)
    # SPI = 0 / 1000: no forecast; still running 10 days past its planned finish
    assert (after.schedule.finish, after.schedule.finish_basis) == (D("2026-04-10"), "status-date")
    assert after.schedule.slip_days_vs_first == 10
    assert after.schedule.schedule_ratio == Decimal("1.3333")  # (04-10 - 03-01) / 30


def test_a_project_without_a_baseline_has_only_its_spend() -> None:
    bare = sc.ProjectHistory(
        closed_as="cancelled",
        closed_on=D("2026-03-01"),
        actual_start=None,
        baselines=(),
        progress=(),
        costs=(CostPoint(D("2026-02-01"), Decimal("10.50")),),
    )
    card = sc.scorecard(bare, as_of=D("2026-04-01"), thresholds=THRESHOLDS, money=CENT)
    assert (card.closed, card.closed_as, card.evaluated_on) == (True, "cancelled", D("2026-03-01"))
    assert card.cost.ac == Decimal("10.50")
    assert card.cost.variance_pct_vs_first is None
    assert card.cost.overrun_ratio is None
    assert card.schedule.finish == D("2026-03-01")
    assert card.schedule.slip_days_vs_first is None
    assert card.schedule.schedule_ratio is None
    assert card.performance.spi is None
    assert card.milestones.on_time_percent is None


def test_office_compliance_is_capped_and_none_without_expectation() -> None:
    assert sc.office_score([]) is None
    # one office's extra reports make up for no other's missing ones: (2 + 1) / (2 + 4)
    busy = sc.office_score([sc.OfficeFact(2, 5, False), sc.OfficeFact(4, 1, True)])
    assert busy == sc.OfficeScore(2, 6, 6, True, Decimal("50.00"))
    fresh = sc.office_score([sc.OfficeFact(0, 0, False)])
    assert fresh is not None
    assert fresh.compliance_percent is None
