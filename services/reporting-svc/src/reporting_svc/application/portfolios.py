"""Portfolio reports: the roll-up of a portfolio's components (programs through their member
projects, projects directly) at a status date, their value, decisions and selection, and the
budget's coverage of each objective; facts from the live read models (`portfolio_facts` turns
them into values), figures from the pure domain (`domain.portfolio_rollup`, `program_rollup`).

Asked like every report (`When`: `as_of` in business time, default the tenant's today;
`known_at` in record time, default now). A component counts while it is in the portfolio at the
status date; a program's members are its members then (as its own roll-up counts them), and
every project's figures are exactly its project report's for the same `When` (the same facts,
the same status date, the same thresholds). The portfolio's health and each program
component's rate their indices by the PMO's standards in force on the status date as known at
`known_at` (else the defaults), as the program roll-up does. One read of the live generation
per report (one snapshot, `ReportService.snapshot`: a rebuild switching meanwhile cannot mix two
generations into one answer, nor a commit two states). The people shown (the manager; in a
portfolio's own report, who decided and who adopted the selection) are opened per request with
the producers' keys."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.values import money_quantum
from reporting_svc.application import portfolio_facts as facts
from reporting_svc.application.portfolio_facts import Decision, SelectionReport, Weights
from reporting_svc.application.reports import (
    NOT_OPENED,
    ROLLUPS_AT_ONCE,
    Asked,
    LiveReadModel,
    ProjectReport,
    ReportNotFoundError,
    ReportService,
    When,
)
from reporting_svc.domain import portfolio_rollup as rollup
from reporting_svc.domain import program_rollup
from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.domain.portfolio_rollup import Figures, ObjectiveCoverage, Valuation
from reporting_svc.domain.program_rollup import ProgramPerformance
from reporting_svc.readmodel import portfolio_queries
from reporting_svc.readmodel.dates import iso_date


class NoSelectionAdoptedError(ReportNotFoundError):
    """The portfolio had no selection adopted by the status date (as known then) (404)."""

    code = "no-selection-adopted"

    def __init__(self, portfolio_id: UUID, as_of: date) -> None:
        super().__init__(f"portfolio {portfolio_id} had no selection adopted by {as_of}")
        self.as_of = as_of

    def problem_extra(self) -> dict[str, Any]:
        """The status date asked about."""
        return {"as_of": self.as_of.isoformat()}


@dataclass(frozen=True, slots=True)
class Member:
    """A program component's member project at the status date, its report (None while
    reporting does not know it) and whether it counts in the portfolio's sums."""

    project_id: UUID
    project: ProjectReport | None
    counted: bool


@dataclass(frozen=True, slots=True)
class ComponentReport:
    """A component at the status date: what it is (known: reporting has its program's or
    project's own events), its cost, risk, value, decision, whether the adopted selection has
    it, and its earned value (a project counted through a program component names it)."""

    component_id: UUID
    kind: str
    known: bool
    code: str | None
    name: str | None
    added_on: date
    cost: Decimal | None
    cost_is_estimate: bool
    risk_score: Decimal
    valuation: Valuation
    decision: Decision
    selected: bool
    figures: Figures
    figures_currency: str | None
    counted_through: UUID | None
    members: tuple[Member, ...]

    @property
    def label(self) -> str:
        """What a chart calls it: its code, else the start of its id."""
        return self.code or str(self.component_id)[:8]


@dataclass(frozen=True, slots=True)
class PortfolioReport:
    """One portfolio's roll-up at a status date, as known at an instant."""

    row: Any
    manager: str
    as_of: date
    known_at: datetime
    thresholds: HealthThresholds
    """What its health and its program components' were rated by (the standards in force at
    its status date, or the defaults); a project component's is its own report's."""
    weights: Weights | None
    weighting_method: str | None
    budget: Decimal | None
    performance: ProgramPerformance
    components: tuple[ComponentReport, ...]
    health: dict[str, int]
    decisions: dict[str, int]
    selection: SelectionReport | None
    coverage: tuple[ObjectiveCoverage, ...]


