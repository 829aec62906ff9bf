"""HTTP routes of a project's Project Office."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from pmo_shared.web.commands import CallerDep, Idempotency, etag
from project_svc.api import schemas
from project_svc.api.deps import Bus, OnRoute
from project_svc.api.views import office_read
from project_svc.application import commands as c
from project_svc.application import queries

router = APIRouter(prefix="/v1/projects/{project_id}/office", tags=["project office"])
Read = schemas.OfficeRead
Created = schemas.Created
CREATED = status.HTTP_201_CREATED


@router.post("", status_code=CREATED, response_model=Read)
async def establish_office(
    project_id: UUID,
    body: schemas.OfficeCreate,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    idempotency: Idempotency,
) -> Read:
    """Establish the Project Office of a large, approved, active or on-hold project."""
    command = c.EstablishOffice(
        project_id=project_id,
        lead=body.lead,
        reporting_cadence_days=body.reporting_cadence_days,
        charter=body.charter,
        established_on=body.established_on,
    )
    established = await bus.run(command, caller, idempotency=idempotency)
    office = established.result
    if established.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["ETag"] = etag(office.version)
    response.headers["Location"] = f"/v1/projects/{project_id}/office"
    return office_read(office)


@router.get("", response_model=Read)
async def get_office(project_id: UUID, bus: Bus, caller: CallerDep, response: Response) -> Read:
    """The project's live Project Office, or else its last one."""
    office = await queries.project_office(bus, caller, project_id)
    response.headers["ETag"] = etag(office.version)
    return office_read(office)


@router.get("/events", response_model=list[schemas.EventRead])
async def office_events(project_id: UUID, bus: Bus, caller: CallerDep) -> list[schemas.EventRead]:
    """The audit trail of the project's live Project Office, or else its last one: every
    event, oldest first."""
    envelopes = await queries.office_history(bus, caller, project_id)
    return [schemas.EventRead.model_validate(e.model_dump()) for e in envelopes]


@router.post("/staff", response_model=Read)
async def assign_staff(body: schemas.StaffAssign, on: OnRoute) -> Read:
    """Assign someone to the office."""
    command = c.AssignOfficeStaff(
        project_id=on.project_id,
        expected_version=on.if_match,
        user_id=body.user_id,
        role=body.role,
    )
    return on.office(await on.send(command))


@router.post("/staff/{user_id}/release", response_model=Read)
async def release_staff(user_id: str, on: OnRoute) -> Read:
    """Release someone from the office."""
    command = c.ReleaseOfficeStaff(
        project_id=on.project_id, expected_version=on.if_match, user_id=user_id
    )
    return on.office(await on.send(command))


@router.post("/reports", status_code=CREATED, response_model=Created)
async def publish_report(body: schemas.OfficeReportCreate, on: OnRoute) -> Created:
    """Publish a status, financial, risk or metrics report."""
    command = c.PublishOfficeReport(
        project_id=on.project_id,
        expected_version=on.if_match,
        kind=body.kind,
        period_end=body.period_end,
        summary=body.summary,
        metrics=body.metrics,
    )
    return on.added(await on.send(command))


@router.post("/documents", status_code=CREATED, response_model=Created)
async def file_document(body: schemas.DocumentCreate, on: OnRoute) -> Created:
    """File a document (title, kind, link)."""
    command = c.FileOfficeDocument(
        project_id=on.project_id,
        expected_version=on.if_match,
        title=body.title,
        kind=body.kind,
        link=body.link,
    )
    return on.added(await on.send(command))


@router.post("/disband", response_model=Read)
async def disband(body: schemas.DisbandRequest, on: OnRoute) -> Read:
    """Disband the office by hand (the PMO or the project's manager, not its lead), as of today
    unless an earlier date is given."""
    command = c.DisbandOffice(
        project_id=on.project_id,
        expected_version=on.if_match,
        reason=body.reason,
        disbanded_on=body.disbanded_on,
    )
    return on.office(await on.send(command))
