"""Dependencies of the reporting routes."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from pmo_shared.problems import Problem
from reporting_svc.application.reports import ReportService
from reporting_svc.application.supervisor import ProjectionSupervisor


def get_reports(request: Request) -> ReportService:
    """The report service built by the composition root."""
    reports: ReportService = request.app.state.reports
    return reports


def get_supervisor(request: Request) -> ProjectionSupervisor:
    """The projection supervisor built by the composition root."""
    supervisor: ProjectionSupervisor = request.app.state.supervisor
    return supervisor


def encode_cursor(value: str) -> str:
    """An opaque cursor for `value`."""
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The value inside a cursor this API returned; 400 otherwise."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Problem(
            400, slug="bad-cursor", detail="cursor is not one this API returned"
        ) from None


Reports = Annotated[ReportService, Depends(get_reports)]
Supervisor = Annotated[ProjectionSupervisor, Depends(get_supervisor)]
