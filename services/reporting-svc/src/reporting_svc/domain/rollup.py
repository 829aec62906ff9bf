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
    return rollup_of_totals(
        len(metrics),
        bac=_total((m.bac for m in measured), money),
        pv=_total((m.pv for m in measured), money),
        ev=_total((m.ev for m in measured), money),
        ac=_total((m.ac for m in measured), money),
        unbaselined_count=len(apart),
        unbaselined_ac=_total(apart, money),
    )


@exact
def rollup_of_totals(
    project_count: int,
    *,
    bac: Decimal | None,
    pv: Decimal | None,
    ev: Decimal | None,
    ac: Decimal | None,
    unbaselined_count: int,
    unbaselined_ac: Decimal | None,
) -> Rollup:
    """The roll-up of totals already summed and rounded (`rollup`'s, or the same sums made
    elsewhere): SPI = ΣEV/ΣPV, CPI = ΣEV/ΣAC."""
    return Rollup(
        project_count,
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        spi=_ratio(ev, pv),
        cpi=_ratio(ev, ac),
        unbaselined_count=unbaselined_count,
        unbaselined_ac=unbaselined_ac,
    )


def exact_sum(total: Decimal | None, magnitude: Decimal | None, money: Decimal) -> bool:
    """Whether a sum of figures rounded to `money` whose magnitudes add up to `magnitude`
    is the one `rollup` makes: every running sum then fits its 28 significant digits."""
    if magnitude is None or magnitude == 0:
        return True
    exponent = money.as_tuple().exponent
    assert isinstance(exponent, int)
    return total is not None and magnitude.adjusted() - exponent < 28


@exact
def total_of(value: Decimal | None, money: Decimal) -> Decimal | None:
    """A sum made elsewhere (None: of nothing) as `rollup` shows it: rounded to `money`."""
    return rounded(computed(lambda: ZERO + (value if value is not None else ZERO)), money)


@exact
def risk_exposure(risks: Iterable[tuple[Decimal, Decimal]], *, money: Decimal) -> Decimal | None:
    """Σ probability * impact over (probability, impact) pairs, rounded to `money` (the
    currency's smallest unit; None if it cannot be computed)."""
    pairs = list(risks)
    return rounded(computed(lambda: sum((p * impact for p, impact in pairs), ZERO)), money)
