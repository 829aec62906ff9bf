"""The PMO's verdicts on suggested lessons, on the tenant's standards aggregate: given events,
when a verdict, then an event or a refusal; a later verdict replaces the earlier from its date;
verdicts and standards on one stream do not disturb each other; replay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from pmo_shared.domain.errors import InvalidValueError
from portfolio_svc.domain.errors import BackdatedFactError, NothingInForceError
from portfolio_svc.domain.standards import PmoStandards, StandardsInput, Suggestion
from portfolio_svc.domain.standards_events import HealthBand, LessonSuggestionJudged

D1, D2, D3 = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
PROJECT, OTHER_PROJECT = UUID(int=1), UUID(int=2)
LESSON = UUID(int=10)
PAIR = Suggestion(PROJECT, LESSON)


def _standards() -> StandardsInput:
    band = HealthBand(green=Decimal("0.95"), amber=Decimal("0.85"))
    return StandardsInput(
        spi=band,
        cpi=band,
        reporting_cadence_days=14,
        time_zone="UTC",
        large_project_threshold={},
        portfolio_approval_threshold={},
    )


def _replayed(s: PmoStandards) -> PmoStandards:
    again = PmoStandards.of_tenant("acme")
    for event in s.pending:
        again.apply(event)
    return again


def test_a_verdict_may_begin_the_stream_before_any_standards() -> None:
    s = PmoStandards.of_tenant("acme")

    s.judge(PAIR, useful=True, note="", on=D1, by="pmo-carol")

    [event] = s.pending
    assert event == LessonSuggestionJudged(
        project_id=PROJECT,
        lesson_id=LESSON,
        useful=True,
        note="",
        judged_on=D1,
        judged_by="pmo-carol",
    )
    assert s.sets.entries == []  # still no standards
    with pytest.raises(NothingInForceError):
        s.in_force(D2)


def test_a_later_verdict_replaces_the_earlier_from_its_date() -> None:
    s = PmoStandards.of_tenant("acme")
    s.judge(PAIR, useful=True, note="helped the payroll rollout", on=D1, by="pmo-carol")
    s.judge(PAIR, useful=False, note="on reflection, not", on=D2, by="pmo-dan")

    before, first, second = (s.verdict_on(PAIR, d) for d in (date(2026, 2, 28), D1, D3))
    assert before is None
    assert first is not None
    assert (first.useful, first.judged_by) == (True, "pmo-carol")
    assert second is not None
    assert (second.useful, second.note) == (False, "on reflection, not")
    latest = s.latest_verdict(PAIR)
    assert latest is not None
    assert latest.judged_on == D2
    assert s.verdict_on(Suggestion(OTHER_PROJECT, LESSON), D3) is None  # per project


def test_a_verdict_on_the_same_day_replaces_the_earlier_one_of_that_day() -> None:
    s = PmoStandards.of_tenant("acme")
    s.judge(PAIR, useful=True, note="", on=D1, by="pmo-carol")
    s.judge(PAIR, useful=False, note="corrected", on=D1, by="pmo-carol")

    found = s.verdict_on(PAIR, D1)
    assert found is not None
    assert found.note == "corrected"


def test_a_verdict_dated_before_the_one_it_replaces_is_refused() -> None:
    s = PmoStandards.of_tenant("acme")
    s.judge(PAIR, useful=True, note="", on=D2, by="pmo-carol")

    with pytest.raises(BackdatedFactError) as refused:
        s.judge(PAIR, useful=False, note="", on=D1, by="pmo-carol")
    assert refused.value.problem_extra()["earliest"] == D2.isoformat()
    # Another suggestion has its own dates.
    s.judge(Suggestion(OTHER_PROJECT, LESSON), useful=False, note="", on=D1, by="pmo-carol")
    assert len(s.pending) == 2


def test_a_note_longer_than_2000_characters_is_refused() -> None:
    s = PmoStandards.of_tenant("acme")
    with pytest.raises(InvalidValueError, match="note"):
        s.judge(PAIR, useful=True, note="x" * 2001, on=D1, by="pmo-carol")
    s.judge(PAIR, useful=True, note="x" * 2000, on=D1, by="pmo-carol")
    assert len(s.pending) == 1


def test_verdicts_and_standards_share_the_stream_and_replay_alike() -> None:
    s = PmoStandards.of_tenant("acme")
    s.judge(PAIR, useful=True, note="", on=D1, by="pmo-carol")
    s.set(_standards(), on=D2)
    s.judge(PAIR, useful=False, note="", on=D3, by="pmo-carol")

    again = _replayed(s)
    assert [type(e).__name__ for e in s.pending] == [
        "LessonSuggestionJudged",
        "PmoStandardsSet",
        "LessonSuggestionJudged",
    ]
    assert again.in_force(D3).effective_on == D2
    assert again.sets.entries == s.sets.entries
    assert again.verdicts == s.verdicts
    # A set may be dated before a verdict: they are different facts.
    s.set(_standards(), on=D2)
