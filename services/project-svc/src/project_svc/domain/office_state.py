"""What a Project Office is, as its events made it: the state and the fold. The decisions live
in `project_office.ProjectOffice`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from pmo_shared.domain.aggregate import Aggregate, applies
from project_svc.domain import events as ev


class OfficeState(StrEnum):
    """Where a Project Office is in its short life."""

    ESTABLISHED = "established"
    DISBANDED = "disbanded"


@dataclass(slots=True, frozen=True)
class OfficeReport:
    report_id: UUID
    kind: str
    period_end: date


class ProjectOfficeState(Aggregate):
    """A Project Office's facts, changed only by applying its events."""

    stream_type = ev.PROJECT_OFFICE

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.state = OfficeState.ESTABLISHED
        self.project_id: UUID | None = None
        self.lead = ""
        self.reporting_cadence_days = 0
        self.charter = ""
        self.staff: dict[str, str] = {}
        self.reports: list[OfficeReport] = []
        self.document_count = 0
        self.disband_reason: str | None = None
        self.disbanded_automatically = False
        self.established_on: date | None = None
        self.disbanded_on: date | None = None

    @property
    def ordering_id(self) -> UUID | None:
        """An office's events are ordered with its project's (one Kafka key)."""
        return self.project_id

    # -- the fold --------------------------------------------------------------------------
    @applies(ev.ProjectOfficeEstablished)
    def _on_project_office_established(self, e: ev.ProjectOfficeEstablished) -> None:
        self.project_id, self.lead, self.charter = e.project_id, e.lead, e.charter
        self.reporting_cadence_days = e.reporting_cadence_days
        self.established_on = e.established_on

    @applies(ev.OfficeStaffAssigned)
    def _on_office_staff_assigned(self, e: ev.OfficeStaffAssigned) -> None:
        self.staff[e.user_id] = e.role

    @applies(ev.OfficeStaffReleased)
    def _on_office_staff_released(self, e: ev.OfficeStaffReleased) -> None:
        del self.staff[e.user_id]

    @applies(ev.OfficeReportPublished)
    def _on_office_report_published(self, e: ev.OfficeReportPublished) -> None:
        self.reports.append(OfficeReport(e.report_id, e.kind, e.period_end))

    @applies(ev.OfficeDocumentFiled)
    def _on_office_document_filed(self, e: ev.OfficeDocumentFiled) -> None:
        self.document_count += 1

    @applies(ev.ProjectOfficeDisbanded)
    def _on_project_office_disbanded(self, e: ev.ProjectOfficeDisbanded) -> None:
        self.state = OfficeState.DISBANDED
        self.disband_reason, self.disbanded_automatically = e.reason, e.automatic
        self.disbanded_on = e.disbanded_on
