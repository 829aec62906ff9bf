"""reporting-svc shows every amount as the canonical string of the project's currency: figures
rounded once, half-even, to its ISO 4217 minor unit (EUR 2, JPY 0, BHD 3) and written with
exactly that exponent; ratios and percentages keep their own scale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from pmo_shared.domain.values import money_quantum
from reporting_svc.api.reports import metrics_read, shown
from reporting_svc.application.reports import project_report
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.domain.rollup import rollup

MONEY = ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "eac_atypical", "etc", "vac", "risk_exposure")


def _row(currency: str, *, bac: str, costs: list[str], impact: str = "0") -> Any:
    return SimpleNamespace(
        project_id=uuid4(),
        code="M-1",
        name="Money",
        manager="pm-ann",
        currency=currency,
        status="active",
        baseline={"bac": bac, "start": "2026-01-01", "finish": "2026-04-11", "points": []},
        progress=[("2026-02-20", "40")],
        costs=[("2026-02-01", amount) for amount in costs],
        open_risks=[("0.5", impact)],
        milestones={"total": 0, "achieved": 0, "due": 0, "overdue": 0},
        ended_on=None,
    )


def _body(row: Any) -> dict[str, Any]:
    report = project_report(
        row,
        at=date(2026, 2, 20),
        known_at=datetime(2026, 3, 1, tzinfo=UTC),
        thresholds=HealthThresholds(),
        manager=row.manager,
    )
    return metrics_read(report).model_dump(mode="json")


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def test_every_amount_has_exactly_the_currencys_exponent() -> None:
    for currency, exponent in (("EUR", 2), ("JPY", 0), ("BHD", 3)):
        body = _body(_row(currency, bac="100000", costs=["33333"], impact="1001"))
        assert {name: _decimals(body[name]) for name in MONEY} == dict.fromkeys(MONEY, exponent)
    jpy = _body(_row("JPY", bac="100000", costs=["33333"], impact="1001"))
    assert (jpy["bac"], jpy["ac"], jpy["risk_exposure"]) == ("100000", "33333", "500")  # 500.5
    bhd = _body(_row("BHD", bac="100000", costs=["1.25"], impact="0.125"))
    assert (bhd["bac"], bhd["ac"], bhd["risk_exposure"]) == ("100000.000", "1.250", "0.062")


def test_stored_amounts_with_four_decimals_are_rounded_once_half_even() -> None:
    # Events recorded before the rule keep what they hold; the sum is rounded, not each cost.
    body = _body(_row("EUR", bac="2500000.0000", costs=["0.0050", "0.0100"]))
    assert (body["bac"], body["ac"]) == ("2500000.00", "0.02")  # 0.0150 -> 0.02
    assert _body(_row("EUR", bac="1", costs=["0.0050"]))["ac"] == "0.00"  # 0.005 -> even 0.00


def test_ratios_and_percentages_are_not_money() -> None:
    body = _body(_row("JPY", bac="100000", costs=["33333"]))
    assert (body["spi"], body["cpi"], body["percent_complete"]) == ("0.8000", "1.2000", "40.00")


def test_the_overview_totals_are_summed_per_currency_at_its_exponent() -> None:
    rows = [_row("BHD", bac="1000.125", costs=["0.001"]), _row("BHD", bac="0.001", costs=[])]
    reports = [
        project_report(
            r,
            at=date(2026, 2, 20),
            known_at=datetime.now(UTC),
            thresholds=HealthThresholds(),
            manager=r.manager,
        )
        for r in rows
    ]
    totals = rollup([r.metrics for r in reports], money=money_quantum("BHD"))
    assert (shown(totals.bac, "BHD"), shown(totals.ac, "BHD")) == ("1000.126", "0.001")
    assert shown(Decimal(0), "JPY") == "0"
    assert shown(None, "EUR") is None
