"""Program reports: the roll-up of a program's member projects at a status date, its funds,
benefits, dependency risk and resource utilisation; facts from the live read models, figures
from the pure domain (`domain.program_rollup`, `benefits`, `dependencies`, `utilisation`).

Asked like every report (`When`: `as_of` in business time, default the tenant's today;
`known_at` in record time, default now). A project counts while it is a member at the status
date; each member's figures are exactly its project report's for the same `When` (the same
facts, the same EVM, the same status date, the same thresholds). The program's health rates
its indices by the PMO's standards in force on the status date (else the defaults). One read
of the live generation per report (one snapshot, `ReportService.snapshot`: a rebuild switching
meanwhile cannot mix two generations into one answer, nor a commit two states). The
program's people (manager, sponsor, benefit owners, person resources) are opened per request
with the producers' keys, as the project reports open theirs; the members' managers are not
shown."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pmo_shared.domain.values import money_quantum
from reporting_svc.application import program_facts as facts
from reporting_svc.application.program_facts import Membership
from reporting_svc.application.reports import (
    ROLLUPS_AT_ONCE,
    Asked,
    LiveReadModel,
    ProjectReport,
    ReportNotFoundError,
    ReportService,
    When,
)
from reporting_svc.domain import dependencies, program_rollup, utilisation
from reporting_svc.domain.benefits import BenefitProgress, BenefitSummary, summary
from reporting_svc.domain.dependencies import Assessment, DependencyRisk
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.domain.program_rollup import Funds, MemberFunding, MemberSpend
from reporting_svc.domain.utilisation import ResourceLoad
from reporting_svc.readmodel import program_queries


@dataclass(frozen=True, slots=True)
class MemberReport:
    """A member project at the status date: its own report (None while reporting does not
    know the project), its funding and the worst risk its dependencies put on it."""

    membership: Membership
    project: ProjectReport | None
    in_program_currency: bool
    funding: MemberFunding
    dependency_risk: DependencyRisk


@dataclass(frozen=True, slots=True)
class BenefitReport:
    """A benefit, its owner as opened, and its progress at the status date."""

    fact: facts.BenefitFact
    owner: str
    progress: BenefitProgress


@dataclass(frozen=True, slots=True)
class ProgramReport:
    """One program's roll-up at a status date, as known at an instant."""

    row: Any
    manager: str
    sponsor: str
    status: str
    as_of: date
    known_at: datetime
    thresholds: HealthThresholds
    """What its health was rated by (the standards in force at its status date, or the
    defaults)."""
    performance: program_rollup.ProgramPerformance
    funds: Funds
    members: tuple[MemberReport, ...]
    benefits: tuple[BenefitReport, ...]
    benefit_summary: BenefitSummary
    dependencies: tuple[Assessment, ...]


@dataclass(frozen=True, slots=True)
class ResourceReport:
    """A resource of the pool: its kind, its label (the person as opened, or the role) and
    its load in every week of the utilisation."""

    fact: facts.ResourceFact
    label: str
    load: ResourceLoad


@dataclass(frozen=True, slots=True)
class UtilisationReport:
    """Utilisation of a program's resources per ISO week at a status date."""

    program: Any
    as_of: date
    known_at: datetime
    weeks: tuple[str, ...]
    truncated: bool
    resources: tuple[ResourceReport, ...]


@dataclass(frozen=True, slots=True)
class _Read:
    """What one report read: the question as resolved, the programs' rows and their members'
    project reports."""

    asked: Asked
    rows: Sequence[Any]
    projects: dict[UUID, ProjectReport]


