"""The writes of project events: the project, its status history, baselines, progress, costs,
milestones, risks, status reports and lessons.

Every statement is an insert of a fact keyed by its own id, or an update that is monotonic in
the stream version or applies once (see `projection` for why that allows bulk writes).
Personal values (manager, sponsor, a risk's owner) are kept as published: `personal`."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import events as ev
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.rows import Rows

INSERT_PROJECT = BulkStatement(
    """INSERT INTO projects (project_id, tenant_id, code, name, description, manager,
       manager_ref, sponsor, sponsor_ref, methodology, currency, flagged_large, status, version,
       proposed_at)
       VALUES (:id, :tenant, :code, :name, :description, CAST(:manager AS jsonb), :manager_ref,
       CAST(:sponsor AS jsonb), :sponsor_ref, :methodology, :currency, :flagged_large,
       'proposed', :v, :at) ON CONFLICT DO NOTHING"""
)
INSERT_STATUS = BulkStatement(
    """INSERT INTO project_status (project_id, version, status, occurred_at, effective_on)
       VALUES (:id, :v, :status, :at, :on) ON CONFLICT DO NOTHING"""
)
INSERT_BASELINE = BulkStatement(
    """INSERT INTO baselines (project_id, number, budget_at_completion, planned_start,
       planned_finish, planned_values, occurred_at, effective_on)
       VALUES (:id, :number, :bac, :start, :finish, CAST(:points AS jsonb), :at, :on)
       ON CONFLICT DO NOTHING"""
)
INSERT_PROGRESS = BulkStatement(
    """INSERT INTO progress (project_id, version, percent_complete, as_of, occurred_at)
       VALUES (:id, :v, :percent, :as_of, :at) ON CONFLICT DO NOTHING"""
)
INSERT_COST = BulkStatement(
    """INSERT INTO costs (cost_id, project_id, amount, incurred_on, category, occurred_at)
       VALUES (:cost_id, :id, :amount, :on, :category, :at) ON CONFLICT DO NOTHING"""
)
INSERT_MILESTONE = BulkStatement(
    """INSERT INTO milestones (milestone_id, project_id, name, due_date, added_at)
       VALUES (:mid, :id, :name, :due, :at) ON CONFLICT DO NOTHING"""
)
INSERT_RISK = BulkStatement(
    """INSERT INTO risks (risk_id, project_id, title, probability, impact, owner, owner_ref,
       raised_at, raised_on) VALUES (:rid, :id, :title, :probability, :impact,
       CAST(:owner AS jsonb), :owner_ref, :at, :on) ON CONFLICT DO NOTHING"""
)
INSERT_STATUS_REPORT = BulkStatement(
    """INSERT INTO status_reports (report_id, project_id, schedule, cost, scope, summary,
       occurred_at) VALUES (:rid, :id, :schedule, :cost, :scope, :summary, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_LESSON = BulkStatement(
    """INSERT INTO lessons (lesson_id, project_id, tenant_id, category, what_happened,
       recommendation, occurred_at) VALUES (:lid, :id, :tenant, :category, :what, :rec, :at)
       ON CONFLICT DO NOTHING"""
)
UPDATE_STATUS = BulkStatement(
    """UPDATE projects SET status = :status, version = :v,
       actual_start = coalesce(:start, actual_start),
       actual_finish = coalesce(:finish, actual_finish)
       WHERE project_id = :id AND version < :v"""
)
UPDATE_ACHIEVED = BulkStatement(
    """UPDATE milestones SET achieved_on = :on, achieved_at = :at
       WHERE milestone_id = :mid AND achieved_on IS NULL"""
)
UPDATE_RISK_CLOSED = BulkStatement(
    """UPDATE risks SET closed_at = :at, closed_on = :on, outcome = :outcome
       WHERE risk_id = :rid AND closed_at IS NULL"""
)


def _common(env: EventEnvelope) -> dict[str, Any]:
    return {"id": env.stream_id, "v": env.stream_version, "at": env.occurred_at}


def proposed(env: EventEnvelope, e: ev.ProjectProposed) -> Rows:
    row = {
        **_common(env),
        "tenant": env.tenant_id,
        "code": e.code,
        "name": e.name,
        "description": e.description,
        "manager": personal.column(e.manager),
        "manager_ref": personal.pseudonym(e.manager),
        "sponsor": personal.column(e.sponsor),
        "sponsor_ref": personal.pseudonym(e.sponsor),
        "methodology": e.methodology,
        "currency": e.currency,
        "flagged_large": e.flagged_large,
    }
    status = {**_common(env), "status": "proposed", "on": None}  # no business date
    return [(INSERT_PROJECT, row), (INSERT_STATUS, status)]


def baselined(env: EventEnvelope, e: ev.ProjectBaselined) -> Rows:
    points = [p.model_dump(mode="json") for p in e.planned_values]
    return [
        (
            INSERT_BASELINE,
            {
                **_common(env),
                "number": e.baseline_number,
                "bac": e.budget_at_completion,
                "start": e.planned_start,
                "finish": e.planned_finish,
                "points": orjson.dumps(points).decode(),
                "on": e.effective_on,
            },
        )
    ]


# Lifecycle: each transition records the new status from its business date (None for a v1
# event: the day it was recorded on) and moves the project to it.


def _status_change(
    env: EventEnvelope,
    status: str,
    *,
    on: date | None,
    start: date | None = None,
    finish: date | None = None,
) -> Rows:
    return [
        (INSERT_STATUS, {**_common(env), "status": status, "on": on}),
        (UPDATE_STATUS, {**_common(env), "status": status, "start": start, "finish": finish}),
    ]


def approved(env: EventEnvelope, e: ev.ProjectApproved) -> Rows:
    return _status_change(env, "approved", on=e.effective_on)


def started(env: EventEnvelope, e: ev.ProjectStarted) -> Rows:
    return _status_change(env, "active", on=e.actual_start, start=e.actual_start)


def put_on_hold(env: EventEnvelope, e: ev.ProjectPutOnHold) -> Rows:
    return _status_change(env, "on_hold", on=e.effective_on)


def resumed(env: EventEnvelope, e: ev.ProjectResumed) -> Rows:
    return _status_change(env, "active", on=e.effective_on)


def completed(env: EventEnvelope, e: ev.ProjectCompleted) -> Rows:
    return _status_change(env, "completed", on=e.actual_finish, finish=e.actual_finish)


def cancelled(env: EventEnvelope, e: ev.ProjectCancelled) -> Rows:
    return _status_change(env, "cancelled", on=e.effective_on)


def closed(env: EventEnvelope, e: ev.ProjectClosed) -> Rows:
    return _status_change(env, "closed", on=e.effective_on)


# Facts recorded against a project.


def progress_reported(env: EventEnvelope, e: ev.ProgressReported) -> Rows:
    return [(INSERT_PROGRESS, {**_common(env), "percent": e.percent_complete, "as_of": e.as_of})]


def cost_recorded(env: EventEnvelope, e: ev.CostRecorded) -> Rows:
    return [
        (
            INSERT_COST,
            {
                **_common(env),
                "cost_id": e.cost_id,
                "amount": e.amount,
                "on": e.incurred_on,
                "category": e.category,
            },
        )
    ]


def milestone_added(env: EventEnvelope, e: ev.MilestoneAdded) -> Rows:
    return [
        (
            INSERT_MILESTONE,
            {**_common(env), "mid": e.milestone_id, "name": e.name, "due": e.due_date},
        )
    ]


def milestone_achieved(env: EventEnvelope, e: ev.MilestoneAchieved) -> Rows:
    return [(UPDATE_ACHIEVED, {**_common(env), "mid": e.milestone_id, "on": e.achieved_on})]


def risk_raised(env: EventEnvelope, e: ev.RiskRaised) -> Rows:
    return [
        (
            INSERT_RISK,
            {
                **_common(env),
                "rid": e.risk_id,
                "title": e.title,
                "probability": e.probability,
                "impact": e.impact,
                "owner": personal.column(e.owner),
                "owner_ref": personal.pseudonym(e.owner),
                "on": e.raised_on,
            },
        )
    ]


def risk_closed(env: EventEnvelope, e: ev.RiskClosed) -> Rows:
    return [
        (
            UPDATE_RISK_CLOSED,
            {**_common(env), "rid": e.risk_id, "on": e.closed_on, "outcome": e.outcome},
        )
    ]


def status_report_submitted(env: EventEnvelope, e: ev.StatusReportSubmitted) -> Rows:
    return [
        (
            INSERT_STATUS_REPORT,
            {
                **_common(env),
                "rid": e.report_id,
                "schedule": e.schedule,
                "cost": e.cost,
                "scope": e.scope,
                "summary": e.summary,
            },
        )
    ]


def lesson_learned(env: EventEnvelope, e: ev.LessonLearned) -> Rows:
    return [
        (
            INSERT_LESSON,
            {
                **_common(env),
                "lid": e.lesson_id,
                "tenant": env.tenant_id,
                "category": e.category,
                "what": e.what_happened,
                "rec": e.recommendation,
            },
        )
    ]
