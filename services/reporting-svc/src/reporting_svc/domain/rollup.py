"""Roll-ups over projects: sum first, then divide (never average indices)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.exact import MONEY, RATIO, ZERO, divide, exact, rounded


@dataclass(frozen=True, slots=True)
class Rollup:
    """Totals over projects (one currency) with indices computed from the totals."""

    project_count: int
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    spi: Decimal | None
    cpi: Decimal | None


def _total(values: Iterable[Decimal | None]) -> Decimal:
    return rounded(sum((v for v in values if v is not None), ZERO), MONEY)


@exact
def rollup(items: Iterable[Metrics]) -> Rollup:
    """Sum BAC, PV, EV, AC (missing ones skipped), then SPI = ΣEV/ΣPV, CPI = ΣEV/ΣAC."""
    metrics = list(items)
    # Dividing the sums weighs each project by its size; averaging indices would not.
    bac, pv = _total(m.bac for m in metrics), _total(m.pv for m in metrics)
    ev, ac = _total(m.ev for m in metrics), _total(m.ac for m in metrics)
    spi, cpi = rounded(divide(ev, pv), RATIO), rounded(divide(ev, ac), RATIO)
    return Rollup(len(metrics), bac=bac, pv=pv, ev=ev, ac=ac, spi=spi, cpi=cpi)


@exact
def risk_exposure(risks: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ probability * impact over (probability, impact) pairs, to 0.01."""
    return rounded(sum((p * impact for p, impact in risks), ZERO), MONEY)
