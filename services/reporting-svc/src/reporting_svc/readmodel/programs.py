"""The writes of program events: the program, its status history, memberships, funding pool
changes, allocations, resources, assignments and their changes, benefits and their realisation
reports, dependencies. The program's stream id is the program id.

Every statement is an insert of a fact keyed by its own id or by the program's stream version,
or an update that applies once (a membership's end, a dependency's removal); so the bulk flush
of `projection` holds here too. Nothing waits for a project's own events: those come on another
topic, in no order with these, and the reports join the two at query time. Personal values
(manager, sponsor, who activated it, a person resource, a benefit's owner) are kept as
published: `personal`."""

from __future__ import annotations

from typing import Any

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import events as ev
from reporting_svc import program_events as pev
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.rows import Rows

INSERT_PROGRAM = BulkStatement(
    """INSERT INTO programs (program_id, tenant_id, code, name, area, manager, manager_ref,
       sponsor, sponsor_ref, currency, proposed_on, proposed_at)
       VALUES (:id, :tenant, :code, :name, :area, CAST(:manager AS jsonb), :manager_ref,
       CAST(:sponsor AS jsonb), :sponsor_ref, :currency, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_STATUS = BulkStatement(
    """INSERT INTO program_status (program_id, version, status, reason, activated_by,
       activated_by_ref, effective_on, occurred_at)
       VALUES (:id, :v, :status, :reason, CAST(:by AS jsonb), :by_ref, :on, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_MEMBER = BulkStatement(
    """INSERT INTO program_members (program_id, joined_version, project_id, joined_on, joined_at)
       VALUES (:id, :v, :pid, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_POOL = BulkStatement(
    """INSERT INTO program_pool (program_id, version, change, amount, effective_on, occurred_at)
       VALUES (:id, :v, :change, :amount, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_ALLOCATION = BulkStatement(
    """INSERT INTO program_allocations (program_id, version, leg, project_id, amount,
       effective_on, occurred_at) VALUES (:id, :v, :leg, :pid, :amount, :on, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_RESOURCE = BulkStatement(
    """INSERT INTO program_resources (resource_id, program_id, version, kind, person,
       person_ref, role, weekly_capacity_hours, effective_on, occurred_at)
       VALUES (:rid, :id, :v, :kind, CAST(:person AS jsonb), :person_ref, :role, :capacity,
       :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_ASSIGNMENT = BulkStatement(
    """INSERT INTO program_assignments (assignment_id, program_id, version, resource_id,
       project_id, hours_per_week, first_week, last_week, effective_on, occurred_at)
       VALUES (:aid, :id, :v, :rid, :pid, :hours, :first, :last, :on, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_ASSIGNMENT_CHANGE = BulkStatement(
    """INSERT INTO program_assignment_changes (program_id, version, assignment_id, change,
       hours_per_week, last_week, effective_on, occurred_at)
       VALUES (:id, :v, :aid, :change, :hours, :last, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_BENEFIT = BulkStatement(
    """INSERT INTO program_benefits (benefit_id, program_id, name, measure, unit, target_value,
       target_date, owner, owner_ref, effective_on, occurred_at)
       VALUES (:bid, :id, :name, :measure, :unit, :target, :target_date, CAST(:owner AS jsonb),
       :owner_ref, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_BENEFIT_REPORT = BulkStatement(
    """INSERT INTO program_benefit_reports (program_id, version, benefit_id, value, as_of,
       occurred_at) VALUES (:id, :v, :bid, :value, :as_of, :at) ON CONFLICT DO NOTHING"""
)
INSERT_DEPENDENCY = BulkStatement(
    """INSERT INTO program_dependencies (dependency_id, program_id, dependent_project_id,
       prerequisite_project_id, kind, deliverable, added_on, added_at)
       VALUES (:did, :id, :dependent, :prerequisite, :kind, :deliverable, :on, :at)
       ON CONFLICT DO NOTHING"""
)
# A removal ends the latest membership of the project that began before it: so even applied
# out of order, each removal ends its own membership.
UPDATE_MEMBER_LEFT = BulkStatement(
    """UPDATE program_members SET left_version = :v, left_on = :on, left_at = :at
       WHERE program_id = :id AND left_version IS NULL AND joined_version = (
         SELECT max(m.joined_version) FROM program_members m
         WHERE m.program_id = :id AND m.project_id = :pid AND m.joined_version < :v)"""
)
UPDATE_DEPENDENCY_REMOVED = BulkStatement(
    """UPDATE program_dependencies SET removed_on = :on, removed_at = :at
       WHERE dependency_id = :did AND removed_at IS NULL"""
)

INSERTS: tuple[BulkStatement, ...] = (
    INSERT_PROGRAM,
    INSERT_STATUS,
    INSERT_MEMBER,
    INSERT_POOL,
    INSERT_ALLOCATION,
    INSERT_RESOURCE,
    INSERT_ASSIGNMENT,
    INSERT_ASSIGNMENT_CHANGE,
    INSERT_BENEFIT,
    INSERT_BENEFIT_REPORT,
    INSERT_DEPENDENCY,
)
UPDATES: tuple[BulkStatement, ...] = (UPDATE_MEMBER_LEFT, UPDATE_DEPENDENCY_REMOVED)


def _common(env: EventEnvelope) -> dict[str, Any]:
    return {"id": env.stream_id, "v": env.stream_version, "at": env.occurred_at}


def proposed(env: EventEnvelope, e: pev.ProgramProposed) -> Rows:
    row = {
        **_common(env),
        "tenant": env.tenant_id,
        "code": e.code,
        "name": e.name,
        "area": e.area,
        "manager": personal.column(e.manager),
        "manager_ref": personal.pseudonym(e.manager),
        "sponsor": personal.column(e.sponsor),
        "sponsor_ref": personal.pseudonym(e.sponsor),
        "currency": e.currency,
        "on": e.proposed_on,
    }
    return [(INSERT_PROGRAM, row), *_status(env, "proposed", on=e.proposed_on)]


def _status(
    env: EventEnvelope,
    status: str,
    *,
    on: Any,
    reason: str | None = None,
    by: ev.Personal | None = None,
) -> Rows:
    who: dict[str, Any] = {"by": None, "by_ref": None}
    if by is not None:
        who = {"by": personal.column(by), "by_ref": personal.pseudonym(by)}
    return [(INSERT_STATUS, {**_common(env), "status": status, "reason": reason, "on": on, **who})]


def activated(env: EventEnvelope, e: pev.ProgramActivated) -> Rows:
    return _status(env, "active", on=e.effective_on, by=e.activated_by)


def put_on_hold(env: EventEnvelope, e: pev.ProgramPutOnHold) -> Rows:
    return _status(env, "on_hold", on=e.effective_on, reason=e.reason)


def resumed(env: EventEnvelope, e: pev.ProgramResumed) -> Rows:
    return _status(env, "active", on=e.effective_on)


def closed(env: EventEnvelope, e: pev.ProgramClosed) -> Rows:
    return _status(env, "closed", on=e.effective_on)


def cancelled(env: EventEnvelope, e: pev.ProgramCancelled) -> Rows:
    return _status(env, "cancelled", on=e.effective_on, reason=e.reason)


def member_added(env: EventEnvelope, e: pev.MemberProjectAdded) -> Rows:
    return [(INSERT_MEMBER, {**_common(env), "pid": e.project_id, "on": e.effective_on})]


def member_removed(env: EventEnvelope, e: pev.MemberProjectRemoved) -> Rows:
    return [(UPDATE_MEMBER_LEFT, {**_common(env), "pid": e.project_id, "on": e.effective_on})]


def _pool(env: EventEnvelope, change: str, amount: Any, on: Any) -> Rows:
    return [(INSERT_POOL, {**_common(env), "change": change, "amount": amount, "on": on})]


def pool_set(env: EventEnvelope, e: pev.FundingPoolSet) -> Rows:
    return _pool(env, "set", e.amount, e.effective_on)


def pool_increased(env: EventEnvelope, e: pev.FundingPoolIncreased) -> Rows:
    return _pool(env, "increase", e.amount, e.effective_on)


def pool_decreased(env: EventEnvelope, e: pev.FundingPoolDecreased) -> Rows:
    return _pool(env, "decrease", e.amount, e.effective_on)


def _leg(env: EventEnvelope, leg: int, project_id: Any, amount: Any, on: Any) -> Rows:
    row = {**_common(env), "leg": leg, "pid": project_id, "amount": amount, "on": on}
    return [(INSERT_ALLOCATION, row)]


def allocated(env: EventEnvelope, e: pev.FundsAllocated) -> Rows:
    return _leg(env, 0, e.project_id, e.amount, e.effective_on)


def reallocated(env: EventEnvelope, e: pev.FundsReallocated) -> Rows:
    return [
        *_leg(env, 0, e.from_project_id, -e.amount, e.effective_on),
        *_leg(env, 1, e.to_project_id, e.amount, e.effective_on),
    ]


def resource_added(env: EventEnvelope, e: pev.ResourceAdded) -> Rows:
    person = e.person
    row = {
        **_common(env),
        "rid": e.resource_id,
        "kind": e.kind,
        "person": None if person is None else personal.column(person),
        "person_ref": None if person is None else personal.pseudonym(person),
        "role": e.role,
        "capacity": e.weekly_capacity_hours,
        "on": e.effective_on,
    }
    return [(INSERT_RESOURCE, row)]


def resource_assigned(env: EventEnvelope, e: pev.ResourceAssigned) -> Rows:
    row = {
        **_common(env),
        "aid": e.assignment_id,
        "rid": e.resource_id,
        "pid": e.project_id,
        "hours": e.hours_per_week,
        "first": e.first_week,
        "last": e.last_week,
        "on": e.effective_on,
    }
    return [(INSERT_ASSIGNMENT, row)]


def _change(
    env: EventEnvelope, e: Any, change: str, *, hours: Any = None, last: Any = None
) -> Rows:
    row = {
        **_common(env),
        "aid": e.assignment_id,
        "change": change,
        "hours": hours,
        "last": last,
        "on": e.effective_on,
    }
    return [(INSERT_ASSIGNMENT_CHANGE, row)]


def hours_changed(env: EventEnvelope, e: pev.AssignmentHoursChanged) -> Rows:
    return _change(env, e, "hours", hours=e.hours_per_week)


def ended_early(env: EventEnvelope, e: pev.AssignmentEndedEarly) -> Rows:
    return _change(env, e, "ended_early", last=e.last_week)


def released(env: EventEnvelope, e: pev.AssignmentReleased) -> Rows:
    return _change(env, e, "released")


def benefit_planned(env: EventEnvelope, e: pev.BenefitPlanned) -> Rows:
    row = {
        **_common(env),
        "bid": e.benefit_id,
        "name": e.name,
        "measure": e.measure,
        "unit": e.unit,
        "target": e.target_value,
        "target_date": e.target_date,
        "owner": personal.column(e.owner),
        "owner_ref": personal.pseudonym(e.owner),
        "on": e.effective_on,
    }
    return [(INSERT_BENEFIT, row)]


def benefit_reported(env: EventEnvelope, e: pev.BenefitRealisationReported) -> Rows:
    row = {**_common(env), "bid": e.benefit_id, "value": e.value, "as_of": e.as_of}
    return [(INSERT_BENEFIT_REPORT, row)]


def dependency_added(env: EventEnvelope, e: pev.DependencyAdded) -> Rows:
    row = {
        **_common(env),
        "did": e.dependency_id,
        "dependent": e.dependent_project_id,
        "prerequisite": e.prerequisite_project_id,
        "kind": e.kind,
        "deliverable": e.deliverable,
        "on": e.effective_on,
    }
    return [(INSERT_DEPENDENCY, row)]


def dependency_removed(env: EventEnvelope, e: pev.DependencyRemoved) -> Rows:
    row = {**_common(env), "did": e.dependency_id, "on": e.effective_on}
    return [(UPDATE_DEPENDENCY_REMOVED, row)]
