"""The Project Office: a temporary unit attached to one large project, disbanded when the
project ends. It never outlives its project. Its state and fold are in `office_state`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from pmo_shared.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)
from project_svc.domain import events as ev
from project_svc.domain.office_state import OfficeReport, OfficeState, ProjectOfficeState
from project_svc.domain.project import Project, not_future
from project_svc.domain.values import ProjectStatus

CAN_HAVE_OFFICE = (ProjectStatus.APPROVED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


class ProjectOffice(ProjectOfficeState):
    """Data analysis, reports, metric monitoring and documentation for one large project: its
    commands check the rules, then record events."""

    @classmethod
    def establish(
        cls,
        office_id: UUID,
        *,
        project: Project,
        large_threshold: Decimal | None,
        lead: str,
        reporting_cadence_days: int,
        charter: str,
        established_on: date,
        today: date,
    ) -> ProjectOffice:
        """Set up an office for a large project (`Project.is_large` by `large_threshold`, the
        one in force for its currency; None: only the flag) that is approved, active or on
        hold, as of `established_on` (not in the future). (At most one live office per
        project is enforced by the caller's unique index.)"""
        if project.status not in CAN_HAVE_OFFICE:
            raise InvalidTransitionError(
                action="establish a Project Office",
                current_state=project.status.value,
                allowed_from=tuple(s.value for s in CAN_HAVE_OFFICE),
            )
        if not project.is_large(large_threshold):
            reaching = (
                f", or a budget at completion of at least {large_threshold} {project.currency}"
                if large_threshold is not None
                else f"; the PMO's standards set no large-project threshold for {project.currency}"
            )
            raise RuleViolationError(
                f"only large projects get a Project Office (flagged large{reaching})"
            )
        not_future(established_on, today, "establishment date")
        office = cls(office_id)
        office.record(
            ev.ProjectOfficeEstablished(
                office_id=office_id,
                project_id=project.id,
                lead=lead,
                reporting_cadence_days=reporting_cadence_days,
                charter=charter,
                established_on=established_on,
            )
        )
        return office

    def assign_staff(self, *, user_id: str, role: str) -> None:
        """Add someone to the office."""
        self._require_live("assign staff")
        if user_id in self.staff:
            raise RuleViolationError(f"{user_id} is already on the office's staff")
        self.record(ev.OfficeStaffAssigned(user_id=user_id, role=role))

    def release_staff(self, *, user_id: str) -> None:
        """Release someone from the office."""
        self._require_live("release staff")
        if user_id not in self.staff:
            raise NotFoundError(f"{user_id} is not on the office's staff")
        self.record(ev.OfficeStaffReleased(user_id=user_id))

    def publish_report(
        self, *, kind: str, period_end: date, summary: str, metrics: dict[str, Decimal]
    ) -> UUID:
        """Publish a status, financial, risk or metrics report; returns its id."""
        self._require_live("publish a report")
        report_id = uuid4()
        self.record(
            ev.OfficeReportPublished.model_validate(
                {
                    "report_id": report_id,
                    "kind": kind,
                    "period_end": period_end,
                    "summary": summary,
                    "metrics": metrics,
                }
            )
        )
        return report_id

    def file_document(self, *, title: str, kind: str, link: str) -> UUID:
        """File a document; returns its id."""
        self._require_live("file a document")
        document_id = uuid4()
        self.record(
            ev.OfficeDocumentFiled(document_id=document_id, title=title, kind=kind, link=link)
        )
        return document_id

    def disband(
        self, *, reason: str, disbanded_on: date, today: date, automatic: bool = False
    ) -> None:
        """Disband the office as of `disbanded_on` (not in the future, not before it was
        established); it accepts nothing afterwards."""
        self._require_live("disband")
        not_future(disbanded_on, today, "disbanding date")
        if self.established_on is not None and disbanded_on < self.established_on:
            raise InvalidValueError(
                f"disbanding date {disbanded_on} is before the office was established on "
                f"{self.established_on}"
            )
        self.record(
            ev.ProjectOfficeDisbanded(reason=reason, automatic=automatic, disbanded_on=disbanded_on)
        )

    def disband_with_project(self, project: Project, *, today: date) -> None:
        """Disband the office because its project ended: as of the day it ended, or the day the
        office was established if that was later."""
        ended_on = project.status_since or today
        when = max(ended_on, self.established_on or ended_on)
        self.disband(
            reason=f"project {project.status.value}", disbanded_on=when, today=today, automatic=True
        )

    def _require_live(self, action: str) -> None:
        if self.state is OfficeState.DISBANDED:
            raise InvalidTransitionError(
                action=action,
                current_state=OfficeState.DISBANDED.value,
                allowed_from=(OfficeState.ESTABLISHED.value,),
            )


__all__ = ["CAN_HAVE_OFFICE", "OfficeReport", "OfficeState", "ProjectOffice"]
