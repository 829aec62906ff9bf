"""What a program delivers and how its members wait on each other: benefits planned and their
realisation reported; dependencies between members, which never form a cycle."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.errors import InvalidValueError, NotFoundError
from program_svc.domain import events as ev
from program_svc.domain.errors import (
    AlreadyExistsError,
    DependencyCycleError,
    DuplicateDependencyError,
)
from program_svc.domain.guards import ProgramGuards, required_text
from program_svc.domain.parts import Dependency
from program_svc.domain.values import DependencyKind


class BenefitCommands(ProgramGuards):
    """The commands of benefits."""

    def plan_benefit(
        self,
        benefit_id: UUID,
        *,
        name: str,
        measure: str,
        unit: str,
        target_value: Decimal,
        target_date: date,
        owner: str,
        on: date,
    ) -> None:
        """Plan a benefit: what is measured in which unit, the target value by a date, its
        owner."""
        self._require("plan a benefit")
        self._dated(on, "planning date")
        if benefit_id in self._benefits:
            raise AlreadyExistsError("benefit", benefit_id)
        if not target_value.is_finite() or target_value <= 0:
            raise InvalidValueError(
                f"a benefit's target value must be positive, not {target_value}"
            )
        self.record(
            ev.BenefitPlanned(
                benefit_id=benefit_id,
                name=name,
                measure=measure,
                unit=unit,
                target_value=target_value,
                target_date=target_date,
                owner=owner,
                effective_on=on,
            )
        )

    def report_benefit(self, benefit_id: UUID, *, value: Decimal, as_of: date) -> None:
        """Report the value a benefit has reached as of a date (the latest `as_of` counts)."""
        self._require("report a benefit's realisation")
        self._dated(as_of, "realisation date")
        if benefit_id not in self._benefits:
            raise NotFoundError(f"benefit {benefit_id} not found")
        if not value.is_finite() or value < 0:
            raise InvalidValueError(f"a realised value must be zero or more, not {value}")
        self.record(ev.BenefitRealisationReported(benefit_id=benefit_id, value=value, as_of=as_of))


class DependencyCommands(ProgramGuards):
    """The commands of dependencies between members."""

    def add_dependency(
        self,
        dependency_id: UUID,
        *,
        dependent_project_id: UUID,
        prerequisite_project_id: UUID,
        kind: DependencyKind,
        deliverable: str | None = None,
        on: date,
    ) -> None:
        """Record that one member needs another: to finish first, or a deliverable of it
        (`deliverable` names it). Both are members; the dependencies stay acyclic."""
        self._require("add a dependency")
        self._dated(on, "dependency date")
        if dependency_id in self._dependencies:
            raise AlreadyExistsError("dependency", dependency_id)
        self._member(dependent_project_id, "add a dependency")
        self._member(prerequisite_project_id, "add a dependency")
        if dependent_project_id == prerequisite_project_id:
            raise InvalidValueError("a project cannot depend on itself")
        deliverable = _deliverable(kind, deliverable)
        wanted = Dependency(dependent_project_id, prerequisite_project_id, kind, deliverable, on)
        for existing_id, existing in self._dependencies.items():
            if existing.same_as(wanted):
                raise DuplicateDependencyError(existing_id)
        back = needs_path(
            self._dependencies.values(), start=prerequisite_project_id, goal=dependent_project_id
        )
        if back is not None:
            raise DependencyCycleError([dependent_project_id, *back])
        self.record(
            ev.DependencyAdded(
                dependency_id=dependency_id,
                dependent_project_id=dependent_project_id,
                prerequisite_project_id=prerequisite_project_id,
                kind=kind,
                deliverable=deliverable,
                effective_on=on,
            )
        )

    def remove_dependency(self, dependency_id: UUID, *, on: date) -> None:
        """A dependency no longer holds."""
        self._require("remove a dependency")
        self._dated(on, "removal date")
        if dependency_id not in self._dependencies:
            raise NotFoundError(f"dependency {dependency_id} not found")
        self.record(ev.DependencyRemoved(dependency_id=dependency_id, effective_on=on))


def needs_path(dependencies: Iterable[Dependency], *, start: UUID, goal: UUID) -> list[UUID] | None:
    """The shortest chain `start` needs ... needs `goal` (both ends included), or None."""
    needs: dict[UUID, list[UUID]] = {}
    for dependency in dependencies:
        needs.setdefault(dependency.dependent_project_id, []).append(
            dependency.prerequisite_project_id
        )
    came_from: dict[UUID, UUID | None] = {start: None}
    queue = deque([start])
    while queue:
        project = queue.popleft()
        if project == goal:
            return _chain(came_from, goal)
        for prerequisite in needs.get(project, ()):
            if prerequisite not in came_from:
                came_from[prerequisite] = project
                queue.append(prerequisite)
    return None


def _chain(came_from: dict[UUID, UUID | None], goal: UUID) -> list[UUID]:
    chain: list[UUID] = []
    step: UUID | None = goal
    while step is not None:
        chain.append(step)
        step = came_from[step]
    return chain[::-1]


def _deliverable(kind: DependencyKind, deliverable: str | None) -> str | None:
    """The deliverable a `deliverable` dependency names (required); none for finish-to-start."""
    if kind == DependencyKind.DELIVERABLE:
        return required_text(deliverable, "the deliverable of a deliverable dependency").strip()
    if deliverable is not None and deliverable.strip():
        raise InvalidValueError("a finish-to-start dependency names no deliverable")
    return None
