"""Dependencies of the reporting routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportService
from reporting_svc.application.supervisor import ProjectionSupervisor


async def get_reports(request: Request) -> ReportService:
    """The report service built by the composition root."""
    reports: ReportService = request.app.state.reports
    return reports


async def get_programs(request: Request) -> ProgramReportService:
    """The program report service built by the composition root."""
    programs: ProgramReportService = request.app.state.programs
    return programs


async def get_supervisor(request: Request) -> ProjectionSupervisor:
    """The projection supervisor built by the composition root."""
    supervisor: ProjectionSupervisor = request.app.state.supervisor
    return supervisor


Reports = Annotated[ReportService, Depends(get_reports)]
Programs = Annotated[ProgramReportService, Depends(get_programs)]
Supervisor = Annotated[ProjectionSupervisor, Depends(get_supervisor)]
