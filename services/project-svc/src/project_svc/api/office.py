"""HTTP routes of a project's Project Office."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from fastapi import APIRouter, Response, status

from project_svc.api import schemas
from project_svc.api.deps import CallerDep, IfMatch, Service
from project_svc.api.views import etag, office_read
from project_svc.application.service import Caller, ProjectService
from project_svc.domain.project_office import ProjectOffice

router = APIRouter(prefix="/v1/projects/{project_id}/office", tags=["project office"])
Read = schemas.OfficeRead
T = TypeVar("T")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Read)
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


async def _run(
    service: ProjectService,
    caller: Caller,
    project_id: UUID,
    if_match: int | None,
    response: Response,
    command: Callable[[ProjectOffice], T],
    *,
    lead_may: bool = True,
) -> tuple[ProjectOffice, T]:
    office, result = await service.change_office(
        caller, project_id, command, if_match=if_match, lead_may=lead_may
    )
    response.headers["ETag"] = etag(office.version)
    return office, result


@router.post("/staff", response_model=Read)
async def assign_staff(
    project_id: UUID,
    body: schemas.StaffAssign,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Assign someone to the office."""

    def command(o: ProjectOffice) -> None:
        o.assign_staff(user_id=body.user_id, role=body.role)

    office, _ = await _run(service, caller, project_id, if_match, response, command)
    return office_read(office)


@router.post("/staff/{user_id}/release", response_model=Read)
async def release_staff(
    project_id: UUID,
    user_id: str,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Release someone from the office."""

    def command(o: ProjectOffice) -> None:
        o.release_staff(user_id=user_id)

    office, _ = await _run(service, caller, project_id, if_match, response, command)
    return office_read(office)


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=schemas.Created)
async def publish_report(
    project_id: UUID,
    body: schemas.OfficeReportCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Publish a status, financial, risk or metrics report."""

    def command(o: ProjectOffice) -> UUID:
        return o.publish_report(
            kind=body.kind, period_end=body.period_end, summary=body.summary, metrics=body.metrics
        )

    office, report_id = await _run(service, caller, project_id, if_match, response, command)
    return schemas.Created(id=report_id, version=office.version)


@router.post("/documents", status_code=status.HTTP_201_CREATED, response_model=schemas.Created)
async def file_document(
    project_id: UUID,
    body: schemas.DocumentCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """File a document (title, kind, link)."""

    def command(o: ProjectOffice) -> UUID:
        return o.file_document(title=body.title, kind=body.kind, link=body.link)

    office, document_id = await _run(service, caller, project_id, if_match, response, command)
    return schemas.Created(id=document_id, version=office.version)


@router.post("/disband", response_model=Read)
async def disband(
    project_id: UUID,
    body: schemas.ReasonRequest,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Disband the office by hand (the PMO or the project's manager)."""

    def command(o: ProjectOffice) -> None:
        o.disband(reason=body.reason)

    office, _ = await _run(service, caller, project_id, if_match, response, command, lead_may=False)
    return office_read(office)
