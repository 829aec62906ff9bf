"""HTTP routes of a project's Project Office."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from project_svc.api import schemas
from project_svc.api.deps import CallerDep, OfficeCommand, Service
from project_svc.api.views import etag, office_read

router = APIRouter(prefix="/v1/projects/{project_id}/office", tags=["project office"])
Read = schemas.OfficeRead
Created = schemas.Created
CREATED = status.HTTP_201_CREATED


@router.post("", status_code=CREATED, response_model=Read)
async def establish_office(
    project_id: UUID,
    body: schemas.OfficeCreate,
    service: Service,
    caller: CallerDep,
    response: Response,
) -> Read:
    """Establish the Project Office of a large, approved, active or on-hold project."""
    office = await service.establish_office(
        caller,
        project_id,
        lead=body.lead,
        cadence_days=body.reporting_cadence_days,
        charter=body.charter,
    )
    response.headers["ETag"] = etag(office.version)
    response.headers["Location"] = f"/v1/projects/{project_id}/office"
    return office_read(office)


@router.get("", response_model=Read)
async def get_office(
    project_id: UUID, service: Service, caller: CallerDep, response: Response
) -> Read:
    """The project's live Project Office, or else its last one."""
    office = await service.office(caller, project_id)
    response.headers["ETag"] = etag(office.version)
    return office_read(office)


@router.post("/staff", response_model=Read)
async def assign_staff(body: schemas.StaffAssign, on: OfficeCommand) -> Read:
    """Assign someone to the office."""
    return (await on.run(lambda o: o.assign_staff(user_id=body.user_id, role=body.role)))[0]


@router.post("/staff/{user_id}/release", response_model=Read)
async def release_staff(user_id: str, on: OfficeCommand) -> Read:
    """Release someone from the office."""
    return (await on.run(lambda o: o.release_staff(user_id=user_id)))[0]


@router.post("/reports", status_code=CREATED, response_model=Created)
async def publish_report(body: schemas.OfficeReportCreate, on: OfficeCommand) -> Created:
    """Publish a status, financial, risk or metrics report."""
    return await on.add(
        lambda o: o.publish_report(
            kind=body.kind, period_end=body.period_end, summary=body.summary, metrics=body.metrics
        )
    )


@router.post("/documents", status_code=CREATED, response_model=Created)
async def file_document(body: schemas.DocumentCreate, on: OfficeCommand) -> Created:
    """File a document (title, kind, link)."""
    return await on.add(lambda o: o.file_document(title=body.title, kind=body.kind, link=body.link))


@router.post("/disband", response_model=Read)
async def disband(body: schemas.ReasonRequest, on: OfficeCommand) -> Read:
    """Disband the office by hand (the PMO or the project's manager, not its lead)."""
    return (await on.run(lambda o: o.disband(reason=body.reason), lead_may=False))[0]
