"""The `project-reports` projection: every project-svc, program-svc and portfolio-svc event into
the reporting tables (one projection, one generation mechanism: a rebuild covers every topic at
once).

One table maps each event type to its handler (`projects` for project events, `offices` for Project
Office events, `programs` for program events, `portfolios` for portfolio events, `standards` for
the PMO's standards, `lessons` for the PMO's verdicts on suggested lessons); a handler returns
the writes its event makes. Writes are buffered per batch and flushed in bulk (one executemany
per statement). That is safe because every statement is
either an insert of a fact keyed by its own id, or an update that is monotonic in the stream
version or applies once; so running all inserts before all updates gives the same tables as
applying events one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import KERNEL_EVENTS, DomainEvent, EventEnvelope, EventRegistry
from pmo_shared.messaging.topics import (
    PORTFOLIO_EVENTS_TOPIC,
    PROGRAM_EVENTS_TOPIC,
    PROJECT_EVENTS_TOPIC,
)
from reporting_svc import events as ev
from reporting_svc import portfolio_events as fev
from reporting_svc import program_events as pev
from reporting_svc.readmodel import (
    figures,
    lessons,
    offices,
    portfolios,
    programs,
    projects,
    standards,
)
from reporting_svc.readmodel.rows import Rows

PROJECTION_NAME = "project-reports"
TOPICS: tuple[str, ...] = (PROJECT_EVENTS_TOPIC, PROGRAM_EVENTS_TOPIC, PORTFOLIO_EVENTS_TOPIC)
"""What the projection reads. The topics come in no order with each other; no write of one
waits for another's (the reports join them at query time)."""

E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[EventEnvelope, DomainEvent], Rows]


def _on(
    event_type: type[E], handler: Callable[[EventEnvelope, E], Rows]
) -> tuple[type[DomainEvent], Handler]:
    """A table entry: `handler` for events of exactly `event_type`."""

    def handle(envelope: EventEnvelope, event: DomainEvent) -> Rows:
        assert isinstance(event, event_type)  # the table is keyed by the event's own type
        return handler(envelope, event)

    return event_type, handle


HANDLERS: dict[type[DomainEvent], Handler] = dict(
    [
        _on(ev.ProjectProposed, projects.proposed),
        _on(ev.ProjectBaselined, projects.baselined),
        _on(ev.ProjectApproved, projects.approved),
        _on(ev.ProjectStarted, projects.started),
        _on(ev.ProjectPutOnHold, projects.put_on_hold),
        _on(ev.ProjectResumed, projects.resumed),
        _on(ev.ProjectCompleted, projects.completed),
        _on(ev.ProjectCancelled, projects.cancelled),
        _on(ev.ProjectClosed, projects.closed),
        _on(ev.ProgressReported, projects.progress_reported),
        _on(ev.CostRecorded, projects.cost_recorded),
        _on(ev.MilestoneAdded, projects.milestone_added),
        _on(ev.MilestoneAchieved, projects.milestone_achieved),
        _on(ev.RiskRaised, projects.risk_raised),
        _on(ev.RiskClosed, projects.risk_closed),
        _on(ev.StatusReportSubmitted, projects.status_report_submitted),
        _on(ev.LessonLearned, projects.lesson_learned),
        _on(ev.ProjectOfficeEstablished, offices.established),
        _on(ev.OfficeStaffAssigned, offices.staff_assigned),
        _on(ev.OfficeStaffReleased, offices.staff_released),
        _on(ev.OfficeReportPublished, offices.report_published),
        _on(ev.OfficeDocumentFiled, offices.document_filed),
        _on(ev.ProjectOfficeDisbanded, offices.disbanded),
        _on(pev.ProgramProposed, programs.proposed),
        _on(pev.ProgramActivated, programs.activated),
        _on(pev.ProgramPutOnHold, programs.put_on_hold),
        _on(pev.ProgramResumed, programs.resumed),
        _on(pev.ProgramClosed, programs.closed),
        _on(pev.ProgramCancelled, programs.cancelled),
        _on(pev.MemberProjectAdded, programs.member_added),
        _on(pev.MemberProjectRemoved, programs.member_removed),
        _on(pev.FundingPoolSet, programs.pool_set),
        _on(pev.FundingPoolIncreased, programs.pool_increased),
        _on(pev.FundingPoolDecreased, programs.pool_decreased),
        _on(pev.FundsAllocated, programs.allocated),
        _on(pev.FundsReallocated, programs.reallocated),
        _on(pev.ResourceAdded, programs.resource_added),
        _on(pev.ResourceAssigned, programs.resource_assigned),
        _on(pev.AssignmentHoursChanged, programs.hours_changed),
        _on(pev.AssignmentEndedEarly, programs.ended_early),
        _on(pev.AssignmentReleased, programs.released),
        _on(pev.BenefitPlanned, programs.benefit_planned),
        _on(pev.BenefitRealisationReported, programs.benefit_reported),
        _on(pev.DependencyAdded, programs.dependency_added),
        _on(pev.DependencyRemoved, programs.dependency_removed),
        _on(fev.PortfolioCreated, portfolios.created),
        _on(fev.ObjectivesWeighted, portfolios.weighted),
        _on(fev.ComponentAdded, portfolios.component_added),
        _on(fev.ComponentCostChanged, portfolios.cost_changed),
        _on(fev.ComponentScored, portfolios.scored),
        _on(fev.ComponentRemoved, portfolios.component_removed),
        _on(fev.BudgetSet, portfolios.budget_set),
        _on(fev.DecisionRecorded, portfolios.decision_recorded),
        _on(fev.SelectionAdopted, portfolios.selection_adopted),
        _on(fev.PmoStandardsSet, standards.standards_set),
        _on(fev.LessonSuggestionJudged, lessons.suggestion_judged),
    ]
)