@dataclass(frozen=True, slots=True)
class _Read:
    """What one report read: the question as resolved, the portfolios' rows, their programs'
    rows (members at the status date) and every project report those name."""

    asked: Asked
    rows: Sequence[Any]
    programs: Mapping[UUID, Any]
    projects: Mapping[UUID, ProjectReport]


class PortfolioReportService:
    """Answers the portfolio reports from the live generation (the same supervisor, thresholds,
    key services and time zones as the project reports: `reports`)."""

    def __init__(
        self, supervisor: LiveReadModel, *, reports: ReportService, at_once: int = ROLLUPS_AT_ONCE
    ) -> None:
        self._supervisor = supervisor
        self._reports = reports
        self._turns = asyncio.Semaphore(at_once)

    async def portfolio(self, tenant: str, portfolio_id: UUID, *, when: When) -> PortfolioReport:
        """One portfolio's roll-up; 404 only when the tenant has (or then knew) no such
        portfolio, never because of the date."""
        async with self._turns:
            read = await self._read(tenant, when, portfolio_id=portfolio_id)
            if not read.rows:
                raise ReportNotFoundError(f"portfolio {portfolio_id} not found")
            [report] = await self._reports_of(tenant, read, people=True)
        return report

    async def portfolios(
        self, tenant: str, *, when: When, after: tuple[str, UUID] | None, limit: int
    ) -> tuple[list[PortfolioReport], bool]:
        """A page of the tenant's portfolios (by code, after `after`), and whether more follow."""
        async with self._turns:
            read = await self._read(tenant, when, after=after, limit=limit + 1)
            page = _Read(read.asked, read.rows[:limit], read.programs, read.projects)
            return await self._reports_of(tenant, page, people=False), len(read.rows) > limit

    async def selection(self, tenant: str, portfolio_id: UUID, *, when: When) -> PortfolioReport:
        """The portfolio's roll-up, refused (404 `no-selection-adopted`) when no selection was
        adopted by the status date."""
        report = await self.portfolio(tenant, portfolio_id, when=when)
        if report.selection is None:
            raise NoSelectionAdoptedError(portfolio_id, report.as_of)
        return report

    async def _read(self, tenant: str, when: When, **filters: Any) -> _Read:
        # Today as known now: the members' reports are their current figures (`reading`).
        async with self._reports.reading(tenant, when) as (conn, asked):
            cutoff = asked.cutoff
            rows = await portfolio_queries.portfolio_facts(
                conn, tenant_id=tenant, cutoff=cutoff, **filters
            )
            program_ids, projects = facts.named(rows)
            found = await portfolio_queries.programs(
                conn, tenant_id=tenant, cutoff=cutoff, program_ids=program_ids
            )
            projects |= {p for program in found for p in facts.members(program)}
            reports = await self._reports.reports_of(conn, tenant, asked, projects, summary=True)
        return _Read(asked, rows, {p.program_id: p for p in found}, reports)

    async def _reports_of(self, tenant: str, read: _Read, *, people: bool) -> list[PortfolioReport]:
        sealed: list[Any] = []
        for row in read.rows:
            sealed.append(row.manager)
            if people:
                sealed += [row.selection["adopted_by"]] if row.selection else []
                sealed += [facts.decider(c) for c in row.components if c["decisions"]]
        opened = iter([str(v) for v in await self._reports.keys.open(tenant, sealed)])
        thresholds = self._reports.thresholds_on(read.asked.standards, read.asked.cutoff.day)
        reports = []
        for row in read.rows:
            manager = next(opened)
            adopter = next(opened) if people and row.selection else NOT_OPENED
            deciders = {
                c["component_id"]: next(opened) for c in row.components if people and c["decisions"]
            }
            builder = _Builder(row, read, thresholds)
            reports.append(builder.report(manager, adopter, deciders))
        return reports


def _approved(components: Sequence[ComponentReport]) -> list[rollup.Funded]:
    """The components approved at the status date, with their cost and scores in force."""
    return [
        rollup.Funded(
            c.component_id,
            c.cost,
            {t.objective: t.score for t in c.valuation.terms if t.score is not None},
        )
        for c in components
        if c.decision.status == "approved" and c.cost is not None
    ]


