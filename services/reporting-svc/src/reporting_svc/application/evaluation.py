"""The PMO's evaluation of finished work: benchmarks across the tenant's closed projects and
reference-class forecasts for a new or running project; facts from the live read models
(`readmodel.evaluation_queries`), figures from the pure domain (`domain.benchmarks`,
`domain.forecast`).

Asked like every report (`When`: `as_of` in business time, default the tenant's today;
`known_at` in record time, default now), in one snapshot (`ReportService.snapshot`). A project
counts as closed when it completed or was cancelled by `as_of` (closing date: its actual finish,
or the cancellation's effective date), as known at `known_at`. Its size class is told by its
first baseline's BAC in its currency on the bands of the standards in force at the status date
(`application.standards.size_class_of`); so are the minimum group size, the minimum reference
class and the fiscal year's first month (`evaluation_settings`). A closed project without a
first baseline cannot be measured against one: it is counted (`unmeasured`), never grouped.

Groups (`group_by`): `methodology`; `size_class`; `program`, the program the project was a
member of on its closing date ("none" without one); `manager`, by the manager's pseudonym,
shown opened with the producer's keys as the project reports show managers (two erased managers
are two groups, both shown `[erased]`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pmo_shared.domain.values import money_quantum
from reporting_svc.application.reports import (
    ProjectReport,
    ReportNotFoundError,
    ReportService,
    When,
)
from reporting_svc.application.standards import (
    DEFAULT_SIZE_CLASSES,
    EvaluationSettings,
    evaluation_settings,
    size_bands_of,
    size_class_of,
)
from reporting_svc.domain import benchmarks as bench
from reporting_svc.domain import forecast as rcf
from reporting_svc.domain.benchmarks import ClosedProject, GroupBenchmark, QuarterTrend
from reporting_svc.readmodel import evaluation_queries as queries
from reporting_svc.readmodel.evaluation_queries import EvaluationStandards, SizeBand

GroupBy = Literal["methodology", "size_class", "program", "manager"]
NO_PROGRAM = "none"
NO_BASELINE = "the project has no baseline: no size class, nothing to forecast against"


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A closed project as the evaluation reads it: what it came to (None without a first
    baseline), its methodology, size class (None without a first baseline) and program key
    and label at closing."""

    row: Any
    closed: ClosedProject | None
    size_class: str | None
    program_key: str
    program_label: str


@dataclass(frozen=True, slots=True)
class GroupReport:
    """One group of the benchmarks: its key (for managers the user id as opened, never the
    pseudonym), its label as shown, its benchmark."""

    key: str
    label: str
    benchmark: GroupBenchmark


@dataclass(frozen=True, slots=True)
class BenchmarkReport:
    """The benchmarks at a status date as known at an instant: the settings and size classes
    they used, how many closed projects there were and how many could not be measured, the
    groups and the trend by fiscal quarter of closing."""

    group_by: GroupBy
    as_of: date
    known_at: datetime
    settings: EvaluationSettings
    size_classes: dict[str, tuple[SizeBand, ...]]
    closed: int
    unmeasured: int
    groups: tuple[GroupReport, ...]
    trend: tuple[QuarterTrend, ...]


@dataclass(frozen=True, slots=True)
class EvmSide:
    """The earned-value forecasts of the project report at its status date: BAC, CPI, SPI,
    EAC = BAC / CPI, and finish = planned start + planned duration / SPI (rounded up to a day),
    on the baseline in force then."""

    as_of: date
    bac: Decimal | None
    cpi: Decimal | None
    spi: Decimal | None
    eac: Decimal | None
    planned_start: date | None
    planned_finish: date | None
    finish: date | None


@dataclass(frozen=True, slots=True)
class ForecastReport:
    """A project's reference-class forecast beside its earned-value forecasts; `reason` says
    why there are no numbers (no baseline, an empty class)."""

    report: ProjectReport
    methodology: str
    as_of: date
    known_at: datetime
    settings: EvaluationSettings
    size_classes: dict[str, tuple[SizeBand, ...]]
    first_bac: Decimal | None
    size_class: str | None
    reference_class: rcf.ReferenceClass | None
    forecast: rcf.Forecast | None
    evm: EvmSide
    reason: str | None


