"""Portfolio reports: the roll-up of a portfolio's components (programs through their member
projects, projects directly) at a status date, their value, decisions and selection, and the
budget's coverage of each objective; facts from the live read models, figures from the pure
domain (`domain.portfolio_rollup`, `program_rollup`).

Asked like every report (`When`: `as_of` in business time, default the tenant's today;
`known_at` in record time, default now). A component counts while it is in the portfolio at the
status date; a program's members are its members then (as its own roll-up counts them), and
every project's figures are exactly its project report's for the same `When`. One read of the
live generation per report (one connection: a rebuild switching meanwhile cannot mix two
generations into one answer). The people shown (the manager; in a portfolio's own report, who
decided and who adopted the selection) are opened per request with the producers' keys."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.values import money_quantum
from reporting_svc.application.reports import (
    NOT_OPENED,
    Asked,
    LiveReadModel,
    ProjectReport,
    ReportNotFoundError,
    ReportService,
    When,
    project_report,
    status_date,
)
from reporting_svc.domain import portfolio_rollup as rollup
from reporting_svc.domain import program_rollup
from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.frontier import FrontierPoint
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.domain.portfolio_rollup import Dated, Figures, ObjectiveCoverage, Valuation
from reporting_svc.domain.program_rollup import ProgramPerformance
from reporting_svc.readmodel import portfolio_queries, queries
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
class Decision:
    """A component's decision status at the status date and the decision making it so (none
    while undecided); who decided as opened."""

    status: str
    decided_on: date | None = None
    rationale: str | None = None
    covers: tuple[UUID, ...] = ()
    decided_by: str = NOT_OPENED


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
class SelectionReport:
    """The adopted selection in force at the status date, as adopted (who adopted: opened)."""

    version: int
    as_of: date
    scenario: str | None
    budget: Decimal
    value: Decimal
    cost: Decimal
    selected: tuple[UUID, ...]
    excluded: tuple[UUID, ...]
    frontier: tuple[FrontierPoint, ...]
    adopted_on: date
    adopted_by: str


@dataclass(frozen=True, slots=True)
class PortfolioReport:
    """One portfolio's roll-up at a status date, as known at an instant."""

    row: Any
    manager: str
    as_of: date
    known_at: datetime
    weights: tuple[tuple[str, Decimal], ...] | None
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
    """What one report read: the portfolios' rows, their programs' rows (members at the
    status date) and every project report those name."""

    rows: Sequence[Any]
    programs: Mapping[UUID, Any]
    projects: Mapping[UUID, ProjectReport]


