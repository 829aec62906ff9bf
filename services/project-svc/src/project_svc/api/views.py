"""Aggregates to response bodies. Every amount is the canonical string of the project's
currency (`pmo_shared.domain.values.canonical`: exactly its ISO 4217 minor unit of decimals)."""

from __future__ import annotations

from pmo_shared.domain.values import canonical
from project_svc.api import schemas
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.project_state import Baseline


def _baseline(b: Baseline, currency: str) -> schemas.BaselineRead:
    return schemas.BaselineRead(
        number=b.number,
        budget_at_completion=canonical(b.budget_at_completion, currency),
        planned_start=b.planned_start,
        planned_finish=b.planned_finish,
        planned_values=[
            schemas.PlannedValueRead(
                date=point.date,
                planned_value=canonical(point.planned_value, currency),
                label=point.label,
            )
            for point in b.planned_values
        ],
        reason=b.reason,
        effective_on=b.effective_on,
    )


def project_read(p: Project, *, large: bool) -> schemas.ProjectRead:
    """The full representation of a project (`large` as the PMO's standards in force make it:
    `queries.is_large`)."""
    last = p.last_status
    return schemas.ProjectRead(
        project_id=p.id,
        version=p.version,
        code=p.code,
        name=p.name,
        description=p.description,
        manager=p.manager,
        sponsor=p.sponsor,
        methodology=p.methodology,
        currency=p.currency,
        flagged_large=p.flagged_large,
        large=large,
        status=p.status,
        status_since=p.status_since,
        baseline=_baseline(p.baseline, p.currency) if p.baseline else None,
        baselines=[_baseline(b, p.currency) for b in p.baselines],
        approved_by=p.approved_by,
        approved_on=p.approved_on,
        actual_start=p.actual_start,
        actual_finish=p.actual_finish,
        percent_complete=p.percent_complete,
        progress_as_of=p.progress_as_of,
        actual_cost=canonical(p.actual_cost, p.currency),
        milestones=[
            schemas.MilestoneRead(
                milestone_id=mid, name=m.name, due_date=m.due_date, achieved_on=m.achieved_on
            )
            for mid, m in p.milestones.items()
        ],
        risks=[
            schemas.RiskRead(
                risk_id=rid,
                title=r.title,
                probability=r.probability,
                impact=canonical(r.impact, p.currency),
                owner=r.owner,
                raised_on=r.raised_on,
                open=r.resolution is None,
                resolution=r.resolution,
                closed_on=r.closed_on,
                outcome=r.outcome,
            )
            for rid, r in p.risks.items()
        ],
        last_status_report=(
            schemas.StatusRead(schedule=last[0], cost=last[1], scope=last[2]) if last else None
        ),
        status_reports=p.status_report_count,
        lessons_learned=p.lesson_count,
        hold_reason=p.hold_reason,
        cancel_reason=p.cancel_reason,
        no_lessons_reason=p.no_lessons_reason,
    )


def office_read(o: ProjectOffice) -> schemas.OfficeRead:
    """The representation of a Project Office."""
    assert o.project_id is not None
    assert o.established_on is not None
    return schemas.OfficeRead(
        office_id=o.id,
        project_id=o.project_id,
        version=o.version,
        state=o.state.value,
        lead=o.lead,
        reporting_cadence_days=o.reporting_cadence_days,
        charter=o.charter,
        staff=[schemas.StaffRead(user_id=u, role=r) for u, r in o.staff.items()],
        reports=[
            schemas.OfficeReportRead(report_id=r.report_id, kind=r.kind, period_end=r.period_end)
            for r in o.reports
        ],
        documents=o.document_count,
        disband_reason=o.disband_reason,
        disbanded_automatically=o.disbanded_automatically,
        established_on=o.established_on,
        disbanded_on=o.disbanded_on,
    )