class _Builder:
    """Folds one portfolio's row, with the programs and project reports read beside it, into
    its report, rating the sums by `thresholds`."""

    def __init__(self, row: Any, read: _Read, thresholds: HealthThresholds):
        self.row, self.read, self.thresholds = row, read, thresholds
        self.money = money_quantum(row.currency)
        self.members = {
            UUID(c["component_id"]): facts.members(read.programs.get(UUID(c["component_id"])))
            for c in row.components
            if c["kind"] == "program"
        }
        projects = [UUID(c["component_id"]) for c in row.components if c["kind"] == "project"]
        self.through = rollup.counted_through(self.members, projects)

    def _in_currency(self, project_id: UUID) -> ProjectReport | None:
        report = self.read.projects.get(project_id)
        return report if report is not None and report.currency == self.row.currency else None

    def report(self, manager: str, adopter: str, deciders: Mapping[str, str]) -> PortfolioReport:
        row, asked = self.row, self.read.asked
        weights, method = facts.weights(row)
        budget = facts.budget(row)
        selection = facts.selection(row.selection, adopter)
        components = tuple(
            self._component(c, weights, selection, deciders.get(c["component_id"], NOT_OPENED))
            for c in row.components
        )
        return PortfolioReport(
            row=row,
            manager=manager,
            as_of=asked.cutoff.day,
            known_at=asked.cutoff.known_at,
            thresholds=self.thresholds,
            weights=weights,
            weighting_method=method,
            budget=budget,
            performance=program_rollup.performance(
                self._counted(), thresholds=self.thresholds, money=self.money
            ),
            components=components,
            health=rollup.health_distribution(c.figures.health.overall for c in components),
            decisions=rollup.decision_counts(c.decision.status for c in components),
            selection=selection,
            coverage=rollup.coverage(
                weights, budget=budget, approved=_approved(components), money=self.money
            ),
        )

    def _counted(self) -> list[Metrics]:
        """Each project's metrics once (a program's members through it), in the portfolio's
        currency."""
        reports = [self._in_currency(project_id) for project_id in self.through]
        return [p.metrics for p in reports if p is not None]

    def _component(
        self,
        data: Mapping[str, Any],
        weights: Weights | None,
        selection: SelectionReport | None,
        decider: str,
    ) -> ComponentReport:
        component_id, kind = UUID(data["component_id"]), data["kind"]
        cost = facts.cost(data)
        program = self.read.programs.get(component_id) if kind == "program" else None
        project = self.read.projects.get(component_id) if kind == "project" else None
        known = program if kind == "program" else project
        members = tuple(
            Member(
                p,
                self.read.projects.get(p),
                self.through.get(p) == component_id and self._in_currency(p) is not None,
            )
            for p in self.members.get(component_id, [])
        )
        return ComponentReport(
            component_id=component_id,
            kind=kind,
            known=known is not None,
            code=None if known is None else known.code,
            name=None if known is None else known.name,
            added_on=iso_date(data["added_on"]),
            cost=None if cost is None else cost[0],
            cost_is_estimate=cost is not None and cost[1],
            risk_score=Decimal(data["risk_score"]),
            valuation=rollup.valuation(weights, facts.scores(data)),
            decision=facts.decision(data, decider),
            selected=selection is not None and component_id in selection.selected,
            figures=self._figures(program, members) if kind == "program" else self._own(project),
            figures_currency=None if known is None else known.currency,
            counted_through=self._through(component_id, kind),
            members=members,
        )

    def _figures(self, program: Any | None, members: Sequence[Member]) -> Figures:
        """A program's figures exactly as its own roll-up's: its members in its currency, on
        the thresholds of the status date."""
        if program is None:
            return rollup.project_figures(None)
        mine = [m.project for m in members]
        metrics = [p.metrics for p in mine if p is not None and p.currency == program.currency]
        money = money_quantum(program.currency)
        return rollup.program_figures(
            program_rollup.performance(metrics, thresholds=self.thresholds, money=money)
        )

    @staticmethod
    def _own(project: ProjectReport | None) -> Figures:
        return rollup.project_figures(None if project is None else project.metrics)

    def _through(self, component_id: UUID, kind: str) -> UUID | None:
        program = self.through.get(component_id)
        return program if kind == "project" and program != component_id else None
