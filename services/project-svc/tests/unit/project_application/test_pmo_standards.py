"""The PMO's standards and the portfolio's decisions, as portfolio-svc publishes them, steer the
handlers and reads: which projects are large (the list, its filter, a read, the office rule),
which approvals need a portfolio "approve" decision, and who may re-baseline underway work. A
tenant without standards in force keeps the environment's settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from pmo_shared.domain.errors import RuleViolationError
from pmo_shared.web.problems import Problem
from project_svc.application import commands as c
from project_svc.application import queries
from project_svc.application.standards import PmoGateError
from project_svc.domain.project import Project
from project_svc.domain.standards import PortfolioDecisionRequiredError
from project_svc.domain.values import ProjectStatus
from project_svc.references.fold import ForeignTenantError

from .given import (
    ANN,
    OUTSIDER,
    PMO,
    TENANT,
    TODAY,
    VIEWER,
    World,
    active,
    baseline_command,
    establish_office,
    proposed,
)
from .portfolio_envelopes import PortfolioStream

YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
GATE = "rebaseline_active_needs_pmo"


def standards(tenant: str = TENANT) -> PortfolioStream:
    """The tenant's standards stream (one a test: it numbers the stream's versions)."""
    return PortfolioStream.standards_of(tenant)


async def _large(world: World, **filters: bool | None) -> dict[UUID, bool]:
    rows = await queries.list_projects(
        world.bus,
        VIEWER,
        status=None,
        manager=None,
        large=filters.get("large"),
        after=None,
        limit=50,
    )
    return {row.project_id: row.large for row in rows}


async def _baselined(world: World, bac: str, **overrides: object) -> Project:
    project = await proposed(world, **overrides)
    return await world.run(baseline_command(project.id, bac))


# -- large ----------------------------------------------------------------------------------
async def test_without_standards_the_environments_threshold_holds_in_any_currency(
    world: World,
) -> None:
    small = await _baselined(world, "999999.99", code="S")
    big = await _baselined(world, "1000000", code="B")
    yen = await _baselined(world, "50000000", code="Y", currency="JPY")

    assert await _large(world) == {small.id: False, big.id: True, yen.id: True}
    assert await queries.is_large(world.bus, VIEWER, big)


async def test_the_list_follows_the_standards_in_force_without_any_project_event(
    world: World,
) -> None:
    small = await _baselined(world, "100000", code="S")
    big = await _baselined(world, "2500000", code="B")
    flagged = await proposed(world, code="F", flagged_large=True)
    yen = await _baselined(world, "50000000", code="Y", currency="JPY")
    assert await _large(world) == {small.id: False, big.id: True, flagged.id: True, yen.id: True}
    events = world.count()

    world.published(standards().standards_set(effective_on=TODAY, large={"EUR": "50000.00"}))

    # EUR from 50 000; JPY is not listed: only the flag makes a yen project large
    assert world.count() == events
    assert await _large(world) == {small.id: True, big.id: True, flagged.id: True, yen.id: False}
    assert await _large(world, large=True) == dict.fromkeys([small.id, big.id, flagged.id], True)
    assert await _large(world, large=False) == {yen.id: False}
    assert await queries.is_large(world.bus, VIEWER, small)
    assert not await queries.is_large(world.bus, VIEWER, yen)


async def test_the_set_in_force_is_the_last_dated_on_or_before_today(world: World) -> None:
    big = await _baselined(world, "2500000", code="B")
    stream = standards()

    world.published(
        stream.standards_set(effective_on=date(2026, 1, 1), large={"EUR": "3000000.00"}),
        stream.standards_set(effective_on=YESTERDAY, large={"EUR": "2000000.00"}),
    )
    assert await _large(world) == {big.id: True}

    # a later set of the same date replaces it; one dated tomorrow is not in force yet
    world.published(
        stream.standards_set(effective_on=YESTERDAY, large={"EUR": "2600000.00"}),
        stream.standards_set(effective_on=TOMORROW, large={"EUR": "1.00"}),
    )
    assert await _large(world) == {big.id: False}


async def test_another_tenants_standards_change_nothing_here(world: World) -> None:
    big = await _baselined(world, "2500000", code="B")

    world.published(
        standards(OUTSIDER.tenant).standards_set(
            effective_on=YESTERDAY, large={"EUR": "9000000.00"}
        )
    )

    assert await _large(world) == {big.id: True}


async def test_a_set_under_another_tenants_stream_is_refused(world: World) -> None:
    theirs = standards(OUTSIDER.tenant)
    forged = theirs.standards_set(effective_on=YESTERDAY, large={"EUR": "1.00"})

    with pytest.raises(ForeignTenantError):
        world.published(forged.model_copy(update={"tenant_id": TENANT}))


async def test_an_office_is_only_for_a_project_large_by_the_standards_in_force(
    world: World,
) -> None:
    eur = await active(world, bac="2500000", code="E")
    yen = await active(world, bac="50000000", code="Y", currency="JPY")
    stream = standards()
    world.published(stream.standards_set(effective_on=YESTERDAY, large={"EUR": "3000000.00"}))

    with pytest.raises(RuleViolationError, match=r"at least 3000000\.00 EUR"):
        await establish_office(world, eur.id)
    with pytest.raises(RuleViolationError, match="no large-project threshold for JPY"):
        await establish_office(world, yen.id)

    # established as of a date before the set took effect: the defaults held then
    office = await world.run(
        c.EstablishOffice(
            project_id=eur.id,
            lead="po-lead",
            reporting_cadence_days=14,
            charter="Report fortnightly",
            established_on=YESTERDAY - timedelta(days=1),
        )
    )
    assert office.project_id == eur.id


async def test_a_lower_threshold_brings_an_office_within_reach(world: World) -> None:
    project = await active(world, bac="500000", code="M")
    with pytest.raises(RuleViolationError, match="only large projects"):
        await establish_office(world, project.id)

    world.published(standards().standards_set(effective_on=TODAY, large={"EUR": "500000.00"}))

    assert (await establish_office(world, project.id)).project_id == project.id


# -- approval -------------------------------------------------------------------------------
def _approval_threshold(world: World, amount: str = "2000000.00") -> None:
    world.published(
        standards().standards_set(effective_on=date(2026, 1, 1), approval={"EUR": amount})
    )


async def test_a_project_at_the_approval_threshold_needs_a_portfolio_decision(
    world: World,
) -> None:
    _approval_threshold(world)
    project = await _baselined(world, "2000000.00")
    before = world.count()

    with pytest.raises(PortfolioDecisionRequiredError) as refused:
        await world.run(c.ApproveProject(project_id=project.id))

    assert world.count() == before
    assert (refused.value.status, refused.value.code) == (409, "portfolio-decision-required")
    Problem(409, extra=refused.value.problem_extra())  # no member clashes with the standard ones
    extra = refused.value.problem_extra()
    assert extra == {
        "project_id": str(project.id),
        "budget_at_completion": "2000000.00",
        "threshold": "2000000.00",
        "currency": "EUR",
        "approval_date": TODAY.isoformat(),
        "required_decision": "approve",
        "decision": None,
        "decided_on": None,
        "decided_on_component": None,
    }


async def test_a_deferred_project_is_not_approved_and_the_answer_names_the_deferral(
    world: World,
) -> None:
    _approval_threshold(world)
    project = await _baselined(world, "2500000")
    world.published(PortfolioStream(TENANT).decision(project.id, "defer", decided_on=YESTERDAY))

    with pytest.raises(PortfolioDecisionRequiredError, match="is 'defer'") as refused:
        await world.run(c.ApproveProject(project_id=project.id))

    extra = refused.value.problem_extra()
    assert (extra["decision"], extra["decided_on"]) == ("defer", YESTERDAY.isoformat())
    assert extra["decided_on_component"] == {"component_id": str(project.id), "kind": "project"}


async def test_an_approve_decision_on_the_project_clears_its_approval(world: World) -> None:
    _approval_threshold(world)
    project = await _baselined(world, "2500000")
    world.published(PortfolioStream(TENANT).decision(project.id, "approve", decided_on=TODAY))

    approved = await world.run(c.ApproveProject(project_id=project.id))

    assert approved.status == ProjectStatus.APPROVED


async def test_a_decision_on_a_program_applies_to_the_projects_it_covers(world: World) -> None:
    _approval_threshold(world)
    member = await _baselined(world, "2500000", code="M")
    outsider = await _baselined(world, "2500000", code="O")
    program = uuid4()
    world.published(
        PortfolioStream(TENANT).decision(
            program, "approve", decided_on=YESTERDAY, kind="program", covers=[member.id]
        )
    )

    assert (await world.run(c.ApproveProject(project_id=member.id))).status == "approved"
    with pytest.raises(PortfolioDecisionRequiredError) as refused:
        await world.run(c.ApproveProject(project_id=outsider.id))
    assert refused.value.found is None


async def test_the_latest_decision_in_force_on_the_approval_date_counts(world: World) -> None:
    _approval_threshold(world)
    project = await _baselined(world, "2500000")
    portfolio = PortfolioStream(TENANT)
    program = uuid4()
    world.published(
        portfolio.decision(project.id, "approve", decided_on=date(2026, 6, 1)),
        portfolio.decision(
            program, "defer", decided_on=date(2026, 6, 10), kind="program", covers=[project.id]
        ),
        portfolio.decision(project.id, "approve", decided_on=TOMORROW),  # not in force yet
    )

    with pytest.raises(PortfolioDecisionRequiredError) as refused:
        await world.run(c.ApproveProject(project_id=project.id))
    assert refused.value.problem_extra()["decided_on_component"] == {
        "component_id": str(program),
        "kind": "program",
    }

    # approved as of a date when the approval was the latest decision in force
    approved = await world.run(
        c.ApproveProject(project_id=project.id, effective_on=date(2026, 6, 5))
    )
    assert approved.approved_on == date(2026, 6, 5)


async def test_below_the_threshold_or_in_a_currency_without_one_no_decision_is_needed(
    world: World,
) -> None:
    _approval_threshold(world)
    below = await _baselined(world, "1999999.99", code="B")
    yen = await _baselined(world, "900000000", code="Y", currency="JPY")

    for project in (below, yen):
        assert (await world.run(c.ApproveProject(project_id=project.id))).status == "approved"


async def test_without_standards_no_approval_needs_a_portfolio_decision(world: World) -> None:
    project = await _baselined(world, "900000000")

    assert (await world.run(c.ApproveProject(project_id=project.id))).status == "approved"


async def test_a_decision_under_another_tenant_is_refused_for_our_project(world: World) -> None:
    _approval_threshold(world)
    project = await _baselined(world, "2500000")

    with pytest.raises(ForeignTenantError):
        world.published(
            PortfolioStream(OUTSIDER.tenant).decision(project.id, "approve", decided_on=TODAY)
        )
    with pytest.raises(PortfolioDecisionRequiredError):
        await world.run(c.ApproveProject(project_id=project.id))


# -- the re-baselining gate ----------------------------------------------------------------
def _rebaseline(project: Project) -> c.BaselineProject:
    return baseline_command(project.id, "150000", reason="scope change", effective_on=TODAY)


async def test_under_the_gate_only_the_pmo_rebaselines_underway_work(world: World) -> None:
    project = await active(world, manager=ANN.subject)
    world.published(standards().standards_set(effective_on=YESTERDAY, gates=[GATE]))
    before = world.count()

    with pytest.raises(PmoGateError) as refused:
        await world.run(_rebaseline(project), by=ANN)

    assert world.count() == before
    assert (refused.value.status, refused.value.code) == (403, "pmo-gate")
    assert refused.value.problem_extra() == {
        "gate": GATE,
        "project_id": str(project.id),
        "project_status": "active",
    }
    Problem(403, extra=refused.value.problem_extra())  # no member clashes with the standard ones
    rebaselined = await world.run(_rebaseline(project), by=PMO)
    assert len(rebaselined.baselines) == 2


async def test_the_gate_holds_for_a_project_on_hold_too(world: World) -> None:
    project = await active(world, manager=ANN.subject)
    await world.run(c.HoldProject(project_id=project.id, reason="funding review"))
    world.published(standards().standards_set(effective_on=TODAY, gates=[GATE]))

    with pytest.raises(PmoGateError):
        await world.run(_rebaseline(project), by=ANN)


async def test_the_gate_leaves_a_proposals_baseline_to_its_manager(world: World) -> None:
    world.published(standards().standards_set(effective_on=TODAY, gates=[GATE]))
    project = await proposed(world, manager=ANN.subject)

    await world.run(baseline_command(project.id, "100000"), by=ANN)
    again = await world.run(baseline_command(project.id, "120000"), by=ANN)

    assert [b.budget_at_completion for b in again.baselines] == [Decimal(100000), Decimal(120000)]
    assert world.types(project.id) == ["ProjectProposed", "ProjectBaselined", "ProjectBaselined"]


async def test_without_the_gate_the_manager_rebaselines(world: World) -> None:
    project = await active(world, manager=ANN.subject)
    world.published(
        standards().standards_set(effective_on=YESTERDAY, large={"EUR": "1.00"}),
        standards(OUTSIDER.tenant).standards_set(effective_on=YESTERDAY, gates=[GATE]),
    )

    assert len((await world.run(_rebaseline(project), by=ANN)).baselines) == 2


async def test_a_gate_in_force_from_tomorrow_does_not_hold_today(world: World) -> None:
    project = await active(world, manager=ANN.subject)
    world.published(standards().standards_set(effective_on=TOMORROW, gates=[GATE]))

    assert len((await world.run(_rebaseline(project), by=ANN)).baselines) == 2
