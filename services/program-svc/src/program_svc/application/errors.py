"""What program-svc's application layer refuses beyond the aggregate's rules: the rules it keeps
with its query rows and with the projects it knows from project-svc's events."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import InvalidValueError, RuleViolationError


class DuplicateCodeError(RuleViolationError):
    """Another program of the tenant already uses this code (409)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"a program with code {code!r} already exists")
        self.program_code = code


class ProjectInAnotherProgramError(RuleViolationError):
    """The project is a member of another program of the tenant already (409): a project
    belongs to one program at most."""

    def __init__(self, *, project_id: UUID, program_id: UUID) -> None:
        super().__init__(f"project {project_id} is a member of program {program_id} already")
        self.project_id = project_id
        self.program_id = program_id

    def problem_extra(self) -> dict[str, Any]:
        """The project, and the program that has it."""
        return {"project_id": str(self.project_id), "program_id": str(self.program_id)}


class UnknownProjectError(InvalidValueError):
    """program-svc knows no such project of the tenant (422): it does not exist, it is
    another tenant's, or its first events have not reached program-svc yet."""

    def __init__(self, project_id: UUID) -> None:
        super().__init__(f"unknown project {project_id} (events may still be arriving)")
        self.project_id = project_id

    def problem_extra(self) -> dict[str, Any]:
        """The project asked for."""
        return {"project_id": str(self.project_id)}


class FutureDateError(InvalidValueError):
    """A business date after the tenant's today (422): facts are recorded once they hold."""

    def __init__(self, *, what: str, day: date, today: date) -> None:
        super().__init__(f"{what} {day.isoformat()} is after today ({today.isoformat()})")