class PortfolioReportService:
    """Answers the portfolio reports from the live generation (the same supervisor, thresholds,
    key services and time zones as the project reports: `reports`)."""

    def __init__(self, supervisor: LiveReadModel, *, reports: ReportService) -> None:
        self._supervisor = supervisor
        self._reports = reports

    def thresholds(self, tenant: str, asked: Asked) -> HealthThresholds:
        """The health thresholds every figure of the tenant's portfolio reports is rated on
        at the question asked: the project reports' (the one place this service names them)."""
        return self._reports.thresholds

    async def portfolio(self, tenant: str, portfolio_id: UUID, *, when: When) -> PortfolioReport:
        """One portfolio's roll-up; 404 only when the tenant has (or then knew) no such
        portfolio, never because of the date."""
        asked = self._reports.asked(tenant, when)
        read = await self._read(tenant, asked, portfolio_id=portfolio_id)
        if not read.rows:
            raise ReportNotFoundError(f"portfolio {portfolio_id} not found")
        [report] = await self._reports_of(tenant, asked, read, people=True)
        return report

    async def portfolios(
        self, tenant: str, *, when: When, after: tuple[str, UUID] | None, limit: int
    ) -> tuple[list[PortfolioReport], bool]:
        """A page of the tenant's portfolios (by code, after `after`), and whether more follow."""
        asked = self._reports.asked(tenant, when)
        read = await self._read(tenant, asked, after=after, limit=limit + 1)
        page = _Read(read.rows[:limit], read.programs, read.projects)
        return await self._reports_of(tenant, asked, page, people=False), len(read.rows) > limit

    async def selection(self, tenant: str, portfolio_id: UUID, *, when: When) -> PortfolioReport:
        """The portfolio's roll-up, refused (404 `no-selection-adopted`) when no selection was
        adopted by the status date."""
        report = await self.portfolio(tenant, portfolio_id, when=when)
        if report.selection is None:
            raise NoSelectionAdoptedError(portfolio_id, report.as_of)
        return report

    async def _read(self, tenant: str, asked: Asked, **filters: Any) -> _Read:
        cutoff = asked.cutoff
        async with self._supervisor.live_engine().connect() as conn:
            rows = await portfolio_queries.portfolio_facts(
                conn, tenant_id=tenant, cutoff=cutoff, **filters
            )
            components = [c for row in rows for c in row.components]
            wanted = {UUID(c["component_id"]) for c in components if c["kind"] == "program"}
            found = await portfolio_queries.programs(
                conn, tenant_id=tenant, cutoff=cutoff, program_ids=wanted
            )
            programs = {p.program_id: p for p in found}
            projects = {UUID(c["component_id"]) for c in components if c["kind"] == "project"}
            projects |= {UUID(m["project_id"]) for p in found for m in p.members}
            reports = await self._projects(conn, tenant, asked, projects)
        return _Read(rows, programs, reports)

    async def _projects(
        self, conn: AsyncConnection, tenant: str, asked: Asked, wanted: Collection[UUID]
    ) -> dict[UUID, ProjectReport]:
        if not wanted:
            return {}
        rows = await queries.project_facts(
            conn, tenant_id=tenant, cutoff=asked.cutoff, project_ids=wanted
        )
        thresholds = self.thresholds(tenant, asked)
        return {
            row.project_id: project_report(
                row,
                at=status_date(row.ended_on, asked=asked.as_of, today=asked.today),
                known_at=asked.cutoff.known_at,
                thresholds=thresholds,
                manager=NOT_OPENED,
            )
            for row in rows
        }

    async def _reports_of(
        self, tenant: str, asked: Asked, read: _Read, *, people: bool
    ) -> list[PortfolioReport]:
        sealed: list[Any] = []
        for row in read.rows:
            sealed.append(row.manager)
            if people:
                sealed += [row.selection["adopted_by"]] if row.selection else []
                sealed += [_decision_in_force(c)[5] for c in row.components if c["decisions"]]
        opened = iter([str(v) for v in await self._reports.keys.open(tenant, sealed)])
        reports = []
        for row in read.rows:
            manager = next(opened)
            adopter = next(opened) if people and row.selection else NOT_OPENED
            deciders = {
                c["component_id"]: next(opened) for c in row.components if people and c["decisions"]
            }
            builder = _Builder(row, asked, read, self.thresholds(tenant, asked))
            reports.append(builder.report(manager, adopter, deciders))
        return reports


def _decision_in_force(component: Mapping[str, Any]) -> list[Any]:
    """[decided_on, version, decision, rationale, covers, decided_by] of the latest decision."""
    entries = [Dated(iso_date(d[0]), int(d[1]), d) for d in component["decisions"]]
    found = rollup.latest(entries)
    assert found is not None  # asked only of a component with decisions
    return list(found)


def _weights(row: Any) -> tuple[tuple[tuple[str, Decimal], ...] | None, str | None]:
    entries = [Dated(iso_date(on), int(v), (method, w)) for on, v, method, w in row.weightings]
    found = rollup.latest(entries)
    if found is None:
        return None, None
    method, weights = found
    return tuple((objective, Decimal(weight)) for objective, weight in weights), method


def _scores(component: Mapping[str, Any]) -> dict[str, rollup.Score]:
    by_objective: dict[str, list[Dated[rollup.Score]]] = {}
    for on, v, objective, score, rationale in component["scores"]:
        dated = Dated(iso_date(on), int(v), rollup.Score(Decimal(score), rationale))
        by_objective.setdefault(objective, []).append(dated)
    return {o: s for o, entries in by_objective.items() if (s := rollup.latest(entries))}


