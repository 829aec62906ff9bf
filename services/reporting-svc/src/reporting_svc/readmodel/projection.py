"""The `project-reports` projection: every project-svc event into the reporting tables.

Writes are buffered per batch and flushed in bulk (one executemany per statement). That is
safe because every statement is either an insert of a fact keyed by its own id, or an update
that is monotonic in the stream version or applies once; so running all inserts before all
updates gives the same tables as applying events one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from reporting_svc import events as ev

PROJECTION_NAME = "project-reports"

_INSERT_PROJECT = BulkStatement(
    """INSERT INTO projects (project_id, tenant_id, code, name, manager, sponsor, methodology,
       currency, flagged_large, status, version, proposed_at)
       VALUES (:id, :tenant, :code, :name, :manager, :sponsor, :methodology, :currency,
       :flagged_large, 'proposed', :v, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_STATUS = BulkStatement(
    """INSERT INTO project_status (project_id, version, status, occurred_at)
       VALUES (:id, :v, :status, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_BASELINE = BulkStatement(
    """INSERT INTO baselines (project_id, number, budget_at_completion, planned_start,
       planned_finish, planned_values, occurred_at)
       VALUES (:id, :number, :bac, :start, :finish, CAST(:points AS jsonb), :at)
       ON CONFLICT DO NOTHING"""
)
_INSERT_PROGRESS = BulkStatement(
    """INSERT INTO progress (project_id, version, percent_complete, as_of, occurred_at)
       VALUES (:id, :v, :percent, :as_of, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_COST = BulkStatement(
    """INSERT INTO costs (cost_id, project_id, amount, incurred_on, category, occurred_at)
       VALUES (:cost_id, :id, :amount, :on, :category, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_MILESTONE = BulkStatement(
    """INSERT INTO milestones (milestone_id, project_id, name, due_date, added_at)
       VALUES (:mid, :id, :name, :due, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_RISK = BulkStatement(
    """INSERT INTO risks (risk_id, project_id, title, probability, impact, owner, raised_at)
       VALUES (:rid, :id, :title, :probability, :impact, :owner, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_STATUS_REPORT = BulkStatement(
    """INSERT INTO status_reports (report_id, project_id, schedule, cost, scope, summary,
       occurred_at) VALUES (:rid, :id, :schedule, :cost, :scope, :summary, :at)
       ON CONFLICT DO NOTHING"""
)
_INSERT_LESSON = BulkStatement(
    """INSERT INTO lessons (lesson_id, project_id, tenant_id, category, what_happened,
       recommendation, occurred_at) VALUES (:lid, :id, :tenant, :category, :what, :rec, :at)
       ON CONFLICT DO NOTHING"""
)
_INSERT_OFFICE = BulkStatement(
    """INSERT INTO offices (office_id, project_id, tenant_id, lead, reporting_cadence_days,
       established_at) VALUES (:oid, :pid, :tenant, :lead, :cadence, :at)
       ON CONFLICT DO NOTHING"""
)
_INSERT_STAFF = BulkStatement(
    """INSERT INTO office_staff (office_id, version, user_id, change, occurred_at)
       VALUES (:oid, :v, :user, :change, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_OFFICE_REPORT = BulkStatement(
    """INSERT INTO office_reports (report_id, office_id, kind, period_end, published_at)
       VALUES (:rid, :oid, :kind, :period_end, :at) ON CONFLICT DO NOTHING"""
)
_INSERT_DOCUMENT = BulkStatement(
    """INSERT INTO office_documents (document_id, office_id, title, kind, filed_at)
       VALUES (:did, :oid, :title, :kind, :at) ON CONFLICT DO NOTHING"""
)
_UPDATE_STATUS = BulkStatement(
    """UPDATE projects SET status = :status, version = :v,
       actual_start = coalesce(:start, actual_start),
       actual_finish = coalesce(:finish, actual_finish)
       WHERE project_id = :id AND version < :v"""
)
_UPDATE_ACHIEVED = BulkStatement(
    """UPDATE milestones SET achieved_on = :on, achieved_at = :at
       WHERE milestone_id = :mid AND achieved_on IS NULL"""
)
_UPDATE_RISK_CLOSED = BulkStatement(
    "UPDATE risks SET closed_at = :at WHERE risk_id = :rid AND closed_at IS NULL"
)
_UPDATE_DISBANDED = BulkStatement(
    """UPDATE offices SET disbanded_at = :at, disband_reason = :reason,
       disbanded_automatically = :automatic WHERE office_id = :oid AND disbanded_at IS NULL"""
)

# Flush order: every insert before every update (see the module docstring).
_ORDER: tuple[BulkStatement, ...] = (
    _INSERT_PROJECT,
    _INSERT_OFFICE,
    _INSERT_STATUS,
    _INSERT_BASELINE,
    _INSERT_PROGRESS,
    _INSERT_COST,
    _INSERT_MILESTONE,
    _INSERT_RISK,
    _INSERT_STATUS_REPORT,
    _INSERT_LESSON,
    _INSERT_STAFF,
    _INSERT_OFFICE_REPORT,
    _INSERT_DOCUMENT,
    _UPDATE_STATUS,
    _UPDATE_ACHIEVED,
    _UPDATE_RISK_CLOSED,
    _UPDATE_DISBANDED,
)

_LIFECYCLE: dict[type[DomainEvent], str] = {
    ev.ProjectApproved: "approved",
    ev.ProjectStarted: "active",
    ev.ProjectPutOnHold: "on_hold",
    ev.ProjectResumed: "active",
    ev.ProjectCompleted: "completed",
    ev.ProjectCancelled: "cancelled",
    ev.ProjectClosed: "closed",
}

Rows = list[tuple[BulkStatement, dict[str, Any]]]


def _common(env: EventEnvelope) -> dict[str, Any]:
    return {"id": env.stream_id, "v": env.stream_version, "at": env.occurred_at}


def _proposed(env: EventEnvelope, e: Any) -> Rows:
    row = {
        **_common(env),
        "tenant": env.tenant_id,
        "code": e.code,
        "name": e.name,
        "manager": e.manager,
        "sponsor": e.sponsor,
        "methodology": e.methodology,
        "currency": e.currency,
        "flagged_large": e.flagged_large,
    }
    return [(_INSERT_PROJECT, row), (_INSERT_STATUS, {**_common(env), "status": "proposed"})]


def _lifecycle(env: EventEnvelope, e: Any) -> Rows:
    status = _LIFECYCLE[type(e)]
    start = e.actual_start if isinstance(e, ev.ProjectStarted) else None
    finish = e.actual_finish if isinstance(e, ev.ProjectCompleted) else None
    return [
        (_INSERT_STATUS, {**_common(env), "status": status}),
        (_UPDATE_STATUS, {**_common(env), "status": status, "start": start, "finish": finish}),
    ]


def _baselined(env: EventEnvelope, e: Any) -> Rows:
    points = [p.model_dump(mode="json") for p in e.planned_values]
    return [
        (
            _INSERT_BASELINE,
            {
                **_common(env),
                "number": e.baseline_number,
                "bac": e.budget_at_completion,
                "start": e.planned_start,
                "finish": e.planned_finish,
                "points": orjson.dumps(points).decode(),
            },
        )
    ]


def _facts(env: EventEnvelope, e: Any) -> Rows:
    c = _common(env)
    match e:
        case ev.ProgressReported():
            return [(_INSERT_PROGRESS, {**c, "percent": e.percent_complete, "as_of": e.as_of})]
        case ev.CostRecorded():
            return [
                (
                    _INSERT_COST,
                    {
                        **c,
                        "cost_id": e.cost_id,
                        "amount": e.amount,
                        "on": e.incurred_on,
                        "category": e.category,
                    },
                )
            ]
        case ev.MilestoneAdded():
            return [
                (_INSERT_MILESTONE, {**c, "mid": e.milestone_id, "name": e.name, "due": e.due_date})
            ]
        case ev.MilestoneAchieved():
            return [(_UPDATE_ACHIEVED, {**c, "mid": e.milestone_id, "on": e.achieved_on})]
        case ev.RiskRaised():
            return [
                (
                    _INSERT_RISK,
                    {
                        **c,
                        "rid": e.risk_id,
                        "title": e.title,
                        "probability": e.probability,
                        "impact": e.impact,
                        "owner": e.owner,
                    },
                )
            ]
        case ev.RiskClosed():
            return [(_UPDATE_RISK_CLOSED, {**c, "rid": e.risk_id})]
        case ev.StatusReportSubmitted():
            return [
                (
                    _INSERT_STATUS_REPORT,
                    {
                        **c,
                        "rid": e.report_id,
                        "schedule": e.schedule,
                        "cost": e.cost,
                        "scope": e.scope,
                        "summary": e.summary,
                    },
                )
            ]
        case ev.LessonLearned():
            return [
                (
                    _INSERT_LESSON,
                    {
                        **c,
                        "lid": e.lesson_id,
                        "tenant": env.tenant_id,
                        "category": e.category,
                        "what": e.what_happened,
                        "rec": e.recommendation,
                    },
                )
            ]
    return []


def _office(env: EventEnvelope, e: Any) -> Rows:
    c = {"oid": env.stream_id, "v": env.stream_version, "at": env.occurred_at}
    match e:
        case ev.ProjectOfficeEstablished():
            return [
                (
                    _INSERT_OFFICE,
                    {
                        **c,
                        "pid": e.project_id,
                        "tenant": env.tenant_id,
                        "lead": e.lead,
                        "cadence": e.reporting_cadence_days,
                    },
                )
            ]
        case ev.OfficeStaffAssigned() | ev.OfficeStaffReleased():
            change = 1 if isinstance(e, ev.OfficeStaffAssigned) else -1
            return [(_INSERT_STAFF, {**c, "user": e.user_id, "change": change})]
        case ev.OfficeReportPublished():
            return [
                (
                    _INSERT_OFFICE_REPORT,
                    {**c, "rid": e.report_id, "kind": e.kind, "period_end": e.period_end},
                )
            ]
        case ev.OfficeDocumentFiled():
            return [
                (_INSERT_DOCUMENT, {**c, "did": e.document_id, "title": e.title, "kind": e.kind})
            ]
        case ev.ProjectOfficeDisbanded():
            return [(_UPDATE_DISBANDED, {**c, "reason": e.reason, "automatic": e.automatic})]
    return []


def rows_for(envelope: EventEnvelope, event: DomainEvent) -> Rows:
    """The writes one event makes."""
    if isinstance(event, ev.ProjectProposed):
        return _proposed(envelope, event)
    if type(event) in _LIFECYCLE:
        return _lifecycle(envelope, event)
    if isinstance(event, ev.ProjectBaselined):
        return _baselined(envelope, event)
    return _facts(envelope, event) or _office(envelope, event)


class ProjectReportsProjection:
    """Buffers each batch's writes and flushes them in bulk."""

    def __init__(
        self, *, name: str = PROJECTION_NAME, topics: Sequence[str] = (PROJECT_EVENTS_TOPIC,)
    ) -> None:
        self.name = name
        self.topics = topics
        self._buffer: dict[BulkStatement, list[dict[str, Any]]] = defaultdict(list)

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Buffer the event's writes."""
        for statement, params in rows_for(envelope, event):
            self._buffer[statement].append(params)

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self._buffer.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Write the buffered rows, inserts first, one executemany per statement."""
        buffered, self._buffer = self._buffer, defaultdict(list)
        for statement in _ORDER:
            rows = buffered.get(statement)
            if rows:
                await statement.execute_many(conn, rows)
