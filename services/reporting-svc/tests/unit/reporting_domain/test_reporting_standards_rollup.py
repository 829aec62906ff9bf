"""Roll-ups count a project without a baseline apart: it has no PV nor EV, so its AC must not
enter the ΣAC that CPI = ΣEV/ΣAC divides by (it would make every portfolio look over budget);
its spend is shown on its own (`unbaselined_ac`), never hidden."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.health import Health, HealthThresholds, Rag
from reporting_svc.domain.program_rollup import performance
from reporting_svc.domain.rollup import rollup

D = Decimal
CENT = D("0.01")
DAY = date(2026, 3, 31)


def measured(*, bac: str, pv: str, ev: str, ac: str) -> Metrics:
    return Metrics(
        as_of=DAY,
        bac=D(bac),
        pv=D(pv),
        ev=D(ev),
        ac=D(ac),
        percent_complete=D("0.00"),
        health=Health(None, None, None),
    )


def unbaselined(ac: str) -> Metrics:
    """What the EVM gives for a project without a baseline: AC and percent only."""
    return Metrics(as_of=DAY, ac=D(ac), percent_complete=D("0.00"), health=Health(None, None, None))


def test_given_a_project_without_a_baseline_when_rolled_up_then_its_ac_is_not_in_cpi() -> None:
    on_budget = measured(bac="1000", pv="500", ev="500", ac="500")  # CPI 1.0
    total = rollup([on_budget, unbaselined("300")], money=CENT)
    assert total.cpi == D("1.0000")  # 500 / 500, not 500 / 800
    assert (total.bac, total.pv, total.ev, total.ac) == (D(1000), D(500), D(500), D(500))
    assert (total.unbaselined_ac, total.unbaselined_count) == (D("300.00"), 1)
    assert total.project_count == 2


def test_given_only_unbaselined_projects_then_no_index_and_all_spend_apart() -> None:
    total = rollup([unbaselined("120.50"), unbaselined("79.50")], money=CENT)
    assert (total.ac, total.ev, total.spi, total.cpi) == (D("0.00"), D("0.00"), None, None)
    assert (total.unbaselined_ac, total.unbaselined_count, total.project_count) == (
        D("200.00"),
        2,
        2,
    )


def test_given_no_unbaselined_project_then_nothing_is_apart() -> None:
    total = rollup([measured(bac="100", pv="50", ev="40", ac="50")], money=CENT)
    assert (total.unbaselined_ac, total.unbaselined_count) == (D("0.00"), 0)


def test_a_program_member_without_a_baseline_does_not_turn_its_cost_health_red() -> None:
    on_budget = measured(bac="1000", pv="500", ev="500", ac="500")
    program = performance(
        [on_budget, unbaselined("300")], thresholds=HealthThresholds(), money=CENT
    )
    assert (program.totals.cpi, program.cv) == (D("1.0000"), D("0.00"))
    assert program.health == Health(Rag.GREEN, Rag.GREEN, Rag.GREEN)
    assert program.totals.unbaselined_ac == D("300.00")
