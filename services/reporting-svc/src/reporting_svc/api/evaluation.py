"""The PMO's evaluation routes: benchmarks across the tenant's closed projects (JSON, and a box
plot as SVG) and a project's reference-class forecast beside its earned-value forecasts. Each
answers at a status date (`as_of`, business time) as known at an instant (`known_at`, record
time), for any role of the caller's tenant; another tenant's project is a 404.

Closed: completed or cancelled (or closed after one of those) by the status date; closing
date: the actual finish, or the cancellation's effective date. Cost overrun ratio = AC at
closing / the first baseline's BAC (cost overrun % = (ratio - 1) x 100); schedule slip =
closing date - the first baseline's planned finish, in days; schedule ratio = (closing date -
actual start, or the first planned start) / the first baseline's planned days. Percentiles by
linear interpolation between closest ranks (type 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from pmo_shared.web.auth import TenantPrincipal
from reporting_svc.api import evaluation_schemas as schemas
from reporting_svc.api.reports import KEY_SERVICE_DOWN, AskedWhen, shown
from reporting_svc.application.evaluation import (
    BenchmarkReport,
    EvaluationService,
    ForecastReport,
    GroupBy,
)
from reporting_svc.application.standards import DEFAULT_SIZE_CLASSES, EvaluationSettings
from reporting_svc.domain.benchmarks import (
    PERCENTILE_METHOD,
    Distribution,
    OutcomeStats,
    QuarterOutcome,
    QuarterTrend,
)
from reporting_svc.domain.boxplot import BoxRow, render_boxplot
from reporting_svc.readmodel.evaluation_queries import SizeBand

router = APIRouter(prefix="/v1/reports", tags=["PMO evaluation"])


async def get_evaluation(request: Request) -> EvaluationService:
    """The evaluation service built by the composition root."""
    evaluation: EvaluationService = request.app.state.evaluation
    return evaluation


Evaluation = Annotated[EvaluationService, Depends(get_evaluation)]
GroupedBy = Annotated[
    GroupBy,
    Query(
        description="methodology; size_class (by the first baseline's BAC on the size classes "
        "in force); program (the one the project was a member of on its closing date, "
        '"none" otherwise); manager (by pseudonym, shown opened)'
    ),
]
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The tenant has (or knew at `known_at`) no such project",
        "content": _PROBLEM,
    }
}
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "the box plot as SVG"}
}


def _bands(bands: tuple[SizeBand, ...]) -> list[schemas.SizeClassRead]:
    return [schemas.SizeClassRead(name=b.name, up_to=b.up_to) for b in bands]


def standards_read(
    s: EvaluationSettings, size_classes: dict[str, tuple[SizeBand, ...]]
) -> schemas.EvaluationStandardsRead:
    """The evaluation settings applied, as a response body."""
    return schemas.EvaluationStandardsRead(
        source=s.source,
        effective_on=s.effective_on,
        version=s.version,
        benchmark_min_group=s.benchmark_min_group,
        reference_class_min=s.reference_class_min,
        fiscal_year_start_month=s.fiscal_year_start_month,
        size_classes={c: _bands(b) for c, b in sorted(size_classes.items())},
        default_size_classes=_bands(DEFAULT_SIZE_CLASSES),
    )


def _distribution(d: Distribution) -> schemas.DistributionRead:
    return schemas.DistributionRead(
        n=d.n, min=d.minimum, p25=d.p25, median=d.median, p75=d.p75, p80=d.p80, max=d.maximum
    )


def _stats(s: OutcomeStats) -> schemas.OutcomeStatsRead:
    return schemas.OutcomeStatsRead(
        count=s.count,
        below_minimum=s.below_minimum,
        cost_overrun_pct=_distribution(s.cost_overrun_pct),
        schedule_slip_days=_distribution(s.schedule_slip_days),
    )


def _quarter_outcome(q: QuarterOutcome) -> schemas.QuarterOutcomeRead:
    return schemas.QuarterOutcomeRead(
        count=q.count,
        median_cost_overrun_pct=q.median_cost_overrun_pct,
        median_schedule_slip_days=q.median_schedule_slip_days,
    )


def _quarter(t: QuarterTrend) -> schemas.QuarterRead:
    q = t.quarter
    return schemas.QuarterRead(
        quarter=q.label,
        fiscal_year=q.fiscal_year,
        quarter_number=q.quarter,
        starts_on=q.starts_on,
        ends_on=q.ends_on,
        completed=_quarter_outcome(t.completed),
        cancelled=_quarter_outcome(t.cancelled),
    )


def benchmarks_read(r: BenchmarkReport) -> schemas.BenchmarksRead:
    """The benchmarks as a response body."""
    return schemas.BenchmarksRead(
        group_by=r.group_by,
        as_of=r.as_of,
        known_at=r.known_at,
        definitions=schemas.CLOSED,
        percentile_method=PERCENTILE_METHOD,
        standards=standards_read(r.settings, r.size_classes),
        closed_count=r.closed,
        unmeasured_count=r.unmeasured,
        groups=[
            schemas.BenchmarkGroupRead(
                key=g.key,
                label=g.label,
                below_minimum=g.benchmark.below_minimum,
                completed=_stats(g.benchmark.completed),
                cancelled=_stats(g.benchmark.cancelled),
            )
            for g in r.groups
        ],
        trend=[_quarter(t) for t in r.trend],
    )


@router.get(
    "/pmo/benchmarks",
    response_model=schemas.BenchmarksRead,
    responses=KEY_SERVICE_DOWN,
)
async def pmo_benchmarks(
    evaluation: Evaluation,
    principal: TenantPrincipal,
    when: AskedWhen,
    group_by: GroupedBy = "methodology",
) -> schemas.BenchmarksRead:
    """Benchmarks across the tenant's projects closed by the status date: per group the count,
    median and P80 (and min, P25, P75, max) of the cost overrun % and the schedule slip in
    days against the first baseline, completed and cancelled apart; a group with fewer
    completed projects than the standards' minimum is shown, marked `below_minimum`; the trend
    by fiscal quarter of closing; the percentile method and the standards used stated."""
    report = await evaluation.benchmarks(principal.tenant, group_by=group_by, when=when)
    return benchmarks_read(report)


def _note(g: Any, minimum: int) -> str:
    completed, cancelled = g.benchmark.completed, g.benchmark.cancelled
    note = f"n={completed.count}"
    if cancelled.count:
        note += f" · +{cancelled.count} cancelled"
    if g.benchmark.below_minimum:
        note += f" · below minimum {minimum}"
    return note


@router.get(
    "/pmo/benchmarks.svg",
    response_class=Response,
    responses={**_SVG, **KEY_SERVICE_DOWN},
)
async def pmo_benchmarks_chart(
    evaluation: Evaluation,
    principal: TenantPrincipal,
    when: AskedWhen,
    group_by: GroupedBy = "methodology",
) -> Response:
    """The benchmarks as a box plot per group of the completed projects' cost overrun % (P25
    to P75, median, whiskers to min and max); groups below the minimum hatched and labelled."""
    r = await evaluation.benchmarks(principal.tenant, group_by=group_by, when=when)
    minimum = r.settings.benchmark_min_group
    rows = [
        BoxRow(
            label=g.label,
            note=_note(g, minimum),
            stats=g.benchmark.completed.cost_overrun_pct,
            below_minimum=g.benchmark.below_minimum,
        )
        for g in r.groups
    ]
    known = r.known_at.isoformat(timespec="seconds")
    svg = render_boxplot(
        rows,
        title=f"Cost overrun by {group_by.replace('_', ' ')}",
        subtitle=f"Completed projects closed by {r.as_of.isoformat()}, as known at {known}; "
        "percentiles type 7",
        minimum=minimum,
    )
    return Response(svg, media_type="image/svg+xml")


def _money(amount: Decimal | None, currency: str) -> str | None:
    return shown(amount, currency)


def forecast_read(r: ForecastReport) -> schemas.ForecastRead:
    """A forecast as a response body."""
    p, c, e = r.report, r.report.currency, r.evm
    chosen, f = r.reference_class, r.forecast
    return schemas.ForecastRead(
        project_id=p.project_id,
        code=p.code,
        name=p.name,
        status=p.status,
        methodology=r.methodology,
        currency=c,
        as_of=r.as_of,
        known_at=r.known_at,
        definitions=schemas.CLOSED,
        percentile_method=PERCENTILE_METHOD,
        standards=standards_read(r.settings, r.size_classes),
        first_bac=_money(r.first_bac, c),
        size_class=r.size_class,
        reference_class=None
        if chosen is None
        else schemas.ReferenceClassRead(
            class_used=chosen.used,
            fallback=chosen.fallback,
            methodology=chosen.methodology,
            size_class=chosen.size_class,
            size=chosen.size,
            minimum=chosen.minimum,
            below_minimum=chosen.below_minimum,
            preferred_size=chosen.preferred_size,
            cancelled_excluded=chosen.cancelled_excluded,
            empty=chosen.size == 0,
        ),
        reference_class_forecast=None
        if f is None
        else schemas.ReferenceForecastRead(
            cost_ratios=f.cost_ratios,
            cost_ratio_p50=f.cost_ratio_p50,
            cost_ratio_p80=f.cost_ratio_p80,
            cost_at_completion_p50=_money(f.cost_p50, c),
            cost_at_completion_p80=_money(f.cost_p80, c),
            schedule_ratios=f.schedule_ratios,
            schedule_ratio_p50=f.schedule_ratio_p50,
            schedule_ratio_p80=f.schedule_ratio_p80,
            finish_p50=f.finish_p50,
            finish_p80=f.finish_p80,
        ),
        evm_forecast=schemas.EvmForecastRead(
            as_of=e.as_of,
            bac=_money(e.bac, c),
            cpi=e.cpi,
            spi=e.spi,
            eac=_money(e.eac, c),
            planned_start=e.planned_start,
            planned_finish=e.planned_finish,
            finish=e.finish,
        ),
        reason=r.reason,
    )


@router.get(
    "/projects/{project_id}/forecast", response_model=schemas.ForecastRead, responses=NOT_FOUND
)
async def project_forecast(
    project_id: UUID, evaluation: Evaluation, principal: TenantPrincipal, when: AskedWhen
) -> schemas.ForecastRead:
    """Reference-class forecast of a project with a baseline: the completed projects of its
    methodology and size class (the size class alone when fewer than the standards'
    `reference_class_min`, `fallback` then), their cost overrun and schedule ratios' P50 and
    P80 applied to its current BAC and planned duration, beside the earned-value forecasts
    (EAC = BAC / CPI, finish = planned start + planned duration / SPI). An empty class, or a
    project without a baseline, gives no figures and says why."""
    return forecast_read(await evaluation.forecast(principal.tenant, project_id, when=when))
