"""The PMO's standards of one tenant: the aggregate that records them (`PmoStandardsSet`) and
answers which set was in force on a business date; and, on the same stream, the PMO's verdicts
on the lessons suggested to projects (`LessonSuggestionJudged`), each in force from its date.

Rules (each refusal a 422 naming the field): amber at most green on each index; amounts at the
currency's minor unit; size classes of a currency named uniquely, with strictly rising upper
bounds and only the last one unbounded; a time zone the IANA database knows; a set never dated
before the one it replaces (`BackdatedFactError`), so an earlier date's answer never changes.
A verdict: a note of at most 2000 characters, never dated before the verdict on the same
(project, lesson) it replaces (`BackdatedFactError`). A verdict may come before any set: the
standards are then still none. Who may do either (the PMO) is the application's check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import check_amount
from portfolio_svc.domain.errors import BackdatedFactError, NothingInForceError
from portfolio_svc.domain.portfolio_state import Timeline
from portfolio_svc.domain.standards_events import (
    PMO_STANDARDS,
    Gate,
    HealthBand,
    LessonSuggestionJudged,
    PmoStandardsSet,
    SizeClass,
    standards_id,
)

NOTE_MAX = 2000
"""The longest note a verdict on a suggested lesson may carry."""


@dataclass(frozen=True)
class Suggestion:
    """A lesson suggested for a project: what a verdict is on."""

    project_id: UUID
    lesson_id: UUID


@dataclass(frozen=True)
class StandardsInput:
    """What a PMO sets (the event's fields but the date)."""

    spi: HealthBand
    cpi: HealthBand
    reporting_cadence_days: int
    time_zone: str
    large_project_threshold: Mapping[str, Decimal]
    portfolio_approval_threshold: Mapping[str, Decimal]
    required_gates: Sequence[Gate] = ()
    size_classes: Mapping[str, Sequence[SizeClass]] | None = None
    benchmark_min_group: int = 5
    reference_class_min: int = 5
    fiscal_year_start_month: int = 1


class PmoStandards(Aggregate):
    """A tenant's standards: every set by its effective date; and the PMO's verdicts on
    suggested lessons, by suggestion and date."""

    stream_type = PMO_STANDARDS

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.sets: Timeline[PmoStandardsSet] = Timeline()
        self.verdicts: dict[Suggestion, Timeline[LessonSuggestionJudged]] = {}

    @classmethod
    def of_tenant(cls, tenant: str) -> PmoStandards:
        """A tenant's (empty) standards, under the tenant's one stream id."""
        return cls(standards_id(tenant))

    def set(self, standards: StandardsInput, *, on: date) -> None:
        """Put a whole new set in force from `on`."""
        last = self.sets.last_on
        if last is not None and on < last:
            raise BackdatedFactError(
                what="a standards set", on=on.isoformat(), earliest=last.isoformat()
            )
        for name, band in (("spi", standards.spi), ("cpi", standards.cpi)):
            if band.amber > band.green:
                raise InvalidValueError(
                    f"{name}: the amber threshold {band.amber} exceeds the green one {band.green}"
                )
        try:
            ZoneInfo(standards.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidValueError(
                f"time_zone: {standards.time_zone!r} is not an IANA time zone"
            ) from None
        large = _amounts(standards.large_project_threshold, "large_project_threshold")
        approval = _amounts(standards.portfolio_approval_threshold, "portfolio_approval_threshold")
        classes = {
            currency: _size_classes(currency, bands)
            for currency, bands in (standards.size_classes or {}).items()
        }
        self.record(
            PmoStandardsSet(
                spi=standards.spi,
                cpi=standards.cpi,
                large_project_threshold=large,
                portfolio_approval_threshold=approval,
                reporting_cadence_days=standards.reporting_cadence_days,
                required_gates=sorted(set(standards.required_gates)),
                size_classes=classes,
                benchmark_min_group=standards.benchmark_min_group,
                reference_class_min=standards.reference_class_min,
                fiscal_year_start_month=standards.fiscal_year_start_month,
                time_zone=standards.time_zone,
                effective_on=on,
            )
        )

    def judge(self, suggestion: Suggestion, *, useful: bool, note: str, on: date, by: str) -> None:
        """Record whether a suggested lesson is useful for the project, from `on`: it replaces
        the verdict on the same suggestion from that date."""
        if len(note) > NOTE_MAX:
            raise InvalidValueError(f"note: at most {NOTE_MAX} characters")
        earlier = self.verdicts.get(suggestion)
        last = earlier.last_on if earlier is not None else None
        if last is not None and on < last:
            raise BackdatedFactError(
                what="a verdict on a suggested lesson", on=on.isoformat(), earliest=last.isoformat()
            )
        self.record(
            LessonSuggestionJudged(
                project_id=suggestion.project_id,
                lesson_id=suggestion.lesson_id,
                useful=useful,
                note=note,
                judged_on=on,
                judged_by=by,
            )
        )

    def verdict_on(self, suggestion: Suggestion, as_of: date) -> LessonSuggestionJudged | None:
        """The verdict on a suggestion in force on `as_of` (None: none yet)."""
        timeline = self.verdicts.get(suggestion)
        return timeline.at(as_of) if timeline is not None else None

    def latest_verdict(self, suggestion: Suggestion) -> LessonSuggestionJudged | None:
        """The verdict on a suggestion recorded last (None: none)."""
        timeline = self.verdicts.get(suggestion)
        return timeline.entries[-1][1] if timeline is not None and timeline.entries else None

    def in_force(self, as_of: date) -> PmoStandardsSet:
        """The set in force on `as_of` (409 when none yet)."""
        found = self.sets.at(as_of)
        if found is None:
            raise NothingInForceError("PMO standards", on=as_of.isoformat())
        return found

    @applies(PmoStandardsSet)
    def _on_set(self, e: PmoStandardsSet) -> None:
        self.sets.add(e.effective_on, e)

    @applies(LessonSuggestionJudged)
    def _on_judged(self, e: LessonSuggestionJudged) -> None:
        suggestion = Suggestion(e.project_id, e.lesson_id)
        self.verdicts.setdefault(suggestion, Timeline()).add(e.judged_on, e)


def _amounts(raw: Mapping[str, Decimal], field: str) -> dict[str, Decimal]:
    return {
        currency: check_amount(amount, currency, what=f"{field}[{currency}]")
        for currency, amount in sorted(raw.items())
    }


def _size_classes(currency: str, bands: Sequence[SizeClass]) -> list[SizeClass]:
    field = f"size_classes[{currency}]"
    if not bands:
        raise InvalidValueError(f"{field}: at least one size class")
    names = [b.name for b in bands]
    if len(set(names)) != len(names):
        raise InvalidValueError(f"{field}: size class names must be unique")
    out: list[SizeClass] = []
    previous: Decimal | None = None
    for i, band in enumerate(bands):
        last = i == len(bands) - 1
        if band.up_to is None:
            if not last:
                raise InvalidValueError(f"{field}: only the last size class may be unbounded")
            out.append(band)
            continue
        if last:
            raise InvalidValueError(f"{field}: the last size class must be unbounded (up_to null)")
        bound = check_amount(band.up_to, currency, what=f"{field}[{band.name}].up_to")
        if previous is not None and bound <= previous:
            raise InvalidValueError(f"{field}: upper bounds must rise strictly")
        previous = bound
        out.append(SizeClass(name=band.name, up_to=bound))
    return out