class ProgramReportService:
    """Answers the program reports from the live generation (the same supervisor, thresholds,
    key services and time zones as the project reports: `reports`)."""

    def __init__(
        self, supervisor: LiveReadModel, *, reports: ReportService, at_once: int = ROLLUPS_AT_ONCE
    ) -> None:
        self._supervisor = supervisor
        self._reports = reports
        self._turns = asyncio.Semaphore(at_once)

    async def program(self, tenant: str, program_id: UUID, *, when: When) -> ProgramReport:
        """One program's roll-up; 404 only when the tenant has (or then knew) no such
        program, never because of the date."""
        async with self._turns:
            read = await self._read(tenant, when, program_id=program_id)
            if not read.rows:
                raise ReportNotFoundError(f"program {program_id} not found")
            [report] = await self._reports_of(tenant, read, owners=True)
        return report

    async def programs(
        self, tenant: str, *, when: When, after: tuple[str, UUID] | None, limit: int
    ) -> tuple[list[ProgramReport], bool]:
        """A page of the tenant's programs (by code, after `after`), and whether more follow."""
        async with self._turns:
            read = await self._read(tenant, when, after=after, limit=limit + 1)
            page = _Read(read.asked, read.rows[:limit], read.projects)
            return await self._reports_of(tenant, page, owners=False), len(read.rows) > limit

    async def utilisation(
        self,
        tenant: str,
        program_id: UUID,
        *,
        when: When,
        first_week: str | None = None,
        last_week: str | None = None,
    ) -> UtilisationReport:
        """Hours assigned over capacity per resource and ISO week, over the weeks asked for
        (default: every week an assignment in force covers), at most
        `utilisation.MAX_WEEKS` of them (`truncated` when there were more)."""
        async with self._reports.snapshot() as conn:
            asked = await self._reports.asked_in(conn, tenant, when)
            rows = await program_queries.program_facts(
                conn, tenant_id=tenant, cutoff=asked.cutoff, program_id=program_id
            )
            if not rows:
                raise ReportNotFoundError(f"program {program_id} not found")
            held = await program_queries.resources(conn, program_id=program_id, cutoff=asked.cutoff)
        in_force = facts.assignments_in_force(held.assignments, memberships=held.memberships)
        weeks, truncated = facts.weeks_asked(in_force, first=first_week, last=last_week)
        resources = [facts.resource_fact(r) for r in held.resources]
        labels = await self._reports.keys.open(tenant, [r.person for r in resources])
        loads = utilisation.utilisation(
            [utilisation.Resource(r.resource_id, r.capacity) for r in resources],
            in_force,
            weeks=weeks,
        )
        shown = tuple(
            ResourceReport(r, facts.label(r, opened), load)
            for r, opened, load in zip(resources, labels, loads, strict=True)
        )
        return UtilisationReport(
            rows[0], asked.cutoff.day, asked.cutoff.known_at, tuple(weeks), truncated, shown
        )

    async def _read(self, tenant: str, when: When, **filters: Any) -> _Read:
        # Today as known now: the members' reports are their current figures (`reading`).
        async with self._reports.reading(tenant, when) as (conn, asked):
            rows = await program_queries.program_facts(
                conn, tenant_id=tenant, cutoff=asked.cutoff, **filters
            )
            wanted = {p for row in rows for p in facts.projects_named(row)}
            projects = await self._reports.reports_of(conn, tenant, asked, wanted, summary=True)
        return _Read(asked, rows, projects)

    async def _reports_of(self, tenant: str, read: _Read, *, owners: bool) -> list[ProgramReport]:
        people: list[Any] = []
        for row in read.rows:
            people += [row.manager, row.sponsor]
            people += [b["owner"] for b in row.benefits] if owners else []
        opened = iter([str(v) for v in await self._reports.keys.open(tenant, people)])
        reports = []
        for row in read.rows:
            manager, sponsor = next(opened), next(opened)
            owned = [next(opened) for _ in row.benefits] if owners else None
            reports.append(self._report(row, read.asked, read.projects, manager, sponsor, owned))
        return reports

    def _report(
        self,
        row: Any,
        asked: Asked,
        projects: dict[UUID, ProjectReport],
        manager: str,
        sponsor: str,
        owners: list[str] | None,
    ) -> ProgramReport:
        money = money_quantum(row.currency)
        members = facts.memberships(row.members)
        mine = [projects.get(m.project_id) for m in members]
        in_currency = [p for p in mine if p is not None and p.currency == row.currency]
        assessed = facts.assessed(row.dependencies, members=members, projects=projects)
        funds = program_rollup.funds(
            pool=program_rollup.pool_at(facts.pool_changes(row.pool)),
            allocation=program_rollup.allocations(
                facts.allocation_legs(row.allocations),
                memberships={m.project_id: m.joined_version for m in members},
            ),
            members=[_spend(m, p, row.currency) for m, p in zip(members, mine, strict=True)],
            money=money,
        )
        benefit_reports = facts.benefit_reports(row.benefits, owners)
        thresholds = self._reports.thresholds_on(asked.standards, asked.cutoff.day)
        return ProgramReport(
            row=row,
            manager=manager,
            sponsor=sponsor,
            status=row.status,
            as_of=asked.cutoff.day,
            known_at=asked.cutoff.known_at,
            thresholds=thresholds,
            performance=program_rollup.performance(
                [p.metrics for p in in_currency], thresholds=thresholds, money=money
            ),
            funds=funds,
            members=tuple(
                MemberReport(
                    m,
                    p,
                    p is not None and p.currency == row.currency,
                    f,
                    dependencies.member_risk(assessed, member=m.project_id),
                )
                for m, p, f in zip(members, mine, funds.members, strict=True)
            ),
            benefits=tuple(BenefitReport(*b) for b in benefit_reports),
            benefit_summary=summary(b[2] for b in benefit_reports),
            dependencies=tuple(assessed),
        )


def _spend(member: Membership, project: ProjectReport | None, currency: str) -> MemberSpend:
    if project is None or project.currency != currency:
        return MemberSpend(member.project_id, None, None)
    return MemberSpend(member.project_id, project.metrics.bac, project.metrics.ac)