def _readers() -> EventRegistry:
    """One registry of every reader of the topics (project-svc's with their upcasters,
    program-svc's, portfolio-svc's): what the projection's consumer decodes with."""
    readers = EventRegistry()
    for source in (ev.registry, pev.registry, fev.registry):
        for reader in source:
            if reader not in KERNEL_EVENTS:  # in every registry already
                readers.register(reader)
    for event_type in ev.UNDATED:
        readers.upcaster(event_type, from_version=1)(ev.undated)
    return readers


readers = _readers()
"""The registry the projection's events are decoded with: `events`, `program_events` and
`portfolio_events`."""

# Flush order: every insert before every update (see the module docstring).
_ORDER: tuple[BulkStatement, ...] = (
    projects.INSERT_PROJECT,
    offices.INSERT_OFFICE,
    projects.INSERT_STATUS,
    projects.INSERT_BASELINE,
    projects.INSERT_PROGRESS,
    projects.INSERT_COST,
    projects.INSERT_MILESTONE,
    projects.INSERT_RISK,
    projects.INSERT_STATUS_REPORT,
    projects.INSERT_LESSON,
    offices.INSERT_STAFF,
    offices.INSERT_OFFICE_REPORT,
    offices.INSERT_DOCUMENT,
    *programs.INSERTS,
    *portfolios.INSERTS,
    standards.INSERT_STANDARDS,
    lessons.INSERT_FEEDBACK,
    projects.UPDATE_STATUS,
    projects.UPDATE_ACHIEVED,
    projects.UPDATE_RISK_CLOSED,
    offices.UPDATE_DISBANDED,
    *programs.UPDATES,
    *portfolios.UPDATES,
)


# The events that change a project's report (its stream is the project's): its figures are
# computed again.
_FIGURES_CHANGED: frozenset[type[DomainEvent]] = frozenset(
    {
        ev.ProjectProposed,
        ev.ProjectBaselined,
        ev.ProjectApproved,
        ev.ProjectStarted,
        ev.ProjectPutOnHold,
        ev.ProjectResumed,
        ev.ProjectCompleted,
        ev.ProjectCancelled,
        ev.ProjectClosed,
        ev.ProgressReported,
        ev.CostRecorded,
        ev.MilestoneAdded,
        ev.MilestoneAchieved,
        ev.RiskRaised,
        ev.RiskClosed,
    }
)


def rows_for(envelope: EventEnvelope, event: DomainEvent) -> Rows:
    """The writes one event makes: none for an event reporting does not handle, nor for a
    kernel bookkeeping event (`PersonalDataErased`: it changes no state here; the erased
    person's sealed values read `[erased]` from the moment the key was destroyed). Skipping
    one leaves the stream's version alone: every versioned write is monotonic in the version
    or keyed by it, so a later event's version still counts."""
    if event.bookkeeping:
        return []
    handler = HANDLERS.get(type(event))
    return handler(envelope, event) if handler is not None else []


class ProjectReportsProjection:
    """Buffers each batch's writes and flushes them in bulk; the figures of the projects
    whose facts changed are marked to be computed again in the same transaction, under the
    shared lock of their tenants' figures (`readmodel.figures`)."""

    def __init__(self, *, name: str = PROJECTION_NAME, topics: Sequence[str] = TOPICS) -> None:
        self.name = name
        self.topics = topics
        self._buffer: dict[BulkStatement, list[dict[str, Any]]] = defaultdict(list)
        self._changed: dict[UUID, str] = {}

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Buffer the event's writes."""
        for statement, params in rows_for(envelope, event):
            self._buffer[statement].append(params)
        if type(event) in _FIGURES_CHANGED:
            self._changed[envelope.stream_id] = envelope.tenant_id

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self._buffer.clear()
        self._changed.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Write the buffered rows, inserts first, one executemany per statement."""
        buffered, self._buffer = self._buffer, defaultdict(list)
        changed, self._changed = self._changed, {}
        if changed:
            await figures.lock_shared(conn, set(changed.values()))
        for statement in _ORDER:
            rows = buffered.get(statement)
            if rows:
                await statement.execute_many(conn, rows)
        if changed:
            await figures.changed(conn, changed)