def closed_project(row: Any) -> ClosedProject | None:
    """What a closed project's row came to (None without a first baseline)."""
    if row.first_bac is None:
        return None
    return ClosedProject(
        project_id=row.project_id,
        outcome=row.outcome,
        closed_on=row.closed_on,
        ac=Decimal(row.closing_ac),
        first_bac=Decimal(row.first_bac),
        first_planned_start=row.first_planned_start,
        first_planned_finish=row.first_planned_finish,
        actual_start=row.actual_start,
    )


def evaluated(row: Any, standards: EvaluationStandards | None) -> Evaluated:
    """A closed project's row, measured, sized on `standards` (the set in force)."""
    closed = closed_project(row)
    size = None if closed is None else size_class_of(closed.first_bac, row.currency, standards)
    program = row.program
    if program is None:
        return Evaluated(row, closed, size, NO_PROGRAM, NO_PROGRAM)
    return Evaluated(
        row, closed, size, str(program["program_id"]), f"{program['code']} {program['name']}"
    )


def size_order(standards: EvaluationStandards | None, currencies: Sequence[str]) -> list[str]:
    """The size classes' names in band order: those of each currency's bands (by currency),
    then the defaults'."""
    names: list[str] = []
    for currency in sorted(currencies):
        names += [b.name for b in size_bands_of(currency, standards) if b.name not in names]
    return names + [b.name for b in DEFAULT_SIZE_CLASSES if b.name not in names]


Order = Callable[[str], tuple[int, str, str]]


def _ranked(order: Sequence[str]) -> Order:
    """Keys in the order given, others after by name."""
    return lambda key: (order.index(key) if key in order else len(order), key, key)


def _by_label(labels: dict[str, str]) -> Order:
    """Keys by label (then key: two erased managers), "none" last."""
    return lambda key: (int(key == NO_PROGRAM), labels.get(key, key), key)


def manager_key(row: Any) -> str:
    """A manager's group key: the pseudonym (the plain value, of a message from before
    sealing)."""
    return str(row.manager_ref) if row.manager_ref is not None else f"plain:{row.manager}"


class EvaluationService:
    """Answers the benchmarks and forecasts from the live generation, on the report service's
    snapshot, standards, key services and time zones (`reports`)."""

    def __init__(self, *, reports: ReportService) -> None:
        self._reports = reports

    async def benchmarks(self, tenant: str, *, group_by: GroupBy, when: When) -> BenchmarkReport:
        """The tenant's closed projects by `group_by`: per group the counts, medians and P80s
        of cost overrun % and schedule slip days (completed and cancelled apart), the trend by
        fiscal quarter of closing."""
        async with self._reports.snapshot() as conn:
            asked = await self._reports.asked_in(conn, tenant, when)
            known = await queries.known_evaluation_standards(
                conn, tenant_id=tenant, known_at=asked.cutoff.known_at
            )
            rows = await queries.evaluated_projects(conn, tenant_id=tenant, cutoff=asked.cutoff)
        standards = known.in_force(asked.cutoff.day)
        settings = evaluation_settings(standards)
        projects = [evaluated(row, standards) for row in rows]
        measured = [p for p in projects if p.closed is not None]
        labels = await self._labels(tenant, group_by, measured)
        keys = {p.closed.project_id: _key(p, group_by) for p in measured if p.closed}
        order = _order(group_by, standards, [p.row.currency for p in measured], labels)
        groups = bench.benchmarks(
            [p.closed for p in measured if p.closed],
            key_of=lambda c: keys[c.project_id],
            minimum=settings.benchmark_min_group,
            order=order,
        )
        closings = [p.closed for p in measured if p.closed]
        return BenchmarkReport(
            group_by=group_by,
            as_of=asked.cutoff.day,
            known_at=asked.cutoff.known_at,
            settings=settings,
            size_classes=dict(standards.size_classes) if standards else {},
            closed=len(projects),
            unmeasured=len(projects) - len(measured),
            groups=tuple(_group(g, group_by, labels) for g in groups),
            trend=tuple(bench.trend(closings, start_month=settings.fiscal_year_start_month)),
        )

    async def forecast(self, tenant: str, project_id: UUID, *, when: When) -> ForecastReport:
        """A project's P50 and P80 cost at completion and finish date from its reference
        class, beside its earned-value forecasts; 404 only when the tenant has (or then knew)
        no such project."""
        async with self._reports.snapshot() as conn:
            asked = await self._reports.asked_in(conn, tenant, when)
            known = await queries.known_evaluation_standards(
                conn, tenant_id=tenant, known_at=asked.cutoff.known_at
            )
            subject = await queries.evaluated_projects(
                conn, tenant_id=tenant, cutoff=asked.cutoff, closed=False, project_id=project_id
            )
            if not subject:
                raise ReportNotFoundError(f"project {project_id} not found")
            rows = await queries.evaluated_projects(conn, tenant_id=tenant, cutoff=asked.cutoff)
            report = (await self._reports.reports_of(conn, tenant, asked, [project_id]))[project_id]
        standards = known.in_force(asked.cutoff.day)
        return forecast_report(
            subject[0],
            report,
            [evaluated(r, standards) for r in rows],
            standards=standards,
            as_of=asked.cutoff.day,
        )

    async def _labels(
        self, tenant: str, group_by: GroupBy, projects: Sequence[Evaluated]
    ) -> dict[str, str]:
        if group_by == "program":
            return {p.program_key: p.program_label for p in projects}
        if group_by != "manager":
            return {}
        firsts = {manager_key(p.row): p.row.manager for p in projects}
        opened = await self._reports.keys.open(tenant, list(firsts.values()))
        return {key: str(v) for key, v in zip(firsts, opened, strict=True)}


