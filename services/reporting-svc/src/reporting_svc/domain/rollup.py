"""Roll-ups over projects: sum first, then divide (never average indices). A project without a
baseline (no BAC: no PV nor EV either) is measured apart: its AC would lower CPI = ΣEV/ΣAC with
no EV to set against it, so it is summed on its own (`unbaselined_ac`) and no spend is hidden."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.exact import RATIO, ZERO, computed, divide, exact, rounded


@dataclass(frozen=True, slots=True)
class Rollup:
    """Totals over projects (one currency) with indices computed from the totals: BAC, PV,
    EV, AC over the projects with a baseline; the AC of those without one apart."""

    project_count: int
    bac: Decimal | None
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    unbaselined_count: int = 0
    unbaselined_ac: Decimal | None = ZERO


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
    unit, over the projects with a baseline (a BAC), then SPI = ΣEV/ΣPV, CPI = ΣEV/ΣAC; the
    AC of the others summed apart. The totals add up the figures as shown."""
    metrics = list(items)
    measured = [m for m in metrics if m.bac is not None]
    apart = [m.ac for m in metrics if m.bac is None]
    # Dividing the sums weighs each project by its size; averaging indices would not.
    bac, pv = _total((m.bac for m in measured), money), _total((m.pv for m in measured), money)
    ev, ac = _total((m.ev for m in measured), money), _total((m.ac for m in measured), money)
    spi, cpi = _ratio(ev, pv), _ratio(ev, ac)
    return Rollup(
        len(metrics),
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        spi=spi,
        cpi=cpi,
        unbaselined_count=len(apart),
        unbaselined_ac=_total(apart, money),
    )


@exact
def risk_exposure(risks: Iterable[tuple[Decimal, Decimal]], *, money: Decimal) -> Decimal | None:
    """Σ probability * impact over (probability, impact) pairs, rounded to `money` (the
    currency's smallest unit; None if it cannot be computed)."""
    pairs = list(risks)
    return rounded(computed(lambda: sum((p * impact for p, impact in pairs), ZERO)), money)
