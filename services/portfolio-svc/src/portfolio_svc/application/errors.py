"""What portfolio-svc's application layer refuses beyond the aggregates' rules: the rules it
keeps with its query rows, with the programs and projects it knows from their services' events,
and with the PMO's standards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import InvalidValueError, NotFoundError, RuleViolationError


class DuplicateCodeError(RuleViolationError):
    """Another portfolio of the tenant already uses this code (409)."""

    code = "already-exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a portfolio with code {code!r} already exists")
        self.portfolio_code = code


class ComponentInAnotherPortfolioError(RuleViolationError):
    """The program or project is a component of another portfolio of the tenant already (409):
    a component belongs to one portfolio at most."""

    code = "component-in-another-portfolio"

    def __init__(self, *, component_id: UUID, portfolio_id: UUID) -> None:
        super().__init__(
            f"component {component_id} is a component of portfolio {portfolio_id} already"
        )
        self.component_id = component_id
        self.portfolio_id = portfolio_id

    def problem_extra(self) -> dict[str, Any]:
        """The component, and the portfolio that has it."""
        return {"component_id": str(self.component_id), "portfolio_id": str(self.portfolio_id)}


class CountedThroughProgramError(RuleViolationError):
    """The project is a member of a program that is a component of this portfolio (409): it is
    counted through that program, never twice."""

    code = "counted-through-program"

    def __init__(self, *, project_id: UUID, program_id: UUID) -> None:
        super().__init__(
            f"project {project_id} is a member of program {program_id}, a component of this "
            "portfolio: it is counted through the program"
        )
        self.project_id = project_id
        self.program_id = program_id

    def problem_extra(self) -> dict[str, Any]:
        """The project, and the program it is counted through."""
        return {"project_id": str(self.project_id), "program_id": str(self.program_id)}


class MemberIsComponentError(RuleViolationError):
    """A member project of the program is a component of this portfolio already (409): the
    program would count it a second time."""

    code = "member-is-component"

    def __init__(self, *, program_id: UUID, project_ids: list[UUID]) -> None:
        named = ", ".join(str(p) for p in project_ids)
        super().__init__(
            f"program {program_id} has member project(s) {named}, already component(s) of this "
            "portfolio: remove them first, or they would be counted twice"
        )
        self.program_id = program_id
        self.project_ids = project_ids

    def problem_extra(self) -> dict[str, Any]:
        """The program, and its members that are components already."""
        return {
            "program_id": str(self.program_id),
            "project_ids": [str(p) for p in self.project_ids],
        }


class UnknownReferenceError(InvalidValueError):
    """portfolio-svc knows no such program (or project) of the tenant (422): it does not exist,
    it is another tenant's, or its first events have not reached portfolio-svc yet."""

    code = "unknown-component-reference"

    def __init__(self, *, kind: str, component_id: UUID) -> None:
        super().__init__(f"unknown {kind} {component_id} (events may still be arriving)")
        self.kind = kind
        self.component_id = component_id

    def problem_extra(self) -> dict[str, Any]:
        """The kind and id asked for."""
        return {"kind": self.kind, "component_id": str(self.component_id)}


class EndedReferenceError(RuleViolationError):
    """The program or project has ended (closed, cancelled, completed) (409): it can no longer
    become a component."""

    code = "component-ended"

    def __init__(self, *, kind: str, component_id: UUID, status: str) -> None:
        super().__init__(f"{kind} {component_id} is {status}: it can no longer be a component")
        self.kind = kind
        self.component_id = component_id
        self.reference_status = status

    def problem_extra(self) -> dict[str, Any]:
        """The component and its status."""
        return {"component_id": str(self.component_id), "component_status": self.reference_status}


class CostUnknownError(InvalidValueError):
    """No cost is known for the component yet (a program without a funding pool, a project
    without a baseline) and no estimate was given (422)."""

    code = "cost-unknown"

    def __init__(self, *, kind: str, component_id: UUID) -> None:
        what = "funding pool" if kind == "program" else "baseline (BAC)"
        super().__init__(
            f"{kind} {component_id} has no {what} known yet: give an `estimate` of its cost"
        )
        self.component_id = component_id

    def problem_extra(self) -> dict[str, Any]:
        """The component."""
        return {"component_id": str(self.component_id)}


class CostKnownError(InvalidValueError):
    """An estimate for a component whose cost is known (422): an estimate is for a candidate
    not yet funded or baselined; the known cost is used."""

    code = "cost-known"

    def __init__(self, *, component_id: UUID, cost: str) -> None:
        super().__init__(
            f"component {component_id} has a known cost ({cost}): leave `estimate` out to use it"
        )
        self.component_id = component_id
        self.cost = cost

    def problem_extra(self) -> dict[str, Any]:
        """The component and its known cost."""
        return {"component_id": str(self.component_id), "known_cost": self.cost}


class NotLargeProjectError(InvalidValueError):
    """A project that is not large (422): a project component must be flagged large, or have a
    BAC at or above the large-project threshold in force (from the PMO standards, else the
    service's default)."""

    code = "not-a-large-project"

    def __init__(
        self, *, project_id: UUID, bac: Decimal | None, threshold: Decimal | None, currency: str
    ) -> None:
        if threshold is None:
            rule = f"the PMO standards set no large-project threshold in {currency}"
        else:
            rule = f"the large-project threshold is {threshold} {currency}"
        have = "no baseline" if bac is None else f"a BAC of {bac} {currency}"
        super().__init__(
            f"project {project_id} is not large: it is not flagged large and has {have}; {rule}"
        )
        self.project_id = project_id
        self.bac = bac
        self.threshold = threshold

    def problem_extra(self) -> dict[str, Any]:
        """The project, its BAC and the threshold (None: none) as plain strings."""
        return {
            "project_id": str(self.project_id),
            "budget_at_completion": None if self.bac is None else str(self.bac),
            "threshold": None if self.threshold is None else str(self.threshold),
        }


class NoStandardsError(NotFoundError):
    """The tenant has no PMO standards in force on the date (404)."""

    code = "no-standards"

    def __init__(self, *, on: date) -> None:
        super().__init__(f"no PMO standards in force on {on.isoformat()}")
        self.on = on

    def problem_extra(self) -> dict[str, Any]:
        """The date asked for."""
        return {"as_of": self.on.isoformat()}


class FutureDateError(InvalidValueError):
    """A business date after the tenant's today (422): facts are recorded once they hold."""

    def __init__(self, *, what: str, day: date, today: date) -> None:
        super().__init__(f"{what} {day.isoformat()} is after today ({today.isoformat()})")