def _group(g: GroupBenchmark, group_by: GroupBy, labels: dict[str, str]) -> GroupReport:
    label = labels.get(g.key, g.key)
    return GroupReport(label if group_by == "manager" else g.key, label, g)


def _key(p: Evaluated, group_by: GroupBy) -> str:
    if group_by == "methodology":
        return str(p.row.methodology)
    if group_by == "size_class":
        return p.size_class or ""
    if group_by == "program":
        return p.program_key
    return manager_key(p.row)


def _order(
    group_by: GroupBy,
    standards: EvaluationStandards | None,
    currencies: Sequence[str],
    labels: dict[str, str],
) -> Order:
    if group_by == "size_class":
        return _ranked(size_order(standards, currencies))
    if group_by in ("program", "manager"):
        return _by_label(labels)
    return lambda key: (0, key, key)


def evm_side(report: ProjectReport) -> EvmSide:
    """The earned-value forecasts of `report`."""
    m, b = report.metrics, report.baseline
    finish = None if b is None else rcf.evm_finish(b.planned_start, b.planned_finish, m.spi)
    return EvmSide(
        as_of=m.as_of,
        bac=m.bac,
        cpi=m.cpi,
        spi=m.spi,
        eac=m.eac,
        planned_start=b.planned_start if b else None,
        planned_finish=b.planned_finish if b else None,
        finish=finish,
    )


def forecast_report(
    subject: Any,
    report: ProjectReport,
    closed: Sequence[Evaluated],
    *,
    standards: EvaluationStandards | None,
    as_of: date,
) -> ForecastReport:
    """The forecast of the project of row `subject` and report `report` from the `closed`
    projects of its tenant (itself left out), on `standards` (the set in force at `as_of`)."""
    settings = evaluation_settings(standards)
    first_bac = None if subject.first_bac is None else Decimal(subject.first_bac)

    def answer(
        size: str | None,
        chosen: rcf.ReferenceClass | None,
        figures: rcf.Forecast | None,
        reason: str | None,
    ) -> ForecastReport:
        return ForecastReport(
            report=report,
            methodology=str(subject.methodology),
            as_of=as_of,
            known_at=report.known_at,
            settings=settings,
            size_classes=dict(standards.size_classes) if standards else {},
            first_bac=first_bac,
            size_class=size,
            reference_class=chosen,
            forecast=figures,
            evm=evm_side(report),
            reason=reason,
        )

    b = report.baseline
    if first_bac is None or b is None:
        return answer(None, None, None, NO_BASELINE)
    size = size_class_of(first_bac, subject.currency, standards)
    candidates = [
        rcf.Candidate(p.closed, str(p.row.methodology), p.size_class)
        for p in closed
        if p.closed is not None and p.size_class is not None
    ]
    chosen = rcf.reference_class(
        candidates,
        methodology=str(subject.methodology),
        size_class=size,
        minimum=settings.reference_class_min,
        exclude=subject.project_id,
    )
    figures = rcf.forecast(
        chosen.members,
        bac=b.budget_at_completion,
        planned_start=b.planned_start,
        planned_finish=b.planned_finish,
        money=money_quantum(report.currency),
    )
    empty = f"no completed project of size class {size} to learn from: the class is empty"
    return answer(size, chosen, figures, None if figures is not None else empty)
