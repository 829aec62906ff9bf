"""The writes of Project Office events: the office, its staff changes, published reports,
filed documents and its disbanding. The office's stream id is the office id.

Every statement is an insert of a fact keyed by its own id, or an update that applies once
(see `projection` for why that allows bulk writes). The lead and the staff are kept as
published: `personal`."""

from __future__ import annotations

from typing import Any

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import events as ev
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.rows import Rows

INSERT_OFFICE = BulkStatement(
    """INSERT INTO offices (office_id, project_id, tenant_id, lead, lead_ref,
       reporting_cadence_days, established_at, established_on)
       VALUES (:oid, :pid, :tenant, CAST(:lead AS jsonb), :lead_ref, :cadence, :at, :on)
       ON CONFLICT DO NOTHING"""
)
INSERT_STAFF = BulkStatement(
    """INSERT INTO office_staff (office_id, version, user_id, user_ref, change, occurred_at)
       VALUES (:oid, :v, CAST(:user AS jsonb), :user_ref, :change, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_OFFICE_REPORT = BulkStatement(
    """INSERT INTO office_reports (report_id, office_id, kind, period_end, published_at)
       VALUES (:rid, :oid, :kind, :period_end, :at) ON CONFLICT DO NOTHING"""
)
INSERT_DOCUMENT = BulkStatement(
    """INSERT INTO office_documents (document_id, office_id, title, kind, filed_at)
       VALUES (:did, :oid, :title, :kind, :at) ON CONFLICT DO NOTHING"""
)
UPDATE_DISBANDED = BulkStatement(
    """UPDATE offices SET disbanded_at = :at, disbanded_on = :on, disband_reason = :reason,
       disbanded_automatically = :automatic WHERE office_id = :oid AND disbanded_at IS NULL"""
)


def _common(env: EventEnvelope) -> dict[str, Any]:
    return {"oid": env.stream_id, "v": env.stream_version, "at": env.occurred_at}


def established(env: EventEnvelope, e: ev.ProjectOfficeEstablished) -> Rows:
    return [
        (
            INSERT_OFFICE,
            {
                **_common(env),
                "pid": e.project_id,
                "tenant": env.tenant_id,
                "lead": personal.column(e.lead),
                "lead_ref": personal.pseudonym(e.lead),
                "cadence": e.reporting_cadence_days,
                "on": e.established_on,
            },
        )
    ]


def _staff(env: EventEnvelope, user_id: ev.Personal, change: int) -> Rows:
    user = {"user": personal.column(user_id), "user_ref": personal.pseudonym(user_id)}
    return [(INSERT_STAFF, {**_common(env), **user, "change": change})]


def staff_assigned(env: EventEnvelope, e: ev.OfficeStaffAssigned) -> Rows:
    return _staff(env, e.user_id, 1)


def staff_released(env: EventEnvelope, e: ev.OfficeStaffReleased) -> Rows:
    return _staff(env, e.user_id, -1)


def report_published(env: EventEnvelope, e: ev.OfficeReportPublished) -> Rows:
    return [
        (
            INSERT_OFFICE_REPORT,
            {**_common(env), "rid": e.report_id, "kind": e.kind, "period_end": e.period_end},
        )
    ]


def document_filed(env: EventEnvelope, e: ev.OfficeDocumentFiled) -> Rows:
    return [
        (INSERT_DOCUMENT, {**_common(env), "did": e.document_id, "title": e.title, "kind": e.kind})
    ]


def disbanded(env: EventEnvelope, e: ev.ProjectOfficeDisbanded) -> Rows:
    return [
        (
            UPDATE_DISBANDED,
            {**_common(env), "reason": e.reason, "automatic": e.automatic, "on": e.disbanded_on},
        )
    ]
