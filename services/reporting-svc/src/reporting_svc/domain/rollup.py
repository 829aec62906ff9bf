"""Roll-ups over projects: sum first, then divide (never average indices)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.exact import RATIO, ZERO, computed, divide, exact, rounded


@dataclass(frozen=True, slots=True)
class Rollup:
    """Totals over projects (one currency) with indices computed from the totals."""

    project_count: int
    bac: Decimal | None
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None


def _total(values: Iterable[Decimal | None], money: Decimal) -> Decimal | None:
    # A sum too large to be computed or shown is None, like any figure that cannot be given.
    known = [v for v in values if v is not None]
    return rounded(computed(lambda: sum(known, ZERO)), money)


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None:
        return None
    return rounded(computed(lambda: divide(numerator, denominator)), RATIO)


@exact
def rollup(items: Iterable[Metrics], *, money: Decimal) -> Rollup:
    """Sum BAC, PV, EV, AC of one currency (missing ones skipped) to `money`, its smallest
    unit, then SPI = ΣEV/ΣPV, CPI = ΣEV/ΣAC. The totals add up the figures as shown."""
    metrics = list(items)
    # Dividing the sums weighs each project by its size; averaging indices would not.
    bac, pv = _total((m.bac for m in metrics), money), _total((m.pv for m in metrics), money)
    ev, ac = _total((m.ev for m in metrics), money), _total((m.ac for m in metrics), money)
    spi, cpi = _ratio(ev, pv), _ratio(ev, ac)
    return Rollup(len(metrics), bac=bac, pv=pv, ev=ev, ac=ac, spi=spi, cpi=cpi)


@exact
def risk_exposure(risks: Iterable[tuple[Decimal, Decimal]], *, money: Decimal) -> Decimal | None:
    """Σ probability * impact over (probability, impact) pairs, rounded to `money` (the
    currency's smallest unit; None if it cannot be computed)."""
    pairs = list(risks)
    return rounded(computed(lambda: sum((p * impact for p, impact in pairs), ZERO)), money)
