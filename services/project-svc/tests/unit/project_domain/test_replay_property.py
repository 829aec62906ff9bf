"""Property: whatever valid commands ran, replaying the serialised events rebuilds the same
state (what the store hands back is enough to rebuild every aggregate)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, get_args

import orjson
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from pmo_shared.domain.errors import DomainError
from project_svc.domain.events import RiskOutcome, registry
from project_svc.domain.project import Project
from project_svc.domain.values import Rag

from .given import PROJECT_ID, UNGATED, proposed

TODAY = date(2026, 6, 15)
days = st.integers(min_value=0, max_value=200).map(lambda n: date(2026, 1, 1) + timedelta(n))
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2)
words = st.text(alphabet="abcdefghij klm", min_size=1, max_size=20).filter(str.strip)
rags = st.sampled_from(list(Rag))
outcomes = st.sampled_from(get_args(RiskOutcome))


def _milestone(p: Project, data: st.DataObject) -> Any:
    if not p.milestones:
        return None
    mid = data.draw(st.sampled_from(sorted(p.milestones)))
    return p.achieve_milestone(mid, achieved_on=data.draw(days), today=TODAY)


def _close_risk(p: Project, data: st.DataObject) -> Any:
    if not p.risks:
        return None
    return p.close_risk(
        data.draw(st.sampled_from(sorted(p.risks))),
        resolution="done",
        outcome=data.draw(outcomes),
        closed_on=data.draw(days),
        today=TODAY,
    )


COMMANDS = {
    "baseline": lambda p, d: p.set_baseline(
        budget_at_completion=d.draw(money),
        planned_start=date(2026, 1, 1),
        planned_finish=date(2026, 12, 31),
        reason=d.draw(st.sampled_from(["", "scope"])),
        effective_on=d.draw(days),
        today=TODAY,
    ),
    "approve": lambda p, d: p.approve(
        approved_by="pmo", effective_on=d.draw(days), today=TODAY, **UNGATED
    ),
    "start": lambda p, d: p.start(actual_start=d.draw(days), today=TODAY),
    "hold": lambda p, d: p.hold(reason=d.draw(words), effective_on=d.draw(days), today=TODAY),
    "resume": lambda p, d: p.resume(effective_on=d.draw(days), today=TODAY),
    "complete": lambda p, d: p.complete(actual_finish=d.draw(days), today=TODAY),
    "cancel": lambda p, d: p.cancel(reason=d.draw(words), effective_on=d.draw(days), today=TODAY),
    "close": lambda p, d: p.close(
        no_lessons_reason=d.draw(st.sampled_from([None, "none"])),
        effective_on=d.draw(days),
        today=TODAY,
    ),
    "progress": lambda p, d: p.report_progress(
        percent_complete=d.draw(st.decimals(0, 100, places=2)), as_of=d.draw(days), today=TODAY
    ),
    "cost": lambda p, d: p.record_cost(
        amount=d.draw(money),
        incurred_on=d.draw(days),
        category=d.draw(words),
        description="",
        today=TODAY,
    ),
    "milestone": lambda p, d: p.add_milestone(name=d.draw(words), due_date=d.draw(days)),
    "achieve": _milestone,
    "risk": lambda p, d: p.raise_risk(
        title=d.draw(words),
        probability=d.draw(st.decimals(0, 1, places=2)),
        impact=d.draw(money),
        owner="o",
        raised_on=d.draw(days),
        today=TODAY,
    ),
    "close_risk": _close_risk,
    "status": lambda p, d: p.submit_status_report(
        schedule=d.draw(rags), cost=d.draw(rags), scope=d.draw(rags), summary="s"
    ),
    "lesson": lambda p, d: p.learn_lesson(
        category=d.draw(words), what_happened="w", recommendation="r"
    ),
}


def _state(project: Project) -> dict[str, Any]:
    return {k: v for k, v in vars(project).items() if k not in ("_pending", "version")}


@settings(max_examples=300, deadline=None)
@for_all(st.data())
def test_replaying_stored_events_rebuilds_the_same_state(data: st.DataObject) -> None:
    project = Project.propose(PROJECT_ID, **proposed().model_dump(exclude={"project_id"}))
    names = data.draw(st.lists(st.sampled_from(sorted(COMMANDS)), max_size=40))
    for name in names:
        with contextlib.suppress(DomainError):  # refused commands record nothing
            COMMANDS[name](project, data)

    stored = [
        (e.event_type, e.schema_version, orjson.loads(orjson.dumps(e.model_dump(mode="json"))))
        for e in project.pending
    ]
    replayed = Project.rehydrate(PROJECT_ID, (registry.decode(*row) for row in stored))

    assert _state(replayed) == _state(project)
    assert replayed.version == len(project.pending)
