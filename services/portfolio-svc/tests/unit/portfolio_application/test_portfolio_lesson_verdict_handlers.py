"""The PMO's verdicts on suggested lessons through the bus: the PMO alone judges, a verdict may
begin the tenant's stream (the standards stay none: still a 404), it is dated today by default
and never in the future, by whoever sent it, once per Idempotency-Key, and standards set after
it keep their own history."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from pmo_shared.application.errors import ForbiddenError
from pmo_shared.application.idempotency import IdempotentRequest
from portfolio_svc.application import commands as c
from portfolio_svc.application import queries
from portfolio_svc.application.errors import FutureDateError, NoStandardsError
from portfolio_svc.domain.errors import BackdatedFactError
from portfolio_svc.domain.standards import PmoStandards, Suggestion
from portfolio_svc.domain.standards_events import standards_id

from .portfolio_world import (
    OUTSIDER,
    PIA,
    PMO,
    PROGRAM_MANAGER,
    TENANT,
    TODAY,
    VIEWER,
    World,
    standards,
)

ROUTE = "POST /v1/pmo/lesson-verdicts"


def judge(
    suggestion: Suggestion, *, useful: bool = True, note: str = "", judged_on: date | None = None
) -> c.JudgeLessonSuggestion:
    return c.JudgeLessonSuggestion(
        suggestion=suggestion, useful=useful, note=note, judged_on=judged_on
    )


def suggestion() -> Suggestion:
    return Suggestion(uuid4(), uuid4())


async def test_a_verdict_begins_the_stream_and_the_standards_stay_none(world: World) -> None:
    pair = suggestion()

    judged = await world.run(judge(pair, note="saved us a month"))

    assert judged.id == standards_id(TENANT)
    assert judged.version == 1
    assert world.types(judged.id) == ["LessonSuggestionJudged"]
    verdict = judged.verdict_on(pair, TODAY)
    assert verdict is not None
    assert (verdict.useful, verdict.note, verdict.judged_on, verdict.judged_by) == (
        True,
        "saved us a month",
        TODAY,
        PMO.subject,
    )
    with pytest.raises(NoStandardsError) as none:
        await queries.standards_in_force(world.bus, VIEWER)
    assert none.value.status == 404
    assert await queries.standards_history(world.bus, VIEWER) == []


async def test_standards_set_after_a_verdict_keep_their_history(world: World) -> None:
    await world.run(judge(suggestion(), judged_on=date(2026, 3, 1)))
    await world.run(c.SetPmoStandards(standards=standards(), effective_on=date(2026, 2, 1)))
    await world.run(judge(suggestion(), useful=False))

    found = await queries.standards_in_force(world.bus, VIEWER)
    history = await queries.standards_history(world.bus, VIEWER)

    assert (found.standards.effective_on, found.version) == (date(2026, 2, 1), 3)
    assert [(h.standards.effective_on, h.version) for h in history] == [(date(2026, 2, 1), 2)]
    loaded = await world.run(judge(suggestion()))
    assert isinstance(loaded, PmoStandards)
    assert len(loaded.verdicts) == 3


@pytest.mark.parametrize("who", [PIA, VIEWER, PROGRAM_MANAGER])
async def test_only_the_pmo_judges(world: World, who: object) -> None:
    with pytest.raises(ForbiddenError):
        await world.run(judge(suggestion()), by=who)  # type: ignore[arg-type]
    assert world.events() == []


async def test_a_future_or_backdated_verdict_is_refused(world: World) -> None:
    pair = suggestion()
    with pytest.raises(FutureDateError, match="judged_on"):
        await world.run(judge(pair, judged_on=date(2026, 6, 16)))
    await world.run(judge(pair, judged_on=date(2026, 5, 1)))

    with pytest.raises(BackdatedFactError):
        await world.run(judge(pair, useful=False, judged_on=date(2026, 4, 30)))
    replaced = await world.run(judge(pair, useful=False, judged_on=date(2026, 5, 1)))
    verdict = replaced.verdict_on(pair, TODAY)
    assert verdict is not None
    assert not verdict.useful


async def test_a_retry_with_the_same_idempotency_key_records_once(world: World) -> None:
    pair, key = suggestion(), IdempotentRequest(key="v-1", route=ROUTE)

    first = await world.bus.run(judge(pair), PMO, idempotency=key)
    again = await world.bus.run(judge(pair), PMO, idempotency=key)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.result.version == first.result.version == 1
    assert again.result.latest_verdict(pair) == first.result.latest_verdict(pair)
    assert world.types() == ["LessonSuggestionJudged"]


async def test_each_tenant_judges_on_its_own_stream(world: World) -> None:
    ours = await world.run(judge(suggestion()))
    theirs = await world.run(judge(suggestion(), useful=False), by=OUTSIDER)

    assert ours.id != theirs.id
    assert (ours.version, theirs.version) == (1, 1)
    assert theirs.id == standards_id(OUTSIDER.tenant)
