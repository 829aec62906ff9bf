"""A portfolio's roll-up by hand: the fact in force (latest by date, then version); a
component's value Σ weight x score with every term, exact, and none when a score is missing;
decision statuses and health counted per component; a project counted once, through its
program; the budget's coverage of each objective."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.health import Health, HealthThresholds, Rag
from reporting_svc.domain.portfolio_rollup import (
    Dated,
    Funded,
    Score,
    counted_through,
    coverage,
    decision_counts,
    decision_status,
    health_distribution,
    latest,
    program_figures,
    project_figures,
    valuation,
)
from reporting_svc.domain.program_rollup import performance

D = Decimal
CENT = D("0.01")
WEIGHTS = (("growth", D("0.6")), ("cost", D("0.4")))


def test_the_fact_in_force_is_the_latest_by_date_then_by_version() -> None:
    facts = [
        Dated(date(2026, 3, 1), 4, "March"),
        Dated(date(2026, 1, 1), 9, "January, recorded later"),
        Dated(date(2026, 3, 1), 7, "March, the later of the day"),
    ]
    assert latest(facts) == "March, the later of the day"
    assert latest(facts[1:2]) == "January, recorded later"
    assert latest([]) is None


def test_the_value_is_the_sum_of_weight_times_score_with_every_term() -> None:
    scores = {
        "cost": Score(D("2.5"), "saves licences"),
        "growth": Score(D(5), "new market"),
        "retired": Score(D(4), "an objective no longer weighted"),
    }
    v = valuation(WEIGHTS, scores)
    assert v.value == D("4.0")  # 0.6 x 5 + 0.4 x 2.5
    assert [(t.objective, t.weight, t.score, t.product, t.rationale) for t in v.terms] == [
        ("growth", D("0.6"), D(5), D("3.0"), "new market"),
        ("cost", D("0.4"), D("2.5"), D("1.00"), "saves licences"),
    ]
    assert v.missing == ()


def test_a_missing_score_is_never_taken_as_zero() -> None:
    v = valuation(WEIGHTS, {"growth": Score(D(5), "")})
    assert (v.value, v.missing) == (None, ("cost",))
    assert [t.product for t in v.terms] == [D("3.0"), None]
    assert valuation(None, {"growth": Score(D(5), "")}) == valuation(None, {})
    assert valuation(None, {}).value is None


def test_values_stay_exact_beyond_28_digits() -> None:
    third = D(1) / D(3)  # 28 significant digits
    weights = (("a", third), ("b", third), ("c", third))
    v = valuation(weights, dict.fromkeys("abc", Score(D("4.5"), "")))
    # Each product has 30 digits and their sum 30: at 28 digits it would be 4.500...0.
    assert [t.product for t in v.terms] == [D("1.49999999999999999999999999985")] * 3
    assert v.value == D("4.49999999999999999999999999955")


def test_decision_statuses_and_their_counts() -> None:
    assert [decision_status(d) for d in ("approve", "defer", "terminate", None)] == [
        "approved",
        "deferred",
        "terminated",
        "undecided",
    ]
    assert decision_status("escalate") == "escalate"  # a new one, as published
    assert decision_counts(["approved", "approved", "undecided", "escalate"]) == {
        "approved": 2,
        "deferred": 0,
        "terminated": 0,
        "undecided": 1,
        "escalate": 1,
    }


def test_health_is_counted_per_component() -> None:
    assert health_distribution([Rag.RED, None, Rag.GREEN, Rag.RED]) == {
        "red": 2,
        "amber": 0,
        "green": 1,
        "none": 1,
    }


def test_a_project_counts_once_through_its_program() -> None:
    program, other, shared, alone, member = (uuid4() for _ in range(5))
    through = counted_through({program: [shared, member], other: [shared]}, [shared, alone])
    assert through == {shared: program, member: program, alone: alone}


def _metrics(bac: str, pv: str, ev: str, ac: str) -> Metrics:
    return Metrics(
        as_of=date(2026, 3, 31),
        bac=D(bac),
        pv=D(pv),
        ev=D(ev),
        ac=D(ac),
        spi=D(ev) / D(pv),
        cpi=D(ev) / D(ac),
        percent_complete=D(0),
        health=Health(Rag.RED, Rag.RED, Rag.RED),
    )


def test_figures_of_a_project_are_its_own_and_of_a_program_its_sums() -> None:
    p1, p2 = _metrics("400", "200", "100", "150"), _metrics("100", "50", "60", "40")
    program = program_figures(performance([p1, p2], thresholds=HealthThresholds(), money=CENT))
    assert (program.bac, program.pv, program.ev, program.ac) == (
        D("500.00"),
        D("250.00"),
        D("160.00"),
        D("190.00"),
    )
    assert (program.spi, program.cpi, program.health.overall) == (D("0.6400"), D("0.8421"), Rag.RED)
    assert project_figures(p2).spi == D("1.2")
    unknown = project_figures(None)
    assert (unknown.bac, unknown.spi, unknown.health.overall) == (None, None, None)


def test_budget_coverage_of_each_objective() -> None:
    a, b = uuid4(), uuid4()
    approved = [
        Funded(a, D("400"), {"growth": D(5), "cost": D("2.5")}),  # 400 to growth, 200 to cost
        Funded(b, D("300"), {"growth": D(2)}),  # 120 to growth, unscored on cost
    ]
    growth, cost = coverage(WEIGHTS, budget=D("1000"), approved=approved, money=CENT)
    assert (growth.objective, growth.share, growth.funded, growth.coverage, growth.gap) == (
        "growth",
        D("600.00"),
        D("520.00"),
        D("0.8667"),
        D("80.00"),
    )
    assert growth.unscored == ()
    assert (cost.share, cost.funded, cost.coverage, cost.gap, cost.unscored) == (
        D("400.00"),
        D("200.00"),
        D("0.5000"),
        D("200.00"),
        (b,),
    )


def test_coverage_without_budget_weights_or_share() -> None:
    a = uuid4()
    funded = [Funded(a, D("100"), {"growth": D(5)})]
    [growth, _] = coverage(WEIGHTS, budget=None, approved=funded, money=CENT)
    assert (growth.share, growth.funded, growth.coverage, growth.gap) == (
        None,
        D("100.00"),
        None,
        None,
    )
    assert coverage(None, budget=D(10), approved=funded, money=CENT) == ()
    [zero] = coverage((("growth", D(1)),), budget=D(0), approved=funded, money=CENT)
    assert (zero.share, zero.coverage, zero.gap) == (D("0.00"), None, D("-100.00"))
    [none] = coverage((("growth", D(1)),), budget=D(50), approved=[], money=CENT)
    assert (none.funded, none.coverage) == (D("0.00"), D("0.0000"))