def _frontier(points: Sequence[Mapping[str, Any]]) -> tuple[FrontierPoint, ...]:
    def amount(value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)

    return tuple(
        FrontierPoint(
            budget=Decimal(p["budget"]),
            feasible=bool(p["feasible"]),
            value=amount(p.get("value")),
            cost=amount(p.get("cost")),
            current=bool(p.get("current", False)),
        )
        for p in points
    )


def _selection(data: Mapping[str, Any] | None, adopter: str) -> SelectionReport | None:
    if data is None:
        return None
    return SelectionReport(
        version=int(data["version"]),
        as_of=iso_date(data["as_of"]),
        scenario=data["scenario"],
        budget=Decimal(data["budget"]),
        value=Decimal(data["value"]),
        cost=Decimal(data["cost"]),
        selected=tuple(UUID(i) for i in data["selected"]),
        excluded=tuple(UUID(i) for i in data["excluded"]),
        frontier=_frontier(data["frontier"]),
        adopted_on=iso_date(data["adopted_on"]),
        adopted_by=adopter,
    )


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
    its report."""

    def __init__(self, row: Any, asked: Asked, read: _Read, thresholds: HealthThresholds):
        self.row, self.asked, self.read, self.thresholds = row, asked, read, thresholds
        self.money = money_quantum(row.currency)
        self.members = {
            UUID(c["component_id"]): self._members_of(UUID(c["component_id"]))
            for c in row.components
            if c["kind"] == "program"
        }
        projects = [UUID(c["component_id"]) for c in row.components if c["kind"] == "project"]
        self.through = rollup.counted_through(self.members, projects)

    def _members_of(self, program_id: UUID) -> list[UUID]:
        program = self.read.programs.get(program_id)
        return [] if program is None else [UUID(m["project_id"]) for m in program.members]

    def _in_currency(self, project_id: UUID) -> ProjectReport | None:
        report = self.read.projects.get(project_id)
        return report if report is not None and report.currency == self.row.currency else None

    def report(self, manager: str, adopter: str, deciders: Mapping[str, str]) -> PortfolioReport:
        row = self.row
        weights, method = _weights(row)
        budgets = [Dated(iso_date(on), int(v), Decimal(a)) for on, v, a in row.budgets]
        budget = rollup.latest(budgets)
        selection = _selection(row.selection, adopter)
        components = tuple(
            self._component(c, weights, selection, deciders.get(c["component_id"], NOT_OPENED))
            for c in row.components
        )
        return PortfolioReport(
            row=row,
            manager=manager,
            as_of=self.asked.cutoff.day,
            known_at=self.asked.cutoff.known_at,
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
        weights: Sequence[tuple[str, Decimal]] | None,
        selection: SelectionReport | None,
        decider: str,
    ) -> ComponentReport:
        component_id, kind = UUID(data["component_id"]), data["kind"]
        costs = [
            Dated(iso_date(on), int(v), (Decimal(c), bool(e))) for on, v, c, e in data["costs"]
        ]
        cost = rollup.latest(costs)
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
            valuation=rollup.valuation(weights, _scores(data)),
            decision=self._decision(data, decider),
            selected=selection is not None and component_id in selection.selected,
            figures=self._figures(program, members) if kind == "program" else self._own(project),
            figures_currency=None if known is None else known.currency,
            counted_through=self._through(component_id, kind),
            members=members,
        )

    def _figures(self, program: Any | None, members: Sequence[Member]) -> Figures:
        """A program's figures exactly as its own roll-up's: its members in its currency."""
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

    @staticmethod
    def _decision(data: Mapping[str, Any], decider: str) -> Decision:
        if not data["decisions"]:
            return Decision(rollup.decision_status(None))
        on, _v, decision, rationale, covers, _by = _decision_in_force(data)
        return Decision(
            rollup.decision_status(decision),
            iso_date(on),
            rationale,
            tuple(UUID(c) for c in covers),
            decider,
        )
