"""The rules of one history row (`pmo_shared.cli.history` lists the columns): each cell is read
and checked, then the dates against each other in the order project-svc applies them, so a row
that passes here is refused by the service only for a reason of the tenant's (its PMO
standards, an existing project of the same code)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_shared.cli.cells import PROSE_MAX, REASON_MAX, Cells, FileProblem
from pmo_shared.cli.history import (
    DEFAULT_COST_CATEGORY,
    METHODOLOGIES,
    OUTCOMES,
    Cost,
    HistoryRow,
    Lesson,
    Progress,
    Rebaseline,
    Risk,
)
from pmo_shared.cli.row_parts import (
    check_order,
    costs_of,
    lesson_given,
    lesson_of,
    progress_of,
    rebaseline_of,
    risks_of,
)
from pmo_shared.privacy.fields import ERASED

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True, slots=True)
class _Identity:
    code: str
    name: str
    description: str
    methodology: str
    currency: str
    manager: str
    sponsor: str
    flagged_large: bool


@dataclass(frozen=True, slots=True)
class _Plan:
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date


@dataclass(frozen=True, slots=True)
class _End:
    outcome: str
    actual_start: date | None
    ended_on: date
    cancel_reason: str | None


def parse_row(
    row: int, values: Mapping[str, str], *, today: date
) -> HistoryRow | list[FileProblem]:
    """The row as a `HistoryRow`, or every problem found in it."""
    cells = Cells(row, values)
    currency = cells.currency("currency")
    identity = _identity(cells, currency)
    plan = _plan(cells, currency)
    end = _end(cells, today=today)
    extra = _optional(cells, currency, today=today)
    if cells.problems or plan is None or end is None:
        return cells.problems
    parsed = _assemble(row, identity, plan, end, extra)
    check_order(cells, parsed)
    return cells.problems or parsed


def _identity(cells: Cells, currency: str | None) -> _Identity:
    code = cells.raw("code")
    if not CODE.match(code):
        cells.fail(
            "code",
            f"{code!r} is not a project code: 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return _Identity(
        code=code,
        name=cells.text("name"),
        description=cells.text("description", required=False, max_length=PROSE_MAX),
        methodology=cells.choice("methodology", METHODOLOGIES) or "",
        currency=currency or "",
        manager=_user(cells, "manager"),
        sponsor=_user(cells, "sponsor"),
        flagged_large=cells.flag("flagged_large"),
    )


def _user(cells: Cells, column: str) -> str:
    user = cells.text(column)
    if user == ERASED:
        cells.fail(column, f"{ERASED} is what an erased person reads as, not a user id")
    return user


def _plan(cells: Cells, currency: str | None) -> _Plan | None:
    bac = cells.money("bac", currency)
    start, finish = cells.day("planned_start"), cells.day("planned_finish")
    if bac is None or start is None or finish is None:
        return None
    return _Plan(bac, start, finish)


def _end(cells: Cells, *, today: date) -> _End | None:
    """How the project ended: completed on its actual finish, or cancelled on a day for a
    reason (the actual start may be empty for a project cancelled before it started)."""
    outcome = cells.choice("outcome", OUTCOMES)
    start = cells.day("actual_start", required=outcome == "completed", today=today)
    if outcome == "completed":
        _absent(cells, ("cancelled_on", "cancel_reason"), because="the outcome is completed")
        finish = cells.day("actual_finish", today=today)
        return None if finish is None else _End(outcome, start, finish, None)
    if outcome == "cancelled":
        _absent(cells, ("actual_finish",), because="the outcome is cancelled")
        reason = cells.text("cancel_reason", max_length=PROSE_MAX)
        cancelled_on = cells.day("cancelled_on", today=today)
        if cancelled_on is None or not reason:
            return None
        return _End(outcome, start, cancelled_on, reason)
    return None


def _absent(cells: Cells, columns: tuple[str, ...], *, because: str) -> None:
    for column in columns:
        if cells.raw(column):
            cells.fail(column, f"must be empty: {because}")


@dataclass(frozen=True, slots=True)
class _Optional:
    approved_on: date | None
    closed_on: date | None
    rebaseline: Rebaseline | None
    progress: Progress | None
    costs: list[tuple[Decimal, date | None]]
    cost_category: str
    lesson: Lesson | None
    no_lessons_reason: str
    risks: tuple[Risk, ...]


def _optional(cells: Cells, currency: str | None, *, today: date) -> _Optional:
    lesson = lesson_of(cells)
    no_lessons = cells.text("no_lessons_reason", required=False, max_length=REASON_MAX)
    if lesson is None and not no_lessons and not lesson_given(cells):
        cells.fail("no_lessons_reason", "is required without a lesson: closing needs one of them")
    return _Optional(
        approved_on=cells.day("approved_on", required=False, today=today),
        closed_on=cells.day("closed_on", required=False, today=today),
        rebaseline=rebaseline_of(cells, currency, today=today),
        progress=progress_of(cells, today=today),
        costs=costs_of(cells, currency, today=today),
        cost_category=cells.text("cost_category", required=False) or DEFAULT_COST_CATEGORY,
        lesson=lesson,
        no_lessons_reason=no_lessons,
        risks=risks_of(cells, currency),
    )


def _assemble(row: int, who: _Identity, plan: _Plan, end: _End, extra: _Optional) -> HistoryRow:
    """The whole row with its defaults: approved on its first day, closed on its end, undated
    costs on its end, a completed project 100 % complete on its finish."""
    first_day = min(plan.planned_start, end.actual_start or plan.planned_start, end.ended_on)
    progress = extra.progress
    if progress is None and end.outcome == "completed":
        progress = Progress(Decimal(100), end.ended_on)
    return HistoryRow(
        row=row,
        code=who.code,
        name=who.name,
        description=who.description,
        methodology=who.methodology,
        currency=who.currency,
        manager=who.manager,
        sponsor=who.sponsor,
        flagged_large=who.flagged_large,
        budget_at_completion=plan.budget_at_completion,
        planned_start=plan.planned_start,
        planned_finish=plan.planned_finish,
        approved_on=extra.approved_on or first_day,
        rebaseline=extra.rebaseline,
        actual_start=end.actual_start,
        progress=progress,
        costs=tuple(Cost(amount, when or end.ended_on) for amount, when in extra.costs),
        cost_category=extra.cost_category,
        outcome=end.outcome,
        ended_on=end.ended_on,
        cancel_reason=end.cancel_reason,
        closed_on=extra.closed_on or end.ended_on,
        lesson=extra.lesson,
        no_lessons_reason=None if extra.lesson else extra.no_lessons_reason,
        risks=extra.risks,
    )
