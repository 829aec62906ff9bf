"""The PMO's standards and the portfolio's decisions as project-svc's handlers and reads apply
them: looked up in the unit of work's references for the business date at hand, the
environment's defaults where no set is in force, and the gates that decide who may act.

Which date is "at hand": an approval's own date (the standards and the decision in force on
it); an office's establishment date; today for a list or a read's `large`; and today for a
gate, whatever date the command gives its fact, so that dating a re-baseline back never takes
it past a gate in force now.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.errors import ForbiddenError
from pmo_shared.application.unit_of_work import UnitOfWork
from project_svc.application.ports import ProjectRows
from project_svc.domain.project import Project
from project_svc.domain.standards import REBASELINE_ACTIVE_NEEDS_PMO, Standards
from project_svc.domain.values import ProjectStatus

UNDERWAY = (ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


async def standards_on(uow: UnitOfWork[ProjectRows], *, defaults: Standards, on: date) -> Standards:
    """The unit's tenant's standards in force on `on`, else `defaults` (the environment's)."""
    found = await uow.rows.standards_on(tenant_id=uow.tenant_id, on=on)
    return found if found is not None else defaults


class PmoGateError(ForbiddenError):
    """The PMO's standards require a gate only the PMO may pass (403)."""

    code = "pmo-gate"
    title = "The PMO's standards require the PMO"

    def __init__(self, *, gate: str, project: Project, action: str, since: date | None) -> None:
        super().__init__(
            f"{action} project {project.code} while {project.status.value} needs the PMO: the "
            f"PMO's standards in force (from {since}) require the gate {gate}"
        )
        self.gate = gate
        self.project_id = project.id
        self.project_status = project.status.value

    def problem_extra(self) -> dict[str, Any]:
        """The gate, and the project's state that brought it into play."""
        return {
            "gate": self.gate,
            "project_id": str(self.project_id),
            "project_status": self.project_status,
        }


def require_rebaseline_gate(caller: Caller, project: Project, standards: Standards) -> None:
    """Under the gate `rebaseline_active_needs_pmo`, only the PMO re-baselines a project that
    is active or on hold (403 naming the gate)."""
    if project.status not in UNDERWAY or not standards.requires(REBASELINE_ACTIVE_NEEDS_PMO):
        return
    if not caller.has_role(Role.PMO):
        raise PmoGateError(
            gate=REBASELINE_ACTIVE_NEEDS_PMO,
            project=project,
            action="re-baselining",
            since=standards.effective_on,
        )
