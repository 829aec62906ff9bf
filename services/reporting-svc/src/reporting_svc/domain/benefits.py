"""Benefits realisation: how far each benefit has come towards its target, and per program the
share of benefits at or above target and the mean of the per-benefit percentages.

Each benefit has a unit of its own (hours saved, EUR, tickets per week): values are compared
with their own target only, never summed across benefits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from reporting_svc.domain.exact import HUNDRED, PERCENT, RATIO, ZERO, divide, exact, rounded


@dataclass(frozen=True, slots=True)
class BenefitProgress:
    """One benefit at the status date: its target, the latest value reported by then (None
    before the first report), the realised share of the target in percent (two decimals,
    beyond 100 when exceeded) and whether the target is reached."""

    benefit_id: UUID
    target: Decimal
    realised: Decimal | None
    percent: Decimal | None
    at_target: bool


@exact
def progress(benefit_id: UUID, *, target: Decimal, realised: Decimal | None) -> BenefitProgress:
    """A benefit's progress: realised / target x 100 (None before any report, or for a target
    that is not positive, which program-svc never records)."""
    percent = None
    if realised is not None and target > 0:
        percent = rounded(divide(realised * HUNDRED, target), PERCENT)
    reached = realised is not None and target > 0 and realised >= target
    return BenefitProgress(benefit_id, target, realised, percent, reached)


@dataclass(frozen=True, slots=True)
class BenefitSummary:
    """A program's benefits: how many are planned, reported and at or above target; the share
    at target (of all planned, 4 decimals; None without any) and the mean of the reported
    percentages (as shown, two decimals; None before any report)."""

    planned: int
    reported: int
    at_target: int
    at_target_share: Decimal | None
    mean_percent: Decimal | None


@exact
def summary(benefits: Iterable[BenefitProgress]) -> BenefitSummary:
    """The program's summary of its benefits' progress: the mean is of the percentages as
    shown, so it can be checked against them; a benefit not reported yet has no percentage
    and is not at target."""
    items = list(benefits)
    percents = [b.percent for b in items if b.percent is not None]
    reached = sum(b.at_target for b in items)
    mean = divide(sum(percents, ZERO), Decimal(len(percents)))
    return BenefitSummary(
        planned=len(items),
        reported=sum(b.realised is not None for b in items),
        at_target=reached,
        at_target_share=rounded(divide(Decimal(reached), Decimal(len(items))), RATIO),
        mean_percent=rounded(mean, PERCENT),
    )
